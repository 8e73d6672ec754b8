import { execFile } from 'node:child_process';
import { access, chmod, constants, copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import type { ThumbnailFormat } from './contract.ts';

/**
 * The object can never become a thumbnail (not an image or video, too large, a decompression bomb, corrupt):
 * retrying will not help. Thrown so the invocation fails and the event reaches the on-failure destination with
 * this reason, after Lambda's async retries (which reject it again quickly, from the first bytes).
 */
export class RejectedObjectError extends Error {
  override readonly name = 'RejectedObjectError';
}

export type MediaKind = 'image' | 'video';

/** What is accepted, by content: the MIME type file-type reads from the magic bytes. */
const ACCEPTED: Readonly<Record<string, MediaKind>> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/webp': 'image',
  'image/avif': 'image',
  'image/gif': 'image',
  'image/tiff': 'image',
  'video/mp4': 'video',
  'video/quicktime': 'video',
  'video/webm': 'video',
};

/** How many leading bytes type detection looks at (file-type's own "reasonable" sample size). */
export const DETECTION_BYTES = 4100;

/**
 * TIFF's signature, little- and big-endian. file-type also reads the first IFD to tell a TIFF from the camera raw
 * formats built on it, but writers often put that IFD after the image data, past the bytes sniffed here: such a
 * file is taken as a TIFF and left to sharp, which rejects what it cannot decode.
 */
const TIFF_SIGNATURES = [Buffer.from('49492a00', 'hex'), Buffer.from('4d4d002a', 'hex')];

const looksLikeTiff = (head: Uint8Array): boolean =>
  TIFF_SIGNATURES.some((signature) => Buffer.from(head.subarray(0, 4)).equals(signature));

/** Reads the type from the content's first bytes; whatever the key's suffix says is ignored. */
export async function detectMedia(head: Uint8Array): Promise<{ kind: MediaKind; mime: string }> {
  const type = (await fileTypeFromBuffer(head)) ?? (looksLikeTiff(head) ? { mime: 'image/tiff' } : undefined);
  const kind = type && ACCEPTED[type.mime];
  if (!type || !kind) {
    throw new RejectedObjectError(
      type
        ? `not an image or video: the content is ${type.mime}`
        : 'not an image or video: the content matches no known file type',
    );
  }
  return { kind, mime: type.mime };
}

export interface Thumbnail {
  /** The thumbnail's own width: less than the width asked for when the source is narrower (never enlarged). */
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

export interface ThumbnailOptions {
  readonly widths: readonly number[];
  readonly format: ThumbnailFormat;
  /** Refuse images with more pixels than this (width × height) before decoding them. */
  readonly maxInputPixels: number;
}

// Lambda reuses the process: libvips' operation cache would only hold on to memory from earlier objects.
sharp.cache(false);

/**
 * Resizes an image (a file path or bytes) to each width: aspect ratio kept, never enlarged, turned upright from
 * its EXIF orientation, metadata (EXIF, GPS, ICC) dropped, first frame of an animation. One decode, one clone
 * per width. The same input always gives the same bytes, so re-processing writes identical thumbnails.
 */
export async function makeThumbnails(
  input: string | Buffer,
  options: ThumbnailOptions,
): Promise<Thumbnail[]> {
  const limits = { limitInputPixels: options.maxInputPixels, failOn: 'error' as const };
  let metadata: Metadata;
  try {
    // Only the header is read here, so no pixel limit yet: it is checked below, with the numbers in the reason.
    metadata = await sharp(input, { ...limits, limitInputPixels: false }).metadata();
  } catch (error) {
    throw new RejectedObjectError(`unreadable image: ${messageOf(error)}`);
  }
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > options.maxInputPixels) {
    throw new RejectedObjectError(
      `decompression bomb: ${metadata.width} × ${metadata.height} pixels is over the limit of ${options.maxInputPixels}`,
    );
  }
  const base = sharp(input, limits).rotate();
  try {
    return await Promise.all(
      options.widths.map(async (width) => {
        const { data, info } = await base
          .clone()
          .resize({ width, withoutEnlargement: true })
          [options.format]()
          .toBuffer({ resolveWithObject: true });
        return { width: info.width, height: info.height, data };
      }),
    );
  } catch (error) {
    throw new RejectedObjectError(`unreadable image: ${messageOf(error)}`);
  }
}

/** Seconds into a video where the representative frame is taken (a first frame is often black or a fade-in). */
export const FRAME_AT_SECONDS = 1;

/**
 * One frame of a video as PNG bytes, at most `maxWidth` wide. Input seeking (`-ss` before `-i`) jumps to the key
 * frame before 1 s and decodes only from there: the cost does not grow with the video's length and no duration
 * probe is needed (10 % in would need one). A video shorter than that gives no frame; then the first is taken.
 */
export async function extractFrame(file: string, maxWidth: number, timeoutMs: number): Promise<Buffer> {
  const ffmpeg = await ffmpegPath();
  for (const at of [FRAME_AT_SECONDS, 0]) {
    let frame: Buffer;
    try {
      const { stdout } = await run(
        ffmpeg,
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-nostdin',
          ...(at > 0 ? ['-ss', String(at)] : []),
          '-i',
          file,
          '-map',
          '0:v:0',
          '-frames:v',
          '1',
          '-vf',
          `scale='min(iw,${maxWidth})':-1`,
          '-f',
          'image2pipe',
          '-vcodec',
          'png',
          'pipe:1',
        ],
        { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' },
      );
      frame = stdout;
    } catch (error) {
      const failed = error as { killed?: boolean; stderr?: Buffer; code?: unknown };
      if (failed.killed) throw new Error(`ffmpeg took longer than ${timeoutMs} ms`);
      if (typeof failed.code === 'string') throw error; // ENOENT, EACCES: the binary, not the video
      const reason = failed.stderr?.toString().trim().split('\n').at(-1) ?? messageOf(error);
      throw new RejectedObjectError(`unreadable video: ${reason}`);
    }
    if (frame.length > 0) return frame;
  }
  throw new RejectedObjectError('unreadable video: it has no video frame');
}

const run = promisify(execFile);

let ffmpeg: Promise<string> | undefined;

/**
 * The ffmpeg binary for the running architecture, found the way sharp finds its native build:
 * `@ffmpeg-installer/linux-<arch>` next to the code (arm64 in Lambda, x64 on a developer's machine), or
 * `FFMPEG_PATH`. If the deployment zip lost the executable bit, a copy in /tmp gets it back.
 */
export function ffmpegPath(): Promise<string> {
  ffmpeg ??= (async () => {
    const path =
      process.env.FFMPEG_PATH ||
      createRequire(import.meta.url).resolve(`@ffmpeg-installer/linux-${process.arch}/ffmpeg`);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      const copy = join(tmpdir(), 'ffmpeg');
      await copyFile(path, copy);
      await chmod(copy, 0o755);
      return copy;
    }
  })();
  ffmpeg.catch(() => {
    ffmpeg = undefined; // let the next video try again
  });
  return ffmpeg;
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
