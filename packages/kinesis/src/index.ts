export { KinesisIntegration, type KinesisIntegrationProps } from './construct.ts';
export {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_PREFIX,
  CONSUMER_FILTER,
  CONSUMER_SERVICE_NAME,
  ENV,
  HEARTBEAT_TYPE,
  TRANSFORM_SERVICE_NAME,
  WINDOW_SECONDS,
} from './contract.ts';
export { integration } from './integration.ts';
export { normalizePage, type PageView, type PageViewEvent, PageViewSchema, readRecord } from './page-view.ts';
export { KinesisStack, type KinesisStackProps } from './stack.ts';
export { type AggregateItem, type WindowState, WindowStateSchema } from './window.ts';
