import { TriggerAlarms, TriggerFunction } from '@triggers/kit';
import { bundleOf, nagFindings, templateOf } from '@triggers/kit/testing';
import { Duration } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqsIntegration, type SqsIntegrationProps } from '../src/construct.ts';
import { SqsStack } from '../src/stack.ts';

describe('SqsStack template', () => {
  let template: Template;
  let findings: string[];

  beforeAll(() => {
    // Built once, without bundling, under cdk-nag's AwsSolutions checks: every test below reads this one stack.
    const stacks: SqsStack[] = [];
    findings = nagFindings((app) => {
      stacks.push(new SqsStack(app, 'Triggers-Sqs'));
    });
    const [stack] = stacks;
    if (!stack) throw new Error('nagFindings did not build the stack');
    template = Template.fromStack(stack);
  });

  it('encrypts both queues and refuses requests without TLS', () => {
    // Assess
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 2);
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    for (const policy of Object.values(policies)) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('moves a message to the DLQ after 5 receives and keeps it there 14 days', () => {
    // Prepare
    const dlq = new Capture();

    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(template.toJSON().Resources[dlq.asString()].Properties.MessageRetentionPeriod).toBe(
      14 * 24 * 3600,
    );
  });

  it('keeps a message invisible for at least 6 × the function timeout', () => {
    // Prepare
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const queue = Object.values(
      template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } }),
    )[0];

    // Assess
    expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn?.Properties.Timeout);
  });

  it('runs the function on Node.js 24, arm64, with JSON logs into its own log group', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: Match.objectLike({
        LogFormat: 'JSON',
        LogGroup: { Ref: Match.stringLikeRegexp('Logs') },
      }),
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'orders-worker',
          ORDERS_TABLE_NAME: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('maps the queue with batches, partial batch responses and bounded concurrency', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('stores orders in an on-demand table with point-in-time recovery', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('alarms on a non-empty DLQ, old messages, errors, throttles and near-timeouts', () => {
    // Assess
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const watched = alarms
      .map((alarm) => `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`)
      .sort();
    expect(watched).toEqual([
      'AWS/Lambda/Duration',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Throttles',
      'AWS/SQS/ApproximateAgeOfOldestMessage',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]);
  });

  it('grants the function only what it uses: its log group, its queue, PutItem on its table', () => {
    // Prepare
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    const actions = statements.flatMap((statement) => [statement.Action].flat()).sort();

    // Assess
    expect(actions).toEqual([
      'dynamodb:PutItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
    for (const statement of statements) {
      expect(statement.Resource).not.toBe('*');
      expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
    }
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('passes cdk-nag AwsSolutions with no findings', () => {
    // Assess: the one acknowledgement (AwsSolutions-SQS3: the DLQ has no DLQ of its own) is the kit's recipe's
    expect(findings).toEqual([]);
  });
});

describe('SqsIntegration', () => {
  const build = (props?: SqsIntegrationProps) => {
    const { template, built: integration } = templateOf(
      (stack) => new SqsIntegration(stack, 'Orders', props),
    );
    return { integration, template };
  };

  it('exposes the members every integration has: fn, alarms, its source (queue) and deadLetterQueue', () => {
    // Act
    const { integration } = build();

    // Assess
    expect(integration.fn).toBeInstanceOf(TriggerFunction);
    expect(integration.alarms).toBeInstanceOf(TriggerAlarms);
    expect(integration.alarms.alarms).toHaveLength(5);
    expect(integration.queue).toBeInstanceOf(sqs.Queue);
    expect(integration.deadLetterQueue).toBeInstanceOf(sqs.Queue);
    expect(integration.table).toBeInstanceOf(dynamodb.Table);
    expect(integration).not.toHaveProperty('worker');
  });

  it('refuses a visibility timeout shorter than 6 × the function timeout', () => {
    // Act
    const tooShort = () =>
      build({
        functionProps: { timeout: Duration.seconds(30) },
        queueProps: { visibilityTimeout: Duration.seconds(60) },
      });

    // Assess
    expect(tooShort).toThrow(/visibility timeout \(60 s\) must be at least .* \(180 s\)/);
  });

  it('sizes the visibility timeout from the function timeout and batching window', () => {
    // Act
    const { template } = build({
      functionProps: { timeout: Duration.seconds(20) },
      maxBatchingWindow: Duration.seconds(5),
    });

    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 125 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 5 });
  });

  it('tunes batch size, concurrency and receives', () => {
    // Act
    const { template } = build({
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(2),
      maxConcurrency: 20,
      maxReceiveCount: 8,
    });

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 8 }),
    });
  });

  it('refuses batches over 10 without a batching window', () => {
    // Assess
    expect(() => build({ batchSize: 50 })).toThrow(/batchSize of 50 .* needs a maxBatchingWindow/);
  });

  it('consumes an existing queue without creating queues of its own', () => {
    // Prepare
    let existing: sqs.IQueue | undefined;

    // Act
    const { template, built: integration } = templateOf((stack) => {
      existing = sqs.Queue.fromQueueArn(stack, 'Existing', 'arn:aws:sqs:us-east-1:111122223333:orders');
      return new SqsIntegration(stack, 'Orders', { existingQueue: existing });
    });

    // Assess
    expect(integration.queue).toBe(existing);
    expect(integration.deadLetterQueue).toBeUndefined();
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: 'arn:aws:sqs:us-east-1:111122223333:orders',
    });
    // No DLQ of its own, so no DLQ alarm: errors, throttles, near-timeouts and the queue's oldest message.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });
});

describe('SqsStack bundle', () => {
  it('bundles the function into one minified ESM file under 100 KB, with the SDK left to the runtime', () => {
    // Act
    const bundle = bundleOf((app) => new SqsStack(app, 'Triggers-Sqs'));

    // Assess
    expect(bundle.bytes).toBeLessThanOrEqual(100 * 1024);
    expect(bundle.code).toMatch(/from"@aws-sdk\/client-dynamodb"/);
    expect(bundle.code).toMatch(/export\{\w+ as handler\}/);
    expect(bundle.hasSourceMap).toBe(true);
  });
});
