/**
 * `pnpm bench` (s3): thumbnails per second and peak memory for a 12-megapixel JPEG and a 10 s 1080p
 * video, through the handler's own code (detect, sharp, ffmpeg) with this machine's x64 binaries; S3 left out.
 * Each case runs in a fresh process, so its peak memory is its own. Figures, not assertions.
 *
 * Peak memory is sampled like Lambda's "Max Memory Used": this process plus its children (ffmpeg), every 5 ms.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { DEFAULT_MAX_INPUT_PIXELS, DEFAULT_WIDTHS } from '../src/contract.ts';
import { DETECTION_BYTES, detectMedia, extractFrame, makeThumbnails } from '../src/media.ts';

const ROUNDS = { image: 10, video: 10 } as const;
type Case = keyof typeof ROUNDS;

/** Resident memory of this process and of its live children, in bytes (Linux /proc). */
function residentBytes(): number {
  let total = process.memoryUsage.rss();
  for (const task of readdirSync('/proc/self/task')) {
    let children = '';
    try {
      children = readFileSync(`/proc/self/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.split(' ').filter(Boolean)) {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        total += Number(kb ?? 0) * 1024;
      } catch {
        // exited between the two reads
      }
    }
  }
  return total;
}

async function runCase(name: Case, file: string): Promise<void> {
  const options = {
    widths: DEFAULT_WIDTHS,
    format: 'webp' as const,
    maxInputPixels: DEFAULT_MAX_INPUT_PIXELS,
  };
  const once = async () => {
    const head = readFileSync(file).subarray(0, DETECTION_BYTES);
    const { kind } = await detectMedia(head);
    const input = kind === 'video' ? await extractFrame(file, Math.max(...options.widths), 60_000) : file;
    return makeThumbnails(input, options);
  };
  await once(); // warm-up: loads libvips, codecs and ffmpeg from disk once, as a warm Lambda environment has
  let peak = residentBytes();
  const sampler = setInterval(() => {
    peak = Math.max(peak, residentBytes());
  }, 5);
  const start = process.hrtime.bigint();
  let thumbnails = 0;
  for (let round = 0; round < ROUNDS[name]; round++) thumbnails += (await once()).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, residentBytes());
  console.log(
    JSON.stringify({
      uploadsPerSecond: ROUNDS[name] / seconds,
      thumbnailsPerSecond: thumbnails / seconds,
      msPerUpload: (seconds * 1000) / ROUNDS[name],
      peakMiB: peak / 2 ** 20,
    }),
  );
}

async function main() {
  const [, , name, file] = process.argv;
  if (name === 'image' || name === 'video') return runCase(name, file as string);

  const work = mkdtempSync(join(tmpdir(), 'bench-thumbnails-'));
  try {
    const jpeg = join(work, 'photo-12mp.jpg');
    // 4000 × 3000 of noise: detail everywhere, so the JPEG is as large and as slow to decode as a real photo.
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
    writeFileSync(
      jpeg,
      await sharp({ create: { width: 4000, height: 3000, channels: 3, noise } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const mp4 = join(work, 'clip-1080p-10s.mp4');
    const ffmpeg = createRequire(import.meta.url).resolve(`@ffmpeg-installer/linux-${process.arch}/ffmpeg`);
    await promisify(execFile)(ffmpeg, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi'],
      ...['-i', 'testsrc2=size=1920x1080:rate=30:duration=10'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', mp4],
    ]);

    console.log(
      `Thumbnails (${DEFAULT_WIDTHS.join(' + ')} px WebP), Node ${process.version}, ${process.arch}`,
    );
    console.log(
      'case                      uploads/s  thumbnails/s  per upload  peak memory (process + ffmpeg)',
    );
    for (const [name, file, label] of [
      ['image', jpeg, '12 MP JPEG (4000 × 3000)'],
      ['video', mp4, '10 s 1080p H.264 MP4'],
    ] as const) {
      const self = fileURLToPath(import.meta.url);
      const child = spawnSync(process.execPath, [...process.execArgv, self, name, file], {
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`the ${name} case failed: ${child.stderr.trim()}`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1) as string);
      console.log(
        [
          label.padEnd(24),
          result.uploadsPerSecond.toFixed(1).padStart(9),
          result.thumbnailsPerSecond.toFixed(1).padStart(13),
          `${result.msPerUpload.toFixed(0)} ms`.padStart(11),
          `${result.peakMiB.toFixed(0)} MiB`.padStart(10),
        ].join('  '),
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
