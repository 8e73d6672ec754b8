export { S3Integration, type S3IntegrationProps } from './construct.ts';
export { integration } from './integration.ts';
export {
  detectMedia,
  extractFrame,
  FORMATS,
  ffmpegPath,
  type MediaKind,
  makeThumbnails,
  RejectedObjectError,
  type Thumbnail,
  type ThumbnailFormat,
  type ThumbnailOptions,
} from './media.ts';
export { readSettings, type Settings } from './settings.ts';
export {
  compareSequencers,
  decodeKey,
  type SourceObject,
  type ThumbnailMetadata,
  thumbnailKey,
} from './source.ts';
export { S3Stack, type S3StackProps } from './stack.ts';
