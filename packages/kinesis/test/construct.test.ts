import { TriggerAlarms, TriggerFunction } from '@triggers/kit';
import { bundleOf, nagFindings, templateOf } from '@triggers/kit/testing';
import { Duration } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KinesisIntegration, type KinesisIntegrationProps } from '../src/construct.ts';
import { KinesisStack } from '../src/stack.ts';

/** Every Allow statement of the IAM policies attached to the role whose logical id starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string) {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      policy.Properties.Roles.some((role: { Ref: string }) => role.Ref.startsWith(rolePrefix)),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: { Action: string | string[] }[]) =>
  statements.flatMap((statement) => [statement.Action].flat()).sort();

describe('KinesisStack template', () => {
  let template: Template;
  let findings: string[];

  beforeAll(() => {
    // Built once, without bundling, under cdk-nag's AwsSolutions checks: every test below reads this one stack.
    const stacks: KinesisStack[] = [];
    findings = nagFindings((app) => {
      stacks.push(new KinesisStack(app, 'Triggers-Kinesis'));
    });
    const [stack] = stacks;
    if (!stack) throw new Error('nagFindings did not build the stack');
    template = Template.fromStack(stack);
  });

  it('creates a two-shard stream encrypted with the AWS-managed key', () => {
    // Assess
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 2,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
  });

  it('maps the stream to the consumer with minute windows, bounded retries and age, and partial batch responses', () => {
    // Prepare
    const onFailure = new Capture();

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      TumblingWindowInSeconds: 60,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: Match.absent(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [onFailure, 'Arn'] } } },
    });
    expect(onFailure.asString()).toMatch(/^ClickstreamOnFailureQueue/);
  });

  it('keeps heartbeats away from the consumer with a filter on the record data', () => {
    // Prepare
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0];
    const patterns = mapping?.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) =>
      JSON.parse(filter.Pattern),
    );

    // Assess
    expect(patterns).toEqual([{ data: { type: [{ 'anything-but': ['heartbeat'] }] } }]);
  });

  it('encrypts the on-failure queue, refuses requests without TLS, and keeps failure records 14 days', () => {
    // Assess
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('stores aggregates by page and window in an on-demand table with point-in-time recovery', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pagePath', KeyType: 'HASH' },
        { AttributeName: 'windowKey', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('archives the stream through the transformation into the bucket, with date prefixes and an error prefix', () => {
    // Prepare
    const transform = new Capture();

    // Assess
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('Stream'), 'Arn'] },
      },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'views/!{timestamp:yyyy/MM/dd}/',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        CompressionFormat: 'UNCOMPRESSED',
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 5 },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            {
              Type: 'Lambda',
              Parameters: Match.arrayWith([
                { ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': [transform, 'Arn'] } },
                { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
              ]),
            },
          ],
        },
      }),
    });
    expect(transform.asString()).toMatch(/^ClickstreamTransform/);
  });

  it('encrypts the archive bucket, blocks public access, refuses plain HTTP and logs access', () => {
    // Prepare
    const archive = Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) =>
      id.startsWith('ClickstreamArchive'),
    )?.[1];

    // Assess
    expect(archive?.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'archive/' },
    });
    template.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  it('runs both functions on Node.js 24, arm64, with JSON logs into their own log groups', () => {
    // Assess
    for (const service of ['page-view-aggregator', 'page-view-archiver']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        LoggingConfig: Match.objectLike({
          LogFormat: 'JSON',
          LogGroup: { Ref: Match.stringLikeRegexp('Logs') },
        }),
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service }) },
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ AGGREGATES_TABLE_NAME: { Ref: Match.stringLikeRegexp('Aggregates') } }),
      },
    });
  });

  it('grants the consumer only what it uses: its logs, reading its stream, the on-failure queue, PutItem', () => {
    // Prepare
    const statements = statementsOf(template, 'ClickstreamConsumerRole');

    // Assess
    expect(actionsOf(statements)).toEqual([
      'dynamodb:PutItem',
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamConsumer',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      'kinesis:ListStreams',
      'kinesis:SubscribeToShard',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
  });

  it('grants Firehose exactly what AWS documents: read the stream, write the bucket, invoke the transformation', () => {
    // Prepare
    const statements = statementsOf(template, 'ClickstreamDeliveryRole');

    // Assess
    expect(actionsOf(statements)).toEqual([
      'kinesis:DescribeStream',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      'lambda:GetFunctionConfiguration',
      'lambda:InvokeFunction',
      'logs:PutLogEvents',
      's3:AbortMultipartUpload',
      's3:GetBucketLocation',
      's3:GetObject',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
      's3:PutObject',
    ]);
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'firehose.amazonaws.com' },
            Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
  });

  it('grants the transformation nothing but its logs, and no role a managed policy', () => {
    // Assess
    expect(actionsOf(statementsOf(template, 'ClickstreamTransformRole'))).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    template.resourceCountIs('AWS::IAM::Role', 3 + 1); // two functions, Firehose, and CDK's auto-delete helper
    for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
      if (id.startsWith('Clickstream')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('alarms on iterator age, the on-failure queue, both functions and the archive falling behind', () => {
    // Assess
    const watched = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((alarm) => `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`)
      .sort();
    expect(watched).toEqual([
      'AWS/Firehose/DeliveryToS3.DataFreshness',
      'AWS/Lambda/Duration',
      'AWS/Lambda/Duration',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/IteratorAge',
      'AWS/Lambda/Throttles',
      'AWS/Lambda/Throttles',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: 5 * 60 * 1000,
    });
  });

  it('passes cdk-nag AwsSolutions with no findings', () => {
    // Assess: the acknowledgements, each with its reason, are in src/construct.ts and the kit's DLQ recipe
    expect(findings).toEqual([]);
  });
});

describe('KinesisIntegration', () => {
  const build = (props?: KinesisIntegrationProps) => {
    const { template, built: integration } = templateOf(
      (stack) => new KinesisIntegration(stack, 'Clickstream', props),
    );
    return { integration, template };
  };

  it('exposes the members every integration has: fn, alarms, its source (stream) and deadLetterQueue', () => {
    // Act
    const { integration } = build();

    // Assess
    expect(integration.fn).toBeInstanceOf(TriggerFunction);
    expect(integration.transformFn).toBeInstanceOf(TriggerFunction);
    expect(integration.alarms).toBeInstanceOf(TriggerAlarms);
    expect(integration.alarms.alarms).toHaveLength(5);
    expect(integration.archiveAlarms.alarms).toHaveLength(3);
    expect(integration.stream).toBeInstanceOf(kinesis.Stream);
    expect(integration.deadLetterQueue).toBeInstanceOf(sqs.Queue);
  });

  it('reads an existing stream with both readers, creating none of its own', () => {
    // Prepare
    let existing: kinesis.IStream | undefined;

    // Act
    const { template, built: integration } = templateOf((stack) => {
      existing = kinesis.Stream.fromStreamArn(
        stack,
        'Existing',
        'arn:aws:kinesis:us-east-1:111122223333:stream/clicks',
      );
      return new KinesisIntegration(stack, 'Clickstream', { existingStream: existing });
    });

    // Assess
    expect(integration.stream).toBe(existing);
    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/clicks',
    });
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/clicks',
      },
    });
  });

  it('tunes shards, batching, retries, record age, bisect and the iterator-age alarm', () => {
    // Act
    const { template } = build({
      shardCount: 4,
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(20),
      retryAttempts: 5,
      maxRecordAge: Duration.minutes(30),
      bisectBatchOnError: false,
      maxIteratorAge: Duration.minutes(2),
    });

    // Assess
    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 20,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 1800,
      BisectBatchOnFunctionError: false,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: 120_000,
    });
  });

  it.each([
    [{ retryAttempts: -1 }, /retryAttempts must be 0–10 000 \(bounded: -1, retry until the record expires/],
    [{ maxRecordAge: Duration.seconds(30) }, /maxRecordAge must be 60 s–7 days, not 30 s/],
    [{ batchSize: 20_000 }, /batchSize must be 1–10 000, not 20000/],
  ])('refuses an unbounded or out-of-range setting (%o)', (props, message) => {
    // Assess
    expect(() => build(props as KinesisIntegrationProps)).toThrow(message);
  });
});

describe('KinesisStack bundles', () => {
  it.each([
    ['the consumer', 'ClickstreamConsumer', /from"@aws-sdk\/lib-dynamodb"|from"@aws-sdk\/client-dynamodb"/],
    ['the transformation', 'ClickstreamTransform', /^(?!.*@aws-sdk\/client-dynamodb)/s],
  ])('bundles %s into one minified ESM file with the SDK left to the runtime', (_, prefix, sdk) => {
    // Act
    const bundle = bundleOf((app) => new KinesisStack(app, 'Triggers-Kinesis'), prefix);

    // Assess: Powertools' Parser brings zod's full build (≈ 400 KB of it)
    expect(bundle.bytes).toBeLessThanOrEqual(600 * 1024);
    expect(bundle.code).toMatch(sdk);
    expect(bundle.code).toMatch(/export\{[^}]*\w+ as handler\b/);
    expect(bundle.hasSourceMap).toBe(true);
  });
});
