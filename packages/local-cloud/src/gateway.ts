/**
 * The one endpoint (http://127.0.0.1:4566 by default) that SDKs and the AWS CLI use through AWS_ENDPOINT_URL.
 * Each request goes to the backend of its service, read from the SigV4 credential scope
 * (`Credential=AKID/20260101/us-east-1/sqs/aws4_request`, in the Authorization header or, for presigned URLs, the
 * X-Amz-Credential query parameter) or from the X-Amz-Target prefix (unsigned JSON requests). A backend is an
 * emulator to proxy to (streamed, Host header kept so the URLs it builds point here) or an in-process handler.
 */
import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { LocalCloudError, messageOf } from './errors.ts';
import { readBody } from './shared.ts';
import { sendJsonError, sizeLimitError } from './sqs/limits.ts';
import { answerSqsQuery, isSqsQueryRequest, sqsQueryError } from './sqs/query.ts';
import type { ApiHandler } from './types.ts';
import { escapeXml } from './xml.ts';

export type Backend =
  /** An emulator to proxy to, e.g. http://127.0.0.1:38211. */
  | { readonly url: string }
  /** A service answered in-process. */
  | { readonly handler: ApiHandler }
  /** A service we emulate that is not running here, and why (e.g. no Java for DynamoDB Local). */
  | { readonly unavailable: string };

export interface GatewayOptions {
  /** 4566 by default; 0 picks a free port. */
  readonly port?: number;
  readonly backends?: Readonly<Record<string, Backend>>;
}

export interface Gateway {
  /** e.g. http://127.0.0.1:4566 */
  readonly url: string;
  readonly port: number;
  /** Sets (or replaces) the backend of a service, by its SigV4 signing name (`sqs`, `dynamodb`, `lambda`, …). */
  route(service: string, backend: Backend): void;
  stop(): Promise<void>;
}

export const DEFAULT_PORT = 4566;
/** How an HTTP/2 connection without TLS starts (RFC 9113, 3.4). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0');
export const HEALTH_PATH = '/_localcloud/health';

/** X-Amz-Target prefixes (JSON protocol) → signing names. */
const TARGET_SERVICES: Readonly<Record<string, string>> = {
  AmazonSQS: 'sqs',
  DynamoDB_20120810: 'dynamodb',
  // DynamoDB Local serves Streams next to tables; the Streams client signs as `dynamodb` too.
  DynamoDBStreams_20120810: 'dynamodb',
  Logs_20140328: 'logs',
  Kinesis_20131202: 'kinesis',
  Firehose_20150804: 'firehose',
  AWSEvents: 'events',
  AWSCognitoIdentityProviderService: 'cognito-idp',
  AmazonSSM: 'ssm',
  TrentService: 'kms',
  secretsmanager: 'secretsmanager',
  AWSStepFunctions: 'states',
  GraniteServiceVersion20100801: 'monitoring',
};

/** Services whose errors are REST-XML (`<Error>`) rather than JSON. */
const REST_XML_SERVICES = new Set(['s3', 'cloudfront', 'route53']);

const USER_POOL_KEYS = /^\/[\w-]+_[0-9A-Za-z]+\/\.well-known\/jwks\.json$/;

const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;

/** The signing name of the service a request is for, or undefined when the request does not say. */
export function serviceOf(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  const scope = typeof authorization === 'string' ? CREDENTIAL_SCOPE.exec(authorization) : null;
  if (scope?.[1]) return scope[1];
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('X-Amz-Credential');
  const presigned = query?.split('/')[3];
  if (presigned) return presigned;
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    const prefix = target.slice(0, target.indexOf('.'));
    return TARGET_SERVICES[prefix] ?? prefix.toLowerCase();
  }
  // A user pool's keys (`<issuer>/.well-known/jwks.json`): local tokens name the gateway as their issuer.
  if (USER_POOL_KEYS.test(request.url ?? '')) return 'cognito-idp';
  // The Lambda REST API, unsigned (e.g. a raw HTTP client invoking a function).
  if (/^\/\d{4}-\d{2}-\d{2}\/functions(\/|\?|$)/.test(request.url ?? '')) return 'lambda';
  // S3's POST Object: an HTML form (its signature is a form field) posted to a bucket, `/<bucket>`.
  const form = (request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
  if (request.method === 'POST' && form && /^\/[a-z0-9][a-z0-9.-]+\/?(\?|$)/.test(request.url ?? ''))
    return 's3';
  return undefined;
}

