import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** What a stream event source (Kinesis, DynamoDB Streams) takes, as CDK's event sources name it. */
export interface StreamSourceDefaults {
  readonly startingPosition: lambda.StartingPosition;
  readonly batchSize: number;
  readonly bisectBatchOnError: boolean;
  readonly retryAttempts: number;
  readonly maxRecordAge: Duration;
  readonly reportBatchItemFailures: boolean;
  readonly onFailure: SqsDlq;
}

/**
 * Safe stream mapping defaults, so one poison record cannot stall a shard for the stream's whole retention (AWS's
 * defaults retry forever): read from the oldest record, split a failing batch to find the bad record, retry a few
 * times within a bounded age, report the failed record's sequence number, and send what is given up on to an SQS
 * on-failure destination (it receives the batch's shard and sequence numbers, not the records).
 */
export function streamSourceDefaults(onFailure: sqs.IQueue): StreamSourceDefaults {
  return {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: 100,
    bisectBatchOnError: true,
    retryAttempts: 3,
    maxRecordAge: Duration.hours(1),
    reportBatchItemFailures: true,
    onFailure: new SqsDlq(onFailure),
  };
}
