import { fileURLToPath } from 'node:url';
import {
  deadLetterQueue,
  type IntegrationProps,
  safeBuckets,
  streamSourceDefaults,
  TriggerAlarms,
  TriggerFunction,
  type TriggerFunctionProps,
} from '@triggers/kit';
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_PREFIX,
  CONSUMER_FILTER,
  CONSUMER_SERVICE_NAME,
  ENV,
  TRANSFORM_SERVICE_NAME,
  WINDOW_SECONDS,
} from './contract.ts';

export interface KinesisIntegrationProps extends IntegrationProps {
  /**
   * Read a stream you already have instead of creating one. Its shards, retention and encryption stay yours (if it
   * is encrypted with a key of yours, both readers are granted its use).
   */
  readonly existingStream?: kinesis.IStream;
  /** Shards of the stream this construct creates (ignored with `existingStream`). @default 2 */
  readonly shardCount?: number;
  /** Records per consumer invocation (1–10 000, within 6 MB). @default 100 */
  readonly batchSize?: number;
  /** How long the mapping gathers records before invoking the consumer (0–300 s). @default 5 seconds */
  readonly maxBatchingWindow?: Duration;
  /** Retries of a failing batch before its records go to the on-failure queue (0–10 000). @default 3 */
  readonly retryAttempts?: number;
  /** Records older than this are sent to the on-failure queue instead of the consumer (60 s–7 days). @default 1 hour */
  readonly maxRecordAge?: Duration;
  /**
   * Split a batch the consumer failed on in two and retry each half: finds the bad record, and with
   * ReportBatchItemFailures splits at the sequence number reported. @default true
   */
  readonly bisectBatchOnError?: boolean;
  /** The consumer's IteratorAge above this raises an alarm (a blocked shard, a consumer that cannot keep up). @default 5 minutes */
  readonly maxIteratorAge?: Duration;
  /** How long Firehose buffers records before transforming and writing them (0–900 s). @default 60 seconds */
  readonly archiveBufferingInterval?: Duration;
  /** Delete archived objects (good and failed) this long after they are written. @default never */
  readonly archiveExpiration?: Duration;
  /** Overrides for the Firehose transformation function, as `functionProps` are for the consumer. */
  readonly transformFunctionProps?: Partial<TriggerFunctionProps>;
}

/**
 * A clickstream pipeline on one Kinesis data stream: a consumer (event source mapping, tumbling windows of a
 * minute) writes views per page per minute to DynamoDB, and a Firehose delivery stream archives every record,
 * transformed by a second function, as newline-delimited JSON in S3. Batches the consumer gives up on are
 * described in an SQS on-failure queue.
 */
export class KinesisIntegration extends Construct {
  /** The stream consumer: counts views per page per minute. */
  readonly fn: TriggerFunction;
  /** The consumer's alarms: errors, throttles, near-timeouts, iterator age, and the on-failure queue. */
  readonly alarms: TriggerAlarms;
  /** The stream both read: the one created here, or `existingStream`. */
  readonly stream: kinesis.IStream;
  /**
   * The consumer's on-failure destination: for each batch Lambda gives up on, the shard and the range of sequence
   * numbers (not the records: read them from the stream before its retention ends).
   */
  readonly deadLetterQueue: sqs.Queue;
  /** Views per page per minute: `pagePath` + `windowKey` (`<minute>#<shard>#<first sequence number>`). */
  readonly table: dynamodb.Table;
  readonly eventSource: KinesisEventSource;
  /** The Firehose transformation: normalizes and enriches views, drops bots, marks malformed records failed. */
  readonly transformFn: TriggerFunction;
  /** The transformation's alarms and the archive's freshness alarm. */
  readonly archiveAlarms: TriggerAlarms;
  /** Firehose data freshness: the oldest record not yet in S3 is older than 15 minutes. */
  readonly archiveFreshnessAlarm: cloudwatch.Alarm;
  readonly deliveryStream: firehose.DeliveryStream;
  /** The archive: `views/yyyy/MM/dd/` and, for records that failed, `errors/<type>/yyyy/MM/dd/`. */
  readonly archiveBucket: s3.Bucket;
  /** Server access logs of the archive bucket. */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: KinesisIntegrationProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // The kit's safe buckets (access logs delivered by bucket policy): set up first, before the construct has children.
    const buckets = safeBuckets(this, { removalPolicy });
    const batchSize = props.batchSize ?? 100;
    const retryAttempts = props.retryAttempts ?? 3;
    const maxRecordAge = props.maxRecordAge ?? Duration.hours(1);
    check(
      Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000,
      `batchSize must be 1–10 000, not ${batchSize}`,
    );
    check(
      Number.isInteger(retryAttempts) && retryAttempts >= 0 && retryAttempts <= 10_000,
      `retryAttempts must be 0–10 000 (bounded: -1, retry until the record expires, is what this construct avoids), not ${retryAttempts}`,
    );
    check(
      maxRecordAge.toSeconds() >= 60 && maxRecordAge.toSeconds() <= 604_800,
      `maxRecordAge must be 60 s–7 days, not ${maxRecordAge.toSeconds()} s`,
    );

