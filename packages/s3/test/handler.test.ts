import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandInput,
  HeadObjectCommand,
  type HeadObjectCommandInput,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type S3ObjectInput, s3Event } from '@triggers/events';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../src/handler.ts';
import { RejectedObjectError } from '../src/media.ts';
import { compareSequencers } from '../src/source.ts';
import { H264, hostFfmpeg, picture, testVideo } from './media-fixtures.ts';

const context = {
  functionName: 'thumbnailer',
  awsRequestId: 'request-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const s3 = mockClient(S3Client);
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

interface StoredObject {
  readonly body: Buffer;
  readonly contentType?: string;
  readonly cacheControl?: string;
  readonly metadata: Record<string, string>;
}

const stored = (body: Buffer): StoredObject => ({ body, metadata: {} });

/**
 * S3 in memory behind the mocked client, keyed by bucket AND key as S3 is: a handler that wrote thumbnails into
 * the source bucket would find them there, not in `thumbnails`. Two buckets exist, `uploads` (the source) and
 * `thumbnails`; any other is NoSuchBucket. GET honours If-Match; `failPutsWith` makes every write fail, as an
 * S3 outage would.
 */
function fakeBuckets(options: { failPutsWith?: Error; lieAboutLength?: boolean } = {}) {
  const uploads = new Map<string, StoredObject>();
  const thumbnails = new Map<string, StoredObject>();
  const buckets = new Map([
    ['uploads', uploads],
    ['thumbnails', thumbnails],
  ]);
  const bucket = (name: string | undefined) => {
    const objects = buckets.get(name ?? '');
    if (!objects) {
      throw new NoSuchBucket({
        message: 'The specified bucket does not exist',
        $metadata: { httpStatusCode: 404 },
      });
    }
    return objects;
  };
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    const body = bucket(input.Bucket).get(input.Key ?? '')?.body;
    if (!body) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    if (input.IfMatch && input.IfMatch !== `"${md5(body)}"`) {
      throw new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
        message: 'At least one of the pre-conditions you specified did not hold',
      });
    }
    // Chunks of 1 KB, as a network stream would deliver them.
    const chunks = Array.from({ length: Math.ceil(body.length / 1024) }, (_, i) =>
      body.subarray(i * 1024, (i + 1) * 1024),
    );
    return {
      Body: Readable.from(chunks),
      ContentLength: options.lieAboutLength ? undefined : body.length,
      ETag: `"${md5(body)}"`,
    };
  });
  s3.on(HeadObjectCommand).callsFake((input: HeadObjectCommandInput) => {
    const object = bucket(input.Bucket).get(input.Key ?? '');
    if (!object) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
    return { Metadata: object.metadata, ContentType: object.contentType };
  });
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    if (options.failPutsWith) throw options.failPutsWith;
    bucket(input.Bucket).set(input.Key ?? '', {
      body: input.Body as Buffer,
      contentType: input.ContentType,
      cacheControl: input.CacheControl,
      metadata: input.Metadata ?? {},
    });
    return {};
  });
  s3.on(DeleteObjectCommand).callsFake((input) => {
    bucket(input.Bucket).delete(input.Key ?? '');
    return {};
  });
  /** Stores an upload and returns the event S3 would send for it. */
  const upload = (key: string, body: Buffer, input: Partial<S3ObjectInput> = {}) => {
    uploads.set(key, stored(body));
    return s3Event([{ key, body, ...input }], { bucketName: 'uploads' });
  };
  return { uploads, thumbnails, upload };
}

/**
 * The handler as a new execution environment with these settings loads it: the handler reads its environment once,
 * at cold start, so the module is loaded again after the variables are set.
 */
async function coldStart(env: Record<string, string>): Promise<typeof handler> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return (await import('../src/handler.ts')).handler;
}

const dimensions = async (data: Buffer) => {
  const { width, height, format, exif } = await sharp(data).metadata();
  return { width, height, format, exif };
};

