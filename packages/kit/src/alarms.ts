import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

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