    // ── The stream ────────────────────────────────────────────────────────────────────────────────────────────
    this.stream =
      props.existingStream ??
      new kinesis.Stream(this, 'Stream', {
        shardCount: props.shardCount ?? 2,
        streamMode: kinesis.StreamMode.PROVISIONED,
        // Encrypted at rest with the AWS-managed key (aws/kinesis): no key to manage, nothing for producers to grant.
        encryption: kinesis.StreamEncryption.MANAGED,
        retentionPeriod: Duration.hours(24),
        removalPolicy,
      });

    // ── The consumer: views per page per minute ──────────────────────────────────────────────────────────────
    this.table = new dynamodb.Table(this, 'Aggregates', {
      partitionKey: { name: 'pagePath', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'windowKey', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
    this.fn = new TriggerFunction(this, 'Consumer', {
      entry: fileURLToPath(new URL('./handlers/consumer.ts', import.meta.url)),
      serviceName: CONSUMER_SERVICE_NAME,
      description: 'Counts page views per page per minute (tumbling windows) into DynamoDB',
      ...props.functionProps,
      environment: { [ENV.aggregatesTable]: this.table.tableName, ...props.functionProps?.environment },
    });
    // The consumer only creates aggregates: PutItem, not the write set grantWriteData would give.
    this.table.grant(this.fn, 'dynamodb:PutItem');

    this.deadLetterQueue = deadLetterQueue(this, 'OnFailureQueue', {
      removalPolicy,
      holds: "the consumer's on-failure records: batches Lambda gave up on",
    });
    this.eventSource = new KinesisEventSource(this.stream, {
      // The kit's safe stream defaults: from the oldest record, bounded retries and age, partial batch responses
      // (which the consumer needs: it stops at the first bad record, and without them Lambda would checkpoint the
      // records after it uncounted), an on-failure destination. Bisect stays on: see the README's failure table.
      ...streamSourceDefaults(this.deadLetterQueue),
      batchSize,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
      retryAttempts,
      maxRecordAge,
      bisectBatchOnError: props.bisectBatchOnError ?? true,
      tumblingWindow: Duration.seconds(WINDOW_SECONDS),
      // No ParallelizationFactor: a window's state belongs to one shard and moves through its batches in order.
      filters: [lambda.FilterCriteria.filter(CONSUMER_FILTER)],
    });
    this.fn.addEventSource(this.eventSource);

    this.alarms = new TriggerAlarms(this, 'Alarms', { topic: props.alarmTopic })
      .watchFunction(this.fn)
      .watchStream(this.fn, props.maxIteratorAge ?? Duration.minutes(5))
      .watchDeadLetterQueue(this.deadLetterQueue);

    // ── The archive: Firehose → transformation → S3 ─────────────────────────────────────────────────────────────
    this.accessLogsBucket = buckets.accessLogsBucket('AccessLogs', { logsOf: 'the archive bucket' });
    this.archiveBucket = new s3.Bucket(this, 'Archive', {
      ...buckets.props,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1), expiration: props.archiveExpiration },
      ],
    });

    this.transformFn = new TriggerFunction(this, 'Transform', {
      entry: fileURLToPath(new URL('./handlers/transform.ts', import.meta.url)),
      serviceName: TRANSFORM_SERVICE_NAME,
      description:
        'Firehose transformation: normalizes and enriches page views, drops bots, fails malformed records',
      // Firehose waits up to 5 minutes for a transformation; a batch of 1 MB takes well under a second.
      timeout: Duration.minutes(1),
      ...props.transformFunctionProps,
    });