let work: string;
const fixtures: Record<string, Buffer> = {};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'thumbnail-fixtures-'));
  fixtures.jpeg = await picture(600, 400).jpeg().toBuffer();
  // Stored 800 × 400 with EXIF orientation 6: a camera held upright, shown 400 × 800.
  fixtures.rotatedJpeg = await picture(800, 400).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  fixtures.png = await picture(600, 400).png().toBuffer();
  fixtures.webp = await picture(600, 400).webp().toBuffer();
  fixtures.avif = await picture(600, 400).avif().toBuffer();
  fixtures.gif = await picture(600, 400).gif().toBuffer();
  fixtures.tiff = await picture(600, 400).tiff().toBuffer();
  fixtures.small = await picture(100, 50).png().toBuffer();
  fixtures.mp4 = await testVideo(join(work, 'clip.mp4'), 2, H264);
  fixtures.mov = await testVideo(join(work, 'clip.mov'), 2, H264);
  fixtures.webm = await testVideo(join(work, 'clip.webm'), 2, ['-c:v', 'libvpx', '-b:v', '200k']);
  fixtures.shortMp4 = await testVideo(join(work, 'short.mp4'), 0.4, H264);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  s3.reset();
  vi.unstubAllEnvs();
});

describe('thumbnails of images', () => {
  it.each([
    ['photo.jpg', 'jpeg', 'image/jpeg'],
    ['drawing.png', 'png', 'image/png'],
    ['modern.webp', 'webp', 'image/webp'],
    ['modern.avif', 'avif', 'image/avif'],
    ['animation.gif', 'gif', 'image/gif'],
    ['scan.tiff', 'tiff', 'image/tiff'],
  ])('makes 128 and 512 px WebP thumbnails of %s, keeping its aspect ratio', async (key, fixture, mime) => {
    // Prepare
    const { uploads, thumbnails, upload } = fakeBuckets();
    const event = upload(key, fixtures[fixture] as Buffer);

    // Act
    const result = await handler(event, context);

    // Assess: in the thumbnail bucket only; a write to the source bucket would trigger the function again
    expect(result.outcomes).toEqual(['created']);
    expect([...thumbnails.keys()].sort()).toEqual([
      `thumbnails/128/${key}.webp`,
      `thumbnails/512/${key}.webp`,
    ]);
    expect([...uploads.keys()]).toEqual([key]);
    const small = thumbnails.get(`thumbnails/128/${key}.webp`) as StoredObject;
    const large = thumbnails.get(`thumbnails/512/${key}.webp`) as StoredObject;
    expect(await dimensions(small.body)).toMatchObject({ width: 128, height: 85, format: 'webp' });
    expect(await dimensions(large.body)).toMatchObject({ width: 512, height: 341, format: 'webp' });
    expect(small.contentType).toBe('image/webp');
    expect(small.cacheControl).toBe('public, max-age=86400');
    expect(small.metadata).toEqual({
      'source-bucket': 'uploads',
      'source-key': key,
      'source-etag': md5(fixtures[fixture] as Buffer),
      'source-sequencer': event.Records[0]?.s3.object.sequencer,
      'source-type': mime,
      width: '128',
      height: '85',
    });
  });

  it('turns an EXIF-rotated photo upright and strips its metadata', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();
    const event = upload('camera.jpg', fixtures.rotatedJpeg as Buffer);

    // Act
    await handler(event, context);

    // Assess
    const thumbnail = thumbnails.get('thumbnails/128/camera.jpg.webp') as StoredObject;
    expect(await dimensions(thumbnail.body)).toEqual({
      width: 128,
      height: 256,
      format: 'webp',
      exif: undefined,
    });
    expect((await sharp(fixtures.rotatedJpeg).metadata()).orientation).toBe(6);
  });

  it('never enlarges an image smaller than a thumbnail width', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();

    // Act
    await handler(upload('tiny.png', fixtures.small as Buffer), context);

    // Assess: the key keeps the width asked for; the metadata tells the thumbnail's real size
    const large = thumbnails.get('thumbnails/512/tiny.png.webp') as StoredObject;
    expect(await dimensions(large.body)).toMatchObject({ width: 100, height: 50 });
    expect(large.metadata).toMatchObject({ width: '100', height: '50' });
  });

  it('reads keys with spaces, plus signs and unicode as S3 encodes them in the event', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();
    const key = 'photos/été 2026/ñandú + 🐦.jpg';
    const event = upload(key, fixtures.jpeg as Buffer);

    // Act
    await handler(event, context);

    // Assess
    expect(event.Records[0]?.s3.object.key).toBe(
      'photos/%C3%A9t%C3%A9+2026/%C3%B1and%C3%BA+%2B+%F0%9F%90%A6.jpg',
    );
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input.Key).toBe(key);
    expect([...thumbnails.keys()]).toContain(`thumbnails/128/${key}.webp`);
    expect(thumbnails.get(`thumbnails/128/${key}.webp`)?.metadata['source-key']).toBe(
      encodeURIComponent(key),
    );
  });

  it('writes the configured format and widths', async () => {
    // Prepare
    const configured = await coldStart({ THUMBNAIL_FORMAT: 'jpeg', THUMBNAIL_WIDTHS: '64, 300' });
    const { thumbnails, upload } = fakeBuckets();

    // Act
    await configured(upload('photo.png', fixtures.png as Buffer), context);

    // Assess
    expect([...thumbnails.keys()].sort()).toEqual([
      'thumbnails/300/photo.png.jpg',
      'thumbnails/64/photo.png.jpg',
    ]);
    const thumbnail = thumbnails.get('thumbnails/64/photo.png.jpg') as StoredObject;
    expect(thumbnail.contentType).toBe('image/jpeg');
    expect(await dimensions(thumbnail.body)).toMatchObject({ width: 64, format: 'jpeg' });
  });

  it.each([
    [
      'THUMBNAIL_WIDTHS',
      'small',
      /^THUMBNAIL_WIDTHS is "small": must be whole numbers of pixels from 1 to 4096/,
    ],
    ['THUMBNAIL_FORMAT', 'bmp', /^THUMBNAIL_FORMAT is "bmp": must be one of webp, avif, jpeg, png \(/],
    ['MAX_OBJECT_BYTES', '-1', /^MAX_OBJECT_BYTES is "-1": must be a positive whole number \(/],
    ['THUMBNAIL_BUCKET_NAME', '', /^THUMBNAIL_BUCKET_NAME is "": /],
  ])('explains a wrong %s in one sentence, at cold start', async (name, value, message) => {
    // Act
    const loading = coldStart({ [name]: value });

    // Assess: the function cannot start, and says why in one line
    await expect(loading).rejects.toThrow(message);
    await expect(loading).rejects.toMatchObject({ name: 'ConfigurationError' });
    await expect(loading).rejects.not.toThrow(/\n/);
  });
});

