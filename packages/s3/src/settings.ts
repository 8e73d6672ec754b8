import { FORMATS, type ThumbnailFormat } from './media.ts';

/** The handler's configuration, from its environment (set by the construct). */
export interface Settings {
  readonly thumbnailBucket: string;
  readonly widths: readonly number[];
  readonly format: ThumbnailFormat;
  readonly maxObjectBytes: number;
  readonly maxInputPixels: number;
  readonly cacheControl: string;
}

export const DEFAULT_WIDTHS = [128, 512] as const;
export const DEFAULT_MAX_OBJECT_BYTES = 100 * 1024 * 1024;
/** 100 megapixels: every camera photo (a 12 MP phone, a 61 MP full frame), not a 30 000 × 30 000 bomb. */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;
/** Thumbnails keep their key when the source is replaced, so they are cached for a day, not forever. */
export const DEFAULT_CACHE_CONTROL = 'public, max-age=86400';

/** Reads and checks the settings; a wrong value stops the function at init with one sentence saying which. */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const thumbnailBucket = env.THUMBNAIL_BUCKET_NAME;
  if (!thumbnailBucket)
    throw new Error('THUMBNAIL_BUCKET_NAME is not set: the bucket thumbnails are written to.');
  const widths = env.THUMBNAIL_WIDTHS
    ? env.THUMBNAIL_WIDTHS.split(',').map((w) => Number(w.trim()))
    : [...DEFAULT_WIDTHS];
  if (widths.length === 0 || widths.some((w) => !Number.isInteger(w) || w < 1 || w > 4096)) {
    throw new Error(
      `THUMBNAIL_WIDTHS must be whole numbers of pixels from 1 to 4096, not "${env.THUMBNAIL_WIDTHS}".`,
    );
  }
  const format = (env.THUMBNAIL_FORMAT || 'webp') as ThumbnailFormat;
  if (!Object.hasOwn(FORMATS, format)) {
    throw new Error(`THUMBNAIL_FORMAT must be one of ${Object.keys(FORMATS).join(', ')}, not "${format}".`);
  }
  return {
    thumbnailBucket,
    widths: [...new Set(widths)],
    format,
    maxObjectBytes: positive(env, 'MAX_OBJECT_BYTES', DEFAULT_MAX_OBJECT_BYTES),
    maxInputPixels: positive(env, 'MAX_INPUT_PIXELS', DEFAULT_MAX_INPUT_PIXELS),
    cacheControl: env.THUMBNAIL_CACHE_CONTROL || DEFAULT_CACHE_CONTROL,
  };
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be a positive whole number, not "${raw}".`);
  return value;
}
