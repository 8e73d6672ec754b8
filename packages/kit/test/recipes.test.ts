import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { addOutputs, deadLetterQueue, streamSourceDefaults, TriggerAlarms } from '../src/index.ts';
import { ConfigurationError, readEnvironment } from '../src/runtime/index.ts';
import { nagFindings, templateOf } from '../src/testing/index.ts';

describe('deadLetterQueue', () => {
  it('is encrypted, TLS-only and keeps messages 14 days, and cdk-nag knows it is a DLQ', () => {
    // Act
    const { template } = templateOf((stack) => deadLetterQueue(stack, 'Failed', { holds: 'orders' }));

    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(nagFindings((app) => deadLetterQueue(new Stack(app, 'Stack'), 'Failed'))).toEqual([]);
  });

  it('follows the removal policy it is given', () => {
    // Act
    const { template } = templateOf((stack) =>
      deadLetterQueue(stack, 'Failed', { removalPolicy: RemovalPolicy.DESTROY }),
    );

    // Assess
    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Delete' });
  });
});

describe('nagFindings', () => {
  it('names each finding of a plain queue: no DLQ, no TLS enforcement', () => {
    // Act
    const findings = nagFindings((app) => new sqs.Queue(new Stack(app, 'Stack'), 'Plain'));

    // Assess
    expect(findings.join('\n')).toMatch(/AwsSolutions-SQS3/);
    expect(findings.join('\n')).toMatch(/AwsSolutions-SQS4/);
  });
});

describe('streamSourceDefaults', () => {
  it('bounds retries and record age, bisects, reports item failures and sends give-ups to a queue', () => {
    // Act
    const { template } = templateOf((stack) => {
      const stream = new kinesis.Stream(stack, 'Clicks');
      const onFailure = deadLetterQueue(stack, 'Failed');
      const fn = new lambda.Function(stack, 'Fn', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('export const handler = async () => {}'),
      });
      fn.addEventSource(new KinesisEventSource(stream, streamSourceDefaults(onFailure)));
    });

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });
});

describe('TriggerAlarms for streams and async functions', () => {
  it('alarms on iterator age, failed deliveries and dropped events', () => {
    // Act
    const { template } = templateOf((stack) => {
      const fn = new lambda.Function(stack, 'Fn', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('export const handler = async () => {}'),
      });
      new TriggerAlarms(stack, 'Alarms').watchStream(fn, Duration.minutes(2)).watchAsyncFunction(fn);
    });

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: 120_000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DestinationDeliveryFailures' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AsyncEventsDropped' });
  });
});

describe('addOutputs', () => {
  it('adds the outputs given and leaves out the undefined ones', () => {
    // Act
    const { template } = templateOf((stack) =>
      addOutputs(stack, {
        QueueUrl: { value: 'https://queue', description: 'Send orders here' },
        DeadLetterQueueUrl: undefined,
      }),
    );

    // Assess
    expect(template.toJSON().Outputs).toEqual({
      QueueUrl: { Value: 'https://queue', Description: 'Send orders here' },
    });
  });
});

describe('readEnvironment', () => {
  const schema = z.object({
    ORDERS_TABLE_NAME: z.string().check(z.minLength(1)),
    BATCH_LIMIT: z._default(z.coerce.number().check(z.int(), z.positive()), 10),
  });

  it('reads the settings, with defaults', () => {
    // Act
    const settings = readEnvironment(schema, { ORDERS_TABLE_NAME: 'orders' });

    // Assess
    expect(settings).toEqual({ ORDERS_TABLE_NAME: 'orders', BATCH_LIMIT: 10 });
  });

  it.each([
    [{}, /^ORDERS_TABLE_NAME is not set: /],
    [{ ORDERS_TABLE_NAME: 'orders', BATCH_LIMIT: '-3' }, /^BATCH_LIMIT is "-3": /],
  ])('fails with one line naming the variable: %j', (env, message) => {
    // Act
    const reading = () => readEnvironment(schema, env);

    // Assess
    expect(reading).toThrow(ConfigurationError);
    expect(reading).toThrow(message);
    expect(() => reading()).not.toThrow(/\n/);
  });
});
