/**
 * "Where to look": what is in the resource a stack output names (a table's items, a bucket's objects, a queue's
 * messages), read through the same APIs a learner's CLI uses, and the redrive of a dead-letter queue.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DeployedResource, LocalClientConfig } from '@triggers/local-cloud';

export type Contents =
  | {
      readonly kind: 'table';
      readonly name: string;
      readonly count: number;
      readonly items: readonly unknown[];
    }
  | {
      readonly kind: 'bucket';
      readonly name: string;
      readonly objects: readonly { readonly key: string; readonly size: number }[];
    }
  | {
      readonly kind: 'queue';
      readonly name: string;
      readonly visible: number;
      readonly inFlight: number;
      /** Present for a dead-letter queue: peeking there changes nothing a trigger relies on. */
      readonly messages?: readonly {
        readonly id: string;
        readonly body: string;
        readonly receiveCount: number;
      }[];
    }
  | { readonly kind: 'other'; readonly name: string; readonly note: string };

/** Items, objects and messages shown at most: the page lists, it does not export. */
const SHOWN = 20;

export class Looker {
  readonly #sqs: SQSClient;
  readonly #s3: S3Client;
  readonly #dynamodb: DynamoDBClient;

  constructor(config: LocalClientConfig) {
    this.#sqs = new SQSClient(config);
    this.#s3 = new S3Client({ ...config, forcePathStyle: true });
    this.#dynamodb = new DynamoDBClient({ ...config, maxAttempts: 1 });
  }

  /** What `resource` holds now; `deadLetter` says a queue may be peeked (its messages shown). */
  async contents(resource: DeployedResource, options: { readonly deadLetter: boolean }): Promise<Contents> {
    const name = resource.physicalId ?? resource.logicalId;
    switch (resource.type) {
      case 'AWS::DynamoDB::Table': {
        const scan = await this.#dynamodb.send(new ScanCommand({ TableName: name, Limit: SHOWN }));
        const items = (scan.Items ?? []).map((item) => unmarshall(item));
        return { kind: 'table', name, count: items.length, items };
      }
      case 'AWS::S3::Bucket': {
        const listed = await this.#s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: SHOWN }));
        const objects = (listed.Contents ?? []).map((object) => ({
          key: object.Key ?? '',
          size: object.Size ?? 0,
        }));
        return { kind: 'bucket', name, objects };
      }
      case 'AWS::SQS::Queue':
        return this.#queue(name, options.deadLetter);
      default:
        return { kind: 'other', name, note: `Nothing to list for ${resource.type}.` };
    }
  }

  async #queue(url: string, deadLetter: boolean): Promise<Contents> {
    const { Attributes: attributes = {} } = await this.#sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const name = url.split('/').pop() ?? url;
    const visible = Number(attributes.ApproximateNumberOfMessages ?? 0);
    const inFlight = Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    // A source queue is never peeked: a receive there counts toward its maxReceiveCount.
    if (!deadLetter) return { kind: 'queue', name, visible, inFlight };
    const received = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const messages = (received.Messages ?? []).map((message) => ({
      id: message.MessageId ?? '',
      body: message.Body ?? '',
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    }));
    return { kind: 'queue', name, visible, inFlight, messages };
  }

  /**
   * Moves every message of a dead-letter queue back to its source queue, as SQS's dead-letter queue redrive does:
   * each message is sent again with its body and attributes, then deleted from the DLQ. Resolves with the count.
   */
  async redrive(deadLetterUrl: string, sourceUrl: string): Promise<number> {
    let moved = 0;
    for (;;) {
      const { Messages: messages = [] } = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetterUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
        }),
      );
      if (messages.length === 0) return moved;
      const sent = await this.#sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: sourceUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            MessageBody: message.Body ?? '',
            ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
          })),
        }),
      );
      // Only what reached the source queue leaves the DLQ: nothing is lost on a partial failure.
      const arrived = messages.flatMap((message, index) =>
        sent.Successful?.some((entry) => entry.Id === String(index))
          ? [{ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' }]
          : [],
      );
      if (arrived.length === 0)
        throw new Error(sent.Failed?.[0]?.Message ?? 'The source queue took no message.');
      await this.#sqs.send(new DeleteMessageBatchCommand({ QueueUrl: deadLetterUrl, Entries: arrived }));
      moved += arrived.length;
    }
  }

  stop(): void {
    this.#sqs.destroy();
    this.#s3.destroy();
    this.#dynamodb.destroy();
  }
}
