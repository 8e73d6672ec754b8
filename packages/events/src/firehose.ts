import type {
  FirehoseRecordTransformationStatus,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';
import { arn, type Location, newId, resolveLocation } from './aws.ts';
import {
  DEFAULT_SHARD_ID,
  type KinesisData,
  kinesisDataBytes,
  nextSequenceNumber,
  streamArn,
} from './kinesis.ts';

export type {
  FirehoseRecordTransformationStatus,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
};

/**
 * What Firehose says of a record read from a Kinesis stream source. Powertools' schema (the reference here) takes
 * `subsequenceNumber` as a number, where @types/aws-lambda says string: records carry 0 (no KPL aggregation).
 */
export interface FirehoseKinesisRecordMetadata {
  readonly shardId: string;
  readonly partitionKey: string;
  /** Epoch milliseconds. */
  readonly approximateArrivalTimestamp: number;
  readonly sequenceNumber: string;
  readonly subsequenceNumber: number;
}

export interface FirehoseEventRecord {
  readonly recordId: string;
  /** Epoch milliseconds. */
  readonly approximateArrivalTimestamp: number;
  /** base64 */
  readonly data: string;
  readonly kinesisRecordMetadata?: FirehoseKinesisRecordMetadata;
}

/** The event Firehose invokes a transformation function with. */
export interface FirehoseEvent {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  readonly sourceKinesisStreamArn?: string;
  readonly region: string;
  readonly records: FirehoseEventRecord[];
}

/** The delivery stream a record goes through; with `sourceStreamName`, it reads a Kinesis stream. */
export interface FirehoseDeliveryStream extends Location {
  readonly deliveryStreamName?: string;
  /** A Kinesis data stream as the source: records carry `kinesisRecordMetadata`. */
  readonly sourceStreamName?: string;
}

export const DEFAULT_DELIVERY_STREAM_NAME = 'clickstream-to-s3';

export interface FirehoseRecordInput {
  readonly data: KinesisData;
  readonly recordId?: string;
  readonly arrivedAt?: Date;
  /** Kinesis source only. @default 'partition-1' */
  readonly partitionKey?: string;
  /** Kinesis source only. @default 'shardId-000000000000' */
  readonly shardId?: string;
  /** Kinesis source only. @default increases with every record this process builds */
  readonly sequenceNumber?: string;
}

export function deliveryStreamArn(stream: FirehoseDeliveryStream = {}): string {
  return arn(
    'firehose',
    `deliverystream/${stream.deliveryStreamName ?? DEFAULT_DELIVERY_STREAM_NAME}`,
    stream,
  );
}

let lastRecordId = 0n;

/** A Firehose-shaped record id: digits, distinct for every record this process builds. */
export function nextFirehoseRecordId(): string {
  lastRecordId += 1n;
  return `${nextSequenceNumber()}${lastRecordId.toString().padStart(6, '0')}`;
}

/** The transformation event for records as Firehose buffered them (what the local cloud's Firehose sends). */
export function firehoseEventOf(options: {
  readonly deliveryStreamArn: string;
  readonly sourceKinesisStreamArn?: string;
  readonly records: readonly FirehoseEventRecord[];
  readonly invocationId?: string;
}): FirehoseEvent {
  return {
    invocationId: options.invocationId ?? newId(),
    deliveryStreamArn: options.deliveryStreamArn,
    ...(options.sourceKinesisStreamArn !== undefined && {
      sourceKinesisStreamArn: options.sourceKinesisStreamArn,
    }),
    region: options.deliveryStreamArn.split(':')[3] || resolveLocation().region,
    records: [...options.records],
  };
}

/** One record of a transformation event, with a sample id and arrival time (and Kinesis metadata for a stream source). */
export function firehoseRecord(
  input: FirehoseRecordInput | KinesisData,
  stream: FirehoseDeliveryStream = {},
): FirehoseEventRecord {
  const record = normalise(input);
  const arrivedAt = (record.arrivedAt ?? new Date()).getTime();
  return {
    recordId: record.recordId ?? nextFirehoseRecordId(),
    approximateArrivalTimestamp: arrivedAt,
    data: Buffer.from(kinesisDataBytes(record.data)).toString('base64'),
    ...(stream.sourceStreamName !== undefined && {
      kinesisRecordMetadata: {
        shardId: record.shardId ?? DEFAULT_SHARD_ID,
        partitionKey: record.partitionKey ?? 'partition-1',
        approximateArrivalTimestamp: arrivedAt,
        sequenceNumber: record.sequenceNumber ?? nextSequenceNumber(),
        subsequenceNumber: 0,
      },
    }),
  };
}

/** A transformation event: one record per input, in order. */
export function firehoseEvent(
  records: ReadonlyArray<FirehoseRecordInput | KinesisData>,
  stream: FirehoseDeliveryStream = {},
): FirehoseEvent {
  return firehoseEventOf({
    deliveryStreamArn: deliveryStreamArn(stream),
    ...(stream.sourceStreamName !== undefined && {
      sourceKinesisStreamArn: streamArn({ ...stream, streamName: stream.sourceStreamName }),
    }),
    records: records.map((record) => firehoseRecord(record, stream)),
  });
}

/**
 * A transformation's answer: every record id back exactly once, with its result, and for `Ok` the new data
 * (text or bytes; sent base64). What Firehose checks is in the local cloud's Firehose.
 */
export function firehoseResult(
  records: ReadonlyArray<{
    readonly recordId: string;
    readonly result: FirehoseRecordTransformationStatus;
    readonly data?: string | Uint8Array;
  }>,
): FirehoseTransformationResult {
  return {
    records: records.map(({ recordId, result, data }) => ({
      recordId,
      result,
      ...(data !== undefined && { data: Buffer.from(data).toString('base64') }),
    })),
  };
}

const RECORD_INPUT_KEYS = new Set([
  'data',
  'recordId',
  'arrivedAt',
  'partitionKey',
  'shardId',
  'sequenceNumber',
]);

function normalise(input: FirehoseRecordInput | KinesisData): FirehoseRecordInput {
  if (typeof input === 'string' || input instanceof Uint8Array) return { data: input };
  const keys = Object.keys(input);
  if (keys.includes('data') && keys.every((key) => RECORD_INPUT_KEYS.has(key)))
    return input as FirehoseRecordInput;
  return { data: input };
}
