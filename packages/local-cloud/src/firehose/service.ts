/**
 * Amazon Data Firehose, answered in-process (no emulator exists): the JSON API (`X-Amz-Target:
 * Firehose_20150804.<Action>`) the SDK and the AWS CLI use — PutRecord, PutRecordBatch, DescribeDeliveryStream,
 * ListDeliveryStreams — over the delivery streams the deployer creates. It is an event source too: a stream with
 * a Kinesis source reads it until the cloud stops.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsJsonError, answerJsonApi, type Json } from '../json-api.ts';
import type { ApiHandler, AwsContext, EventSource, EventSourceState } from '../types.ts';
import type { DeliveryStream, DeliveryStreamState } from './delivery-stream.ts';

const TARGET_PREFIX = 'Firehose_20150804.';
/** PutRecord / PutRecordBatch limits (Firehose API reference). */
const MAX_RECORD_BYTES = 1000 * 1024;
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export class FirehoseService implements ApiHandler, EventSource {
  readonly description = 'Firehose delivery streams';
  readonly #aws: AwsContext;
  readonly #register: (source: EventSource) => void;
  readonly #streams = new Map<string, DeliveryStream>();
  #stopped = false;

  /** `register` lists it among the cloud's event sources once it has a delivery stream (and so work to stop). */
  constructor(options: { readonly aws: AwsContext; readonly register: (source: EventSource) => void }) {
    this.#aws = options.aws;
    this.#register = options.register;
  }

  /** Adds a delivery stream the deployer made, and starts reading its source. */
  async add(stream: DeliveryStream): Promise<void> {
    await stream.start();
    if (this.#streams.size === 0) this.#register(this);
    this.#streams.set(stream.config.name, stream);
  }

  get(name: string): DeliveryStream | undefined {
    return this.#streams.get(name);
  }

  /** Each delivery stream's counts and the objects it wrote. */
  deliveryStreams(): { name: string; state: DeliveryStreamState }[] {
    return [...this.#streams.values()].map((stream) => ({ name: stream.config.name, state: stream.state() }));
  }

  start(): void {}

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#streams.values()].map((stream) => stream.stop()));
  }

  state(): EventSourceState {
    const states = [...this.#streams.values()].map((stream) => stream.state());
    return {
      state: this.#stopped ? 'Stopped' : 'Enabled',
      invocations: states.reduce((sum, state) => sum + state.invocations, 0),
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    answerJsonApi(
      {
        targetPrefix: TARGET_PREFIX,
        operation: (action) =>
          Object.hasOwn(this.#operations, action) ? this.#operations[action] : undefined,
        unsupported: (action) => `The local Firehose does not support ${action || 'this operation'}.`,
      },
      request,
      response,
      body,
    );
  }

  readonly #operations: Readonly<Record<string, (input: Json) => Json>> = {
    PutRecord: (input) => {
      const stream = this.#directPut(input);
      const [data] = blobs([recordOf(input.Record)], MAX_RECORD_BYTES);
      const [recordId] = stream.put([data as Buffer]);
      return { RecordId: recordId, Encrypted: false };
    },
    PutRecordBatch: (input) => {
      const stream = this.#directPut(input);
      const records = Array.isArray(input.Records) ? input.Records.map(recordOf) : [];
      if (records.length === 0 || records.length > MAX_BATCH_RECORDS) {
        throw new AwsJsonError(
          'ValidationException',
          `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length ${records.length === 0 ? 'greater than or equal to 1' : `less than or equal to ${MAX_BATCH_RECORDS}`}`,
        );
      }
      const data = blobs(records, MAX_RECORD_BYTES);
      const total = data.reduce((sum, bytes) => sum + bytes.length, 0);
      if (total > MAX_BATCH_BYTES) {
        throw new AwsJsonError(
          'InvalidArgumentException',
          `The records of a PutRecordBatch may hold at most 4 MiB, not ${total} bytes.`,
        );
      }
      const ids = stream.put(data);
      return { FailedPutCount: 0, Encrypted: false, RequestResponses: ids.map((RecordId) => ({ RecordId })) };
    },
    DescribeDeliveryStream: (input) => {
      const stream = this.#named(input);
      return { DeliveryStreamDescription: describe(stream) };
    },
    ListDeliveryStreams: (input) => {
      const type = typeof input.DeliveryStreamType === 'string' ? input.DeliveryStreamType : undefined;
      const names = [...this.#streams.values()]
        .filter((stream) => !type || stream.config.type === type)
        .map((stream) => stream.config.name)
        .sort();
      return { DeliveryStreamNames: names, HasMoreDeliveryStreams: false };
    },
  };

  #named(input: Json): DeliveryStream {
    const name = input.DeliveryStreamName;
    if (typeof name !== 'string' || name === '') {
      throw new AwsJsonError(
        'ValidationException',
        "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy constraint: Member must not be null",
      );
    }
    const stream = this.#streams.get(name);
    if (!stream) {
      throw new AwsJsonError(
        'ResourceNotFoundException',
        `Firehose ${name} under account ${this.#aws.accountId} not found.`,
      );
    }
    return stream;
  }

  /** Firehose refuses direct puts to a stream that reads a Kinesis stream. */
  #directPut(input: Json): DeliveryStream {
    const stream = this.#named(input);
    if (stream.config.type === 'KinesisStreamAsSource') {
      throw new AwsJsonError(
        'InvalidArgumentException',
        'This operation is not permitted on KinesisStreamAsSource delivery stream type.',
      );
    }
    return stream;
  }
}

function describe(stream: DeliveryStream): Json {
  const { config } = stream;
  const processor = config.processor;
  return {
    DeliveryStreamName: config.name,
    DeliveryStreamARN: config.arn,
    DeliveryStreamStatus: 'ACTIVE',
    DeliveryStreamType: config.type,
    VersionId: '1',
    CreateTimestamp: config.createdAt / 1000,
    ...(config.sourceStreamArn && {
      Source: {
        KinesisStreamSourceDescription: {
          KinesisStreamARN: config.sourceStreamArn,
          ...(config.sourceRoleArn && { RoleARN: config.sourceRoleArn }),
          DeliveryStartTimestamp: config.createdAt / 1000,
        },
      },
    }),
    Destinations: [
      {
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationDescription: {
          BucketARN: config.bucketArn,
          ...(config.roleArn && { RoleARN: config.roleArn }),
          Prefix: config.prefix,
          ...(config.errorOutputPrefix !== undefined && { ErrorOutputPrefix: config.errorOutputPrefix }),
          BufferingHints: {
            SizeInMBs: config.bufferSizeBytes / (1024 * 1024),
            IntervalInSeconds: config.bufferIntervalSeconds,
          },
          CompressionFormat: config.compression,
          EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
          ...(processor && {
            ProcessingConfiguration: {
              Enabled: true,
              Processors: [
                {
                  Type: 'Lambda',
                  Parameters: [
                    { ParameterName: 'LambdaArn', ParameterValue: processor.lambdaArn },
                    { ParameterName: 'NumberOfRetries', ParameterValue: String(processor.retries) },
                  ],
                },
              ],
            },
          }),
        },
      },
    ],
    HasMoreDestinations: false,
  };
}

function recordOf(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

/** The records' data: base64 in the JSON protocol, each within Firehose's size limit. */
function blobs(records: readonly Json[], maxBytes: number): Buffer[] {
  return records.map((record, index) => {
    if (typeof record.Data !== 'string') {
      throw new AwsJsonError(
        'ValidationException',
        `1 validation error detected: Value null at 'record${records.length > 1 ? `s.${index + 1}.member` : ''}.data' failed to satisfy constraint: Member must not be null`,
      );
    }
    const data = Buffer.from(record.Data, 'base64');
    if (data.length > maxBytes) {
      throw new AwsJsonError(
        'ValidationException',
        `1 validation error detected: Value at 'record.data' failed to satisfy constraint: Member must have length less than or equal to ${maxBytes}`,
      );
    }
    return data;
  });
}
