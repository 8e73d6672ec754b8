/**
 * The Lambda proxy event an HTTP API builds from a request (payload format 2.0, and 1.0), and the HTTP response
 * it makes of the function's answer — as documented in "Working with AWS Lambda proxy integrations for HTTP APIs".
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isRecord } from '../shared.ts';

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
  /** The route's path as the template writes it (`/notes/{id}`), for 1.0's `resource`. */
  readonly resourcePath: string;
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

/** An id shaped like API Gateway's (`JKJaXmPLvHcESHA=`). */
export function newRequestId(): string {
  return randomBytes(11)
    .toString('base64')
    .replace(/[+/]/g, (char) => (char === '+' ? 'a' : 'b'));
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

/** `12/Mar/2020:19:03:58 +0000`, the CLF time API Gateway writes. */
export function clfTime(epochMs: number): string {
  const date = new Date(epochMs);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

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

/** `Root=1-<epoch hex>-<24 hex>`, the trace header API Gateway adds. */
function traceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/**
 * Every header name lower-cased with its values; repeated headers keep every value. API Gateway adds the
 * X-Forwarded-* headers (the client's address, the port and protocol it called) and a trace id.
 */
function headerValues(request: IncomingMessage, startedAt: number): Map<string, string[]> {
  const values = new Map<string, string[]>();
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    if (HOP_BY_HOP.has(name)) continue;
    const list = values.get(name) ?? [];
    list.push(raw[index + 1] as string);
    values.set(name, list);
  }
  const forwardedFor = values.get('x-forwarded-for') ?? [];
  values.set('x-forwarded-for', [...forwardedFor, sourceIp(request)]);
  values.set('x-forwarded-port', [String(request.socket.localPort ?? '')]);
  values.set('x-forwarded-proto', ['http']);
  if (!values.has('x-amzn-trace-id')) values.set('x-amzn-trace-id', [traceId(startedAt)]);
  return values;
}

/**
 * HTTP APIs hand functions the path percent-decoded (`/notes/a%20b` arrives as `/notes/a b`, in `rawPath` and
 * `requestContext.http.path` alike — REST APIs and function URLs keep it encoded). A segment with a broken escape
 * stays as sent.
 */
function decodedPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

function decodeQueryPart(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Query parameters in order, each name with every value. */
function queryValues(rawQueryString: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  if (rawQueryString === '') return values;
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeQueryPart(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeQueryPart(pair.slice(equals + 1));
    const list = values.get(name) ?? [];
    list.push(value);
    values.set(name, list);
  }
  return values;
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

function domainOf(request: IncomingMessage): { domainName: string; domainPrefix: string } {
  const domainName = request.headers.host ?? '127.0.0.1';
  return { domainName, domainPrefix: domainName.split('.')[0] ?? domainName };
}

/** Payload format 2.0. */
export function buildEventV2(facts: RequestFacts): Record<string, unknown> {
  const { request } = facts;
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of headerValues(request, facts.startedAt)) {
    // 2.0 moves cookies out of the headers into their own list.
    if (name === 'cookie') {
      cookies = values.flatMap((value) => value.split(';').map((cookie) => cookie.trim())).filter(Boolean);
    } else headers[name] = values.join(',');
  }
  const query: Record<string, string> = {};
  for (const [name, values] of queryValues(facts.rawQueryString)) query[name] = values.join(',');
  const queryStringParameters = nonEmpty(query);
  const pathParameters = nonEmpty({ ...facts.pathParameters });
  const stageVariables = nonEmpty({ ...facts.stageVariables });
  return {
    version: '2.0',
    routeKey: facts.routeKey,
    rawPath: decodedPath(facts.rawPath),
    rawQueryString: facts.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: facts.accountId,
      apiId: facts.apiId,
      ...(facts.jwt
        ? { authorizer: { jwt: { claims: facts.jwt.claims, scopes: facts.jwt.scopes ?? null } } }
        : {}),
      ...(facts.lambda ? { authorizer: { lambda: facts.lambda.context } } : {}),
      ...domainOf(request),
      http: {
        method: request.method ?? 'GET',
        path: decodedPath(facts.rawPath),
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: sourceIp(request),
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: facts.requestId,
      routeKey: facts.routeKey,
      stage: facts.stage,
      time: clfTime(facts.startedAt),
      timeEpoch: facts.startedAt,
    },
    ...bodyOf(facts),
    ...(pathParameters ? { pathParameters } : {}),
    ...(stageVariables ? { stageVariables } : {}),
  };
}

/** Payload format 1.0 (the REST API's shape, as HTTP APIs send it). */
export function buildEventV1(facts: RequestFacts): Record<string, unknown> {
  const { request } = facts;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, values] of headerValues(request, facts.startedAt)) {
    headers[name] = values.at(-1) as string; // the last value wins, as in 1.0
    multiValueHeaders[name] = values;
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [name, values] of queryValues(facts.rawQueryString)) {
    query[name] = values.at(-1) as string;
    multiQuery[name] = values;
  }
  const { body, isBase64Encoded } = bodyOf(facts);
  const method = request.method ?? 'GET';
  return {
    version: '1.0',
    resource: facts.routeKey === '$default' ? '/$default' : facts.resourcePath,
    path: decodedPath(facts.rawPath),
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: nonEmpty(query) ?? null,
    multiValueQueryStringParameters: nonEmpty(multiQuery) ?? null,
    requestContext: {
      accountId: facts.accountId,
      apiId: facts.apiId,
      authorizer: facts.jwt
        ? { claims: facts.jwt.claims, scopes: facts.jwt.scopes ?? null }
        : facts.lambda
          ? {
              ...facts.lambda.context,
              ...(facts.lambda.principalId ? { principalId: facts.lambda.principalId } : {}),
              integrationLatency: facts.lambda.latencyMs,
            }
          : { claims: null, scopes: null },
      ...domainOf(request),
      extendedRequestId: facts.requestId,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: sourceIp(request),
        user: null,
        userAgent: request.headers['user-agent'] ?? '',
        userArn: null,
      },
      path: decodedPath(facts.rawPath),
      protocol: `HTTP/${request.httpVersion}`,
      requestId: facts.requestId,
      requestTime: clfTime(facts.startedAt),
      requestTimeEpoch: facts.startedAt,
      resourceId: facts.routeKey,
      resourcePath: facts.resourcePath,
      stage: facts.stage,
    },
    pathParameters: nonEmpty({ ...facts.pathParameters }) ?? null,
    stageVariables: nonEmpty({ ...facts.stageVariables }) ?? null,
    body: body ?? null,
    isBase64Encoded,
  };
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
