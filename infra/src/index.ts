export { createApp } from './app.ts';
export {
  findIntegration,
  type Integration,
  type IntegrationName,
  integrationOfStack,
  integrations,
  RENAMED,
  renamedHint,
} from './integrations.ts';