describe('thumbnails of videos', () => {
  it.each([
    ['clip.mp4', 'mp4', 'video/mp4'],
    ['clip.mov', 'mov', 'video/quicktime'],
    ['clip.webm', 'webm', 'video/webm'],
    ['short.mp4', 'shortMp4', 'video/mp4'],
  ])('makes thumbnails of a frame of %s', async (key, fixture, mime) => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();

    // Act
    const result = await handler(upload(key, fixtures[fixture] as Buffer), context);

    // Assess
    expect(result.outcomes).toEqual(['created']);
    const small = thumbnails.get(`thumbnails/128/${key}.webp`) as StoredObject;
    const large = thumbnails.get(`thumbnails/512/${key}.webp`) as StoredObject;
    expect(await dimensions(small.body)).toMatchObject({ width: 128, height: 96, format: 'webp' });
    expect(await dimensions(large.body)).toMatchObject({ width: 320, height: 240, format: 'webp' });
    expect(small.metadata['source-type']).toBe(mime);
  });

  it('takes the frame at 1 s, not the first one', async () => {
    // Prepare: testsrc draws a counter that changes every second, so the two frames differ
    const { thumbnails, upload } = fakeBuckets();

    // Act
    await handler(upload('clip.mp4', fixtures.mp4 as Buffer), context);
    await handler(upload('short.mp4', fixtures.shortMp4 as Buffer), context);

    // Assess: the long clip's frame (at 1 s) is not the short clip's (its first, at 0 s)
    const at1s = (thumbnails.get('thumbnails/512/clip.mp4.webp') as StoredObject).body;
    const at0s = (thumbnails.get('thumbnails/512/short.mp4.webp') as StoredObject).body;
    const [a, b] = (await Promise.all([at1s, at0s].map((data) => sharp(data).raw().toBuffer()))) as [
      Buffer,
      Buffer,
    ];
    const meanDifference =
      a.reduce((sum, value, i) => sum + Math.abs(value - (b[i] as number)), 0) / a.length;
    expect(meanDifference).toBeGreaterThan(2);
  });
});

