import { randomBytes } from 'node:crypto';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
} from 'aws-lambda';
import { type Location, newId, resolveLocation } from './aws.ts';

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
 * An HTTP API event, payload format 2.0, as API Gateway hands it to a Lambda integration: header names
 * lower-cased and repeated values joined with commas, cookies in their own array (not in `headers`), repeated
 * query values joined with commas, `rawQueryString` as sent but `rawPath` percent-decoded, and `cookies`,
 * `queryStringParameters`, `pathParameters`, `body` and `stageVariables` left out when there are none.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function apiGatewayV2Event(
  input: ApiGatewayV2Input & { readonly jwtClaims: JwtClaims },
): APIGatewayProxyEventV2WithJWTAuthorizer;
export function apiGatewayV2Event(input?: ApiGatewayV2Input): APIGatewayProxyEventV2;
export function apiGatewayV2Event(
  input: ApiGatewayV2Input = {},
): APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer {
  const request = describeRequest(input);
  const routeKey = input.routeKey ?? '$default';
  const template = routeKey === '$default' ? undefined : routeKey.slice(routeKey.indexOf(' ') + 1);
  // HTTP APIs hand the function the path percent-decoded, in rawPath and requestContext.http.path alike.
  const path = safeDecode(request.path);
  const pathParameters = input.pathParameters ?? matchPathParameters(template, request.path);

  // Every header name once, lower-cased; repeated values joined with "," as API Gateway does.
  const headers: Record<string, string> = {};
  for (const [name, values] of request.headers) {
    if (name === 'cookie') continue; // payload 2.0 moves cookies to `cookies`
    headers[name] = values.join(',');
  }
  const cookies = request.cookies;
  const queryStringParameters = Object.fromEntries(
    [...request.queryValues].map(([name, values]) => [name, values.join(',')]),
  );
  const { accountId } = resolveLocation(input);

  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: request.rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 && { queryStringParameters }),
    requestContext: {
      accountId,
      apiId: request.apiId,
      ...(input.jwtClaims && {
        authorizer: {
          jwt: {
            claims: claimsAsApiGatewayPassesThem(input.jwtClaims),
            scopes: input.scopes ? [...input.scopes] : null,
          },
        },
      }),
      domainName: request.domainName,
      domainPrefix: request.apiId,
      http: {
        method: request.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomBytes(10).toString('base64'), // API Gateway's HTTP API ids look like "JKJaXmPLvHcESHA="
      routeKey,
      stage: input.stage ?? '$default',
      time: clfTime(request.time),
      timeEpoch: request.time.getTime(),
    },
    ...(request.body !== undefined && { body: request.body }),
    ...(pathParameters && { pathParameters }),
    isBase64Encoded: request.isBase64Encoded,
    ...(input.stageVariables && { stageVariables: { ...input.stageVariables } }),
  };
}

/**
 * A REST API event, payload format 1.0 (Lambda proxy integration): headers keep the client's casing, with the last
 * value in `headers` and every value in `multiValueHeaders` (the same for the query string); cookies stay in the
 * `Cookie` header; absent maps are `null`; `requestContext.path` includes the stage. With `jwtClaims` it carries a
 * Cognito user pool authorizer's `requestContext.authorizer.claims`.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 */
