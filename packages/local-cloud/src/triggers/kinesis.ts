/**
 * Kinesis Data Streams as an event source mapping: the stream poller (`stream-poller.ts`) reading kinesalite's
 * shards, records built by @triggers/events (the one event model), and the mapping settings AWS refuses.
 */
import { Agent } from 'node:http';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { kinesisRecordOf } from '@triggers/events';
import { optionalNumber, optionalString, recordOf } from '../deploy/resource.ts';
import { LocalCloudError } from '../errors.ts';
import type { MappingContext, MappingSource } from './mapping-source.ts';
import {
  type StartingPosition,
  type StreamKind,
  StreamPoller,
  type StreamRecord,
  type StreamShards,
} from './stream-poller.ts';

export const KINESIS_KIND: StreamKind = {
  eventSource: 'aws:kinesis',
  batchInfoKey: 'KinesisBatchInfo',
  dataKey: 'data',
  streamArnKey: 'streamArn',
};

/** The stream a mapping reads: its ARN names it, or names a consumer of it (`…:stream/<name>/consumer/<c>:<t>`). */
export function streamNameOf(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.replace(/^stream\//, '').split('/')[0] ?? '';
}

/** kinesalite's shards, read with SDK v3 over HTTP/1.1 (its default HTTP/2 handler cannot talk to kinesalite). */
export class KinesisShards implements StreamShards {
  readonly #client: KinesisClient;
  readonly #streamName: string;
  readonly #streamArn: string;
  readonly #invokeIdentityArn: string | undefined;

  /** `invokeIdentityArn`: the role records name (the mapping's function's); a sample role without one. */
  constructor(options: {
    readonly url: string;
    readonly region: string;
    readonly streamArn: string;
    readonly invokeIdentityArn?: string;
  }) {
    this.#client = new KinesisClient({
      endpoint: options.url,
      region: options.region,
      // Lambda's own poller talks to the emulator directly; kinesalite checks no signature.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true }) }),
      maxAttempts: 1,
    });
    this.#streamArn = options.streamArn;
    this.#streamName = streamNameOf(options.streamArn);
    this.#invokeIdentityArn = options.invokeIdentityArn;
  }

  async listShards(): Promise<readonly string[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.#streamName }),
      );
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token);
    // Open shards only: a closed parent's records would be read before its children on AWS, which
    // kinesalite's resharding (not used by the local cloud) would need.
    return shards
      .filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined)
      .map((shard) => shard.ShardId ?? '');
  }

  async iterator(shardId: string, position: StartingPosition): Promise<string | undefined> {
    const { ShardIterator } = await this.#client.send(
      new GetShardIteratorCommand({
        StreamName: this.#streamName,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.type === 'AT_TIMESTAMP' && {
          // The stream refuses a time in the future.
          Timestamp: new Date(Math.min(position.timestampSeconds * 1000, Date.now())),
        }),
        ...(position.type === 'AFTER_SEQUENCE_NUMBER' && { StartingSequenceNumber: position.sequenceNumber }),
      }),
    );
    return ShardIterator;
  }

  async read(shardId: string, iterator: string, limit: number) {
    const answer = await this.#client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    const records: StreamRecord[] = (answer.Records ?? []).map((record) => {
      const data = record.Data ?? new Uint8Array();
      const eventRecord = kinesisRecordOf(
        {
          shardId,
          sequenceNumber: record.SequenceNumber ?? '',
          partitionKey: record.PartitionKey ?? '',
          data,
          approximateArrivalTimestamp: record.ApproximateArrivalTimestamp ?? new Date(),
        },
        this.#streamArn,
        this.#invokeIdentityArn,
      );
      const { kinesis, ...envelope } = eventRecord;
      return {
        shardId,
        sequenceNumber: eventRecord.kinesis.sequenceNumber,
        partitionKey: eventRecord.kinesis.partitionKey,
        arrivalMs: (record.ApproximateArrivalTimestamp ?? new Date()).getTime(),
        eventRecord,
        // Lambda filters a Kinesis record flattened, with its data decoded as JSON.
        filterView: { ...kinesis, ...envelope, data: jsonOf(data) },
      };
    });
    return { records, ...(answer.NextShardIterator ? { next: answer.NextShardIterator } : {}) };
  }

  isExpiredIterator(error: unknown): boolean {
    return (error as { name?: string } | null)?.name === 'ExpiredIteratorException';
  }

  /** The stream's retention, which bounds how long a failing record is retried with the default (-1) limits. */
  async retentionHours(): Promise<number> {
    const { StreamDescriptionSummary } = await this.#client.send(
      new DescribeStreamSummaryCommand({ StreamName: this.#streamName }),
    );
    return StreamDescriptionSummary?.RetentionPeriodHours ?? 24;
  }

  destroy(): void {
    this.#client.destroy();
  }
}

