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

/** An S3 event as AWS sends it: one record. */
export interface S3EventRecord {
  readonly eventVersion: '2.1';
  readonly eventSource: 'aws:s3';
  readonly awsRegion: string;
  readonly eventTime: string;
  readonly eventName: string;
  readonly userIdentity: { readonly principalId: string };
  readonly requestParameters: { readonly sourceIPAddress: string };
  readonly responseElements: { readonly 'x-amz-request-id': string; readonly 'x-amz-id-2': string };
  readonly s3: {
    readonly s3SchemaVersion: '1.0';
    readonly configurationId: string;
    readonly bucket: {
      readonly name: string;
      readonly ownerIdentity: { readonly principalId: string };
      readonly arn: string;
    };
    readonly object: {
      readonly key: string;
      readonly size?: number;
      readonly eTag?: string;
      readonly versionId?: string;
      readonly sequencer: string;
    };
  };
}

/**
 * An object key as S3 writes it into events: URL-encoded the way HTML forms are (Java's URLEncoder), so a space
 * is `+` and a `+` is `%2B`, except that `/` stays as it is.
 */
export function encodeEventKey(key: string): string {
  let encoded = '';
  for (const character of key) {
    if (/[A-Za-z0-9\-_.*/]/.test(character)) encoded += character;
    else if (character === ' ') encoded += '+';
    else {
      for (const byte of Buffer.from(character, 'utf8'))
        encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return encoded;
}

export class S3Notifications implements NotificationConfigurations, EventSource {
  readonly description = 'S3 event notifications';
  readonly #options: S3NotificationsOptions;
  #sent = 0;
  readonly #rules = new Map<string, NotificationRule[]>();
  #lastSequencer = 0n;
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
      const sequencer = this.#nextSequencer();
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
    const created = change.eventName.startsWith('ObjectCreated:');
    return {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: aws.region,
      eventTime: change.time.toISOString(),
      eventName: change.eventName,
      userIdentity: { principalId: change.principalId },
      requestParameters: { sourceIPAddress: change.sourceIPAddress },
      responseElements: { 'x-amz-request-id': change.requestId, 'x-amz-id-2': change.hostId },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId,
        bucket: {
          name: change.bucket,
          // The bucket owner's canonical id stands in as the account id here.
          ownerIdentity: { principalId: aws.accountId },
          arn: `arn:aws:s3:::${change.bucket}`,
        },
        object: {
          key: encodeEventKey(change.key),
          ...(created && change.size !== undefined ? { size: change.size } : {}),
          ...(created && change.eTag !== undefined ? { eTag: change.eTag } : {}),
          sequencer,
        },
      },
    };
  }

  async #send(target: NotificationTarget, event: { Records: S3EventRecord[] }): Promise<void> {
    this.#sent += 1;
    if (target.kind === 'lambda') {
      await this.#options.invokeAsync(target.arn, JSON.stringify(event));
    } else {
      await this.#options.deliver(target.arn, event);
    }
  }

  /** Hex, increasing with every change (so for every key), like S3's. */
  #nextSequencer(): string {
    const now = BigInt(Date.now()) << 16n;
    this.#lastSequencer = now > this.#lastSequencer ? now : this.#lastSequencer + 1n;
    return this.#lastSequencer.toString(16).toUpperCase().padStart(18, '0');
  }

  #warn(message: string): void {
    // Deliveries cut short by stopping the cloud are not worth a warning.
    if (!this.#stopped) this.#options.onWarning?.(message);
  }
}
