/**
 * @triggers/local-cloud: runs a synthesized CDK app (a cloud assembly) on this machine behind one endpoint.
 */

// S3's records and key encoding are the events model's; the old names stay for those who import them here.
export { encodeS3Key as encodeEventKey, type S3EventRecord } from '@triggers/events';
export type { CfnTemplate, CloudAssembly, StackArtifact } from './assembly.ts';
export { readAssembly, selectStacks } from './assembly.ts';
export {
  type Attachment,
  type Layout,
  parseCommandLine,
  type ServeOptions,
  serve,
  type UpOptions,
} from './cli.ts';
export { type Clock, type ManualClock, manualClock, scaledClock } from './clock.ts';
export type { CloudWatcher, LocalCloud, LocalCloudOptions, LocalLogEvent } from './cloud.ts';
export { startLocalCloud } from './cloud.ts';
export type { Delivery } from './destinations.ts';
export { startFauxqs } from './emulators/fauxqs.ts';
export { LocalCloudError } from './errors.ts';
export { DEFAULT_PORT, HEALTH_PATH } from './gateway.ts';
export type { HttpApiInfo } from './http-api/index.ts';
export {
  formatEndpoint,
  formatHttpApis,
  formatLogEvent,
  formatStack,
  honoursEndpointUrl,
  wrapCommand,
  wrapText,
} from './report.ts';
export type { ObjectChange, ObjectEventName } from './s3/front.ts';
export type { NotificationRule, NotificationTarget } from './s3/notification-config.ts';
export type * from './types.ts';
