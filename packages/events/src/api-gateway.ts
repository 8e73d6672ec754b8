import { randomBytes } from 'node:crypto';
import type {
  APIGatewayEventRequestContextJWTAuthorizer,
  APIGatewayEventRequestContextLambdaAuthorizer,
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyEventV2WithRequestContext,
} from 'aws-lambda';
import { type Location, newId, resolveLocation } from './aws.ts';

/** A request as API Gateway received it, and what it matched: the facts every payload format is built from. */
export interface ApiGatewayRequest {
  readonly method: string;
  /** The path as the client sent it (percent-encoded), with the stage when the URL names it. */
  readonly rawPath: string;
  /** The query string as sent, without `?`. */
  readonly rawQueryString: string;
  /** The headers the function gets, the client's and API Gateway's, in order; a name repeats for each value. */
  readonly headers: readonly (readonly [string, string])[];
  /** The body as the event carries it: text, or base64 with `isBase64Encoded`. */
  readonly body?: string;
  readonly isBase64Encoded: boolean;
  readonly sourceIp: string;
  /** `HTTP/1.1` */
  readonly protocol: string;
  /** The host the client called; its first label is the domain prefix. */
  readonly domainName: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly requestId: string;
  readonly time: Date;
  /** The matched route's parameters. Absent: left out (2.0) or null (1.0). */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
}

/** A request to an HTTP API (payload 2.0 or 1.0). */
export interface HttpApiRequest extends ApiGatewayRequest {
  /** The matched route, `METHOD /path/{param}`, or `$default`. */
  readonly routeKey: string;
  /** What the route's authorizer passed on, when it has one. */
  readonly authorizer?: HttpApiAuthorizer;
}

/** A JWT authorizer's verified claims (as strings) and scopes, or a Lambda authorizer's answer. */
export type HttpApiAuthorizer =
  | {
      readonly jwt: {
        readonly claims: Readonly<Record<string, string>>;
        readonly scopes?: readonly string[];
      };
    }
  | {
      readonly lambda: {
        readonly context: Readonly<Record<string, unknown>>;
        readonly principalId?: string;
        readonly latencyMs: number;
      };
    };

/** A request to a REST API's Lambda proxy integration (payload 1.0). */
export interface RestApiRequest extends ApiGatewayRequest {
  /** The matched resource, e.g. `/notes/{id}`. */
  readonly resource: string;
  readonly resourceId: string;
  readonly extendedRequestId: string;
  /** The claims (as strings) a Cognito user pool authorizer verified. */
  readonly claims?: Readonly<Record<string, string>>;
}

/** An HTTP API event, payload 2.0; `requestContext.authorizer` is there when an authorizer ran. */
export type HttpApiEventV2 = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & {
    authorizer?:
      | APIGatewayEventRequestContextJWTAuthorizer
      | APIGatewayEventRequestContextLambdaAuthorizer<Record<string, unknown>>;
  }
>;

/**
 * An HTTP API event, payload format 2.0, as API Gateway hands it to a Lambda integration: header names
 * lower-cased and repeated values joined with commas, cookies in their own array (not in `headers`), repeated
 * query values joined with commas, `rawQueryString` as sent but `rawPath` percent-decoded, and `cookies`,
 * `queryStringParameters`, `pathParameters`, `body` and `stageVariables` left out when there are none.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function httpApiEventV2(request: HttpApiRequest): HttpApiEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, values] of groupHeaders(request.headers, { lowerCase: true })) {
    // Payload 2.0 moves cookies out of the headers into their own list.
    if (name === 'cookie') {
      cookies.push(...values.flatMap((value) => value.split(';').map((one) => one.trim())).filter(Boolean));
    } else headers[name] = values.join(',');
  }
  const query = queryValues(request.rawQueryString);
  const queryStringParameters = Object.fromEntries(
    [...query].map(([name, values]) => [name, values.join(',')]),
  );
  const path = decodedPath(request.rawPath);
  const { authorizer } = request;

  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: path,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(query.size > 0 && { queryStringParameters }),
    requestContext: {
      accountId: request.accountId,
      apiId: request.apiId,
      ...(authorizer &&
        'jwt' in authorizer && {
          authorizer: {
            jwt: { claims: { ...authorizer.jwt.claims }, scopes: copyOrNull(authorizer.jwt.scopes) },
          },
        }),
      ...(authorizer &&
        'lambda' in authorizer && { authorizer: { lambda: { ...authorizer.lambda.context } } }),
      ...domainOf(request),
      http: {
        method: request.method,
        path,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey: request.routeKey,
      stage: request.stage,
      time: clfTime(request.time),
      timeEpoch: request.time.getTime(),
    },
    ...(request.body !== undefined && { body: request.body }),
    ...(request.pathParameters && { pathParameters: { ...request.pathParameters } }),
    isBase64Encoded: request.isBase64Encoded,
    ...(request.stageVariables && { stageVariables: { ...request.stageVariables } }),
  };
}

/**
 * An HTTP API event, payload format 1.0: the REST API's shape with `version: '1.0'`, header names lower-cased,
 * the path percent-decoded, and `requestContext.authorizer` always there (`{ claims: null, scopes: null }` without
 * an authorizer, as AWS's sample has it).
 */
