/**
 * AWS::KinesisFirehose::DeliveryStream → a delivery stream of the local Firehose (no emulator exists): Direct PUT or
 * a Kinesis stream source, to an S3 bucket (ExtendedS3DestinationConfiguration or S3DestinationConfiguration) with
 * its prefixes, buffering hints, compression (GZIP or none) and a Lambda processor. Other destinations (Redshift,
 * OpenSearch, HTTP endpoints, …) and dynamic partitioning are reported as not run locally.
 */

import { LocalCloudError } from '../../errors.ts';
import { DeliveryStream, type LambdaProcessor } from '../../firehose/delivery-stream.ts';
import { KinesisShards } from '../../triggers/kinesis.ts';
import {
  type CreatedResource,
  listOf,
  optionalNumber,
  optionalString,
  type ResourceContext,
  type ResourceHandler,
  recordOf,
  unsupported,
} from '../resource.ts';

const MB = 1024 * 1024;
/** Firehose's defaults: BufferingHints 5 MB / 300 s; a Lambda processor 1 MB / 60 s, retried 3 times. */
const DEFAULT_BUFFER_MB = 5;
const DEFAULT_BUFFER_SECONDS = 300;
const DEFAULT_PROCESSOR_MB = 1;
const DEFAULT_RETRIES = 3;

function processorOf(
  destination: Record<string, unknown>,
  context: ResourceContext,
): LambdaProcessor | undefined {
  const processing = recordOf(destination.ProcessingConfiguration);
  if (processing.Enabled === false || processing.Enabled === 'false') return undefined;
  const lambda = listOf(processing.Processors)
    .map(recordOf)
    .find((processor) => processor.Type === 'Lambda');
  if (!lambda) return undefined;
  const parameters = new Map(
    listOf(lambda.Parameters).map((parameter) => [
      String(recordOf(parameter).ParameterName),
      recordOf(parameter).ParameterValue,
    ]),
  );
  const lambdaArn = optionalString(parameters.get('LambdaArn'));
  if (!lambdaArn)
    throw new LocalCloudError(`${context.logicalId}: its Lambda processor has no LambdaArn parameter.`);
  return {
    lambdaArn,
    retries: optionalNumber(parameters.get('NumberOfRetries')) ?? DEFAULT_RETRIES,
    bufferSizeBytes: (optionalNumber(parameters.get('BufferSizeInMBs')) ?? DEFAULT_PROCESSOR_MB) * MB,
  };
}

const deliveryStream: ResourceHandler = {
  async create(properties, context): Promise<CreatedResource> {
    const name = optionalString(properties.DeliveryStreamName) ?? context.physicalName({ maxLength: 64 });
    const arn = `arn:aws:firehose:${context.aws.region}:${context.aws.accountId}:deliverystream/${name}`;
    const attributes = { Arn: arn };
    const destination = recordOf(
      properties.ExtendedS3DestinationConfiguration ?? properties.S3DestinationConfiguration,
    );
    if (!destination.BucketARN) {
      return unsupported(name, 'only delivery streams to S3 run locally', attributes);
    }
    if (recordOf(destination.DynamicPartitioningConfiguration).Enabled === true) {
      return unsupported(name, 'dynamic partitioning does not run locally yet', attributes);
    }
    const firehose = context.services.firehose;
    if (!firehose) return unsupported(name, 'the local Firehose is not running', attributes);
    const type =
      properties.DeliveryStreamType === 'KinesisStreamAsSource' ? 'KinesisStreamAsSource' : 'DirectPut';
    const source = recordOf(properties.KinesisStreamSourceConfiguration);
    const sourceStreamArn = optionalString(source.KinesisStreamARN);
    if (type === 'KinesisStreamAsSource' && !sourceStreamArn) {
      throw new LocalCloudError(
        `${context.logicalId}: a KinesisStreamAsSource delivery stream needs KinesisStreamSourceConfiguration.KinesisStreamARN.`,
      );
    }
    let shards: KinesisShards | undefined;
    if (type === 'KinesisStreamAsSource' && sourceStreamArn) {
      const url = context.services.triggers.emulatorUrl('kinesis');
      if (!url)
        return unsupported(
          name,
          context.services.unavailable('kinesis') ?? 'Kinesis is not running',
          attributes,
        );
      shards = new KinesisShards({ url, region: context.aws.region, streamArn: sourceStreamArn });
    }
    const hints = recordOf(destination.BufferingHints);
    const compression = optionalString(destination.CompressionFormat) ?? 'UNCOMPRESSED';
    const notes = [
      ...(compression !== 'UNCOMPRESSED' && compression !== 'GZIP'
        ? [`${compression} compression is not applied locally (objects are uncompressed)`]
        : []),
      ...(properties.DeliveryStreamEncryptionConfigurationInput || destination.EncryptionConfiguration
        ? ['encryption settings are recorded, not applied, locally']
        : []),
    ];
    const stream = new DeliveryStream(
      {
        name,
        arn,
        type,
        ...(sourceStreamArn && { sourceStreamArn }),
        ...(optionalString(source.RoleARN) && { sourceRoleArn: optionalString(source.RoleARN) }),
        bucketArn: String(destination.BucketARN),
        bucketName: String(destination.BucketARN).split(':').pop() ?? '',
        ...(optionalString(destination.RoleARN) && { roleArn: optionalString(destination.RoleARN) }),
        prefix: optionalString(destination.Prefix) ?? '',
        ...(optionalString(destination.ErrorOutputPrefix) !== undefined && {
          errorOutputPrefix: optionalString(destination.ErrorOutputPrefix),
        }),
        bufferSizeBytes: (optionalNumber(hints.SizeInMBs) ?? DEFAULT_BUFFER_MB) * MB,
        bufferIntervalSeconds: optionalNumber(hints.IntervalInSeconds) ?? DEFAULT_BUFFER_SECONDS,
        compression: compression === 'GZIP' ? 'GZIP' : 'UNCOMPRESSED',
        ...(processorOf(destination, context) && { processor: processorOf(destination, context) }),
        createdAt: Date.now(),
      },
      { triggers: context.services.triggers, clients: context.services.clients, ...(shards && { shards }) },
    );
    await firehose.add(stream);
    return { physicalId: name, attributes, ...(notes.length > 0 ? { detail: notes.join('; ') } : {}) };
  },
};

export const firehoseHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::KinesisFirehose::DeliveryStream': deliveryStream,
};