describe('finding ffmpeg', () => {
  it('finds the build for the running architecture, as sharp finds its own', async () => {
    // Prepare
    vi.resetModules();
    const { ffmpegPath } = await import('../src/media.ts');

    // Act
    const path = await ffmpegPath();

    // Assess
    expect(path).toBe(hostFfmpeg);
    expect(path).toMatch(new RegExp(`@ffmpeg-installer/linux-${process.arch}/ffmpeg$`));
  });

  it('runs a copy from /tmp when the deployed binary lost its executable bit', async () => {
    // Prepare: FFMPEG_PATH at a copy without the executable bit, as a zip that drops file modes would leave it
    const copy = join(work, 'ffmpeg-no-exec');
    copyFileSync(hostFfmpeg, copy);
    chmodSync(copy, 0o644);
    vi.stubEnv('FFMPEG_PATH', copy);
    vi.stubEnv('TMPDIR', work); // Lambda's /tmp, here the fixtures folder the tests remove
    vi.resetModules();
    const { extractFrame, ffmpegPath } = await import('../src/media.ts');
    const video = join(work, 'clip.mp4');

    // Act
    const path = await ffmpegPath();
    const frame = await extractFrame(video, 64, 30_000);

    // Assess
    expect(path).toBe(join(work, 'ffmpeg'));
    expect(statSync(path).mode & 0o111).not.toBe(0);
    expect((await sharp(frame).metadata()).format).toBe('png');
  });
});

describe('rejecting by content', () => {
  it('takes a TIFF whose directory lies past the bytes it sniffs for a TIFF, as many writers lay it out', async () => {
    // Prepare: a TIFF of noise, so its image data (and the directory after it) runs far past the first bytes
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
    const tiff = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#000', noise } })
      .tiff()
      .toBuffer();
    const { detectMedia, DETECTION_BYTES } = await import('../src/media.ts');

    // Act
    const media = await detectMedia(tiff.subarray(0, DETECTION_BYTES));

    // Assess
    expect(tiff.readUInt32LE(4)).toBeGreaterThan(DETECTION_BYTES); // where the directory starts
    expect(media).toEqual({ kind: 'image', mime: 'image/tiff' });
  });

  it.each([
    [
      'a .jpg that is text',
      'notes.jpg',
      Buffer.from('just some text, not a photo\n'.repeat(10)),
      /not an image or video: the content matches no known file type/,
    ],
    [
      'a .png that is a PDF',
      'report.png',
      Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'),
      /not an image or video: the content is application\/pdf/,
    ],
    [
      'a truncated JPEG',
      'broken.jpg',
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]),
      /unreadable image/,
    ],
    ['a truncated MP4', 'broken.mp4', Buffer.from('....ftypisom'), /unreadable video|no video frame/],
  ])('rejects %s with the reason and writes nothing', async (_, key, body, reason) => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();

    // Act
    const invocation = handler(upload(key, body), context);

    // Assess
    await expect(invocation).rejects.toThrow(reason);
    await expect(invocation).rejects.toBeInstanceOf(RejectedObjectError);
    expect(thumbnails.size).toBe(0);
  });

  it('ignores the empty object the console writes for "Create folder", instead of rejecting it', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();

    // Act
    const result = await handler(upload('photos/2026/', Buffer.alloc(0)), context);

    // Assess
    expect(result.outcomes).toEqual(['folder']);
    expect(thumbnails.size).toBe(0);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('rejects a decompression bomb from its header, before decoding it', async () => {
    // Prepare: a 1 × 1 PNG whose header claims 50 000 × 50 000 pixels (2.5 gigapixels)
    const png = Buffer.from(await picture(1, 1).png().toBuffer());
    png.writeUInt32BE(50_000, 16);
    png.writeUInt32BE(50_000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    const { thumbnails, upload } = fakeBuckets();

    // Act
    const invocation = handler(upload('bomb.png', png), context);

    // Assess
    await expect(invocation).rejects.toThrow(
      /decompression bomb: 50000 × 50000 pixels is over the limit of 100000000/,
    );
    expect(thumbnails.size).toBe(0);
  });

  it('rejects an image over the configured pixel limit', async () => {
    // Prepare
    const limited = await coldStart({ MAX_INPUT_PIXELS: '10000' });
    const { upload } = fakeBuckets();

    // Act
    const invocation = limited(upload('photo.jpg', fixtures.jpeg as Buffer), context);

    // Assess
    await expect(invocation).rejects.toThrow(
      /decompression bomb: 600 × 400 pixels is over the limit of 10000/,
    );
  });

  it('rejects an oversize object from its announced length, without reading it', async () => {
    // Prepare
    const limited = await coldStart({ MAX_OBJECT_BYTES: '1000' });
    const { upload } = fakeBuckets();

    // Act
    const invocation = limited(upload('photo.jpg', fixtures.jpeg as Buffer), context);

    // Assess
    await expect(invocation).rejects.toThrow(/too large: \d+ bytes is over the limit of 1000/);
  });

  it('rejects an oversize object while reading it when its length is not announced', async () => {
    // Prepare
    const limited = await coldStart({ MAX_OBJECT_BYTES: '5000' });
    const { thumbnails, upload } = fakeBuckets({ lieAboutLength: true });

    // Act
    const invocation = limited(upload('photo.png', fixtures.png as Buffer), context);

    // Assess
    await expect(invocation).rejects.toThrow(/too large: over the limit of 5000 bytes/);
    expect(thumbnails.size).toBe(0);
  });

  it('rejects a key too long to name its thumbnail', async () => {
    // Prepare
    const { upload } = fakeBuckets();

    // Act
    const invocation = handler(upload(`${'a'.repeat(1010)}.jpg`, fixtures.jpeg as Buffer), context);

    // Assess
    await expect(invocation).rejects.toThrow(/key is too long for its thumbnail key/);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});

describe('idempotency and ordering', () => {
  it('does nothing the second time the same upload is delivered', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();
    const event = upload('photo.jpg', fixtures.jpeg as Buffer);
    await handler(event, context);
    const first = new Map(thumbnails);

    // Act
    const repeat = await handler(event, context);

    // Assess
    expect(repeat.outcomes).toEqual(['up-to-date']);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
    expect(thumbnails).toEqual(first);
  });

  it('makes the same bytes when an upload is processed again from scratch', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();
    const event = upload('photo.avif', fixtures.avif as Buffer);
    await handler(event, context);
    const first = thumbnails.get('thumbnails/512/photo.avif.webp')?.body;
    thumbnails.clear();

    // Act
    await handler(event, context);

    // Assess
    expect(thumbnails.get('thumbnails/512/photo.avif.webp')?.body.equals(first as Buffer)).toBe(true);
  });

  it('replaces the thumbnails when the same key is uploaded again with new content', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();
    await handler(upload('photo', fixtures.jpeg as Buffer), context);

    // Act
    const result = await handler(upload('photo', fixtures.rotatedJpeg as Buffer), context);

    // Assess
    expect(result.outcomes).toEqual(['created']);
    expect(
      await dimensions((thumbnails.get('thumbnails/128/photo.webp') as StoredObject).body),
    ).toMatchObject({
      height: 256,
    });
  });

  it('skips an event for content that has since been replaced, or deleted', async () => {
    // Prepare
    const { uploads, thumbnails, upload } = fakeBuckets();
    const stale = upload('photo.jpg', fixtures.jpeg as Buffer);
    uploads.set('photo.jpg', stored(fixtures.png as Buffer)); // replaced before the event was handled
    const deleted = upload('gone.jpg', fixtures.jpeg as Buffer);
    uploads.delete('gone.jpg');

    // Act
    const results = [await handler(stale, context), await handler(deleted, context)];

    // Assess
    expect(results.map((r) => r.outcomes)).toEqual([['superseded'], ['gone']]);
    expect(thumbnails.size).toBe(0);
  });

  it('ignores an older event delivered after a newer one for the same key', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();
    const older = upload('photo.jpg', fixtures.jpeg as Buffer, { sequencer: '0A' });
    const newer = upload('photo.jpg', fixtures.rotatedJpeg as Buffer, { sequencer: '0B' });
    await handler(newer, context);

    // Act
    const result = await handler(older, context);

    // Assess
    expect(result.outcomes).toEqual(['superseded']);
    expect(thumbnails.get('thumbnails/128/photo.jpg.webp')?.metadata['source-sequencer']).toBe('0B');
  });
});

