import type { S3Event, S3EventRecord } from 'aws-lambda';
import { md5, opaqueToken, resolveLocation } from './aws.ts';

/** Records are typed as @types/aws-lambda types them, so handlers typed with it take them. */
export type { S3EventRecord };

/** The S3 event types the builders make (what `s3:ObjectCreated:*` and `s3:ObjectRemoved:*` deliver). */
export type S3EventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete'
  | 'ObjectRemoved:DeleteMarkerCreated';

export const S3_EVENT_NAMES: readonly S3EventName[] = [
  'ObjectCreated:Put',
  'ObjectCreated:Post',
  'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload',
  'ObjectRemoved:Delete',
  'ObjectRemoved:DeleteMarkerCreated',
];

/** The bucket a record comes from. In a versioned bucket every record carries a `versionId`. */
export interface S3Bucket {
  readonly bucketName?: string;
  readonly versioned?: boolean;
  /** The notification configuration's id (CDK generates one per notification). */
  readonly configurationId?: string;
  readonly region?: string;
}

export interface S3ObjectInput {
  /** The object key as the uploader wrote it; the record carries it URL-encoded, as S3 sends it. */
  readonly key: string;
  /** @default 'ObjectCreated:Put' */
  readonly eventName?: S3EventName;
  /** The object's content: gives `size` and `eTag` (its MD5) unless they are given. */
  readonly body?: string | Uint8Array;
  /** Bytes; created events only. @default the body's length, or 1024 */
  readonly size?: number;
  /** Created events only. @default the MD5 of the body (with `-<parts>` for a multipart upload) */
  readonly eTag?: string;
  /** Versioned buckets only. @default a random version id */
  readonly versionId?: string;
  /** @default increases with every record this process builds */
  readonly sequencer?: string;
  /** Parts of a CompleteMultipartUpload: its eTag ends in `-<parts>`. @default 2 */
  readonly parts?: number;
  readonly eventTime?: Date;
}

export const DEFAULT_BUCKET_NAME = 'uploads';

/**
 * A key as S3 writes it into event notifications: form-URL-encoded (a space becomes `+`, a `+` becomes `%2B`,
 * UTF-8 bytes become `%XX`), keeping `/` and the characters `A–Z a–z 0–9 . - _ *` as they are.
 * Decode with `decodeURIComponent(key.replace(/\+/g, ' '))`.
 */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%20/g, '+'),
    )
    .join('/');
}

/** The inverse of {@link encodeS3Key}: the key a handler must use to read the object. */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

let lastSequencer = 0n;

/**
 * S3's sequencer: a hex string that grows with each event on a key (here with every call in this process, even
 * within one millisecond). Compare two with {@link compareSequencers}.
 */
export function nextSequencer(at: Date = new Date()): string {
  const candidate = BigInt(at.getTime()) * 1000n;
  lastSequencer = candidate > lastSequencer ? candidate : lastSequencer + 1n;
  return lastSequencer.toString(16).toUpperCase().padStart(18, '0');
}

/**
 * Orders two sequencers of the same key as AWS documents today — right-pad the shorter with zeros, then compare as
 * strings (older revisions of the page said left-pad) —: negative if `a` happened first.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const [left, right] = [a.padEnd(width, '0').toUpperCase(), b.padEnd(width, '0').toUpperCase()];
  return left < right ? -1 : left > right ? 1 : 0;
}

const alphanumeric = (bytes: number) => opaqueToken(bytes).replace(/[^A-Za-z0-9]/g, '');

/** An object change as S3 saw it, and the notification configuration that matched it. */
export interface S3ObjectChange {
  readonly eventName: S3EventName;
  readonly bucket: string;
  /** The key as stored (decoded); the record carries it URL-encoded. */
  readonly key: string;
  /** Created objects only: a removal's record has neither size nor eTag. */
  readonly size?: number;
  readonly eTag?: string;
  /** Versioned buckets only. */
  readonly versionId?: string;
  readonly sequencer: string;
  readonly time: Date;
  readonly region: string;
  /** The notification configuration's id. */
  readonly configurationId: string;
  /** Who made the change: `AWS:<principal id>`, or `Anonymous`. */
  readonly principalId: string;
  /** The bucket owner's canonical id. */
  readonly ownerId: string;
  readonly sourceIPAddress: string;
  /** The ids of the request that made the change (`x-amz-request-id`, `x-amz-id-2`). */
  readonly requestId: string;
  readonly hostId: string;
}

/** The record (event version 2.1) S3 sends for an object change. */
export function s3RecordOf(change: S3ObjectChange): S3EventRecord {
  const created = change.eventName.startsWith('ObjectCreated:');
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: change.region,
    eventTime: change.time.toISOString(),
    eventName: change.eventName,
    userIdentity: { principalId: change.principalId },
    requestParameters: { sourceIPAddress: change.sourceIPAddress },
    responseElements: { 'x-amz-request-id': change.requestId, 'x-amz-id-2': change.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: change.configurationId,
      bucket: {
        name: change.bucket,
        ownerIdentity: { principalId: change.ownerId },
        arn: `arn:aws:s3:::${change.bucket}`,
      },
      // @types/aws-lambda types size and eTag as always there; S3 leaves them out of removals.
      object: {
        key: encodeS3Key(change.key),
        ...(created && change.size !== undefined && { size: change.size }),
        ...(created && change.eTag !== undefined && { eTag: change.eTag }),
        ...(change.versionId !== undefined && { versionId: change.versionId }),
        sequencer: change.sequencer,
      } as S3EventRecord['s3']['object'],
    },
  };
}

/** One record of an S3 event notification, with a sample uploader, owner and request ids. */
export function s3Record(input: S3ObjectInput | string, bucket: S3Bucket = {}): S3EventRecord {
  const object = typeof input === 'string' ? { key: input } : input;
  const eventName = object.eventName ?? 'ObjectCreated:Put';
  const eventTime = object.eventTime ?? new Date();
  if (eventName === 'ObjectRemoved:DeleteMarkerCreated' && !bucket.versioned) {
    throw new Error(
      'ObjectRemoved:DeleteMarkerCreated happens only in a versioned bucket (versioned: true).',
    );
  }

  const body = typeof object.body === 'string' ? Buffer.from(object.body) : object.body;
  const parts = eventName === 'ObjectCreated:CompleteMultipartUpload' ? (object.parts ?? 2) : undefined;
  const eTag =
    object.eTag ?? `${md5(body ?? `${object.key}:${object.size ?? 1024}`)}${parts ? `-${parts}` : ''}`;

  return s3RecordOf({
    eventName,
    bucket: bucket.bucketName ?? DEFAULT_BUCKET_NAME,
    key: object.key,
    size: object.size ?? body?.length ?? 1024,
    eTag,
    versionId: bucket.versioned ? (object.versionId ?? alphanumeric(24).slice(0, 32)) : undefined,
    sequencer: object.sequencer ?? nextSequencer(eventTime),
    time: eventTime,
    region: resolveLocation(bucket).region,
    configurationId: bucket.configurationId ?? 'notification-1',
    principalId: 'AWS:AIDAEXAMPLEUPLOADER',
    ownerId: 'A3EXAMPLEOWNER',
    sourceIPAddress: '127.0.0.1',
    requestId: md5(alphanumeric(12)).slice(0, 16).toUpperCase(),
    hostId: opaqueToken(48),
  });
}

/** An S3 event: one record per object, in order, all from the same bucket. */
export function s3Event(objects: ReadonlyArray<S3ObjectInput | string>, bucket: S3Bucket = {}): S3Event {
  return { Records: objects.map((object) => s3Record(object, bucket)) };
}
