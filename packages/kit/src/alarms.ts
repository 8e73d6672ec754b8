import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface HttpApiAlarmOptions {
  /** Alarm when more than this percentage of requests get a 5xx in 5 minutes (once there are ≥ 10). @default 1 */
  readonly serverErrorRatePercent?: number;
  /** Alarm when p99 latency, as clients see it, stays above this for 15 minutes. @default 1 second */
  readonly latency?: Duration;
}

export interface AlarmOptions {
  /** Where alarms send notifications (alarm and OK). Without it the alarms only change state. */
  readonly topic?: sns.ITopic;
}

/**
 * Alarms an operator needs for a trigger: grouped in one construct so an integration adds them in one line and a
 * test can find them all. Every alarm treats missing data as "not breaching": no traffic is not an incident.
 */
export class TriggerAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly topic?: sns.ITopic;

  constructor(scope: Construct, id: string, options: AlarmOptions = {}) {
    super(scope, id);
    this.topic = options.topic;
  }

  /** Errors ≥ 1, throttles ≥ 1, and p99 duration above 80 % of the timeout (a function about to time out). */
  watchFunction(fn: lambda.Function): this {
    const timeout = fn.timeout ?? Duration.seconds(3); // Lambda's default
    this.add(
      'Errors',
      fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      1,
      'invocations failed',
    );
    this.add(
      'Throttles',
      fn.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
      1,
      'invocations throttled',
    );
    this.add(
      'DurationNearTimeout',
      fn.metricDuration({ period: Duration.minutes(5), statistic: 'p99' }),
      timeout.toMilliseconds() * 0.8,
      'p99 duration is above 80% of the timeout',
      3,
    );
    return this;
  }

  /** The oldest message is older than `maxAge` (consumers are behind or failing), and optionally a depth limit. */
  watchQueue(queue: sqs.IQueue, limits: { maxAge: Duration; maxDepth?: number }): this {
    this.add(
      'OldestMessageAge',
      queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      limits.maxAge.toSeconds(),
      `the oldest message is older than ${limits.maxAge.toHumanString()}`,
      3,
    );
    if (limits.maxDepth !== undefined) {
      this.add(
        'Depth',
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        limits.maxDepth,
        `more than ${limits.maxDepth} messages are waiting`,
        3,
      );
    }
    return this;
  }

  /** Any message in a dead-letter queue is a failure someone must look at. */
  watchDeadLetterQueue(queue: sqs.IQueue): this {
    this.add(
      'DeadLetterQueueNotEmpty',
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      1,
      'messages have landed in the dead-letter queue',
    );
    return this;
  }

  /**
   * A stream consumer falling behind: the age of the last record read (IteratorAge) above `maxAge`. A poison
   * record that blocks a shard shows here first.
   */
  watchStream(fn: lambda.Function, maxAge: Duration = Duration.minutes(5)): this {
    this.add(
      'IteratorAge',
      fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      maxAge.toMilliseconds(),
      `the function reads records older than ${maxAge.toHumanString()}`,
      3,
    );
    return this;
  }

  /**
   * An asynchronously invoked function (S3, SNS, EventBridge, Logs): events Lambda gave up on and could not send
   * to their destination or DLQ are lost, so any is an alarm.
   */
  watchAsyncFunction(fn: lambda.Function): this {
    this.add(
      'DestinationDeliveryFailures',
      fn.metric('DestinationDeliveryFailures', { period: Duration.minutes(1), statistic: 'Sum' }),
      1,
      'failed events could not be sent to their destination',
    );
    this.add(
      'DroppedEvents',
      fn.metric('AsyncEventsDropped', { period: Duration.minutes(1), statistic: 'Sum' }),
      1,
      'async events were dropped (too old, or retries exhausted without a destination)',
    );
    return this;
  }

  /** An HTTP API as clients see it (API Gateway's metrics, not the function's): its 5xx rate and p99 latency. */
  watchHttpApi(api: apigwv2.IHttpApi, options: HttpApiAlarmOptions = {}): this {
    const period = Duration.minutes(5);
    const percent = options.serverErrorRatePercent ?? 1;
    const latency = options.latency ?? Duration.seconds(1);
    const errorRate = new cloudwatch.MathExpression({
      // Below 10 requests a single failure is noise, not a rate.
      expression: 'IF(requests >= 10, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: api.metricServerError({ period, statistic: 'Sum' }),
        requests: api.metricCount({ period, statistic: 'Sum' }),
      },
      period,
      label: '5xx rate (%)',
    });
    this.add('ServerErrorRate', errorRate, percent, `at least ${percent}% of requests got a 5xx`);
    this.add(
      'LatencyP99',
      api.metricLatency({ period, statistic: 'p99' }),
      latency.toMilliseconds(),
      `p99 latency is at least ${latency.toMilliseconds()} ms for 15 minutes`,
      3,
    );
    return this;
  }

  private add(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    what: string,
    evaluationPeriods = 1,
  ) {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${this.node.path}: ${what}.`,
    });
    if (this.topic) {
      const action = new SnsAction(this.topic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
  }
}
