/**
 * SQS's size limit on what SendMessage and SendMessageBatch carry: 1 MiB (1,048,576 bytes) since August 2025, for
 * one message and for a whole batch. A message's size is its body plus each message attribute's name, data type
 * and value (UTF-8 bytes; a binary value's own bytes, not its base64); message system attributes do not count.
 *
 * The gateway checks it before fauxqs sees a send, so that a batch over the limit sends nothing, the errors carry
 * SQS's codes in both protocols, and a send larger than fauxqs reads at all (11 MiB) gets SQS's error too.
 */

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isRecord } from '../shared.ts';

export const MAX_MESSAGE_BYTES = 1_048_576;

/** An SQS error as each protocol names it. */
export interface SqsError {
  /** The query protocol's code; JSON clients read it from the x-amzn-query-error header. */
  readonly queryCode: string;
  /** The JSON protocol's `__type`. */
  readonly type: string;
  readonly message: string;
}

function utf8Bytes(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
}

function binaryBytes(value: unknown): number {
  return typeof value === 'string' ? Buffer.from(value, 'base64').length : 0;
}

function listBytes(values: unknown, bytes: (value: unknown) => number): number {
  return Array.isArray(values) ? values.reduce<number>((sum, value) => sum + bytes(value), 0) : 0;
}

/** The size SQS counts for one message (a SendMessage input or a batch entry, as JSON). */
export function messageBytes(message: Record<string, unknown>): number {
  let size = utf8Bytes(message.MessageBody);
  const attributes = isRecord(message.MessageAttributes) ? message.MessageAttributes : {};
  for (const [name, value] of Object.entries(attributes)) {
    if (!isRecord(value)) continue;
    size += utf8Bytes(name) + utf8Bytes(value.DataType);
    size += utf8Bytes(value.StringValue) + binaryBytes(value.BinaryValue);
    size += listBytes(value.StringListValues, utf8Bytes) + listBytes(value.BinaryListValues, binaryBytes);
  }
  return size;
}

/** SQS's error for a send over the size limit, or undefined when `json` (the action's JSON input) is within it. */
export function sizeLimitError(action: string, json: string): SqsError | undefined {
  if (action !== 'SendMessage' && action !== 'SendMessageBatch') return undefined;
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    return undefined; // fauxqs answers what is not JSON
  }
  if (!isRecord(input)) return undefined;
  if (action === 'SendMessage') {
    if (messageBytes(input) <= MAX_MESSAGE_BYTES) return undefined;
    return {
      queryCode: 'InvalidParameterValue',
      type: 'com.amazon.coral.service#InvalidParameterValueException',
      message: `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
    };
  }
  const entries = Array.isArray(input.Entries) ? input.Entries.filter(isRecord) : [];
  const total = entries.reduce((sum, entry) => sum + messageBytes(entry), 0);
  if (total <= MAX_MESSAGE_BYTES) return undefined;
  // One entry over the limit is a batch over it too: SQS refuses the whole request rather than the entry.
  return {
    queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong',
    type: 'com.amazonaws.sqs#BatchRequestTooLong',
    message: `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
  };
}

/** A client-side SQS error in the JSON protocol (awsJson1_0, query-compatible). */
export function sendJsonError(response: ServerResponse, error: SqsError): void {
  const body = JSON.stringify({ __type: error.type, message: error.message });
  response.writeHead(400, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amzn-query-error': `${error.queryCode};Sender`,
    'x-amzn-requestid': randomUUID(),
  });
  response.end(body);
}
