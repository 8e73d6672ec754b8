export { createApp } from './app.ts';
export { findIntegration, type Integration, type IntegrationName, integrations } from './integrations.ts';
