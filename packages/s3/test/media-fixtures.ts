/** Test media made on the spot: pictures with sharp, short videos with this machine's ffmpeg. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import sharp from 'sharp';

/** The host's ffmpeg (the asset carries arm64's; tests run on this machine). */
export const hostFfmpeg = createRequire(import.meta.url).resolve(
  `@ffmpeg-installer/linux-${process.arch}/ffmpeg`,
);

/** A picture with something in it (a flat colour compresses to almost nothing). */
export const picture = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } }).composite([
    {
      input: Buffer.from(
        `<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="blue"/></svg>`,
      ),
    },
  ]);

/** H.264 in MP4 or MOV, as phones record it. */
export const H264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'];

/** ffmpeg's test pattern at 320 × 240 for `seconds`, written to `file` with `codec`, and its bytes. */
export async function testVideo(file: string, seconds: number, codec: readonly string[]): Promise<Buffer> {
  await promisify(execFile)(hostFfmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi'],
    ...['-i', `testsrc=size=320x240:rate=25:duration=${seconds}`],
    ...codec,
    file,
  ]);
  return readFileSync(file);
}
