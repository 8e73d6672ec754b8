/**
 * Where records go when AWS sends them on: an async invocation's dead-letter queue and on-success / on-failure
 * destinations, S3 notifications to queues and topics, and next stream on-failure records and rule targets. One
 * sender per kind of target, found by the ARN's service; each delivery is recorded (what, where, when, outcome), so
 * tests and the playground can see it.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from './clock.ts';
import { LocalCloudError, messageOf } from './errors.ts';
import { RecordFeed } from './feed.ts';
import type { Deliver, MessageAttributes } from './lambda/index.ts';
import type { AwsContext, ClientFactory, Invoke } from './types.ts';

/** One record sent on, as the playground and tests see it. */
export interface Delivery {
  /** The target's ARN. */
  readonly destinationArn: string;
  /** The ARN's service: 'sqs', 'sns', 'lambda', 'events', 's3'. */
  readonly service: string;
  readonly payload: unknown;
  readonly attributes?: MessageAttributes;
  /** Emulated epoch ms. */
  readonly at: number;
  readonly outcome: 'delivered' | 'failed';
  /** Why it failed. */
  readonly problem?: string;
}

/** Sends one record (as JSON text) to a target of one service. */
type Sender = (destinationArn: string, message: string, attributes?: MessageAttributes) => Promise<void>;

export interface DestinationsOptions {
  readonly aws: AwsContext;
  readonly clock: Clock;
  /** SDK clients of the local endpoint. */
  readonly clients: ClientFactory;
  /** Invokes a function; a Lambda destination is an asynchronous invocation. */
  readonly invoke: Invoke;
  /** Most recent deliveries kept (1,000 by default). */
  readonly maxRecords?: number;
}

/** The senders, one row per target service. */
function senders(options: DestinationsOptions): Readonly<Record<string, Sender>> {
  const { clients, aws } = options;
  return {
    async sqs(arn, message, attributes) {
      const [, , , , account, queue] = arn.split(':');
      const QueueUrl = `${aws.endpoint}/${account || aws.accountId}/${queue}`;
      await clients(SQSClient).send(
        new SendMessageCommand({ QueueUrl, MessageBody: message, MessageAttributes: attributes }),
      );
    },
    async sns(arn, message, attributes) {
      await clients(SNSClient).send(
        new PublishCommand({ TopicArn: arn, Message: message, MessageAttributes: attributes }),
      );
    },
    async lambda(arn, message) {
      await options.invoke(arn, message, { invocationType: 'Event', source: 'aws:lambda' });
    },
    async events(arn, message) {
      // Lambda's destination events: source "lambda", the record as their detail. Sent through the endpoint,
      // which answers with why when EventBridge does not run.
      const response = await fetch(aws.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
        body: JSON.stringify({
          Entries: [
            {
              EventBusName: arn,
              Source: 'lambda',
              DetailType: destinationDetailType(message),
              Detail: message,
            },
          ],
        }),
      });
      const answer = (await response.json().catch(() => ({}))) as {
        FailedEntryCount?: number;
        Entries?: { ErrorMessage?: string }[];
        message?: string;
      };
      if (!response.ok || answer.FailedEntryCount) {
        throw new LocalCloudError(
          answer.message ?? answer.Entries?.[0]?.ErrorMessage ?? `PutEvents answered ${response.status}`,
        );
      }
    },
    async s3(arn, message) {
      // A bucket destination gets one object per record (stream mappings' on-failure destination).
      const bucket = arn.split(':')[5] ?? '';
      const time = new Date(options.clock.now()).toISOString();
      const day = time.slice(0, 10).replaceAll('-', '/');
      await clients(S3Client).send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `aws/lambda/${day}/${time}-${randomUUID()}`,
          Body: message,
          ContentType: 'application/json',
        }),
      );
    },
  };
}

/** Lambda names the detail type by the record's condition. */
function destinationDetailType(message: string): string {
  const { requestContext } = JSON.parse(message) as { requestContext?: { condition?: string } };
  return `Lambda Function Invocation Result - ${requestContext?.condition === 'Success' ? 'Success' : 'Failure'}`;
}

export class Destinations {
  readonly #records: RecordFeed<Delivery>;
  readonly #senders: Readonly<Record<string, Sender>>;
  readonly #options: DestinationsOptions;

  constructor(options: DestinationsOptions) {
    this.#options = options;
    this.#senders = senders(options);
    this.#records = new RecordFeed(options.maxRecords ?? 1000);
  }

  /** Sends a record to a queue, topic, function, bus or bucket by ARN; throws when it could not be delivered. */
  readonly deliver: Deliver = async (destinationArn, payload, attributes) => {
    const service = destinationArn.split(':')[2] ?? '';
    const sender = this.#senders[service];
    let problem: string | undefined;
    try {
      if (!sender)
        throw new LocalCloudError(`the local cloud does not deliver to ${service || destinationArn}`);
      await sender(destinationArn, JSON.stringify(payload), attributes);
    } catch (error) {
      problem = messageOf(error);
    }
    this.#record({
      destinationArn,
      service,
      payload,
      ...(attributes ? { attributes } : {}),
      at: this.#options.clock.now(),
      outcome: problem === undefined ? 'delivered' : 'failed',
      ...(problem === undefined ? {} : { problem }),
    });
    if (problem !== undefined) throw new LocalCloudError(`Not delivered to ${destinationArn}: ${problem}`);
  };

  /** Calls `listener` with every delivery from now on; returns a function that stops it. */
  onDelivery(listener: (delivery: Delivery) => void): () => void {
    return this.#records.subscribe(listener);
  }

  /** The most recent deliveries, oldest first. */
  get deliveries(): readonly Delivery[] {
    return this.#records.records;
  }

  #record(delivery: Delivery): void {
    this.#records.push(delivery);
  }
}
