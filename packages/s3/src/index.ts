/**
 * @triggers/s3: the construct side (construct, stack, descriptor) and the contract it shares with the handler.
 * The handler's media code (sharp, ffmpeg) is not exported here: the shared CDK app imports this file, and a
 * synth must not load sharp (infra/test/synth-loads.test.ts). Import `src/media.ts` directly where you need it.
 */
export { S3Integration, type S3IntegrationProps } from './construct.ts';
export {
  DEFAULT_CACHE_CONTROL,
  DEFAULT_FORMAT,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_MAX_OBJECT_BYTES,
  DEFAULT_WIDTHS,
  ENV,
  FORMATS,
  SERVICE_NAME,
  type Settings,
  SettingsSchema,
  type ThumbnailFormat,
} from './contract.ts';
export { integration } from './integration.ts';
export {
  compareSequencers,
  decodeKey,
  type SourceObject,
  type ThumbnailMetadata,
  thumbnailKey,
} from './source.ts';
export { S3Stack, type S3StackProps } from './stack.ts';
