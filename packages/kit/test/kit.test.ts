import { fileURLToPath } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TriggerAlarms, TriggerFunction } from '../src/index.ts';

const entry = fileURLToPath(new URL('./fixtures/handler.ts', import.meta.url));
const newStack = () => new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');

describe('TriggerFunction', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new TriggerFunction(stack, 'Fn', { entry, serviceName: 'demo', environment: { EXTRA: '1' } });
    template = Template.fromStack(stack);
  });

  it('runs Node.js 24 on arm64 with JSON logs and Powertools settings', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'INFO',
        LogGroup: Match.anyValue(),
      },
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'demo',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
          EXTRA: '1',
        },
      },
    });
  });

  it('logs into a log group of its own with a retention, without the log-retention custom resource', () => {
    // Assess
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('has a role that may write to its own log group and nothing else', () => {
    // Assess
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnLogs'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('lets a function in a VPC manage its network interfaces', () => {
    // Prepare
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });

    // Act
    new TriggerFunction(stack, 'Fn', { entry, serviceName: 'demo', vpc });

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
            ],
          ],
        },
      ],
    });
  });

  it('lets a caller override defaults such as timeout, memory and log level', () => {
    // Prepare
    const stack = newStack();

    // Act
    new TriggerFunction(stack, 'Fn', {
      entry,
      serviceName: 'demo',
      timeout: Duration.seconds(3),
      memorySize: 1024,
      logLevel: 'DEBUG',
    });

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 3,
      MemorySize: 1024,
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG' }),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }) },
    });
  });
});

describe('TriggerAlarms', () => {
  it('watches a function, a queue and a DLQ, notifying a topic on alarm and OK', () => {
    // Prepare
    const stack = newStack();
    const fn = new TriggerFunction(stack, 'Fn', {
      entry,
      serviceName: 'demo',
      timeout: Duration.seconds(10),
    });
    const queue = new sqs.Queue(stack, 'Queue');
    const dlq = new sqs.Queue(stack, 'Dlq');
    const topic = new sns.Topic(stack, 'Topic');

    // Act
    const { alarms } = new TriggerAlarms(stack, 'Alarms', { topic })
      .watchFunction(fn)
      .watchQueue(queue, { maxAge: Duration.minutes(5), maxDepth: 1000 })
      .watchDeadLetterQueue(dlq);
    const template = Template.fromStack(stack);

    // Assess
    expect(alarms).toHaveLength(6);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Duration',
      ExtendedStatistic: 'p99',
      Threshold: 8000,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 300,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1000,
    });
    const all = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    for (const alarm of all) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
  });

  it('creates alarms without actions when no topic is given', () => {
    // Prepare
    const stack = newStack();

    // Act
    new TriggerAlarms(stack, 'Alarms').watchDeadLetterQueue(new sqs.Queue(stack, 'Dlq'));

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      AlarmActions: Match.absent(),
    });
  });

  it('watches an HTTP API as clients see it: the 5xx rate once there is traffic, and p99 latency', () => {
    // Prepare
    const stack = newStack();
    const api = new apigwv2.HttpApi(stack, 'Api');

    // Act
    const alarms = new TriggerAlarms(stack, 'Alarms').watchHttpApi(api, {
      serverErrorRatePercent: 2,
      latency: Duration.millis(800),
    });

    // Assess
    expect(alarms.alarms).toHaveLength(2);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 2,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests >= 10, 100 * errors / requests, 0)' }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx' }) }),
        }),
      ]),
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: 800,
      EvaluationPeriods: 3,
    });
  });
});
