/**
 * The AWS JSON 1.1 protocol of the APIs the local cloud answers in-process (CloudWatch Logs, Firehose):
 * `X-Amz-Target: <Prefix>.<Action>`, a JSON object in, a JSON object out, and errors the SDK and the CLI read by
 * their `__type` (and `x-amzn-errortype`). Each API gives its target prefix and its operations.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './shared.ts';

export type Json = Record<string, unknown>;

/** A client error of an API, by its AWS type: `new AwsJsonError('ResourceNotFoundException', '…')`. */
export class AwsJsonError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

export interface JsonApi {
  /** `Logs_20140328.`, `Firehose_20150804.` */
  readonly targetPrefix: string;
  /** The operation an action names, or undefined when it is not answered here. */
  operation(action: string): ((input: Json) => Json) | undefined;
  /** The message for an action not answered here. */
  unsupported(action: string): string;
}

/** Answers one request: 200 with the operation's output, 400 with an AwsJsonError, 500 for anything else. */
export function answerJsonApi(
  api: JsonApi,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): void {
  const target = String(request.headers['x-amz-target'] ?? '');
  const action = target.startsWith(api.targetPrefix) ? target.slice(api.targetPrefix.length) : target;
  try {
    const operation = request.method === 'POST' ? api.operation(action) : undefined;
    if (!operation) throw new AwsJsonError('UnknownOperationException', api.unsupported(action));
    send(response, 200, operation(parseInput(body)));
  } catch (error) {
    const failure =
      error instanceof AwsJsonError ? error : new AwsJsonError('ServiceUnavailableException', String(error));
    response.setHeader('x-amzn-errortype', failure.type);
    send(response, error instanceof AwsJsonError ? 400 : 500, {
      __type: failure.type,
      message: failure.message,
    });
  }
}

function send(response: ServerResponse, status: number, payload: Json): void {
  sendJson(response, status, payload, 'application/x-amz-json-1.1');
}

function parseInput(body: Buffer): Json {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
  } catch {
    // Reported below.
  }
  throw new AwsJsonError('SerializationException', 'The request body is not a JSON object.');
}
