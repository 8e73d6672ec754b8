/**
 * One HTTP API (AWS::ApiGatewayV2::Api, ProtocolType HTTP) served on its own 127.0.0.1 port: stages in the path,
 * routes selected as API Gateway selects them, CORS, throttling, the JWT authorizer, Lambda proxy integrations
 * (payload 2.0 and 1.0) invoked through the local Lambda service, and access logs into the local log store.
 * Routes, integrations, authorizers and stages are added as the deployer creates them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { LocalCloudError, messageOf } from '../errors.ts';
import type { InvokeOptions } from '../lambda/service.ts';
import type { InvokeResult } from '../types.ts';
import {
  buildEventV1,
  buildEventV2,
  clfTime,
  type HttpAnswer,
  INTERNAL_ERROR,
  jsonMessage,
  mapResponse,
  newRequestId,
  type RequestFacts,
} from './event.ts';
import type { JwtAuthorizer } from './jwt.ts';
import type { LambdaAuthorizer } from './lambda-authorizer.ts';
import { type ParsedRouteKey, parseRouteKey, selectRoute } from './routes.ts';
import { formatAccessLog, type ThrottleLimits, TokenBucket } from './stage.ts';

/** API Gateway's payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** HTTP APIs' default (and maximum) integration timeout. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface CorsConfig {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAge?: number;
}

export interface RouteConfig {
  readonly routeId: string;
  readonly routeKey: string;
  /** `integrations/<id>`. */
  readonly target?: string;
  readonly authorizationType: string; // NONE | JWT | AWS_IAM | CUSTOM
  readonly authorizerId?: string;
  readonly authorizationScopes: readonly string[];
}

export interface IntegrationConfig {
  readonly integrationId: string;
  /** The function ARN, for AWS_PROXY integrations with a local function. */
  readonly functionArn?: string;
  readonly payloadFormatVersion: '1.0' | '2.0';
  readonly timeoutMs: number;
  /** Why requests through it cannot run locally (another integration type, a function that does not run). */
  readonly problem?: string;
}

export interface StageConfig {
  readonly stageName: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  readonly defaultThrottle?: ThrottleLimits;
  /** Per route key. */
  readonly routeThrottle: Readonly<Record<string, ThrottleLimits>>;
  readonly accessLog?: { readonly logGroupName: string; readonly format: string };
}

/** What the front needs of the Lambda service and the log store. */
export interface FrontServices {
  invoke(functionArn: string, payload: string, options: InvokeOptions): Promise<InvokeResult>;
  putLogEvents(group: string, stream: string, events: { timestamp: number; message: string }[]): void;
}

export interface HttpApiFrontOptions {
  readonly apiId: string;
  readonly name: string;
  readonly stackName: string;
  readonly accountId: string;
  readonly region: string;
  readonly cors?: CorsConfig;
  readonly services: FrontServices;
  /** 0 (a free port) by default. */
  readonly port?: number;
}

interface Route extends RouteConfig {
  readonly key: ParsedRouteKey;
}

interface Stage extends StageConfig {
  readonly buckets: Map<string, TokenBucket | null>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length']);

/**
 * A body over MAX_BODY_BYTES is still read, and dropped, before the 413 goes out: closing the connection while the
 * client still sends makes it fail with a broken pipe (Node's fetch: EPIPE) instead of reading the 413. Past this
 * many bytes the front answers and closes anyway, rather than read without end.
 */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/** The body, or undefined when it is over API Gateway's limit (then read to its end, up to a bound, and dropped). */
function readLimitedBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length']) > MAX_DRAINED_BYTES) {
      resolve(undefined);
      return;
    }
    let chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else chunks = [];
      if (size > MAX_DRAINED_BYTES) resolve(undefined);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('The client closed the connection before its body ended.'));
    });
  });
}

function originAllowed(cors: CorsConfig, origin: string): string | undefined {
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials ? origin : '*';
  return cors.allowOrigins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase())
    ? origin
    : undefined;
}

export class HttpApiFront {
  readonly apiId: string;
  readonly name: string;
  readonly stackName: string;
  readonly routes = new Map<string, Route>();
  readonly integrations = new Map<string, IntegrationConfig>();
  readonly authorizers = new Map<string, JwtAuthorizer>();
  readonly lambdaAuthorizers = new Map<string, LambdaAuthorizer>();
  readonly stages = new Map<string, Stage>();
  readonly #options: HttpApiFrontOptions;
  readonly #server: Server;
  #port = 0;
  #stopping: Promise<void> | undefined;