/** The decoded data when it is JSON; undefined otherwise (a data filter then drops the record). */
function jsonOf(data: Uint8Array): unknown {
  const text = Buffer.from(data).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** AWS's validation message for a value out of range, as CreateEventSourceMapping answers it. */
function outOfRange(field: string, value: number, min: number, max: number): string | undefined {
  if (!Number.isInteger(value))
    return `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must be a whole number`;
  if (value < min)
    return `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`;
  if (value > max)
    return `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must have value less than or equal to ${max}`;
  return undefined;
}

function startingPositionOf(
  properties: Readonly<Record<string, unknown>>,
  logicalId: string,
): StartingPosition {
  const type = optionalString(properties.StartingPosition);
  if (type === 'TRIM_HORIZON' || type === 'LATEST') return { type };
  if (type === 'AT_TIMESTAMP') {
    const timestampSeconds = optionalNumber(properties.StartingPositionTimestamp);
    if (timestampSeconds === undefined) {
      throw new LocalCloudError(
        `${logicalId}: StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP (AWS refuses this mapping too).`,
      );
    }
    return { type, timestampSeconds };
  }
  throw new LocalCloudError(
    `${logicalId}: a Kinesis mapping needs StartingPosition TRIM_HORIZON, LATEST or AT_TIMESTAMP, not ${type ?? 'none'} (AWS refuses this mapping too).`,
  );
}

/** Refuses what CreateEventSourceMapping refuses for a Kinesis source, in AWS's words where they are known. */
function refusal(properties: Readonly<Record<string, unknown>>, batchSize: number, batchingWindow: number) {
  const number = (key: string, fallback: number) => optionalNumber(properties[key]) ?? fallback;
  const retries = number('MaximumRetryAttempts', -1);
  const age = number('MaximumRecordAgeInSeconds', -1);
  const parallelization = number('ParallelizationFactor', 1);
  const tumbling = number('TumblingWindowInSeconds', 0);
  const problem =
    outOfRange('batchSize', batchSize, 1, 10_000) ??
    outOfRange('maximumBatchingWindowInSeconds', batchingWindow, 0, 300) ??
    outOfRange('maximumRetryAttempts', retries, -1, 10_000) ??
    outOfRange('maximumRecordAgeInSeconds', age, -1, 604_800) ??
    // -1 is "until the record expires"; a bounded age is at least a minute.
    (age >= 0 && age < 60 ? outOfRange('maximumRecordAgeInSeconds', age, 60, 604_800) : undefined) ??
    outOfRange('parallelizationFactor', parallelization, 1, 10) ??
    outOfRange('tumblingWindowInSeconds', tumbling, 0, 900) ??
    (tumbling > 0 && parallelization > 1
      ? 'TumblingWindowInSeconds cannot be used with a ParallelizationFactor greater than 1.'
      : undefined);
  return { problem, retries, age, parallelization, tumbling };
}

/** On-failure destinations a stream mapping can send to. */
const ON_FAILURE_SERVICES = new Set(['sqs', 'sns', 's3']);

export const kinesisMappingSource: MappingSource = {
  title: 'Kinesis',
  defaultBatchSize: 100,
  async create(config, context: MappingContext) {
    const { properties, logicalId, triggers } = context;
    const { problem, retries, age, parallelization, tumbling } = refusal(
      properties,
      config.batchSize,
      config.maximumBatchingWindowSeconds,
    );
    if (problem) throw new LocalCloudError(`${logicalId}: ${problem} (AWS refuses this mapping too).`);
    const startingPosition = startingPositionOf(properties, logicalId);
    const onFailure = optionalString(recordOf(recordOf(properties.DestinationConfig).OnFailure).Destination);
    if (onFailure && !ON_FAILURE_SERVICES.has(onFailure.split(':')[2] ?? '')) {
      throw new LocalCloudError(
        `${logicalId}: the on-failure destination of a Kinesis mapping must be an SQS queue, an SNS topic or an S3 bucket, not ${onFailure}.`,
      );
    }
    const url = triggers.emulatorUrl('kinesis');
    if (!url)
      throw new LocalCloudError('Kinesis (kinesalite) is not running, so no Kinesis mapping can poll.');
    const shards = new KinesisShards({
      url,
      region: triggers.aws.region,
      streamArn: config.sourceArn,
      ...(context.function.role && { invokeIdentityArn: context.function.role }),
    });
    let retentionHours: number;
    try {
      retentionHours = await shards.retentionHours();
    } catch (error) {
      shards.destroy();
      throw new LocalCloudError(
        `${logicalId}: stream ${streamNameOf(config.sourceArn)} does not exist (${(error as Error).name ?? 'error'}).`,
      );
    }
    return new StreamPoller(
      {
        ...config,
        functionArn: context.function.arn,
        startingPosition,
        maximumRetryAttempts: retries,
        maximumRecordAgeSeconds: age,
        bisectBatchOnFunctionError: String(properties.BisectBatchOnFunctionError) === 'true',
        parallelizationFactor: parallelization,
        tumblingWindowSeconds: tumbling,
        ...(onFailure ? { onFailureDestination: onFailure } : {}),
        retentionHours,
      },
      {
        triggers,
        shards,
        kind: KINESIS_KIND,
        deliver: triggers.deliver,
        sourceName: streamNameOf(config.sourceArn),
      },
    );
  },
};