/** An error shaped the way the request's protocol expects: query XML, REST-XML, or JSON with x-amzn-ErrorType. */
export function sendAwsError(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  service?: string,
): void {
  const requestId = randomUUID();
  const contentType = request.headers['content-type'] ?? '';
  let body: string;
  let type: string;
  if (contentType.includes('x-www-form-urlencoded')) {
    type = 'text/xml';
    body = `<ErrorResponse><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  } else if (service && REST_XML_SERVICES.has(service)) {
    type = 'application/xml';
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  } else {
    type = contentType.includes('x-amz-json') ? contentType : 'application/json';
    body = JSON.stringify({ __type: code, message });
  }
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': code,
    'x-amzn-requestid': requestId,
    'x-amz-request-id': requestId,
  });
  response.end(body);
}

/** Connection-level headers that belong to one hop, not to the proxied request or response. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

function withoutHopByHop(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  // An HTTP/2 request's pseudo-headers: its authority is the Host an HTTP/1.1 emulator expects.
  const authority = copy[':authority'];
  for (const name of Object.keys(copy)) if (name.startsWith(':')) delete copy[name];
  if (copy.host === undefined && typeof authority === 'string') copy.host = authority;
  return copy;
}

/** Proxies a request to an emulator, streaming its body, or sending `body` when it was read already. */
function proxy(
  request: IncomingMessage,
  response: ServerResponse,
  target: string,
  agent: Agent,
  service: string,
  body?: Buffer,
): void {
  const headers = withoutHopByHop(request.headers);
  // A body read (and perhaps rewritten) here goes with its own length.
  if (body) headers['content-length'] = String(body.length);
  const upstream = httpRequest(new URL(request.url ?? '/', target), {
    method: request.method,
    headers,
    agent,
  });
  upstream.on('response', (answer) => {
    const headers = withoutHopByHop(answer.headers);
    const queryError = headers['x-amzn-query-error'];
    if (service === 'sqs' && typeof queryError === 'string')
      headers['x-amzn-query-error'] = sqsQueryError(queryError);
    response.writeHead(answer.statusCode ?? 502, headers);
    answer.pipe(response);
  });
  upstream.on('error', (error) => {
    if (!response.headersSent) {
      sendAwsError(
        request,
        response,
        502,
        'ServiceUnavailable',
        `The ${service} emulator did not answer: ${messageOf(error)}`,
        service,
      );
    } else response.destroy();
  });
  response.on('close', () => {
    if (!response.writableFinished) upstream.destroy();
  });
  if (body) upstream.end(body);
  else request.pipe(upstream);
}

const SQS_SENDS = new Set(['AmazonSQS.SendMessage', 'AmazonSQS.SendMessageBatch']);

/** The whole body of a request the gateway must read before proxying it; undefined if the client hung up. */
async function bodyOrHangUp(request: IncomingMessage, response: ServerResponse): Promise<Buffer | undefined> {
  try {
    return await readBody(request);
  } catch {
    response.destroy(); // the client hung up mid-body
    return undefined;
  }
}

/** A JSON-protocol SQS send is read whole and checked against SQS's size limit before fauxqs sees it. */
async function proxySqsSend(
  request: IncomingMessage,
  response: ServerResponse,
  target: string,
  agent: Agent,
): Promise<void> {
  const body = await bodyOrHangUp(request, response);
  if (!body) return;
  const action = String(request.headers['x-amz-target']).replace(/^AmazonSQS\./, '');
  const tooLong = sizeLimitError(action, body.toString('utf8'));
  if (tooLong) sendJsonError(response, tooLong);
  else proxy(request, response, target, agent, 'sqs', body);
}

/**
 * kinesalite knows streams by name only: a JSON request that names its stream by `StreamARN` (as newer SDKs and
 * `aws kinesis … --stream-arn` do) gets the `StreamName` that ARN ends in.
 */
async function proxyKinesisJson(
  request: IncomingMessage,
  response: ServerResponse,
  target: string,
  agent: Agent,
): Promise<void> {
  const body = await bodyOrHangUp(request, response);
  if (body) proxy(request, response, target, agent, 'kinesis', withStreamName(body));
}

function withStreamName(body: Buffer): Buffer {
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return body; // kinesalite answers what is wrong with it
  }
  if (typeof input !== 'object' || input === null) return body;
  const fields = input as Record<string, unknown>;
  if (typeof fields.StreamARN !== 'string' || fields.StreamName !== undefined) return body;
  const name = /:stream\/([^/]+)/.exec(fields.StreamARN)?.[1];
  return name ? Buffer.from(JSON.stringify({ ...fields, StreamName: name })) : body;
}

async function handleInProcess(
  request: IncomingMessage,
  response: ServerResponse,
  handler: ApiHandler,
  service: string,
): Promise<void> {
  try {
    // Inside the try: a client that hangs up mid-body must not take the whole local cloud down.
    const body = await readBody(request);
    await handler.handle(request, response, body);
  } catch (error) {
    if (request.destroyed && !request.complete) {
      response.destroy();
      return;
    }
    if (!response.headersSent) {
      sendAwsError(
        request,
        response,
        500,
        'ServiceException',
        `The local ${service} service failed: ${messageOf(error)}`,
        service,
      );
    } else response.destroy();
  }
}

function describe(backend: Backend): string {
  if ('url' in backend) return `proxy to ${backend.url}`;
  if ('handler' in backend) return 'in-process';
  return `unavailable: ${backend.unavailable}`;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(new LocalCloudError(`Port ${port} is in use: stop what holds it or pass --port N.`));
      } else if (error.code === 'EACCES') {
        reject(
          new LocalCloudError(`Port ${port} needs privileges this user lacks: pass --port N (above 1023).`),
        );
      } else
        reject(new LocalCloudError(`The gateway cannot listen on 127.0.0.1:${port}: ${messageOf(error)}`));
    };
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', fail);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const backends = new Map<string, Backend>(Object.entries(options.backends ?? {}));
  // Kept-alive connections to the emulators: a new TCP connection per proxied call would halve throughput.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  // Lambda invocations may run for minutes: no request timeout.
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.method === 'GET' && request.url === HEALTH_PATH) {
      const services = Object.fromEntries([...backends].map(([name, backend]) => [name, describe(backend)]));
      const body = JSON.stringify({ status: 'ok', services });
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    const service = serviceOf(request);
    const backend = service ? backends.get(service) : undefined;
    if (!service || !backend) {
      request.resume();
      const message = service
        ? `The local cloud does not emulate '${service}' yet`
        : 'The local cloud cannot tell which AWS service this request is for: sign it with SigV4 or set X-Amz-Target';
      sendAwsError(request, response, 400, 'UnknownServiceException', message, service);
    } else if ('unavailable' in backend) {
      request.resume();
      // 400, not 503: SDKs retry every 5xx (the AWS CLI up to ten times) before showing the reason.
      sendAwsError(request, response, 400, 'ServiceUnavailable', backend.unavailable, service);
    } else if ('url' in backend) {
      // fauxqs speaks only SQS's JSON protocol: query-protocol clients (CLI v1, CLI v2 < 2.13) get translated.
      if (service === 'sqs' && isSqsQueryRequest(request))
        void answerSqsQuery(request, response, backend.url, agent);
      else if (service === 'sqs' && SQS_SENDS.has(String(request.headers['x-amz-target'])))
        void proxySqsSend(request, response, backend.url, agent);
      else if (service === 'kinesis' && String(request.headers['content-type']).includes('json'))
        void proxyKinesisJson(request, response, backend.url, agent);
      else proxy(request, response, backend.url, agent, service);
    } else {
      void handleInProcess(request, response, backend.handler, service);
    }
  };
  // HTTP/1.1 and HTTP/2 (cleartext, prior knowledge: SDK v3's Kinesis client speaks it by default) on one port:
  // each connection goes to the server its first bytes ask for.
  const http1 = createServer({ requestTimeout: 0 }, handle);
  const http2 = createHttp2Server({}, (request, response) =>
    handle(request as unknown as IncomingMessage, response as unknown as ServerResponse),
  );
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first) => {
      socket.pause();
      socket.unshift(first);
      const target = first.subarray(0, HTTP2_PREFACE.length).equals(HTTP2_PREFACE) ? http2 : http1;
      target.emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  const port = await listen(server, options.port ?? DEFAULT_PORT);
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    route(service, backend) {
      backends.set(service, backend);
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        http1.closeAllConnections();
        http2.close();
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      });
      return stopping;
    },
  };
}
