export { S3ThumbnailIntegration, type S3ThumbnailIntegrationProps } from './construct.ts';
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
export { S3ThumbnailStack, type S3ThumbnailStackProps } from './stack.ts';
