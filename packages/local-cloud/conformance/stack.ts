/**
 * The throwaway stack every conformance rule runs against, locally or in a real account: queues with and without
 * ReportBatchItemFailures or a filter, a bucket that notifies a function, and one small recorder function whose
 * behaviour each message or key chooses. Every invocation is written to the Observations queue, which a rule
 * reads the same way on both targets.
 */
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { KinesisEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export const CONFORMANCE_STACK_ID = 'Triggers-Conformance';

export const FUNCTION_TIMEOUT = Duration.seconds(5);
export const BATCHING_WINDOW = Duration.seconds(1);
/** Six times the function timeout plus the batching window, as AWS advises for an SQS event source. */
export const VISIBILITY_TIMEOUT = Duration.seconds(31);
/** Small, so a poison message reaches the DLQ after two receives. */
export const MAX_RECEIVE_COUNT = 2;
/** Lambda's default for async invocations, set explicitly so the rule reads what it checks. */
export const ASYNC_RETRY_ATTEMPTS = 2;

/** The bucket notifies the S3 recorder of created objects under this prefix with this suffix only. */
export const S3_PREFIX = 'incoming/';
export const S3_SUFFIX = '.txt';
/** The S3 recorder fails every time for keys under this prefix. */
export const S3_FAIL_PREFIX = `${S3_PREFIX}fail/`;
/** The stream mapping retries a failed batch once, then sends it to the on-failure queue. */
export const STREAM_RETRY_ATTEMPTS = 1;

/** The filtered queue's mapping passes only JSON bodies with this `kind`. */
export const WANTED_KIND = 'wanted';

/**
 * What the recorder does, in CommonJS as Lambda stores inline code (index.js), under CloudFormation's 4 KB limit:
 * record the invocation, then fail if a message (or stream record's data) says `{"throw": true}` or the key is
 * under S3_FAIL_PREFIX, else return the first `{"respond": …}` a record carries, with "$messageId" and
 * "$sequenceNumber" replaced by that record's message id or sequence number.
 */
const RECORDER_CODE = `
const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({});
const parse = (text) => { try { return JSON.parse(text); } catch { return undefined; } };

exports.handler = async (event, context) => {
  const records = (event.Records || []).map((record) =>
    record.eventSource === 'aws:s3'
      ? { eventName: record.eventName, key: record.s3.object.key }
      : record.eventSource === 'aws:kinesis'
      ? { sequenceNumber: record.kinesis.sequenceNumber, body: Buffer.from(record.kinesis.data, 'base64').toString() }
      : { messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount), body: record.body });
  await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.OBSERVATIONS_QUEUE_URL,
    MessageBody: JSON.stringify({ functionName: context.functionName, requestId: context.awsRequestId, records }),
  }));
  for (const record of records) {
    if (record.key && record.key.startsWith(${JSON.stringify(S3_FAIL_PREFIX)})) throw new Error('asked to fail: ' + record.key);
    if (parse(record.body)?.throw) throw new Error('asked to throw');
  }
  for (const record of records) {
    const respond = parse(record.body)?.respond;
    if (respond !== undefined)
      return JSON.parse(JSON.stringify(respond).replaceAll('$messageId', record.messageId).replaceAll('$sequenceNumber', record.sequenceNumber));
  }
  return {};
};
`;

/** The stack outputs every rule reads. */
export interface ConformanceOutputs {
  readonly ReportingQueueUrl: string;
  readonly PlainQueueUrl: string;
  readonly FilteredQueueUrl: string;
  readonly DeadLetterQueueUrl: string;
  readonly ObservationsQueueUrl: string;
  readonly BucketName: string;
  readonly S3FailureQueueUrl: string;
  readonly StreamName: string;
  readonly FilteredStreamName: string;
  readonly StreamFailureQueueUrl: string;
}

export class ConformanceStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id, { description: 'Throwaway stack for the trigger-semantics conformance suite' });

    const observations = new sqs.Queue(this, 'Observations', { retentionPeriod: Duration.hours(1) });
    const deadLetters = new sqs.Queue(this, 'DeadLetters');
    const sourceQueue = (queueId: string) =>
      new sqs.Queue(this, queueId, {
        visibilityTimeout: VISIBILITY_TIMEOUT,
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
      });
    const recorder = (functionId: string, props: Partial<lambda.FunctionProps> = {}) => {
      const fn = new lambda.Function(this, functionId, {
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: lambda.Code.fromInline(RECORDER_CODE),
        timeout: FUNCTION_TIMEOUT,
        environment: { OBSERVATIONS_QUEUE_URL: observations.queueUrl },
        // Its own log group, so `cdk destroy` leaves nothing behind.
        logGroup: new logs.LogGroup(this, `${functionId}Logs`, {
          retention: logs.RetentionDays.ONE_DAY,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        ...props,
      });
      observations.grantSendMessages(fn);
      return fn;
    };

    // SQS: one function behind three mappings, each on its own queue so their rules never share a batch.
    const reportingQueue = sourceQueue('ReportingQueue');
    const plainQueue = sourceQueue('PlainQueue');
    const filteredQueue = sourceQueue('FilteredQueue');
    const sqsRecorder = recorder('SqsRecorder');
    const batching = { batchSize: 10, maxBatchingWindow: BATCHING_WINDOW };
    sqsRecorder.addEventSource(
      new SqsEventSource(reportingQueue, { ...batching, reportBatchItemFailures: true }),
    );
    sqsRecorder.addEventSource(new SqsEventSource(plainQueue, batching));
    sqsRecorder.addEventSource(
      new SqsEventSource(filteredQueue, {
        ...batching,
        filters: [lambda.FilterCriteria.filter({ body: { kind: lambda.FilterRule.isEqual(WANTED_KIND) } })],
      }),
    );

    // S3: an async invoke, so Lambda's retries and the on-failure destination apply.
    const s3Failures = new sqs.Queue(this, 'S3Failures');
    const s3Recorder = recorder('S3Recorder', {
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      onFailure: new SqsDestination(s3Failures),
    });
    const bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(s3Recorder), {
      prefix: S3_PREFIX,
      suffix: S3_SUFFIX,
    });

    // Kinesis: a one-shard stream with ReportBatchItemFailures, one retry and an on-failure queue, and a stream
    // whose mapping passes only JSON data with the wanted kind.
    const stream = new kinesis.Stream(this, 'Stream', { shardCount: 1 });
    const filteredStream = new kinesis.Stream(this, 'FilteredStream', { shardCount: 1 });
    const streamFailures = new sqs.Queue(this, 'StreamFailures');
    const streamRecorder = recorder('StreamRecorder');
    const fromStart = {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 10,
      maxBatchingWindow: BATCHING_WINDOW,
    };
    streamRecorder.addEventSource(
      new KinesisEventSource(stream, {
        ...fromStart,
        reportBatchItemFailures: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        onFailure: new SqsDlq(streamFailures),
      }),
    );
    streamRecorder.addEventSource(
      new KinesisEventSource(filteredStream, {
        ...fromStart,
        filters: [lambda.FilterCriteria.filter({ data: { kind: lambda.FilterRule.isEqual(WANTED_KIND) } })],
      }),
    );

    const outputs: Record<keyof ConformanceOutputs, string> = {
      ReportingQueueUrl: reportingQueue.queueUrl,
      PlainQueueUrl: plainQueue.queueUrl,
      FilteredQueueUrl: filteredQueue.queueUrl,
      DeadLetterQueueUrl: deadLetters.queueUrl,
      ObservationsQueueUrl: observations.queueUrl,
      BucketName: bucket.bucketName,
      S3FailureQueueUrl: s3Failures.queueUrl,
      StreamName: stream.streamName,
      FilteredStreamName: filteredStream.streamName,
      StreamFailureQueueUrl: streamFailures.queueUrl,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}

/** Synthesizes the stack into `outdir` (a cloud assembly both the local cloud and `cdk deploy --app` read). */
export function synthesizeConformanceStack(outdir: string): void {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  new ConformanceStack(app, CONFORMANCE_STACK_ID);
  app.synth();
}
