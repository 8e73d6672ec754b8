import type { CfnTemplate } from '@triggers/local-cloud';
import { describe, expect, it } from 'vitest';
import { flowOf } from '../../src/web/diagram.ts';

const arn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const ref = (id: string) => ({ Ref: id });

/** A queue-fed worker as CDK writes it: mapping, redrive policy, a role allowed to write a table and delete messages. */
const queueWorker: CfnTemplate = {
  Resources: {
    OrdersC0FFEE00: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    QueueAB12CD34: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        RedrivePolicy: { deadLetterTargetArn: arn('DeadLetterQueue12345678'), maxReceiveCount: 5 },
      },
    },
    DeadLetterQueue12345678: { Type: 'AWS::SQS::Queue', Properties: {} },
    WorkerRole11111111: { Type: 'AWS::IAM::Role', Properties: {} },
    WorkerRolePolicy22222222: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        Roles: [ref('WorkerRole11111111')],
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: arn('OrdersC0FFEE00') },
            {
              Effect: 'Allow',
              Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
              Resource: arn('QueueAB12CD34'),
            },
            { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: arn('AuditTable33333333') },
          ],
        },
      },
    },
    AuditTable33333333: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    Worker44444444: { Type: 'AWS::Lambda::Function', Properties: { Role: arn('WorkerRole11111111') } },
    WorkerMapping55555555: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { EventSourceArn: arn('QueueAB12CD34'), FunctionName: ref('Worker44444444') },
    },
  },
};

/** A bucket-notified function with an async on-failure destination, and CDK's notifications handler beside it. */
const bucketWorker: CfnTemplate = {
  Resources: {
    Uploads66666666: { Type: 'AWS::S3::Bucket', Properties: {} },
    Thumbnailer77777777: { Type: 'AWS::Lambda::Function', Properties: {} },
    Failures88888888: { Type: 'AWS::SQS::Queue', Properties: {} },
    InvokeConfig99999999: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: ref('Thumbnailer77777777'),
        DestinationConfig: { OnFailure: { Destination: arn('Failures88888888') } },
      },
    },
    NotificationsAAAAAAAA: {
      Type: 'Custom::S3BucketNotifications',
      Properties: {
        ServiceToken: arn('BucketNotificationsHandlerBBBBBBBB'),
        BucketName: ref('Uploads66666666'),
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Events: ['s3:ObjectCreated:*'], LambdaFunctionArn: arn('Thumbnailer77777777') },
          ],
        },
      },
    },
    BucketNotificationsHandlerBBBBBBBB: { Type: 'AWS::Lambda::Function', Properties: {} },
  },
};

/** A Firehose that reads a stream, transforms with a function and delivers to a bucket. */
const deliveryStream: CfnTemplate = {
  Resources: {
    StreamCCCCCCCC: { Type: 'AWS::Kinesis::Stream', Properties: {} },
    ArchiveDDDDDDDD: { Type: 'AWS::S3::Bucket', Properties: {} },
    LogStreamEEEEEEEE: { Type: 'AWS::Logs::LogStream', Properties: {} },
    TransformFFFFFFFF: { Type: 'AWS::Lambda::Function', Properties: {} },
    Delivery00000000: {
      Type: 'AWS::KinesisFirehose::DeliveryStream',
      Properties: {
        KinesisStreamSourceConfiguration: { KinesisStreamARN: arn('StreamCCCCCCCC') },
        ExtendedS3DestinationConfiguration: {
          BucketARN: arn('ArchiveDDDDDDDD'),
          CloudWatchLoggingOptions: { LogStreamName: ref('LogStreamEEEEEEEE') },
          ProcessingConfiguration: {
            Processors: [{ Parameters: [{ ParameterValue: arn('TransformFFFFFFFF') }] }],
          },
        },
      },
    },
  },
};

describe('flowOf', () => {
  it('draws a Firehose transformation: stream → delivery stream → function, and the bucket it delivers to as the effect', () => {
    // Act
    const [row] = flowOf(deliveryStream);

    // Assess
    expect(row?.triggers.map(({ trigger, sources }) => [trigger.kind, sources.map((s) => s.label)])).toEqual([
      ['Firehose delivery stream', ['Stream']],
    ]);
    expect(row?.effects.map((effect) => effect.label)).toEqual(['Archive']);
  });

  it('draws a queue-fed worker: queue → mapping → function → table, and the redrive policy as its failure path', () => {
    // Act
    const [row, ...others] = flowOf(queueWorker);

    // Assess
    expect(others).toEqual([]);
    expect(row?.function.label).toBe('Worker');
    expect(row?.triggers.map(({ trigger, sources }) => [trigger.kind, sources.map((s) => s.label)])).toEqual([
      ['event source mapping', ['Queue']],
    ]);
    // Deleting the messages it read is part of the trigger, and reading a table is not an effect.
    expect(row?.effects.map((effect) => effect.label)).toEqual(['Orders']);
    expect(row?.failures.map((f) => [f.from.label, f.via, f.to.label])).toEqual([
      ['Queue', 'redrive policy', 'DeadLetterQueue'],
    ]);
  });

  it("draws a bucket's notification as the trigger, the async on-failure destination, and leaves CDK's handler out", () => {
    // Act
    const rows = flowOf(bucketWorker);

    // Assess
    expect(rows.map((row) => row.function.label)).toEqual(['Thumbnailer']);
    expect(
      rows[0]?.triggers.map(({ trigger, sources }) => [trigger.kind, sources.map((s) => s.kind)]),
    ).toEqual([['S3 notification', ['bucket']]]);
    expect(rows[0]?.failures.map((f) => [f.via, f.to.label])).toEqual([['async invoke config', 'Failures']]);
  });
});
