import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '@triggers/local-cloud';
import { deployLocally, type LocalDeployment, queueDepth, waitFor } from '@triggers/local-cloud/testing';
import { Duration, Size } from 'aws-cdk-lib';
import type { S3Event } from 'aws-lambda';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Stack } from '../src/stack.ts';
import { H264, picture, testVideo } from './media-fixtures.ts';

const RETRIES = 2; // the construct's default: Lambda's async retries before the on-failure destination

describe('S3Stack in the local cloud', () => {
  let deployment: LocalDeployment;
  let cloud: LocalCloud;
  let mediaDir: string;
  let outputs: Readonly<Record<string, string>>;
  let s3: S3Client;
  let sqs: SQSClient;
  const fixtures: Record<'jpeg' | 'png' | 'mp4' | 'truncatedJpeg' | 'text' | 'oversize' | 'bomb', Buffer> =
    {} as never;

  beforeAll(async () => {
    mediaDir = mkdtempSync(join(tmpdir(), 's3-thumbnail-media-'));
    // 30 s instead of 2 minutes: a hung ffmpeg would fail the attempt well within the test's time. A 1 MiB
    // limit, so an oversize upload stays small. The clock runs 50 times faster: Lambda's one- and two-minute
    // async retry waits pass in 1.2 s and 2.4 s.
    deployment = await deployLocally(
      (app) =>
        new S3Stack(app, 'Triggers-S3', {
          integration: {
            functionProps: { timeout: Duration.seconds(30) },
            maxObjectSize: Size.mebibytes(1),
          },
        }),
      { timeScale: 0.02 },
    );
    ({ cloud, outputs } = deployment);
    s3 = deployment.client(S3Client);
    sqs = deployment.client(SQSClient);

    fixtures.jpeg = await picture(640, 480).jpeg().toBuffer();
    fixtures.png = await picture(800, 600).png().toBuffer();
    // 2 s of ffmpeg's test pattern at 320 × 240, H.264: the frame is taken at 1 s.
    fixtures.mp4 = await testVideo(join(mediaDir, 'clip.mp4'), 2, H264);
    // A real JPEG cut in half: its header reads fine, its pixels do not.
    const whole = await picture(640, 480).jpeg().toBuffer();
    fixtures.truncatedJpeg = whole.subarray(0, whole.length / 2);
    fixtures.text = Buffer.from('these are my holiday notes, not a photo\n'.repeat(20));
    // A photo padded past the 1 MiB limit, and a 1 × 1 PNG whose header claims 50 000 × 50 000 pixels.
    fixtures.oversize = Buffer.concat([fixtures.jpeg, Buffer.alloc(1024 * 1024)]);
    fixtures.bomb = await picture(1, 1).png().toBuffer();
    fixtures.bomb.writeUInt32BE(50_000, 16);
    fixtures.bomb.writeUInt32BE(50_000, 20);
  }, 120_000);

  afterAll(async () => {
    await deployment?.stop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  it('thumbnails images and videos by content, dead-letters the bad ones with the reason, and writes nothing else', async () => {
    // Prepare
    const uploads = [
      {
        key: 'photos/beach.jpg',
        body: fixtures.jpeg,
        type: 'image/jpeg',
        sizes: { 128: '128 × 96', 512: '512 × 384' },
      },
      {
        key: 'videos/clip.mp4',
        body: fixtures.mp4,
        type: 'video/mp4',
        sizes: { 128: '128 × 96', 512: '320 × 240' }, // never enlarged
      },
      {
        key: 'holiday photos/été à Zürich + 🐦.png',
        body: fixtures.png,
        type: 'image/png',
        sizes: { 128: '128 × 96', 512: '512 × 384' },
      },
    ] as const;
    const rejected = [
      { key: 'photos/broken.jpg', body: fixtures.truncatedJpeg, reason: /^unreadable image: .*JPEG/ },
      {
        key: 'photos/notes.jpg',
        body: fixtures.text,
        reason: /^not an image or video: the content matches no known file type$/,
      },
      {
        key: 'photos/huge.jpg',
        body: fixtures.oversize,
        reason: /^too large: \d+ bytes is over the limit of 1048576$/,
      },
      {
        key: 'photos/bomb.png',
        body: fixtures.bomb,
        reason: /^decompression bomb: 50000 × 50000 pixels is over the limit of 100000000$/,
      },
    ] as const;

    // Act
    const eTags = new Map<string, string>();
    for (const { key, body } of [...uploads, ...rejected]) {
      const { ETag } = await s3.send(
        new PutObjectCommand({ Bucket: outputs.SourceBucketName, Key: key, Body: body }),
      );
      eTags.set(key, (ETag ?? '').replaceAll('"', ''));
    }
    // Settled when every good upload has both thumbnails, both bad ones are in the DLQ (after their retries),
    // and every attempt has been recorded.
    const attempts = uploads.length + rejected.length * (1 + RETRIES);
    const settled = await waitFor(
      async () =>
        (await listKeys(outputs.ThumbnailBucketName)).length === uploads.length * 2 &&
        (await queueDepth(sqs, outputs.DeadLetterQueueUrl ?? '')) === rejected.length &&
        invocations().length === attempts,
      60_000,
    );

    // Assess: the thumbnails, at their predictable keys, with the right size, type and metadata
    expect(settled).toBe(true);
    for (const { key, type, sizes } of uploads) {
      for (const width of [128, 512] as const) {
        const thumbnail = await s3.send(
          new GetObjectCommand({
            Bucket: outputs.ThumbnailBucketName,
            Key: `thumbnails/${width}/${key}.webp`,
          }),
        );
        const bytes = Buffer.from((await thumbnail.Body?.transformToByteArray()) ?? []);
        const [expectedWidth, expectedHeight] = sizes[width].split(' × ').map(Number);
        expect(await sharp(bytes).metadata(), key).toMatchObject({
          format: 'webp',
          width: expectedWidth,
          height: expectedHeight,
        });
        expect(thumbnail.ContentType).toBe('image/webp');
        expect(thumbnail.CacheControl).toBe('public, max-age=86400');
        expect(thumbnail.Metadata, key).toEqual({
          'source-bucket': outputs.SourceBucketName,
          'source-key': encodeURIComponent(key),
          'source-etag': eTags.get(key),
          'source-sequencer': expect.stringMatching(/^[0-9A-F]+$/),
          'source-type': type,
          width: String(expectedWidth),
          height: String(expectedHeight),
        });
      }
    }

    // Assess: each bad upload is one failure record in the DLQ, naming the object and carrying the reason
    const deadLettered = await receiveAll(outputs.DeadLetterQueueUrl);
    expect(deadLettered).toHaveLength(rejected.length);
    for (const { key, reason } of rejected) {
      const record = deadLettered.find((r) => keyOf(r.requestPayload) === key);
      expect(record, key).toBeDefined();
      expect(record?.requestContext).toMatchObject({
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1 + RETRIES,
      });
      expect(record?.requestPayload.Records[0]?.s3.bucket.name).toBe(outputs.SourceBucketName);
      expect(record?.responsePayload.errorType).toBe('RejectedObjectError');
      expect(record?.responsePayload.errorMessage).toMatch(reason);
    }

    // Assess: the reason is logged by the handler once per attempt, and the runtime's error record of each
    // attempt names the error's class (not a name mangled by minification)
    const runtimeErrors = functionLogs()
      .map((line) => line.message)
      .filter(
        (message): message is { errorType: string; errorMessage: string } =>
          typeof message === 'object' && message !== null && 'errorMessage' in message,
      );
    for (const { key, reason } of rejected) {
      const logged = functionLogs().filter((line) => line.message === 'Rejected object' && line.key === key);
      expect(logged, key).toHaveLength(1 + RETRIES);
      for (const line of logged) {
        expect(line.bucket).toBe(outputs.SourceBucketName);
        expect(line.reason).toMatch(reason);
      }
      expect(
        runtimeErrors.filter((error) => reason.test(error.errorMessage)).map((error) => error.errorType),
        key,
      ).toEqual(Array(1 + RETRIES).fill('RejectedObjectError'));
    }

    // Assess: nothing else written anywhere — the uploads alone in the source bucket, their thumbnails alone in
    // the other, every other bucket (the access logs) empty, and only this function invoked, only by S3, only for
    // the uploads (its own writes triggered nothing)
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets).toHaveLength(3); // source, thumbnails, access logs
    const contents = Object.fromEntries(
      await Promise.all(Buckets.map(async ({ Name = '' }) => [Name, await listKeys(Name)] as const)),
    );
    const others = Buckets.map(({ Name = '' }) => Name).filter(
      (name) => name !== outputs.SourceBucketName && name !== outputs.ThumbnailBucketName,
    );
    expect(contents).toEqual({
      [outputs.SourceBucketName ?? '']: [...uploads, ...rejected].map(({ key }) => key).sort(),
      [outputs.ThumbnailBucketName ?? '']: uploads
        .flatMap(({ key }) => [`thumbnails/128/${key}.webp`, `thumbnails/512/${key}.webp`])
        .sort(),
      ...Object.fromEntries(others.map((name) => [name, []])),
    });
    const invoked = invocations();
    expect(invoked).toHaveLength(attempts);
    expect(cloud.invocations).toHaveLength(attempts);
    expect(new Set(invoked.map((invocation) => invocation.source))).toEqual(new Set(['aws:s3']));
    const events = invoked.flatMap((invocation) => (invocation.event as S3Event).Records);
    expect(events).toHaveLength(attempts);
    for (const record of events) {
      expect(record.eventName).toBe('ObjectCreated:Put');
      expect(record.s3.bucket.name).toBe(outputs.SourceBucketName);
    }
    const timesInvoked = (key: string) =>
      events.filter((record) => keyOf({ Records: [record] }) === key).length;
    for (const { key } of uploads) expect(timesInvoked(key), key).toBe(1);
    for (const { key } of rejected) expect(timesInvoked(key), key).toBe(1 + RETRIES);
    expect(invoked.filter((invocation) => invocation.status === 'success')).toHaveLength(uploads.length);
  }, 90_000);

  it('deletes the thumbnails of a deleted upload, and only those', async () => {
    // Prepare: an upload with its thumbnails made
    const key = 'photos/to delete.jpg';
    const thumbnailKeys = [`thumbnails/128/${key}.webp`, `thumbnails/512/${key}.webp`];
    const before = await listKeys(outputs.ThumbnailBucketName);
    await s3.send(new PutObjectCommand({ Bucket: outputs.SourceBucketName, Key: key, Body: fixtures.jpeg }));
    // Made, and its invocation recorded (the thumbnails land before the invocation ends)
    const made = await waitFor(async () => {
      const keys = await listKeys(outputs.ThumbnailBucketName);
      const recorded = invocations().some((invocation) => {
        const record = (invocation.event as S3Event).Records[0];
        return (
          record?.s3.object.key === 'photos/to+delete.jpg' && record.eventName.startsWith('ObjectCreated')
        );
      });
      return recorded && thumbnailKeys.every((thumbnail) => keys.includes(thumbnail));
    }, 30_000);
    expect(made).toBe(true);
    const invokedBefore = invocations().length;

    // Act
    await s3.send(new DeleteObjectCommand({ Bucket: outputs.SourceBucketName, Key: key }));
    const removed = await waitFor(async () => {
      const keys = await listKeys(outputs.ThumbnailBucketName);
      return (
        !thumbnailKeys.some((thumbnail) => keys.includes(thumbnail)) && invocations().length > invokedBefore
      );
    }, 30_000);

    // Assess: its thumbnails are gone, every other thumbnail stays, and the delete was one successful invocation
    expect(removed).toBe(true);
    expect(await listKeys(outputs.ThumbnailBucketName)).toEqual(before);
    expect(await listKeys(outputs.SourceBucketName)).not.toContain(key);
    const deletion = invocations().slice(invokedBefore);
    expect(
      deletion.map((invocation) => [invocation.status, (invocation.event as S3Event).Records[0]?.eventName]),
    ).toEqual([['success', 'ObjectRemoved:Delete']]);
    expect(functionLogs()).toContainEqual(
      expect.objectContaining({ message: 'Thumbnails deleted', key, deleted: 2 }),
    );
  }, 60_000);

  /** Every key in a bucket, sorted. */
  async function listKeys(bucket: string | undefined): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
      keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    }
    return keys.sort();
  }

  function invocations() {
    return cloud.invocations.filter((invocation) => invocation.functionName === outputs.FunctionName);
  }

  /** The function's own JSON log lines (Powertools Logger), parsed. */
  function functionLogs(): Record<string, unknown>[] {
    return cloud.logs(outputs.FunctionName).flatMap((event) => {
      try {
        const line = JSON.parse(event.message) as unknown;
        return line && typeof line === 'object' && 'message' in line ? [line as Record<string, unknown>] : [];
      } catch {
        return []; // START / END / REPORT
      }
    });
  }

  /** The object an S3 event is about, its key decoded as S3 encodes it. */
  function keyOf(event: Pick<S3Event, 'Records'>): string {
    return decodeURIComponent((event.Records[0]?.s3.object.key ?? '').replace(/\+/g, ' '));
  }

  /** Lambda's failure records from the DLQ. */
  async function receiveAll(queueUrl: string | undefined) {
    const records: {
      requestContext: { condition: string; approximateInvokeCount: number };
      requestPayload: S3Event;
      responsePayload: { errorType: string; errorMessage: string };
    }[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
      );
      if (Messages.length === 0) return records;
      records.push(...Messages.map((message) => JSON.parse(message.Body ?? '{}')));
    }
  }
});
