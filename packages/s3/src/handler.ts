import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { powertools, readEnvironment } from '@triggers/kit/runtime';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { FORMATS, type Settings, SettingsSchema } from './contract.ts';
import {
  DETECTION_BYTES,
  detectMedia,
  extractFrame,
  type MediaKind,
  makeThumbnails,
  RejectedObjectError,
} from './media.ts';
import {
  compareSequencers,
  decodeKey,
  type SourceObject,
  type ThumbnailMetadata,
  thumbnailKey,
} from './source.ts';

// Made once per execution environment, reused by every invocation it serves. A wrong setting fails the cold
// start with one line naming it (see src/contract.ts).
const { logger, metrics } = powertools();
const settings = readEnvironment(SettingsSchema);
const s3 = new S3Client({});

/** What happened to one record. */
type Outcome = 'created' | 'up-to-date' | 'superseded' | 'gone' | 'deleted' | 'folder';

/**
 * Makes thumbnails of uploaded images and videos, and deletes them when the upload is deleted. Each record is
 * handled on its own; if any fail, the invocation fails with every reason, so Lambda retries the event and then
 * sends it to the on-failure destination. Records already done are skipped on the retry.
 */
export async function handler(event: S3Event, context: Context): Promise<{ outcomes: Outcome[] }> {
  logger.addContext(context);
  if (!Array.isArray(event?.Records)) throw new Error('Not an S3 event notification: it has no Records.');
  const outcomes: Outcome[] = [];
  const failures: Error[] = [];
  try {
    for (const record of event.Records) {
      const source = sourceOf(record);
      if (source.key.endsWith('/')) {
        // The console's "Create folder" writes an empty object named `photos/`: not an upload, nothing to reject.
        logger.info('Folder placeholder ignored', { key: source.key });
        metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
        outcomes.push('folder');
        continue;
      }
      try {
        const outcome = record.eventName.startsWith('ObjectRemoved:')
          ? await removeThumbnails(source, record.eventName, settings)
          : await createThumbnails(source, settings, context);
        outcomes.push(outcome);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        failures.push(failure);
        if (failure instanceof RejectedObjectError) {
          logger.error('Rejected object', {
            bucket: source.bucket,
            key: source.key,
            reason: failure.message,
          });
          metrics.addMetric('ObjectsRejected', MetricUnit.Count, 1);
        } else {
          logger.error('Could not make thumbnails', {
            bucket: source.bucket,
            key: source.key,
            error: failure,
          });
          metrics.addMetric('ObjectsFailed', MetricUnit.Count, 1);
        }
      }
    }
  } finally {
    metrics.publishStoredMetrics();
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new AggregateError(
      failures,
      `${failures.length} of ${event.Records.length} objects failed: ${failures.map((f) => f.message).join('; ')}`,
    );
  }
  return { outcomes };
}

function sourceOf(record: S3EventRecord): SourceObject {
  const object = record.s3.object as Partial<S3EventRecord['s3']['object']>;
  return {
    bucket: record.s3.bucket.name,
    key: decodeKey(object.key ?? ''),
    eTag: object.eTag,
    versionId: object.versionId,
    sequencer: object.sequencer ?? '0',
  };
}