export function httpApiEventV1(request: HttpApiRequest): APIGatewayProxyEvent & { version: '1.0' } {
  const [headers, multiValueHeaders] = lastAndAll(groupHeaders(request.headers, { lowerCase: true }));
  const query = queryValues(request.rawQueryString);
  const [queryStringParameters, multiValueQueryStringParameters] = lastAndAll(query);
  const path = decodedPath(request.rawPath);
  const { routeKey } = request;
  const resourcePath = routeKey === '$default' ? '$default' : routeKey.slice(routeKey.indexOf(' ') + 1);

  return {
    version: '1.0',
    resource: routeKey === '$default' ? '/$default' : resourcePath,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.size > 0 ? queryStringParameters : null,
    multiValueQueryStringParameters: query.size > 0 ? multiValueQueryStringParameters : null,
    requestContext: {
      accountId: request.accountId,
      apiId: request.apiId,
      authorizer: authorizerV1(request.authorizer),
      ...domainOf(request),
      extendedRequestId: request.requestId,
      httpMethod: request.method,
      identity: identity(request.sourceIp, headers['user-agent'] ?? '', { restApi: false }),
      path,
      protocol: request.protocol,
      requestId: request.requestId,
      requestTime: clfTime(request.time),
      requestTimeEpoch: request.time.getTime(),
      resourceId: routeKey,
      resourcePath,
      stage: request.stage,
    },
    pathParameters: request.pathParameters ? { ...request.pathParameters } : null,
    stageVariables: request.stageVariables ? { ...request.stageVariables } : null,
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded,
  } as APIGatewayProxyEvent & { version: '1.0' }; // @types/aws-lambda types some identity fields as non-null
}

/**
 * A REST API event, payload format 1.0 (Lambda proxy integration): headers keep the client's casing, with the last
 * value in `headers` and every value in `multiValueHeaders` (the same for the query string); cookies stay in the
 * `Cookie` header; absent maps are `null`; the path is as sent and `requestContext.path` includes the stage. With
 * `claims` it carries a Cognito user pool authorizer's `requestContext.authorizer.claims`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */
export function restApiEvent(request: RestApiRequest): APIGatewayProxyEvent {
  const [headers, multiValueHeaders] = lastAndAll(groupHeaders(request.headers, { lowerCase: false }));
  const query = queryValues(request.rawQueryString);
  const [queryStringParameters, multiValueQueryStringParameters] = lastAndAll(query);
  const userAgent = Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1];

  return {
    resource: request.resource,
    path: request.rawPath,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.size > 0 ? queryStringParameters : null,
    multiValueQueryStringParameters: query.size > 0 ? multiValueQueryStringParameters : null,
    pathParameters: request.pathParameters ? { ...request.pathParameters } : null,
    stageVariables: request.stageVariables ? { ...request.stageVariables } : null,
    requestContext: {
      accountId: request.accountId,
      apiId: request.apiId,
      ...(request.claims && { authorizer: { claims: { ...request.claims } } }),
      ...domainOf(request),
      extendedRequestId: request.extendedRequestId,
      httpMethod: request.method,
      identity: identity(request.sourceIp, userAgent ?? null, { restApi: true }),
      path: `/${request.stage}${request.rawPath}`,
      protocol: request.protocol,
      requestId: request.requestId,
      requestTime: clfTime(request.time),
      requestTimeEpoch: request.time.getTime(),
      resourceId: request.resourceId,
      resourcePath: request.resource,
      stage: request.stage,
    },
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded,
  } as APIGatewayProxyEvent; // @types/aws-lambda types some identity fields as non-null; AWS sends null
}

/** An id shaped like an HTTP API's request ids (`JKJaXmPLvHcESHA=`). */
export function newRequestId(): string {
  return randomBytes(11)
    .toString('base64')
    .replace(/[+/]/g, (char) => (char === '+' ? 'a' : 'b'));
}