export function apiGatewayV1Event(input: ApiGatewayV1Input = {}): APIGatewayProxyEvent {
  const request = describeRequest(input, { keepCase: true });
  const resource = input.resource ?? request.path;
  const stage = input.stage ?? 'prod';
  const pathParameters = input.pathParameters ?? matchPathParameters(resource, request.path);
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, values] of request.headers) {
    headers[name] = values.at(-1) as string;
    multiValueHeaders[name] = values;
  }
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, values] of request.queryValues) {
    queryStringParameters[name] = values.at(-1) as string;
    multiValueQueryStringParameters[name] = values;
  }
  const hasQuery = request.queryValues.size > 0;
  const { accountId } = resolveLocation(input);
  const userAgent = headerValue(headers, 'user-agent');

  return {
    resource,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? queryStringParameters : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: pathParameters ?? null,
    stageVariables: input.stageVariables ? { ...input.stageVariables } : null,
    requestContext: {
      accountId,
      apiId: request.apiId,
      ...(input.jwtClaims && { authorizer: { claims: claimsAsApiGatewayPassesThem(input.jwtClaims) } }),
      domainName: request.domainName,
      domainPrefix: request.apiId,
      extendedRequestId: randomBytes(10).toString('base64'),
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: userAgent ?? null,
        userArn: null,
      },
      path: `/${stage}${request.path}`,
      protocol: 'HTTP/1.1',
      requestId: newId(),
      requestTime: clfTime(request.time),
      requestTimeEpoch: request.time.getTime(),
      resourceId: randomBytes(3).toString('hex'),
      resourcePath: resource,
      stage,
    },
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded,
  } as APIGatewayProxyEvent; // @types/aws-lambda types some identity fields as non-null; AWS sends null
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

interface DescribedRequest {
  readonly method: string;
  readonly path: string;
  readonly rawQueryString: string;
  /** Decoded values by name, in order of appearance. */
  readonly queryValues: Map<string, string[]>;
  /** Values by header name (lower-cased, or as first written with keepCase), in order. */
  readonly headers: Map<string, string[]>;
  readonly cookies: string[];
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly apiId: string;
  readonly domainName: string;
  readonly sourceIp: string;
  readonly time: Date;
}

/** What both payload versions share: the request as a client and API Gateway's edge produced it. */
function describeRequest(
  input: ApiGatewayRequestInput,
  options: { keepCase?: boolean } = {},
): DescribedRequest {
  const { region } = resolveLocation(input);
  const method = (input.method ?? 'GET').toUpperCase();
  const path = input.path ?? '/';
  const apiId = input.apiId ?? DEFAULT_API_ID;
  const domainName = `${apiId}.execute-api.${region}.amazonaws.com`;
  const sourceIp = input.sourceIp ?? DEFAULT_SOURCE_IP;
  const time = input.time ?? new Date();

  const headers = new Map<string, string[]>();
  const names = new Map<string, string>(); // lower-case → the spelling kept
  const add = (name: string, value: string) => {
    const lower = name.toLowerCase();
    const key = names.get(lower) ?? (options.keepCase ? name : lower);
    names.set(lower, key);
    headers.set(key, [...(headers.get(key) ?? []), value]);
  };
  const has = (name: string) => names.has(name);
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    for (const one of [value].flat()) add(name, one);
  }

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
    if (!has('content-type')) add('Content-Type', 'application/json');
  }

  // What curl and API Gateway's edge add to every request (payload 2.0 lower-cases the names).
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
    if (value !== undefined && !has(name.toLowerCase())) add(name, value);
  }

  const cookies = [...(input.cookies ?? [])];
  const cookieHeader = names.get('cookie');
  if (cookieHeader !== undefined) {
    for (const value of headers.get(cookieHeader) ?? []) cookies.push(...value.split(/;\s*/).filter(Boolean));
  }
  if (options.keepCase && input.cookies?.length) {
    // Payload 1.0 has no cookies field: they travel in the Cookie header.
    const key = cookieHeader ?? 'Cookie';
    headers.set(key, [cookies.join('; ')]);
  }

  const rawQueryString = rawQuery(input.query);
  const queryValues = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryValues.set(name, [...(queryValues.get(name) ?? []), value]);
  }

  return {
    method,
    path,
    rawQueryString,
    queryValues,
    headers,
    cookies,
    body,
    isBase64Encoded,
    apiId,
    domainName,
    sourceIp,
    time,
  };
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

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
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

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Common Log Format time, as API Gateway writes it: `26/Nov/2026:17:03:58 +0000`. */
function clfTime(time: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:` +
    `${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())} +0000`
  );
}

/** An X-Ray trace id: `Root=1-<epoch seconds, hex>-<96 random bits, hex>`. */
function traceId(time: Date): string {
  return `Root=1-${Math.floor(time.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}
