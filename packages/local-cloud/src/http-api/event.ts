/**
 * The Lambda proxy event an HTTP API builds from a request (payload format 2.0, and 1.0: the facts of the request
 * go to @triggers/events, which builds both), and the HTTP response it makes of the function's answer — as
 * documented in "Working with AWS Lambda proxy integrations for HTTP APIs".
 */
import type { IncomingMessage } from 'node:http';
import { type HttpApiRequest, httpApiEventV1, httpApiEventV2, traceId } from '@triggers/events';
import { isRecord } from '../shared.ts';

// API Gateway's request ids and log times are the events model's too.
export { clfTime, newRequestId } from '@triggers/events';

export interface RequestFacts {
  readonly request: IncomingMessage;
  readonly body: Buffer;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly routeKey: string;
  /** The raw path as requested, stage prefix included (AWS keeps it in rawPath). */
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly requestId: string;
  readonly startedAt: number;
  /** The verified token's claims and scopes, when a JWT authorizer ran. */
  readonly jwt?: { readonly claims: Record<string, string>; readonly scopes?: readonly string[] };
  /** The context a Lambda authorizer returned. */
  readonly lambda?: {
    readonly context: Record<string, unknown>;
    readonly principalId?: string;
    readonly latencyMs: number;
  };
}

/** Connection-level headers: they belong to the hop to API Gateway and never reach the function. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
]);

const TEXT_TYPES = [
  /^text\//,
  /^application\/(json|xml|javascript|x-javascript|ecmascript)\b/,
  /^application\/[^;]+\+(json|xml)\b/,
];

/** HTTP APIs pass text bodies as they are and base64-encode everything else (no content type, forms, images). */
export function isTextContent(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.trim().toLowerCase();
  return TEXT_TYPES.some((pattern) => pattern.test(type));
}

/**
 * The headers as received, in order, and those API Gateway adds: the client's address appended to
 * X-Forwarded-For, the port and protocol it called (replacing any the client sent), and a trace id.
 */
function headersOf(request: IncomingMessage, startedAt: number): [string, string][] {
  const headers: [string, string][] = [];
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || name === 'x-forwarded-port' || name === 'x-forwarded-proto') continue;
    headers.push([name, raw[index + 1] as string]);
  }
  headers.push(['x-forwarded-for', sourceIp(request)]);
  headers.push(['x-forwarded-port', String(request.socket.localPort ?? '')]);
  headers.push(['x-forwarded-proto', 'http']);
  if (!headers.some(([name]) => name === 'x-amzn-trace-id'))
    headers.push(['x-amzn-trace-id', traceId(startedAt)]);
  return headers;
}

function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

function bodyOf(facts: RequestFacts): { body?: string; isBase64Encoded: boolean } {
  if (facts.body.length === 0) return { isBase64Encoded: false };
  const text = isTextContent(facts.request.headers['content-type']);
  return text
    ? { body: facts.body.toString('utf8'), isBase64Encoded: false }
    : { body: facts.body.toString('base64'), isBase64Encoded: true };
}

function sourceIp(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/** The request in the terms of the events model, which builds both payload formats. */
function requestOf(facts: RequestFacts): HttpApiRequest {
  const { request } = facts;
  return {
    method: request.method ?? 'GET',
    rawPath: facts.rawPath,
    rawQueryString: facts.rawQueryString,
    headers: headersOf(request, facts.startedAt),
    ...bodyOf(facts),
    sourceIp: sourceIp(request),
    protocol: `HTTP/${request.httpVersion}`,
    domainName: request.headers.host ?? '127.0.0.1',
    accountId: facts.accountId,
    apiId: facts.apiId,
    stage: facts.stage,
    routeKey: facts.routeKey,
    requestId: facts.requestId,
    time: new Date(facts.startedAt),
    pathParameters: nonEmpty(facts.pathParameters),
    stageVariables: nonEmpty(facts.stageVariables),
    ...(facts.jwt && { authorizer: { jwt: facts.jwt } }),
    ...(facts.lambda && { authorizer: { lambda: facts.lambda } }),
  };
}

/** Payload format 2.0. */
export function buildEventV2(facts: RequestFacts): Record<string, unknown> {
  return { ...httpApiEventV2(requestOf(facts)) };
}

/** Payload format 1.0 (the REST API's shape, as HTTP APIs send it). */
export function buildEventV1(facts: RequestFacts): Record<string, unknown> {
  return { ...httpApiEventV1(requestOf(facts)) };
}

export interface HttpAnswer {
  readonly statusCode: number;
  /** Name/value pairs; a name may repeat (set-cookie). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** What API Gateway answers when the function's response cannot be mapped. */
export const INTERNAL_ERROR: HttpAnswer = jsonMessage(500, 'Internal Server Error');

export function jsonMessage(statusCode: number, message: string, extra: [string, string][] = []): HttpAnswer {
  return {
    statusCode,
    headers: [['content-type', 'application/json'], ...extra],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

function headerPairs(value: unknown): [string, string][] | undefined {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) return undefined;
  const pairs: [string, string][] = [];
  for (const [name, headerValue] of Object.entries(value)) {
    if (typeof headerValue === 'object' && headerValue !== null) return undefined;
    pairs.push([name, String(headerValue)]);
  }
  return pairs;
}

function structuredAnswer(result: Record<string, unknown>, version: '1.0' | '2.0'): HttpAnswer | undefined {
  const statusCode = Number(result.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  const headers = headerPairs(result.headers);
  if (!headers) return undefined;
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    if (!isRecord(result.multiValueHeaders)) return undefined;
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (!Array.isArray(values)) return undefined;
      // multiValueHeaders win over headers of the same name.
      const kept = headers.filter(([existing]) => existing.toLowerCase() !== name.toLowerCase());
      headers.length = 0;
      headers.push(...kept, ...values.map((value): [string, string] => [name, String(value)]));
    }
  }
  if (version === '2.0' && result.cookies !== undefined && result.cookies !== null) {
    if (!Array.isArray(result.cookies)) return undefined;
    for (const cookie of result.cookies) headers.push(['set-cookie', String(cookie)]);
  }
  const body = result.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const base64 = result.isBase64Encoded === true || result.isBase64Encoded === 'true';
  return {
    statusCode,
    headers,
    body: typeof body === 'string' ? Buffer.from(body, base64 ? 'base64' : 'utf8') : Buffer.alloc(0),
  };
}

/**
 * The HTTP response for the function's JSON payload. 2.0 infers a bare value without `statusCode` (a string, an
 * object, a number) as a 200 `application/json` body; anything unmappable is a 500, as API Gateway answers.
 */
export function mapResponse(payload: string | undefined, version: '1.0' | '2.0'): HttpAnswer {
  let result: unknown;
  try {
    result = payload === undefined || payload === '' ? null : JSON.parse(payload);
  } catch {
    return INTERNAL_ERROR;
  }
  if (isRecord(result) && 'statusCode' in result) {
    return structuredAnswer(result, version) ?? INTERNAL_ERROR;
  }
  if (version === '1.0') return INTERNAL_ERROR;
  const body = typeof result === 'string' ? result : JSON.stringify(result);
  return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body) };
}