async function createThumbnails(
  source: SourceObject,
  settings: Settings,
  context: Context,
): Promise<Outcome> {
  const { extension, contentType } = FORMATS[settings.format];
  const keys = settings.widths.map((width) => thumbnailKey(width, source.key, extension));
  const tooLong = keys.find((key) => Buffer.byteLength(key) > 1024);
  if (tooLong)
    throw new RejectedObjectError(
      `the key is too long for its thumbnail key (${Buffer.byteLength(tooLong)} of 1024 bytes)`,
    );

  // Cheap check first: HEAD the thumbnails. Same source eTag (and version) everywhere: a retry or a duplicate
  // event, nothing to do. A thumbnail from a later event on this key: this event is stale.
  const existing = await Promise.all(keys.map((key) => headThumbnail(settings.thumbnailBucket, key)));
  if (existing.every((meta) => meta && sameSource(meta, source))) {
    logger.info('Thumbnails up to date', { key: source.key, eTag: source.eTag });
    metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
    return 'up-to-date';
  }
  if (
    existing.some((meta) => meta && compareSequencers(meta['source-sequencer'] ?? '0', source.sequencer) > 0)
  ) {
    logger.info('Newer upload already processed', { key: source.key, sequencer: source.sequencer });
    metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
    return 'superseded';
  }

  const work = await mkdtemp(join(tmpdir(), 'thumbnail-'));
  try {
    const downloaded = await download(source, join(work, 'source'), settings.maxObjectBytes);
    if (downloaded === 'gone' || downloaded === 'superseded') {
      logger.info(downloaded === 'gone' ? 'Object no longer exists' : 'Object replaced since the event', {
        key: source.key,
      });
      metrics.addMetric('ObjectsSkipped', MetricUnit.Count, 1);
      return downloaded;
    }
    const maxWidth = Math.max(...settings.widths);
    const input =
      downloaded.kind === 'video'
        ? await extractFrame(
            downloaded.path,
            maxWidth,
            Math.max(1000, context.getRemainingTimeInMillis() - 5000),
          )
        : downloaded.path;
    const thumbnails = await makeThumbnails(input, settings);
    const metadata: ThumbnailMetadata = {
      'source-bucket': source.bucket,
      // S3 user metadata is ASCII: the key goes in URL-encoded.
      'source-key': encodeURIComponent(source.key),
      'source-sequencer': source.sequencer,
      'source-type': downloaded.mime,
      ...(source.eTag && { 'source-etag': source.eTag }),
      ...(source.versionId && { 'source-version-id': source.versionId }),
    };
    await Promise.all(
      thumbnails.map((thumbnail, i) =>
        s3.send(
          new PutObjectCommand({
            Bucket: settings.thumbnailBucket,
            Key: keys[i],
            Body: thumbnail.data,
            ContentType: contentType,
            CacheControl: settings.cacheControl,
            Metadata: { ...metadata, width: String(thumbnail.width), height: String(thumbnail.height) },
          }),
        ),
      ),
    );
    logger.info('Thumbnails created', {
      key: source.key,
      type: downloaded.mime,
      bytes: downloaded.bytes,
      thumbnails: thumbnails.map((t, i) => ({
        key: keys[i],
        width: t.width,
        height: t.height,
        bytes: t.data.length,
      })),
    });
    metrics.addMetric('ThumbnailsCreated', MetricUnit.Count, thumbnails.length);
    metrics.addMetric(
      downloaded.kind === 'video' ? 'VideosProcessed' : 'ImagesProcessed',
      MetricUnit.Count,
      1,
    );
    return 'created';
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Deletes the thumbnails of a removed object, unless they were made from a later upload of the same key (a
 * delete event delivered after the next put's) or, for the deletion of one version, from another version.
 * Deleting what is not there is a success, so a repeated event is harmless.
 */
async function removeThumbnails(
  source: SourceObject,
  eventName: string,
  settings: Settings,
): Promise<Outcome> {
  const keys = settings.widths.map((width) =>
    thumbnailKey(width, source.key, FORMATS[settings.format].extension),
  );
  let deleted = 0;
  for (const key of keys) {
    const meta = await headThumbnail(settings.thumbnailBucket, key);
    if (!meta) continue;
    if (compareSequencers(meta['source-sequencer'] ?? '0', source.sequencer) > 0) continue;
    const otherVersion =
      eventName === 'ObjectRemoved:Delete' &&
      source.versionId &&
      meta['source-version-id'] !== source.versionId;
    if (otherVersion) continue;
    await s3.send(new DeleteObjectCommand({ Bucket: settings.thumbnailBucket, Key: key }));
    deleted++;
  }
  logger.info('Thumbnails deleted', { key: source.key, deleted });
  metrics.addMetric('ThumbnailsDeleted', MetricUnit.Count, deleted);
  return 'deleted';
}

async function headThumbnail(bucket: string, key: string): Promise<Partial<ThumbnailMetadata> | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata ?? {};
  } catch (error) {
    if (
      error instanceof NotFound ||
      (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
    ) {
      return undefined;
    }
    throw error;
  }
}

function sameSource(meta: Partial<ThumbnailMetadata>, source: SourceObject): boolean {
  return (
    source.eTag !== undefined &&
    meta['source-etag'] === source.eTag &&
    (meta['source-version-id'] ?? undefined) === source.versionId
  );
}

interface Downloaded {
  readonly path: string;
  readonly kind: MediaKind;
  readonly mime: string;
  readonly bytes: number;
}

/**
 * Streams the object to a file, refusing it as soon as its size (announced or counted) is over the limit, or its
 * first bytes are not an image or video — without reading the rest. Reads exactly the version the event is about:
 * by version id, or by eTag (If-Match) in an unversioned bucket, where a 412 means it has been replaced since.
 */
async function download(
  source: SourceObject,
  path: string,
  maxBytes: number,
): Promise<Downloaded | 'gone' | 'superseded'> {
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        ...(source.versionId
          ? { VersionId: source.versionId }
          : source.eTag && { IfMatch: `"${source.eTag}"` }),
      }),
    );
  } catch (error) {
    if (error instanceof NoSuchKey) return 'gone';
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return 'superseded';
    throw error;
  }
  const body = response.Body as Readable | undefined;
  if (!body) throw new Error('S3 returned no body');
  if ((response.ContentLength ?? 0) > maxBytes) {
    body.destroy();
    throw new RejectedObjectError(
      `too large: ${response.ContentLength} bytes is over the limit of ${maxBytes}`,
    );
  }

  let bytes = 0;
  let head = Buffer.alloc(0);
  let media: { kind: MediaKind; mime: string } | undefined;
  await pipeline(
    body,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        if (bytes > maxBytes) throw new RejectedObjectError(`too large: over the limit of ${maxBytes} bytes`);
        if (!media) {
          head = Buffer.concat([head, chunk]);
          if (head.length < DETECTION_BYTES) continue;
          media = await detectMedia(head);
          yield head;
          continue;
        }
        yield chunk;
      }
      if (!media) {
        media = await detectMedia(head);
        yield head;
      }
    },
    createWriteStream(path),
  );
  if (!media) throw new Error('unreachable: the type is known once the body is read');
  return { path, bytes, ...media };
}
