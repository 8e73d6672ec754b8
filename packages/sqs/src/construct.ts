import { fileURLToPath } from 'node:url';
import { TriggerAlarms, TriggerFunction, type TriggerFunctionProps } from '@triggers/kit';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SqsIntegrationProps {
  /** Consume a queue you already have instead of creating one. Its visibility timeout and DLQ are yours to set. */
  readonly existingQueue?: sqs.IQueue;
  /** Overrides for the queue this construct creates (ignored with `existingQueue`). */
  readonly queueProps?: Omit<sqs.QueueProps, 'deadLetterQueue' | 'encryption' | 'enforceSSL'>;
  /**
   * Receives before a message moves to the dead-letter queue. AWS advises at least 5 for a Lambda source queue,
   * so a message that only met throttling or a transient error is not dead-lettered too early. @default 5
   */
  readonly maxReceiveCount?: number;
  /** Records per invocation (1–10 000; above 10 needs a batching window). @default 10 */
  readonly batchSize?: number;
  /** How long the poller gathers records before invoking. @default no wait */
  readonly maxBatchingWindow?: Duration;
  /** The most concurrent invocations this queue may cause (2–1000). @default 5 */
  readonly maxConcurrency?: number;
  /** Overrides for the worker function (timeout, memory, …). */
  readonly functionProps?: Partial<TriggerFunctionProps>;
  /** Alarm notifications go here. */
  readonly alarmTopic?: sns.ITopic;
  /** What happens to the orders table and queues on stack deletion. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An order queue drained by a Lambda worker that stores each valid order once in DynamoDB.
 * Failed messages are retried individually (partial batch response) and dead-lettered after `maxReceiveCount`.
 */
export class SqsIntegration extends Construct {
  readonly queue: sqs.IQueue;
  /** Undefined when `existingQueue` was given. */
  readonly deadLetterQueue?: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly worker: TriggerFunction;
  readonly eventSource: SqsEventSource;
  readonly alarms: TriggerAlarms;

  constructor(scope: Construct, id: string, props: SqsIntegrationProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const batchSize = props.batchSize ?? 10;
    const maxBatchingWindow = props.maxBatchingWindow;
    if (batchSize > 10 && !maxBatchingWindow) {
      throw new Error(`SqsIntegration: a batchSize of ${batchSize} (over 10) needs a maxBatchingWindow.`);
    }

    this.table = new dynamodb.Table(this, 'Orders', {
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    this.worker = new TriggerFunction(this, 'Worker', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: 'orders-worker',
      description: 'Stores valid orders from the queue, once each',
      ...props.functionProps,
      environment: { ORDERS_TABLE_NAME: this.table.tableName, ...props.functionProps?.environment },
    });
    const timeout = this.worker.timeout ?? Duration.seconds(3); // Lambda's default when none is set
    // The worker only ever creates orders: PutItem, not the whole write set grantWriteData would give.
    this.table.grant(this.worker, 'dynamodb:PutItem');

    if (props.existingQueue) {
      this.queue = props.existingQueue;
    } else {
      // AWS: at least six times the function timeout plus the batching window, so a message still in flight
      // through throttling retries does not become visible again and get processed twice.
      const minimumVisibility = Duration.seconds(
        timeout.toSeconds() * 6 + (maxBatchingWindow?.toSeconds() ?? 0),
      );
      const visibilityTimeout = props.queueProps?.visibilityTimeout ?? minimumVisibility;
      if (visibilityTimeout.toSeconds() < minimumVisibility.toSeconds()) {
        throw new Error(
          `SqsIntegration: the queue's visibility timeout (${visibilityTimeout.toSeconds()} s) must be at least ` +
            `6 × the function timeout + the batching window (${minimumVisibility.toSeconds()} s).`,
        );
      }
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14), // the longest SQS allows: time to inspect and redrive
        removalPolicy,
      });
      this.queue = new sqs.Queue(this, 'Queue', {
        ...props.queueProps,
        // Not overridable: encryption at rest and TLS in transit are part of what this construct promises.
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout,
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
        removalPolicy,
      });
    }

    this.eventSource = new SqsEventSource(this.queue, {
      batchSize,
      maxBatchingWindow,
      // Without this the handler's `batchItemFailures` are ignored and one bad message retries the whole batch.
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency ?? 5,
    });
    this.worker.addEventSource(this.eventSource);

    this.alarms = new TriggerAlarms(this, 'Alarms', { topic: props.alarmTopic })
      .watchFunction(this.worker)
      .watchQueue(this.queue, { maxAge: Duration.minutes(5) });
    if (this.deadLetterQueue) this.alarms.watchDeadLetterQueue(this.deadLetterQueue);
  }
}