    // Firehose's role, with exactly what AWS documents for this path: read the stream, write the bucket, invoke
    // the transformation, write its error log. CDK's destination would grant the bucket's whole read/write set
    // (DeleteObject*, List*, …), so it gets the role as immutable and these statements are the only ones.
    const deliveryLogs = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deliveryRole = new iam.Role(this, 'DeliveryRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Stack.of(this).account } },
      }),
      description: 'Firehose: reads the clickstream, invokes its transformation, writes the archive',
    });
    const deliveryPolicy = new iam.Policy(this, 'DeliveryPolicy', {
      roles: [deliveryRole],
      statements: [
        new iam.PolicyStatement({
          actions: [
            'kinesis:DescribeStream',
            'kinesis:GetShardIterator',
            'kinesis:GetRecords',
            'kinesis:ListShards',
          ],
          resources: [this.stream.streamArn],
        }),
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [this.archiveBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: [this.archiveBucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          resources: [this.transformFn.functionArn],
        }),
        new iam.PolicyStatement({
          actions: ['logs:PutLogEvents'],
          resources: [deliveryLogs.logGroupArn],
        }),
      ],
    });
    // An existing stream encrypted with a key of its owner's: Firehose needs to decrypt what it reads.
    this.stream.encryptionKey?.grantDecrypt(deliveryRole);
    Validations.of(deliveryPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagName(Stack.of(this), this.archiveBucket.arnForObjects('*'))}]`,
      reason:
        'Firehose writes objects under date prefixes it works out at delivery: any key in the archive bucket.',
    });
    Validations.of(deliveryPolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagName(Stack.of(this), deliveryLogs.logGroupArn)}]`,
      reason: "Firehose's error log streams in its own log group (the ARN's :* covers its streams).",
    });
    const immutableRole = deliveryRole.withoutPolicyUpdates();

    this.deliveryStream = new firehose.DeliveryStream(this, 'Delivery', {
      source: new firehose.KinesisStreamSource(this.stream),
      role: immutableRole,
      destination: new firehose.S3Bucket(this.archiveBucket, {
        role: immutableRole,
        loggingConfig: new firehose.EnableLogging(deliveryLogs),
        dataOutputPrefix: ARCHIVE_PREFIX,
        errorOutputPrefix: ARCHIVE_ERROR_PREFIX,
        bufferingInterval: props.archiveBufferingInterval ?? Duration.seconds(60),
        bufferingSize: Size.mebibytes(5),
        compression: firehose.Compression.UNCOMPRESSED,
        processors: [
          new firehose.LambdaFunctionProcessor(this.transformFn, {
            bufferInterval: Duration.seconds(60),
            bufferSize: Size.mebibytes(1),
            retries: 3,
          }),
        ],
      }),
    });
    // Firehose checks its role when the stream is created: the policy must exist first.
    this.deliveryStream.node.addDependency(deliveryPolicy);
    // CDK's delivery stream adds, at synth, a mapping of Firehose's CIDR blocks by region for destinations that
    // allow-list them (Redshift, OpenSearch, Splunk); an S3 destination reads none, and CloudFormation's validation
    // reports the mapping as unused, on the stack.
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason:
        "CDK's Firehose CIDR mapping is for destinations that allow-list Firehose's addresses; S3 needs none.",
    });
    // Firehose refuses its own server-side encryption when its source is a Kinesis stream (the records are
    // encrypted in the stream, and in the bucket); AwsSolutions-KDF1 asks for it all the same.
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'A delivery stream reading a Kinesis data stream cannot have Firehose SSE; records are encrypted in the stream (KMS) and in the bucket (SSE-S3).',
    });

    this.archiveAlarms = new TriggerAlarms(this, 'ArchiveAlarms', { topic: props.alarmTopic }).watchFunction(
      this.transformFn,
    );
    this.archiveFreshnessAlarm = new cloudwatch.Alarm(this, 'ArchiveFreshness', {
      metric: this.deliveryStream.metric('DeliveryToS3.DataFreshness', {
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: Duration.minutes(15).toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.node.path}: the oldest record not yet in S3 is older than 15 minutes.`,
    });
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      this.archiveFreshnessAlarm.addAlarmAction(action);
      this.archiveFreshnessAlarm.addOkAction(action);
    }
  }
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`KinesisIntegration: ${message}.`);
}

/** A value as cdk-nag names it in a finding: references in angle brackets (`<ArchiveBucket1234.Arn>/*`). */
function nagName(stack: Stack, value: string): string {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (Array.isArray(intrinsic['Fn::GetAtt'])) return `<${(intrinsic['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
    return JSON.stringify(node);
  };
  return flatten(stack.resolve(value));
}
