import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import { arn, type Location, regionOf, resolveLocation } from './aws.ts';

/** Records are typed as @types/aws-lambda types them, so handlers typed with it take them. */
export type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
};

/** The stream a record comes from. */
export interface KinesisStream extends Location {
  readonly streamName?: string;
  /** @default 'shardId-000000000000' */
  readonly shardId?: string;
  /** The mapping's execution role, which Lambda names in every record. */
  readonly invokeIdentityArn?: string;
}

export const DEFAULT_STREAM_NAME = 'clickstream';
export const DEFAULT_SHARD_ID = 'shardId-000000000000';

/** A record's data: text and objects are sent as their UTF-8 (objects as JSON), bytes as they are. */
export type KinesisData = string | Uint8Array | object;

export interface KinesisRecordInput {
  readonly data: KinesisData;
  /** @default 'partition-1' */
  readonly partitionKey?: string;
  /** @default increases with every record this process builds */
  readonly sequenceNumber?: string;
  readonly arrivedAt?: Date;
}

/** A record as GetRecords returns it (and a stream poller reads it) from one shard. */
export interface KinesisStoredRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** The raw bytes, or their base64 as the JSON API carries them. */
  readonly data: Uint8Array | string;
  readonly approximateArrivalTimestamp: Date;
}

/** The window of a tumbling-window invocation, and the state the previous invocation of the window returned. */
export interface KinesisWindow {
  readonly start: Date;
  readonly end: Date;
  readonly state?: Readonly<Record<string, unknown>>;
  readonly isFinalInvokeForWindow?: boolean;
  readonly isWindowTerminatedEarly?: boolean;
}

export function streamArn(stream: KinesisStream = {}): string {
  return arn('kinesis', `stream/${stream.streamName ?? DEFAULT_STREAM_NAME}`, stream);
}

/** The role Lambda names in `invokeIdentityArn` when none is given. */
function defaultRole(location: Location): string {
  return `arn:aws:iam::${resolveLocation(location).accountId}:role/lambda-kinesis-role`;
}

/** The record the Lambda event source mapping hands a function for a record read from `shardId` of `streamArn`. */
export function kinesisRecordOf(
  record: KinesisStoredRecord,
  sourceArn: string,
  invokeIdentityArn: string = defaultRole({ accountId: sourceArn.split(':')[4] }),
): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: typeof record.data === 'string' ? record.data : Buffer.from(record.data).toString('base64'),
      // Epoch seconds with milliseconds, as Lambda sends it.
      approximateArrivalTimestamp: record.approximateArrivalTimestamp.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn,
    awsRegion: regionOf(sourceArn),
    eventSourceARN: sourceArn,
  };
}

let lastSequence = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;

/** A Kinesis-shaped sequence number (56 digits), increasing with every call in this process. */
export function nextSequenceNumber(): string {
  lastSequence += 1_000_000_000_000_000n;
  return lastSequence.toString();
}

/** Text, bytes or an object (as JSON) as the bytes a producer's PutRecord would send. */
export function kinesisDataBytes(data: KinesisData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return data;
  return Buffer.from(JSON.stringify(data));
}

/** One record of a Kinesis event, with a sample sequence number, partition key and arrival time. */
export function kinesisRecord(
  input: KinesisRecordInput | KinesisData,
  stream: KinesisStream = {},
): KinesisStreamRecord {
  const record = normalise(input);
  return kinesisRecordOf(
    {
      shardId: stream.shardId ?? DEFAULT_SHARD_ID,
      sequenceNumber: record.sequenceNumber ?? nextSequenceNumber(),
      partitionKey: record.partitionKey ?? 'partition-1',
      data: kinesisDataBytes(record.data),
      approximateArrivalTimestamp: record.arrivedAt ?? new Date(),
    },
    streamArn(stream),
    stream.invokeIdentityArn ?? defaultRole(stream),
  );
}

/** A Kinesis event: one record per input, in order, all from one shard of one stream. */
export function kinesisEvent(
  records: ReadonlyArray<KinesisRecordInput | KinesisData>,
  stream: KinesisStream = {},
): KinesisStreamEvent {
  return { Records: records.map((record) => kinesisRecord(record, stream)) };
}

/**
 * The event of a mapping with TumblingWindowInSeconds: the records, the window (ISO times), the state the last
 * invocation of this window returned (`{}` at its start), the shard and stream, and whether this is the window's
 * final invocation (no records, the whole window's state to act on).
 */
export function kinesisWindowEvent(
  records: readonly KinesisStreamRecord[],
  window: KinesisWindow,
  shard: { readonly shardId: string; readonly eventSourceARN: string },
): KinesisStreamTumblingWindowEvent & { shardId: string; eventSourceARN: string } {
  return {
    Records: [...records],
    window: { start: isoSeconds(window.start), end: isoSeconds(window.end) },
    state: { ...(window.state ?? {}) },
    shardId: shard.shardId,
    eventSourceARN: shard.eventSourceARN,
    isFinalInvokeForWindow: window.isFinalInvokeForWindow ?? false,
    isWindowTerminatedEarly: window.isWindowTerminatedEarly ?? false,
  };
}

/** `2020-12-09T07:04:00Z`: Lambda writes window bounds without milliseconds. */
function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const RECORD_INPUT_KEYS = new Set(['data', 'partitionKey', 'sequenceNumber', 'arrivedAt']);

/**
 * Text, bytes or an object is the data; an object with `data` and only KinesisRecordInput keys is a record
 * description (to send such an object itself, wrap it: `{ data: theObject }`).
 */
function normalise(input: KinesisRecordInput | KinesisData): KinesisRecordInput {
  if (typeof input === 'string' || input instanceof Uint8Array) return { data: input };
  const keys = Object.keys(input);
  if (keys.includes('data') && keys.every((key) => RECORD_INPUT_KEYS.has(key)))
    return input as KinesisRecordInput;
  return { data: input };
}
