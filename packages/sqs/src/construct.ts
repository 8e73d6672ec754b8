import { fileURLToPath } from 'node:url';
import { deadLetterQueue, type IntegrationProps, TriggerAlarms, TriggerFunction } from '@triggers/kit';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, SERVICE_NAME } from './contract.ts';

/** The integration's own props, then the kit's shared ones (`functionProps`, `alarmTopic`, `removalPolicy`). */
export interface SqsIntegrationProps extends IntegrationProps {
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
}

/**
 * An order queue drained by a Lambda function that stores each valid order once in DynamoDB.
 * Failed messages are retried individually (partial batch response) and dead-lettered after `maxReceiveCount`.
 */
export class SqsIntegration extends Construct {
  /** The function that stores each valid order. */
  readonly fn: TriggerFunction;
  readonly alarms: TriggerAlarms;
  /** The queue it drains: the one it created, or `existingQueue`. */
  readonly queue: sqs.IQueue;
  /** Where messages that keep failing end up. Undefined when `existingQueue` was given. */
  readonly deadLetterQueue?: sqs.Queue;
  /** Accepted orders, one item per order id. */
  readonly table: dynamodb.Table;
  readonly eventSource: SqsEventSource;

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

    this.fn = new TriggerFunction(this, 'Worker', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: SERVICE_NAME,
      description: 'Stores valid orders from the queue, once each',
      ...props.functionProps,
      environment: { [ENV.tableName]: this.table.tableName, ...props.functionProps?.environment },
    });
    const timeout = this.fn.timeout ?? Duration.seconds(3); // Lambda's default when none is set
    // The function only ever creates orders: PutItem, not the whole write set grantWriteData would give.
    this.table.grant(this.fn, 'dynamodb:PutItem');

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
      // Encrypted, TLS only, messages kept 14 days (the longest SQS allows): time to inspect and redrive.
      this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', {
        removalPolicy,
        holds: 'orders that failed maxReceiveCount times',
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
    this.fn.addEventSource(this.eventSource);

    this.alarms = new TriggerAlarms(this, 'Alarms', { topic: props.alarmTopic })
      .watchFunction(this.fn)
      .watchQueue(this.queue, { maxAge: Duration.minutes(5) });
    if (this.deadLetterQueue) this.alarms.watchDeadLetterQueue(this.deadLetterQueue);
  }
}