/** The `X-Amzn-Trace-Id` API Gateway adds: `Root=1-<epoch seconds, hex>-<96 random bits, hex>`. */
export function traceId(time: Date | number): string {
  const seconds = Math.floor(new Date(time).getTime() / 1000);
  return `Root=1-${seconds.toString(16)}-${randomBytes(12).toString('hex')}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Common Log Format time, as API Gateway writes it: `26/Nov/2026:17:03:58 +0000`. */
export function clfTime(time: Date | number): string {
  const date = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Values by header name, in order: names lower-cased (HTTP APIs) or as first spelled (REST APIs). */
function groupHeaders(
  headers: ApiGatewayRequest['headers'],
  options: { lowerCase: boolean },
): Map<string, string[]> {
  const values = new Map<string, string[]>();
  const spelling = new Map<string, string>(); // lower-case → the name kept
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const key = spelling.get(lower) ?? (options.lowerCase ? lower : name);
    spelling.set(lower, key);
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
}

/** Payload 1.0's two maps of a multi-valued map: the last value of each name, and all of them. */
function lastAndAll(values: Map<string, string[]>): [Record<string, string>, Record<string, string[]>] {
  const last: Record<string, string> = {};
  const all: Record<string, string[]> = {};
  for (const [name, list] of values) {
    last[name] = list.at(-1) as string;
    all[name] = list;
  }
  return [last, all];
}

/** Query parameters in order, each name with every value; a broken escape stays as sent. */
function queryValues(rawQueryString: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeQueryPart(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeQueryPart(pair.slice(equals + 1));
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return values;
}

function decodeQueryPart(value: string): string {
  return safeDecode(value.replace(/\+/g, ' '));
}

/**
 * HTTP APIs hand functions the path percent-decoded (`/notes/a%20b` arrives as `/notes/a b`, in `rawPath` and
 * `requestContext.http.path` alike; REST APIs keep it encoded). A segment with a broken escape stays as sent.
 */
function decodedPath(rawPath: string): string {
  return rawPath.split('/').map(safeDecode).join('/');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function domainOf(request: ApiGatewayRequest): { domainName: string; domainPrefix: string } {
  return {
    domainName: request.domainName,
    domainPrefix: request.domainName.split('.')[0] ?? request.domainName,
  };
}

function copyOrNull(list: readonly string[] | undefined): string[] | null {
  return list ? [...list] : null;
}

/** Payload 1.0 of an HTTP API: the JWT's claims and scopes, a Lambda authorizer's context, or nulls. */
function authorizerV1(authorizer: HttpApiAuthorizer | undefined): Record<string, unknown> {
  if (authorizer && 'jwt' in authorizer) {
    return { claims: { ...authorizer.jwt.claims }, scopes: copyOrNull(authorizer.jwt.scopes) };
  }
  if (authorizer && 'lambda' in authorizer) {
    const { context, principalId, latencyMs } = authorizer.lambda;
    return { ...context, ...(principalId && { principalId }), integrationLatency: latencyMs };
  }
  return { claims: null, scopes: null };
}

/** Payload 1.0's caller identity: all null but the address and agent (REST APIs add API key and client cert). */
function identity(sourceIp: string, userAgent: string | null, options: { restApi: boolean }) {
  return {
    accessKey: null,
    accountId: null,
    ...(options.restApi && { apiKey: null, apiKeyId: null }),
    caller: null,
    ...(options.restApi && { clientCert: null }),
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
}

// Sample events for tests and `pnpm event`: a described request, with what curl and API Gateway would add.

/** Claims as a JWT carries them; the builders turn them into what API Gateway hands the function. */
export type JwtClaims = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** What the client sent, and what API Gateway matched. Shared by both payload versions. */
export interface ApiGatewayRequestInput extends Location {
  /** @default 'GET' */
  readonly method?: string;
  /**
   * The path as the client sent it (percent-encoded), without the stage. A REST API passes it on as sent; an
   * HTTP API decodes it first (`/notes/a%20b` arrives as `rawPath: '/notes/a b'`). @default '/'
   */
  readonly path?: string;
  /**
   * The query string: raw (`a=1&a=2`, without `?`, kept exactly as sent) or values by name (a list repeats the
   * name). Values given by name are percent-encoded into the raw string.
   */
  readonly query?: string | Readonly<Record<string, string | readonly string[]>>;
  /** Request headers; a list is a header sent several times. A `cookie` header is treated as `cookies`. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  /** Cookies as `name=value` pairs (what the client put in its `Cookie` header). */
  readonly cookies?: readonly string[];
  /**
   * The body. A string is sent as is; bytes arrive base64-encoded (`isBase64Encoded: true`); any other value is
   * sent as JSON, with `content-type: application/json` unless a content type is given.
   */
  readonly body?: string | Uint8Array | object;
  /** Force the base64 flag (API Gateway sets it for binary media types). */
  readonly isBase64Encoded?: boolean;
  /**
   * The parameters of the matched route. By default they are read from `routeKey` (HTTP API) or `resource`
   * (REST API) against `path`, e.g. `GET /notes/{id}` and `/notes/n-1` give `{ id: 'n-1' }`.
   */
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** Claims of a verified JWT: an HTTP API JWT authorizer (v2) or a REST API Cognito authorizer (v1). */
  readonly jwtClaims?: JwtClaims;
  /** Scopes of a verified access token (v2 only). @default null: none, as for an ID token */
  readonly scopes?: readonly string[];
  readonly sourceIp?: string;
  /** @default 'a1b2c3d4e5' */
  readonly apiId?: string;
  readonly stageVariables?: Readonly<Record<string, string>>;
  /** When the request arrived. @default now */
  readonly time?: Date;
}

export interface ApiGatewayV2Input extends ApiGatewayRequestInput {
  /** The matched route, `METHOD /path/{param}`, or `$default`. @default '$default' */
  readonly routeKey?: string;
  /** @default '$default' */
  readonly stage?: string;
}

export interface ApiGatewayV1Input extends ApiGatewayRequestInput {
  /** The matched resource, e.g. `/notes/{id}`. @default the path */
  readonly resource?: string;
  /** @default 'prod' */
  readonly stage?: string;
}

export const DEFAULT_API_ID = 'a1b2c3d4e5';
const DEFAULT_SOURCE_IP = '192.0.2.10';
const DEFAULT_USER_AGENT = 'curl/8.5.0';

/**
 * A sample HTTP API event, payload 2.0 (see {@link httpApiEventV2}). Path parameters are read from `routeKey`.
 */
export function apiGatewayV2Event(
  input: ApiGatewayV2Input & { readonly jwtClaims: JwtClaims },
): APIGatewayProxyEventV2WithJWTAuthorizer;
export function apiGatewayV2Event(input?: ApiGatewayV2Input): APIGatewayProxyEventV2;
export function apiGatewayV2Event(
  input: ApiGatewayV2Input = {},
): APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer {
  const request = sampleRequest(input);
  const routeKey = input.routeKey ?? '$default';
  const template = routeKey === '$default' ? undefined : routeKey.slice(routeKey.indexOf(' ') + 1);
  const pathParameters = input.pathParameters ?? matchPathParameters(template, request.rawPath);
  return httpApiEventV2({
    ...request,
    routeKey,
    stage: input.stage ?? '$default',
    requestId: newRequestId(),
    pathParameters,
    ...(input.jwtClaims && {
      authorizer: { jwt: { claims: claimsAsApiGatewayPassesThem(input.jwtClaims), scopes: input.scopes } },
    }),
  }) as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/**
 * A sample REST API event, payload 1.0 (see {@link restApiEvent}). With `jwtClaims` it carries a Cognito user pool
 * authorizer's claims.
 */
export function apiGatewayV1Event(input: ApiGatewayV1Input = {}): APIGatewayProxyEvent {
  const request = sampleRequest(input);
  const resource = input.resource ?? request.rawPath;
  return restApiEvent({
    ...request,
    resource,
    stage: input.stage ?? 'prod',
    requestId: newId(),
    extendedRequestId: randomBytes(10).toString('base64'),
    resourceId: randomBytes(3).toString('hex'),
    pathParameters: input.pathParameters ?? matchPathParameters(resource, request.rawPath),
    ...(input.jwtClaims && { claims: claimsAsApiGatewayPassesThem(input.jwtClaims) }),
  });
}

/**
 * The claims of a Cognito user pool ID token, as API Gateway passes a verified token's claims on: every value a
 * string (numbers and booleans too; a list as `[a b]`).
 */
export function cognitoIdTokenClaims(
  input: { sub: string; email?: string; userPoolId?: string; clientId?: string; issuedAt?: Date } & Location,
): Record<string, string> {
  const { region } = resolveLocation(input);
  const userPoolId = input.userPoolId ?? `${region}_EXAMPLE01`;
  const issuedAt = Math.floor((input.issuedAt ?? new Date()).getTime() / 1000);
  return claimsAsApiGatewayPassesThem({
    sub: input.sub,
    iss: `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`,
    'cognito:username': input.sub,
    aud: input.clientId ?? '1example23456789abcdefghij',
    token_use: 'id',
    auth_time: issuedAt,
    iat: issuedAt,
    exp: issuedAt + 3600,
    email: input.email ?? `${input.sub}@example.com`,
    email_verified: true,
    event_id: newId(),
    origin_jti: newId(),
    jti: newId(),
  });
}

/** The request a sample input describes, with the headers curl and API Gateway's edge add. */
function sampleRequest(input: ApiGatewayRequestInput): Omit<ApiGatewayRequest, 'stage' | 'requestId'> {
  const { region, accountId } = resolveLocation(input);
  const apiId = input.apiId ?? DEFAULT_API_ID;
  const domainName = `${apiId}.execute-api.${region}.amazonaws.com`;
  const sourceIp = input.sourceIp ?? DEFAULT_SOURCE_IP;
  const time = input.time ?? new Date();

  const headers: [string, string][] = Object.entries(input.headers ?? {}).flatMap(([name, value]) =>
    [value].flat().map((one): [string, string] => [name, one]),
  );
  const has = (name: string) => headers.some(([given]) => given.toLowerCase() === name.toLowerCase());

  let body: string | undefined;
  let isBase64Encoded = input.isBase64Encoded ?? false;
  let bodyBytes = 0;
  if (input.body instanceof Uint8Array) {
    body = Buffer.from(input.body).toString('base64');
    bodyBytes = input.body.byteLength;
    isBase64Encoded = true;
  } else if (typeof input.body === 'string') {
    body = input.body;
    bodyBytes = isBase64Encoded ? Buffer.from(body, 'base64').byteLength : Buffer.byteLength(body);
  } else if (input.body !== undefined) {
    body = JSON.stringify(input.body);
    bodyBytes = Buffer.byteLength(body);
    if (!has('content-type')) headers.push(['Content-Type', 'application/json']);
  }

  // What curl and API Gateway's edge add to every request.
  const defaults: [string, string | undefined][] = [
    ['Accept', '*/*'],
    ['User-Agent', DEFAULT_USER_AGENT],
    ['Content-Length', body === undefined ? undefined : String(bodyBytes)],
    ['Host', domainName],
    ['X-Amzn-Trace-Id', traceId(time)],
    ['X-Forwarded-For', sourceIp],
    ['X-Forwarded-Port', '443'],
    ['X-Forwarded-Proto', 'https'],
  ];
  for (const [name, value] of defaults) {
    if (value !== undefined && !has(name)) headers.push([name, value]);
  }

  return {
    method: (input.method ?? 'GET').toUpperCase(),
    rawPath: input.path ?? '/',
    rawQueryString: rawQuery(input.query),
    headers: withCookies(headers, input.cookies ?? []),
    ...(body !== undefined && { body }),
    isBase64Encoded,
    sourceIp,
    protocol: 'HTTP/1.1',
    domainName,
    accountId,
    apiId,
    time,
    ...(input.stageVariables && { stageVariables: input.stageVariables }),
  };
}

/** The given cookies, then those of the Cookie headers, as one Cookie header where the first one was. */
function withCookies(headers: [string, string][], cookies: readonly string[]): [string, string][] {
  if (cookies.length === 0) return headers;
  const isCookie = ([name]: [string, string]) => name.toLowerCase() === 'cookie';
  const sent = headers.filter(isCookie).flatMap(([, value]) => value.split(/;\s*/).filter(Boolean));
  const at = headers.findIndex(isCookie);
  const cookie: [string, string] = [headers[at]?.[0] ?? 'Cookie', [...cookies, ...sent].join('; ')];
  const others = headers.filter((header) => !isCookie(header));
  return at === -1 ? [...others, cookie] : [...others.slice(0, at), cookie, ...others.slice(at)];
}

function rawQuery(query: ApiGatewayRequestInput['query']): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query.startsWith('?') ? query.slice(1) : query;
  return Object.entries(query)
    .flatMap(([name, value]) =>
      [value].flat().map((one) => `${encodeURIComponent(name)}=${encodeURIComponent(one)}`),
    )
    .join('&');
}

/** `{id}` and greedy `{proxy+}` parameters of a route template, matched against a path; undefined if none. */
function matchPathParameters(template: string | undefined, path: string): Record<string, string> | undefined {
  if (!template?.includes('{')) return undefined;
  const names: string[] = [];
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}+]+)(\+?)\}$/.exec(part);
      if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(name[1] as string);
      return name[2] ? '(.+)' : '([^/]+)';
    })
    .join('');
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, safeDecode(match[i + 1] as string)]));
}

/** API Gateway hands claims on as strings: `true` → "true", `1700000000` → "1700000000", a list → "[a b]". */
function claimsAsApiGatewayPassesThem(claims: JwtClaims): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(' ')}]` : String(value),
    ]),
  );
}