  constructor(options: HttpApiFrontOptions) {
    this.apiId = options.apiId;
    this.name = options.name;
    this.stackName = options.stackName;
    this.#options = options;
    this.#server = createServer({ requestTimeout: 0 }, (request, response) => {
      void this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) this.#send(response, INTERNAL_ERROR, newRequestId());
        else response.destroy(error instanceof Error ? error : undefined);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<void> {
    const port = this.#options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException): void =>
        reject(
          new LocalCloudError(
            error.code === 'EADDRINUSE'
              ? `Port ${port} for the HTTP API ${this.name} is in use: stop what holds it or pass another --api-port.`
              : `The HTTP API ${this.name} cannot listen on 127.0.0.1:${port}: ${messageOf(error)}`,
          ),
        );
      this.#server.once('error', fail);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.removeListener('error', fail);
        resolve();
      });
    });
    const address = this.#server.address();
    this.#port = typeof address === 'object' && address !== null ? address.port : port;
  }

  addRoute(config: RouteConfig): void {
    this.routes.set(config.routeId, { ...config, key: parseRouteKey(config.routeKey) });
  }

  addIntegration(config: IntegrationConfig): void {
    this.integrations.set(config.integrationId, config);
  }

  addAuthorizer(authorizer: JwtAuthorizer): void {
    this.authorizers.set(authorizer.config.authorizerId, authorizer);
  }

  addLambdaAuthorizer(authorizer: LambdaAuthorizer): void {
    this.lambdaAuthorizers.set(authorizer.config.authorizerId, authorizer);
  }

  addStage(config: StageConfig): void {
    this.stages.set(config.stageName, { ...config, buckets: new Map() });
  }

  /** The stage a path is in, and the path within it: a named stage is the first segment, else `$default`. */
  #stageOf(rawPath: string): { stage: Stage; path: string } | undefined {
    const first = rawPath.split('/')[1] ?? '';
    const named = first !== '' && first !== '$default' ? this.stages.get(first) : undefined;
    if (named) return { stage: named, path: rawPath.slice(first.length + 1) || '/' };
    const fallback = this.stages.get('$default');
    return fallback && { stage: fallback, path: rawPath };
  }

  #bucket(stage: Stage, routeKey: string): TokenBucket | null {
    let bucket = stage.buckets.get(routeKey);
    if (bucket === undefined) {
      const limits = stage.routeThrottle[routeKey] ?? stage.defaultThrottle;
      bucket = limits ? new TokenBucket(limits) : null;
      stage.buckets.set(routeKey, bucket);
    }
    return bucket;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const requestId = newRequestId();
    const target = request.url ?? '/';
    const queryAt = target.indexOf('?');
    const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
    const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
    const log: Record<string, unknown> = {
      requestId,
      extendedRequestId: requestId,
      apiId: this.apiId,
      httpMethod: request.method,
      path: rawPath,
      protocol: `HTTP/${request.httpVersion}`,
      requestTime: clfTime(startedAt),
      requestTimeEpoch: startedAt,
      'identity.sourceIp': (request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      'identity.userAgent': request.headers['user-agent'],
      domainName: request.headers.host,
      domainPrefix: request.headers.host?.split('.')[0],
      routeKey: '-',
    };
    let stage: Stage | undefined;
    const finish = (answer: HttpAnswer, extraHeaders: [string, string][] = []): void => {
      const withCors = this.#corsHeaders(request, answer, extraHeaders);
      this.#send(response, withCors, requestId);
      if (stage?.accessLog) {
        const context = {
          ...log,
          stage: stage.stageName,
          status: answer.statusCode,
          responseLength: answer.body.length,
          responseLatency: Date.now() - startedAt,
        };
        this.#options.services.putLogEvents(
          stage.accessLog.logGroupName,
          `${this.apiId}_${stage.stageName}`,
          [{ timestamp: startedAt, message: formatAccessLog(stage.accessLog.format, context) }],
        );
      }
    };

    const body = await readLimitedBody(request);
    if (!body) {
      stage = this.#stageOf(rawPath)?.stage;
      log['error.message'] = 'Request Entity Too Large';
      finish(jsonMessage(413, 'Request Entity Too Large'), [['connection', 'close']]);
      return;
    }

    const staged = this.#stageOf(rawPath);
    if (!staged) {
      finish(jsonMessage(404, 'Not Found'));
      return;
    }
    stage = staged.stage;
    const method = request.method ?? 'GET';
    const cors = this.#options.cors;
    if (
      cors &&
      method === 'OPTIONS' &&
      request.headers.origin &&
      request.headers['access-control-request-method']
    ) {
      finish({ statusCode: 204, headers: this.#preflightHeaders(cors, request), body: Buffer.alloc(0) });
      return;
    }
    const match = selectRoute(this.routes.values(), method, staged.path);
    if (!match) {
      log['error.message'] = 'Not Found';
      finish(jsonMessage(404, 'Not Found'));
      return;
    }
    const route = match.route;
    log.routeKey = match.routeKey;
    log.resourcePath = match.routeKey === '$default' ? '$default' : match.routeKey.split(' ')[1];
    const bucket = this.#bucket(stage, match.routeKey);
    if (bucket && !bucket.take()) {
      log['error.message'] = 'Too Many Requests';
      finish(jsonMessage(429, 'Too Many Requests'));
      return;
    }

    const integrationId = route.target?.replace(/^integrations\//, '');
    const integration = integrationId ? this.integrations.get(integrationId) : undefined;
    let facts: RequestFacts = {
      request,
      body,
      accountId: this.#options.accountId,
      apiId: this.apiId,
      stage: stage.stageName,
      routeKey: match.routeKey,
      rawPath,
      rawQueryString,
      pathParameters: match.pathParameters,
      stageVariables: stage.stageVariables,
      requestId,
      startedAt,
    };

    if (route.authorizationType === 'JWT') {
      const authorizer = route.authorizerId ? this.authorizers.get(route.authorizerId) : undefined;
      if (!authorizer) {
        log['authorizer.error'] = 'no authorizer';
        finish(INTERNAL_ERROR);
        return;
      }
      const result = await authorizer.authorize(
        { headers: request.headers, query: new URLSearchParams(rawQueryString) },
        route.authorizationScopes,
      );
      if (!result.ok) {
        log['authorizer.error'] = result.error;
        finish(result.answer);
        return;
      }
      facts = {
        ...facts,
        jwt: { claims: result.claims, ...(result.scopes ? { scopes: result.scopes } : {}) },
      };
      for (const [name, value] of Object.entries(result.claims)) log[`authorizer.claims.${name}`] = value;
    } else if (route.authorizationType === 'CUSTOM') {
      const authorizer = route.authorizerId ? this.lambdaAuthorizers.get(route.authorizerId) : undefined;
      if (!authorizer) {
        log['authorizer.error'] = 'its Lambda authorizer does not run locally';
        finish(jsonMessage(403, 'Forbidden'));
        return;
      }
      const authorizedAt = Date.now();
      const path = rawPath.replace(/^\//, '');
      const routeArn = `arn:aws:execute-api:${this.#options.region}:${this.#options.accountId}:${this.apiId}/${stage.stageName}/${method}/${path}`;
      const result = await authorizer.authorize(facts, routeArn);
      log['authorizer.latency'] = Date.now() - authorizedAt;
      if (!result.ok) {
        log['authorizer.error'] = result.error;
        finish(result.answer);
        return;
      }
      facts = {
        ...facts,
        lambda: {
          context: result.context,
          latencyMs: Date.now() - authorizedAt,
          ...(result.principalId ? { principalId: result.principalId } : {}),
        },
      };
      if (result.principalId) log['authorizer.principalId'] = result.principalId;
    } else if (route.authorizationType !== 'NONE') {
      log['authorizer.error'] = `${route.authorizationType} authorization is not emulated`;
      finish(jsonMessage(403, 'Forbidden'));
      return;
    }

    if (!integration?.functionArn) {
      log.integrationErrorMessage = integration?.problem ?? 'the route has no integration';
      finish(INTERNAL_ERROR);
      return;
    }
    const version = integration.payloadFormatVersion;
    const event = version === '1.0' ? buildEventV1(facts) : buildEventV2(facts);
    const invokedAt = Date.now();
    const outcome = await this.#invoke(integration, event);
    log.integrationLatency = Date.now() - invokedAt;
    log['integration.latency'] = log.integrationLatency;
    if ('answer' in outcome) {
      log.integrationErrorMessage = outcome.error;
      log['integration.error'] = outcome.error;
      finish(outcome.answer);
      return;
    }
    log.integrationStatus = outcome.result.statusCode;
    log['integration.status'] = outcome.result.statusCode;
    log['integration.requestId'] = outcome.result.requestId;
    log.awsEndpointRequestId = outcome.result.requestId;
    if (outcome.result.functionError) {
      log.integrationErrorMessage = 'The function failed';
      finish(INTERNAL_ERROR);
      return;
    }
    finish(mapResponse(outcome.result.payload, version));
  }

  async #invoke(
    integration: IntegrationConfig,
    event: Record<string, unknown>,
  ): Promise<{ result: InvokeResult } | { answer: HttpAnswer; error: string }> {
    const invocation = this.#options.services.invoke(
      integration.functionArn as string,
      JSON.stringify(event),
      {
        invocationType: 'RequestResponse',
        source: 'aws:apigateway',
        event,
      },
    );
    let timer: NodeJS.Timeout | undefined;
    // On timeout API Gateway answers 503 while the function runs on; its result is dropped.
    const timeout = new Promise<{ answer: HttpAnswer; error: string }>((resolve) => {
      timer = setTimeout(
        () => resolve({ answer: jsonMessage(503, 'Service Unavailable'), error: 'Integration timeout' }),
        integration.timeoutMs,
      );
    });
    try {
      return await Promise.race([invocation.then((result) => ({ result })), timeout]);
    } catch (error) {
      return { answer: INTERNAL_ERROR, error: messageOf(error) };
    } finally {
      clearTimeout(timer);
      invocation.catch(() => {});
    }
  }

  #preflightHeaders(cors: CorsConfig, request: IncomingMessage): [string, string][] {
    const origin = originAllowed(cors, String(request.headers.origin));
    const requestedMethod = String(request.headers['access-control-request-method']).toUpperCase();
    const methodAllowed =
      cors.allowMethods.includes('*') ||
      cors.allowMethods.map((m) => m.toUpperCase()).includes(requestedMethod);
    if (!origin || !methodAllowed) return [];
    const headers: [string, string][] = [['access-control-allow-origin', origin]];
    headers.push([
      'access-control-allow-methods',
      cors.allowMethods.includes('*') ? requestedMethod : cors.allowMethods.join(','),
    ]);
    const requestedHeaders = request.headers['access-control-request-headers'];
    if (cors.allowHeaders.includes('*') && requestedHeaders) {
      headers.push(['access-control-allow-headers', String(requestedHeaders)]);
    } else if (cors.allowHeaders.length > 0) {
      headers.push(['access-control-allow-headers', cors.allowHeaders.join(',')]);
    }
    if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
    if (cors.maxAge !== undefined) headers.push(['access-control-max-age', String(cors.maxAge)]);
    return headers;
  }

  /** With CORS configured, API Gateway replaces the integration's CORS headers with its own. */
  #corsHeaders(request: IncomingMessage, answer: HttpAnswer, extra: [string, string][]): HttpAnswer {
    const cors = this.#options.cors;
    const origin = request.headers.origin;
    if (!cors || (answer.statusCode === 204 && request.method === 'OPTIONS')) {
      return extra.length > 0 ? { ...answer, headers: [...answer.headers, ...extra] } : answer;
    }
    const headers = answer.headers.filter(([name]) => !name.toLowerCase().startsWith('access-control-'));
    const allowed = origin ? originAllowed(cors, origin) : undefined;
    if (allowed) {
      headers.push(['access-control-allow-origin', allowed]);
      if (cors.allowCredentials) headers.push(['access-control-allow-credentials', 'true']);
      if (cors.exposeHeaders.length > 0)
        headers.push(['access-control-expose-headers', cors.exposeHeaders.join(',')]);
    }
    return { ...answer, headers: [...headers, ...extra] };
  }

  #send(response: ServerResponse, answer: HttpAnswer, requestId: string): void {
    const headers: Record<string, string | string[]> = {};
    for (const [rawName, value] of answer.headers) {
      const name = rawName.toLowerCase();
      if (HOP_BY_HOP.has(name) && name !== 'connection') continue;
      const existing = headers[name];
      if (existing === undefined) headers[name] = value;
      else if (name === 'set-cookie')
        headers[name] = [...(Array.isArray(existing) ? existing : [existing]), value];
      else headers[name] = `${String(existing)},${value}`;
    }
    headers['content-length'] = String(answer.body.length);
    headers['apigw-requestid'] = requestId;
    response.writeHead(answer.statusCode, headers);
    response.end(answer.body);
  }

  stop(): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#stopping;
  }
}
