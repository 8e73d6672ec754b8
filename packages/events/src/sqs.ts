import type { SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';
import { arn, type Location, md5, newId, opaqueToken, resolveLocation, sha256 } from './aws.ts';

/** The queue a record comes from. A name ending in `.fifo` makes FIFO records (group id, sequence number). */
export interface SqsQueue extends Location {
  readonly queueName?: string;
}

export type SqsMessageAttributeValue = string | number | Uint8Array;

export interface SqsRecordInput {
  /** The message body; objects are sent as JSON, as a producer calling `JSON.stringify` would. */
  readonly body: string | object;
  readonly messageId?: string;
  readonly messageAttributes?: Record<string, SqsMessageAttributeValue>;
  /** How many times the message has been received, this delivery included. @default 1 */
  readonly receiveCount?: number;
  readonly sentAt?: Date;
  /** FIFO queues only. @default 'default' */
  readonly messageGroupId?: string;
}

export const DEFAULT_QUEUE_NAME = 'orders';

/** One record of an SQS event, exactly as the Lambda event source mapping delivers it. */
export function sqsRecord(input: SqsRecordInput | string | object, queue: SqsQueue = {}): SQSRecord {
  const record = normalise(input);
  const { region } = resolveLocation(queue);
  const queueName = queue.queueName ?? DEFAULT_QUEUE_NAME;
  const body = typeof record.body === 'string' ? record.body : JSON.stringify(record.body);
  const sentAt = record.sentAt ?? new Date();
  const messageAttributes = Object.fromEntries(
    Object.entries(record.messageAttributes ?? {}).map(([name, value]) => [name, messageAttribute(value)]),
  );
  const messageId = record.messageId ?? newId();
  const isFifo = queueName.endsWith('.fifo');

  return {
    messageId,
    receiptHandle: opaqueToken(),
    body,
    attributes: {
      ApproximateReceiveCount: String(record.receiveCount ?? 1),
      SentTimestamp: String(sentAt.getTime()),
      SenderId: 'AROAEXAMPLEROLEID:producer',
      ApproximateFirstReceiveTimestamp: String(sentAt.getTime() + 5),
      ...(isFifo && {
        SequenceNumber: String(BigInt(sentAt.getTime()) * 1_000_000n),
        MessageGroupId: record.messageGroupId ?? 'default',
        // What content-based deduplication uses: the body's SHA-256.
        MessageDeduplicationId: sha256(body),
      }),
    },
    messageAttributes,
    md5OfBody: md5(body),
    ...(Object.keys(messageAttributes).length > 0 && {
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
    }),
    eventSource: 'aws:sqs',
    eventSourceARN: arn('sqs', queueName, queue),
    awsRegion: region,
  };
}

/** An SQS event: one record per input, in order, all from the same queue. */
export function sqsEvent(
  records: ReadonlyArray<SqsRecordInput | string | object>,
  queue: SqsQueue = {},
): SQSEvent {
  return { Records: records.map((record) => sqsRecord(record, queue)) };
}

const RECORD_INPUT_KEYS = new Set([
  'body',
  'messageId',
  'messageAttributes',
  'receiveCount',
  'sentAt',
  'messageGroupId',
]);

/**
 * A string or object is a body; an object with `body` and only SqsRecordInput keys is a record description.
 * (To send an object that itself has such a shape, wrap it: `{ body: theObject }`.)
 */
function normalise(input: SqsRecordInput | string | object): SqsRecordInput {
  if (typeof input === 'string') return { body: input };
  const keys = Object.keys(input);
  if (keys.includes('body') && keys.every((key) => RECORD_INPUT_KEYS.has(key)))
    return input as SqsRecordInput;
  return { body: input };
}

function messageAttribute(value: SqsMessageAttributeValue): SQSMessageAttribute {
  if (value instanceof Uint8Array) {
    return {
      binaryValue: Buffer.from(value).toString('base64'),
      stringListValues: [],
      binaryListValues: [],
      dataType: 'Binary',
    };
  }
  return {
    stringValue: String(value),
    stringListValues: [],
    binaryListValues: [],
    dataType: typeof value === 'number' ? 'Number' : 'String',
  };
}

/**
 * SQS's digest of message attributes: for each attribute in name order, the length-prefixed name, data type and
 * value, with a transport byte (1 = string, 2 = binary) before the value.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
export function md5OfMessageAttributes(attributes: Record<string, SQSMessageAttribute>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name] as SQSMessageAttribute;
    lengthPrefixed(Buffer.from(name));
    lengthPrefixed(Buffer.from(attribute.dataType));
    if (attribute.binaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(attribute.binaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(attribute.stringValue ?? ''));
    }
  }
  return md5(Buffer.concat(parts));
}
