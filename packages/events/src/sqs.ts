import type { SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { arn, type Location, md5, newId, opaqueToken, regionOf, sha256 } from './aws.ts';

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

/** A message attribute as SQS holds it: binary values base64-encoded. */
export interface SqsAttribute {
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: string;
  readonly stringListValues?: readonly string[];
  readonly binaryListValues?: readonly string[];
}

/** A message as a receiver got it from SQS (ReceiveMessage with all attributes). */
export interface SqsReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** System attributes: ApproximateReceiveCount, SentTimestamp, SenderId, … */
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes?: Readonly<Record<string, SqsAttribute>>;
  /** SQS's digests; computed from the body and attributes when not given. */
  readonly md5OfBody?: string;
  readonly md5OfMessageAttributes?: string;
}

/** Lambda's system attributes come in this order (others after them, as received). */
const ATTRIBUTE_ORDER = [
  'ApproximateReceiveCount',
  'AWSTraceHeader',
  'SentTimestamp',
  'SequenceNumber',
  'MessageGroupId',
  'SenderId',
  'MessageDeduplicationId',
  'ApproximateFirstReceiveTimestamp',
];

/** The record the Lambda event source mapping hands a function for a message received from `queueArn`. */
export function sqsRecordOf(message: SqsReceivedMessage, queueArn: string): SQSRecord {
  const messageAttributes = Object.fromEntries(
    Object.entries(message.messageAttributes ?? {}).map(([name, value]) => [name, recordAttribute(value)]),
  );
  const hasAttributes = Object.keys(messageAttributes).length > 0;
  // A message without attributes has no digest of them (SQS may send an empty one).
  const md5OfAttributes =
    message.md5OfMessageAttributes || (hasAttributes ? md5OfMessageAttributes(messageAttributes) : undefined);
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: orderedAttributes(message.attributes),
    messageAttributes,
    md5OfBody: message.md5OfBody ?? md5(message.body),
    ...(md5OfAttributes !== undefined && { md5OfMessageAttributes: md5OfAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: regionOf(queueArn),
  };
}

/** One record of an SQS event, with sample ids, timestamps and sender. */
export function sqsRecord(input: SqsRecordInput | string | object, queue: SqsQueue = {}): SQSRecord {
  const record = normalise(input);
  const queueName = queue.queueName ?? DEFAULT_QUEUE_NAME;
  const body = typeof record.body === 'string' ? record.body : JSON.stringify(record.body);
  const sentAt = record.sentAt ?? new Date();
  const isFifo = queueName.endsWith('.fifo');
  const messageAttributes = Object.fromEntries(
    Object.entries(record.messageAttributes ?? {}).map(([name, value]) => [name, sampleAttribute(value)]),
  );

  return sqsRecordOf(
    {
      messageId: record.messageId ?? newId(),
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
    },
    arn('sqs', queueName, queue),
  );
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

function sampleAttribute(value: SqsMessageAttributeValue): SqsAttribute {
  if (value instanceof Uint8Array)
    return { binaryValue: Buffer.from(value).toString('base64'), dataType: 'Binary' };
  return { stringValue: String(value), dataType: typeof value === 'number' ? 'Number' : 'String' };
}

/** Lambda's records carry both list fields, empty when unused. */
function recordAttribute(attribute: SqsAttribute): SQSMessageAttribute {
  return {
    ...(attribute.stringValue !== undefined && { stringValue: attribute.stringValue }),
    ...(attribute.binaryValue !== undefined && { binaryValue: attribute.binaryValue }),
    stringListValues: [...(attribute.stringListValues ?? [])],
    binaryListValues: [...(attribute.binaryListValues ?? [])],
    dataType: attribute.dataType as SQSMessageAttribute['dataType'],
  };
}

/** The attributes as received, in Lambda's order (typed as what SQS sends: it, not the record, decides which). */
function orderedAttributes(attributes: Readonly<Record<string, string>>): SQSRecordAttributes {
  const ordered: Record<string, string> = {};
  for (const name of ATTRIBUTE_ORDER) {
    const value = attributes[name];
    if (value !== undefined) ordered[name] = value;
  }
  return { ...ordered, ...attributes } as unknown as SQSRecordAttributes;
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
