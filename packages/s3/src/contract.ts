/**
 * What the construct and the handler agree on: the function's environment variables (names, defaults, how each
 * is checked), the thumbnail formats, and the Powertools service name. The construct sets the variables at
 * synth; the handler reads them once per execution environment with `readEnvironment(SettingsSchema)` from
 * `@triggers/kit/runtime`. No CDK import here (the handler's bundle includes this file), and no sharp or ffmpeg
 * (the construct imports it, and a synth must not load them).
 */
import * as z from 'zod/mini';

/** Powertools' `service` on every log line and metric of the function. */
export const SERVICE_NAME = 'thumbnailer';

/** The environment variables the construct sets and the handler reads. */
export const ENV = {
  /** The bucket thumbnails are written to. Required. */
  thumbnailBucket: 'THUMBNAIL_BUCKET_NAME',
  /** Widths in pixels, comma-separated: `128,512`. */
  widths: 'THUMBNAIL_WIDTHS',
  /** One of {@link FORMATS}: `webp`. */
  format: 'THUMBNAIL_FORMAT',
  /** Larger uploads are rejected without being read. */
  maxObjectBytes: 'MAX_OBJECT_BYTES',
  /** Images with more pixels are rejected before decoding. */
  maxInputPixels: 'MAX_INPUT_PIXELS',
  /** The thumbnails' Cache-Control header. */
  cacheControl: 'THUMBNAIL_CACHE_CONTROL',
} as const;

/** The formats a thumbnail can be written in: sharp's output method, the key's extension, the Content-Type. */
export const FORMATS = {
  webp: { extension: 'webp', contentType: 'image/webp' },
  avif: { extension: 'avif', contentType: 'image/avif' },
  jpeg: { extension: 'jpg', contentType: 'image/jpeg' },
  png: { extension: 'png', contentType: 'image/png' },
} as const satisfies Record<string, { extension: string; contentType: string }>;

export type ThumbnailFormat = keyof typeof FORMATS;

const FORMAT_NAMES = Object.keys(FORMATS) as [ThumbnailFormat, ...ThumbnailFormat[]];

export const DEFAULT_WIDTHS = [128, 512] as const;
export const DEFAULT_FORMAT: ThumbnailFormat = 'webp';
export const DEFAULT_MAX_OBJECT_BYTES = 100 * 1024 * 1024;
/** 100 megapixels: every camera photo (a 12 MP phone, a 61 MP full frame), not a 30 000 × 30 000 bomb. */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;
/** Thumbnails keep their key when the source is replaced, so they are cached for a day, not forever. */
export const DEFAULT_CACHE_CONTROL = 'public, max-age=86400';

/** Thumbnail widths: at least one, each a whole number of pixels from 1 to 4096. */
export function validWidths(widths: readonly number[]): boolean {
  return widths.length > 0 && widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 4096);
}
export const WIDTHS_RULE = 'must be whole numbers of pixels from 1 to 4096';

const widthList = z
  .pipe(
    z.string(),
    z.transform((raw: string) => raw.split(',').map((width) => Number(width.trim()))),
  )
  .check(z.refine(validWidths, `${WIDTHS_RULE}, separated by commas`));

const positiveWholeNumber = z
  .pipe(z.string(), z.transform(Number))
  .check(z.refine((value) => Number.isSafeInteger(value) && value >= 1, 'must be a positive whole number'));

/**
 * The function's settings, as the handler reads them at cold start (`readEnvironment` from
 * `@triggers/kit/runtime`): a wrong value stops the function at init with one line naming the variable, its value
 * and what it must be, instead of every upload failing into the dead-letter queue later.
 */
export const SettingsSchema = z.pipe(
  z.object({
    [ENV.thumbnailBucket]: z
      .string('names the bucket thumbnails are written to')
      .check(z.minLength(1, 'names the bucket thumbnails are written to')),
    [ENV.widths]: z._default(widthList, [...DEFAULT_WIDTHS]),
    [ENV.format]: z._default(
      z.enum(FORMAT_NAMES, `must be one of ${FORMAT_NAMES.join(', ')}`),
      DEFAULT_FORMAT,
    ),
    [ENV.maxObjectBytes]: z._default(positiveWholeNumber, DEFAULT_MAX_OBJECT_BYTES),
    [ENV.maxInputPixels]: z._default(positiveWholeNumber, DEFAULT_MAX_INPUT_PIXELS),
    [ENV.cacheControl]: z._default(z.string(), DEFAULT_CACHE_CONTROL),
  }),
  // The handler works with what the settings mean, not with variable names.
  z.transform((env) => ({
    thumbnailBucket: env[ENV.thumbnailBucket],
    widths: [...new Set(env[ENV.widths])],
    format: env[ENV.format],
    maxObjectBytes: env[ENV.maxObjectBytes],
    maxInputPixels: env[ENV.maxInputPixels],
    cacheControl: env[ENV.cacheControl],
  })),
);

export type Settings = z.infer<typeof SettingsSchema>;
