/**
 * What a conformance rule is: one documented AWS behaviour, the page that documents it, and a check that runs
 * against any target (the local cloud or a real account) through the same SDK calls and stack outputs.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ConformanceOutputs } from './stack.ts';

export interface Rule {
  /** Stable, unique id (`<trigger>.<what>`): the README's parity table lists each id once. */
  readonly id: string;
  /** The rule, in a line. */
  readonly title: string;
  /** The live AWS documentation page that states it. */
  readonly source: string;
  /** Prepare / Act / Assess; an `expect` that fails means the target breaks the rule. */
  check(context: RuleContext): Promise<void>;
}

/** One SQS message, Kinesis record or S3 object as the recorder function saw it. */
export interface ObservedRecord {
  readonly messageId?: string;
  /** A Kinesis record's; its decoded data is the `body`. */
  readonly sequenceNumber?: string;
  readonly receiveCount?: number;
  readonly body?: string;
  readonly eventName?: string;
  /** The key as it arrived in the event (URL-encoded). */
  readonly key?: string;
}

/** One invocation of the recorder function. */
export interface Invocation {
  readonly functionName: string;
  readonly requestId: string;
  readonly records: readonly ObservedRecord[];
}

export interface RuleContext {
  readonly outputs: ConformanceOutputs;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  /**
   * Unique to this run of this rule. Put it in every message body and object key the rule sends: rules share
   * queues, the DLQ and the bucket, and each reads back only what carries its token.
   */
  readonly token: string;
  /** The recorder's invocations so far that saw a record carrying the token, oldest first. */
  invocations(): Invocation[];
  /** Bodies that reached the SQS dead-letter queue carrying the token. */
  deadLetters(): string[];
  /** Lambda's invocation records for failed S3 events that reached the on-failure destination, with the token. */
  s3Failures(): S3FailureRecord[];
  /**
   * Lambda's on-failure records of the stream mapping, every rule's: they name sequence numbers, not the records,
   * so a rule picks its own by the sequence numbers PutRecords gave it.
   */
  streamFailures(): StreamFailureRecord[];
  /** Polls `check` until it holds or `awsMs` of AWS time (scaled locally) plus room for real work have passed. */
  waitFor(check: () => boolean | Promise<boolean>, awsMs: number): Promise<boolean>;
  /** Lets `awsMs` of AWS time pass (scaled locally): for rules that say something does *not* happen. */
  elapse(awsMs: number): Promise<void>;
}

/** The record Lambda sends an on-failure destination (invocation-async-retain-records). */
export interface S3FailureRecord {
  readonly requestContext: { readonly condition: string; readonly approximateInvokeCount: number };
  readonly requestPayload: {
    readonly Records: readonly { readonly s3: { readonly object: { readonly key: string } } }[];
  };
}

/** The record a stream mapping sends its on-failure destination (kinesis-on-failure-destination). */
export interface StreamFailureRecord {
  readonly requestContext: { readonly condition: string; readonly approximateInvokeCount: number };
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}
