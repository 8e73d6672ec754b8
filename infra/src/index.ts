export { createApp } from './app.ts';
export {
  descriptors,
  findIntegration,
  integrationOfStack,
  integrations,
  RENAMED,
  renamedHint,
} from './integrations.ts';