describe('versioned source buckets', () => {
  const versioned = (key: string, input: Partial<S3ObjectInput>) =>
    s3Event([{ key, ...input }], { bucketName: 'uploads', versioned: true });

  it('reads the exact version of the event and records it', async () => {
    // Prepare
    const { uploads, thumbnails } = fakeBuckets();
    uploads.set('photo.jpg', stored(fixtures.jpeg as Buffer));

    // Act
    await handler(versioned('photo.jpg', { body: fixtures.jpeg, versionId: 'v1' }), context);

    // Assess
    const get = s3.commandCalls(GetObjectCommand)[0]?.args[0].input;
    expect(get).toMatchObject({ Key: 'photo.jpg', VersionId: 'v1' });
    expect(get?.IfMatch).toBeUndefined();
    expect(thumbnails.get('thumbnails/128/photo.jpg.webp')?.metadata['source-version-id']).toBe('v1');
  });

  it('keeps thumbnails when another version is deleted, and deletes them for a delete marker', async () => {
    // Prepare
    const { uploads, thumbnails } = fakeBuckets();
    uploads.set('photo.jpg', stored(fixtures.jpeg as Buffer));
    await handler(versioned('photo.jpg', { body: fixtures.jpeg, versionId: 'v2' }), context);

    // Act
    await handler(versioned('photo.jpg', { eventName: 'ObjectRemoved:Delete', versionId: 'v1' }), context);
    const afterOldVersionDeleted = thumbnails.size;
    await handler(
      versioned('photo.jpg', { eventName: 'ObjectRemoved:DeleteMarkerCreated', versionId: 'm1' }),
      context,
    );

    // Assess
    expect(afterOldVersionDeleted).toBe(2);
    expect(thumbnails.size).toBe(0);
  });
});

