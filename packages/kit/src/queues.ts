import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What the queue collects, for cdk-nag: a dead-letter queue needs no dead-letter queue of its own
   * (AwsSolutions-SQS3). @default "failed events"
   */
  readonly holds?: string;
}

/**
 * The dead-letter queue every integration uses for its failure path: encrypted at rest (SQS-managed keys), TLS
 * only, and messages kept 14 days — the longest SQS allows, time to inspect and redrive them.
 */
export function deadLetterQueue(scope: Construct, id: string, props: DeadLetterQueueProps = {}): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is the dead-letter queue (of ${props.holds ?? 'failed events'}).`,
  });
  return queue;
}
