/**
 * AWS::Kinesis::Stream → CreateStream against kinesalite behind the gateway, waiting until the stream is ACTIVE
 * (CloudFormation waits too). An on-demand stream gets the 4 shards AWS starts one with; it does not scale.
 * StreamEncryption is recorded, not enforced: kinesalite keeps records in memory, unencrypted.
 */
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { realSleep } from '../../clock.ts';
import { LocalCloudError } from '../../errors.ts';
import {
  type CreatedResource,
  listOf,
  optionalNumber,
  optionalString,
  type ResourceHandler,
  recordOf,
} from '../resource.ts';

/** What AWS gives an on-demand stream to start with. */
export const ON_DEMAND_SHARDS = 4;
/** Kinesis keeps records 24 hours unless RetentionPeriodHours says otherwise. */
export const DEFAULT_RETENTION_HOURS = 24;
const ACTIVE_WAIT_MS = 10_000;

const stream: ResourceHandler = {
  async create(properties, context): Promise<CreatedResource> {
    const name = optionalString(properties.Name) ?? context.physicalName({ maxLength: 128 });
    const arn = `arn:aws:kinesis:${context.aws.region}:${context.aws.accountId}:stream/${name}`;
    const unavailable = context.services.unavailable('kinesis');
    if (unavailable)
      return { physicalId: name, attributes: { Arn: arn }, status: 'unsupported', detail: unavailable };

    const mode = optionalString(recordOf(properties.StreamModeDetails).StreamMode) ?? 'PROVISIONED';
    const onDemand = mode === 'ON_DEMAND';
    const shardCount = onDemand ? ON_DEMAND_SHARDS : (optionalNumber(properties.ShardCount) ?? 1);
    if (!Number.isInteger(shardCount) || shardCount < 1) {
      throw new LocalCloudError(
        `${context.logicalId}: ShardCount must be a whole number of at least 1, not ${String(properties.ShardCount)}.`,
      );
    }
    const kinesis = context.services.clients(KinesisClient);
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
    await waitUntilActive(kinesis, name, context.logicalId);

    const retention = optionalNumber(properties.RetentionPeriodHours) ?? DEFAULT_RETENTION_HOURS;
    if (retention > DEFAULT_RETENTION_HOURS) {
      await kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: retention }),
      );
      await waitUntilActive(kinesis, name, context.logicalId);
    }
    const tags = Object.fromEntries(
      listOf(properties.Tags).map((tag) => [String(recordOf(tag).Key), String(recordOf(tag).Value)]),
    );
    if (Object.keys(tags).length > 0)
      await kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: tags }));

    const notes = [
      ...(onDemand ? [`on-demand: ${ON_DEMAND_SHARDS} shards, not scaled locally`] : []),
      ...(optionalString(recordOf(properties.StreamEncryption).EncryptionType) === 'KMS'
        ? ['StreamEncryption (KMS) is recorded, not enforced, locally']
        : []),
    ];
    return {
      physicalId: name,
      attributes: { Arn: arn },
      ...(notes.length > 0 ? { detail: notes.join('; ') } : {}),
    };
  },
};

async function waitUntilActive(kinesis: KinesisClient, name: string, logicalId: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  for (;;) {
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new LocalCloudError(
        `${logicalId}: stream ${name} did not become ACTIVE within ${ACTIVE_WAIT_MS / 1000} s.`,
      );
    await realSleep(20);
  }
}

/**
 * An enhanced fan-out consumer: kinesalite has no RegisterStreamConsumer, so it is recorded with the ARN AWS would
 * give it; a mapping on that ARN reads the consumer's stream (shared throughput instead of a push over HTTP/2).
 */
const streamConsumer: ResourceHandler = {
  async create(properties, context): Promise<CreatedResource> {
    const streamArn = optionalString(properties.StreamARN) ?? '';
    const name = optionalString(properties.ConsumerName) ?? context.physicalName({ maxLength: 128 });
    const created = Math.floor(Date.now() / 1000);
    const arn = `${streamArn}/consumer/${name}:${created}`;
    return {
      physicalId: arn,
      status: 'recorded',
      detail:
        'enhanced fan-out is not emulated: a mapping on this consumer reads its stream with shared throughput',
      attributes: {
        ConsumerARN: arn,
        ConsumerName: name,
        ConsumerStatus: 'ACTIVE',
        ConsumerCreationTimestamp: String(created),
        StreamARN: streamArn,
      },
    };
  },
};

export const kinesisHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::Kinesis::Stream': stream,
  'AWS::Kinesis::StreamConsumer': streamConsumer,
};