describe('deleted uploads', () => {
  const removal = (key: string, sequencer?: string) =>
    s3Event([{ key, eventName: 'ObjectRemoved:Delete', sequencer }], { bucketName: 'uploads' });

  it('deletes the thumbnails of a deleted upload, and a repeat of the event is harmless', async () => {
    // Prepare
    const { thumbnails, upload } = fakeBuckets();
    await handler(upload('my photo.jpg', fixtures.jpeg as Buffer), context);
    const event = removal('my photo.jpg');

    // Act
    const results = [await handler(event, context), await handler(event, context)];

    // Assess
    expect(results.map((r) => r.outcomes)).toEqual([['deleted'], ['deleted']]);
    expect(thumbnails.size).toBe(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(2);
  });

  it('keeps thumbnails made from an upload later than the delete', async () => {
    // Prepare: delete (sequencer 0A) then upload again (0B); the delete event arrives last
    const { thumbnails, upload } = fakeBuckets();
    await handler(upload('photo.jpg', fixtures.jpeg as Buffer, { sequencer: '0B' }), context);

    // Act
    await handler(removal('photo.jpg', '0A'), context);

    // Assess
    expect(thumbnails.size).toBe(2);
  });
});

describe('several records', () => {
  it('refuses an event that is not an S3 notification, in one sentence', async () => {
    // Act
    const invocation = handler({ hello: 'world' } as unknown as Parameters<typeof handler>[0], context);

    // Assess
    await expect(invocation).rejects.toThrow(/^Not an S3 event notification: it has no Records\.$/);
  });

  it('processes every record and fails the invocation with the reasons of those that failed', async () => {
    // Prepare
    const { uploads, thumbnails } = fakeBuckets();
    uploads.set('a.jpg', stored(fixtures.jpeg as Buffer));
    uploads.set('b.jpg', stored(Buffer.from('not a picture at all')));
    uploads.set('c.png', stored(fixtures.png as Buffer));
    uploads.set('d.gif', stored(Buffer.from('neither is this one')));
    const event = s3Event(
      ['a.jpg', 'b.jpg', 'c.png', 'd.gif'].map((key) => ({ key, body: uploads.get(key)?.body })),
      { bucketName: 'uploads' },
    );

    // Act
    const invocation = handler(event, context);

    // Assess
    await expect(invocation).rejects.toBeInstanceOf(AggregateError);
    await expect(invocation).rejects.toThrow(
      /^2 of 4 objects failed: not an image or video.*; not an image or video/,
    );
    expect([...thumbnails.keys()].sort()).toEqual([
      'thumbnails/128/a.jpg.webp',
      'thumbnails/128/c.png.webp',
      'thumbnails/512/a.jpg.webp',
      'thumbnails/512/c.png.webp',
    ]);
  });

  it('fails with the S3 error when a thumbnail cannot be written, so the event is retried', async () => {
    // Prepare
    const outage = new S3ServiceException({
      name: 'SlowDown',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
      message: 'Please reduce your request rate.',
    });
    const { upload } = fakeBuckets({ failPutsWith: outage });

    // Act
    const invocation = handler(upload('photo.jpg', fixtures.jpeg as Buffer), context);

    // Assess
    await expect(invocation).rejects.toBe(outage);
  });
});

describe('compareSequencers', () => {
  it.each([
    ['0B', '0A', 1],
    ['B1', 'B', 1], // right-padded: B1 against B0
    ['FF', 'FF00', 0],
    ['0A', 'B', -1],
  ])('orders %s against %s as AWS documents (%i)', (a, b, expected) => {
    // Act
    const order = Math.sign(compareSequencers(a, b));

    // Assess
    expect(order).toBe(expected);
  });
});
