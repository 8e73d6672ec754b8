/**
 * AWS::SQS::Queue → CreateQueue against the local endpoint (fauxqs behind the gateway). Queue policies are
 * recorded: access policies are not enforced locally.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { listOf, optionalString, type ResourceHandler, recordedOnly, recordOf } from '../resource.ts';

/** Template properties that are queue attributes under the same name. */
const ATTRIBUTES = [
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoQueue',
  'FifoThroughputLimit',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'VisibilityTimeout',
] as const;

function attributeValue(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

const queue: ResourceHandler = {
  async create(properties, context) {
    const fifo = String(properties.FifoQueue) === 'true';
    const name =
      optionalString(properties.QueueName) ??
      context.physicalName({ maxLength: 80, suffix: fifo ? '.fifo' : '' });
    const attributes: Record<string, string> = {};
    for (const key of ATTRIBUTES) {
      if (properties[key] !== undefined) attributes[key] = attributeValue(properties[key]);
    }
    const tags = Object.fromEntries(
      listOf(properties.Tags).map((tag) => [String(recordOf(tag).Key), String(recordOf(tag).Value)]),
    );
    const sqs = context.services.clients(SQSClient);
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags }));
    const url = created.QueueUrl ?? '';
    const described = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn =
      described.Attributes?.QueueArn ?? `arn:aws:sqs:${context.aws.region}:${context.aws.accountId}:${name}`;
    return { physicalId: url, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
  },
};

const queuePolicy = recordedOnly('queue policies are recorded, not enforced, locally', 128);

export const sqsHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::SQS::Queue': queue,
  'AWS::SQS::QueuePolicy': queuePolicy,
};
