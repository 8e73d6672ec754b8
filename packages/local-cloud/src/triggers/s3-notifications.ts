/**
 * S3 event notifications: each bucket's notification configuration (from CDK's Custom::S3BucketNotifications or
 * a bucket's own NotificationConfiguration), and the events S3 sends when an object is created or removed.
 *
 * What AWS does, and so what happens here: one event (one record) per object change and per matching
 * configuration, sent after the request that made the change has been answered; a Lambda target is invoked
 * asynchronously (so Lambda's async retries, maximum event age and destinations apply), an SQS queue gets the
 * event as its message body, an SNS topic gets it published. A delivery that fails is a warning, never the
 * client's error. AWS delivers at least once and in no guaranteed order: consumers compare `sequencer` values
 * (which increase for each key) to order the events of one key.
 */
import { randomBytes } from 'node:crypto';
import { nextSequencer, type S3EventRecord, s3RecordOf } from '@triggers/events';
import { messageOf } from '../errors.ts';
import type { Deliver } from '../lambda/index.ts';
import type { ObjectChange } from '../s3/front.ts';
import {
  type NotificationConfigurations,
  type NotificationRule,
  type NotificationTarget,
  ruleMatches,
} from '../s3/notification-config.ts';
import type { AwsContext, EventSource, EventSourceState, InvokeResult } from '../types.ts';

export interface S3NotificationsOptions {
  readonly aws: AwsContext;
  /** Invokes a function asynchronously (InvocationType Event) with the event as its payload. */
  readonly invokeAsync: (functionArn: string, payload: string) => Promise<InvokeResult | unknown>;
  /** Sends a message to an SQS queue or SNS topic by ARN (the cloud's `deliver`). */
  readonly deliver: Deliver;
  readonly onWarning?: (message: string) => void;
}

export class S3Notifications implements NotificationConfigurations, EventSource {
  readonly description = 'S3 event notifications';
  readonly #options: S3NotificationsOptions;
  #sent = 0;
  readonly #rules = new Map<string, NotificationRule[]>();
  #stopped = false;

  constructor(options: S3NotificationsOptions) {
    this.#options = options;
  }

  /**
   * Sets a bucket's notification configuration (replacing it, as PutBucketNotificationConfiguration does). Like
   * S3, it sends an `s3:TestEvent` message to each queue and topic it names.
   */
  configure(bucket: string, rules: readonly NotificationRule[]): void {
    this.#rules.set(bucket, [...rules]);
    const targets = new Set(
      rules.filter((rule) => rule.target.kind !== 'lambda').map((rule) => rule.target.arn),
    );
    for (const arn of targets) {
      const testEvent = {
        Service: 'Amazon S3',
        Event: 's3:TestEvent',
        Time: new Date().toISOString(),
        Bucket: bucket,
        RequestId: randomBytes(8).toString('hex').toUpperCase(),
        HostId: randomBytes(48).toString('base64'),
      };
      this.#options
        .deliver(arn, testEvent)
        .catch((error: unknown) =>
          this.#warn(`The s3:TestEvent for bucket ${bucket} did not reach ${arn}: ${messageOf(error)}`),
        );
    }
  }

  /** The rules of a bucket, for inspection. */
  rules(bucket: string): readonly NotificationRule[] {
    return this.#rules.get(bucket) ?? [];
  }

  /** Sends the events of object changes to every configuration that matches them; never throws. */
  notify(changes: readonly ObjectChange[]): void {
    if (this.#stopped) return;
    for (const change of changes) {
      const rules = (this.#rules.get(change.bucket) ?? []).filter((rule) =>
        ruleMatches(rule, change.eventName, change.key),
      );
      if (rules.length === 0) continue;
      const sequencer = nextSequencer(change.time);
      for (const rule of rules) {
        const event = { Records: [this.record(change, rule.id, sequencer)] };
        void this.#send(rule.target, event).catch((error: unknown) =>
          this.#warn(
            `The S3 event ${change.eventName} for ${change.bucket}/${change.key} did not reach ${rule.target.arn}: ${messageOf(error)}`,
          ),
        );
      }
    }
  }

  /** Notifications follow the buckets' configurations from the start: nothing to start. */
  start(): void {}

  /** Stops sending: changes after this are not notified. */
  async stop(): Promise<void> {
    this.#stopped = true;
  }

  state(): EventSourceState {
    return { state: this.#stopped ? 'Stopped' : 'Enabled', invocations: this.#sent };
  }

  record(change: ObjectChange, configurationId: string, sequencer: string): S3EventRecord {
    const { aws } = this.#options;
    // The bucket owner's canonical id stands in as the account id here.
    return s3RecordOf({ ...change, sequencer, configurationId, region: aws.region, ownerId: aws.accountId });
  }

  async #send(target: NotificationTarget, event: { Records: S3EventRecord[] }): Promise<void> {
    this.#sent += 1;
    if (target.kind === 'lambda') {
      await this.#options.invokeAsync(target.arn, JSON.stringify(event));
    } else {
      await this.#options.deliver(target.arn, event);
    }
  }

  #warn(message: string): void {
    // Deliveries cut short by stopping the cloud are not worth a warning.
    if (!this.#stopped) this.#options.onWarning?.(message);
  }
}
