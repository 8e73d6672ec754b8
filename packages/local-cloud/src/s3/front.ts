/**
 * The S3 API behind the gateway: requests go on to fauxqs, and each one that created or removed an object is
 * reported (after its answer is sent) as an `ObjectChange`, which is what S3 event notifications are made of.
 *
 * fauxqs routes by path and method only, so a request for a bucket or object subresource it does not implement
 * (`?tagging`, `?policy`, `?versioning`, …) would land on CreateBucket, PutObject, GetObject or DeleteObject and
 * succeed with the wrong effect (PUT `?tagging` would overwrite the object with the tagging XML). Those are
 * answered here with S3's `NotImplemented` instead, naming what is missing. Answered here for real: the
 * notification configuration (kept by the S3 notifications), GetBucketVersioning and GetBucketLocation (never
 * versioned; us-east-1), GetObjectTagging (no object has tags), and UploadPartCopy (read the source, upload it).
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { messageOf } from '../errors.ts';
import { readBody } from '../shared.ts';
import type { ApiHandler } from '../types.ts';
import { escapeXml, unescapeXml } from '../xml.ts';
import {
  type NotificationConfigurations,
  notificationRulesFromXml,
  notificationXml,
} from './notification-config.ts';

export type ObjectEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:Post'
  | 'ObjectCreated:Copy'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectRemoved:Delete';

/** An object created or removed by a request that succeeded. */
export interface ObjectChange {
  readonly eventName: ObjectEventName;
  readonly bucket: string;
  /** The key as stored (decoded). */
  readonly key: string;
  /** Created objects only. */
  readonly size?: number;
  /** Created objects only, without quotes. */
  readonly eTag?: string;
  readonly time: Date;
  /** Who signed the request: `AWS:<access key id>`, or `Anonymous`. */
  readonly principalId: string;
  readonly sourceIPAddress: string;
  readonly requestId: string;
  readonly hostId: string;
}

export interface S3FrontOptions {
  /** fauxqs, e.g. http://127.0.0.1:38211 */
  readonly url: string;
  /** Called after the answer is sent; it must not throw (a delivery problem is the receiver's to report). */
  readonly onObjectChanges?: (changes: readonly ObjectChange[]) => void;
  /** Something that went wrong after the answer was sent, one sentence. */
  readonly onWarning?: (message: string) => void;
  /** Where Put/GetBucketNotificationConfiguration keep and read configurations; without it they are refused. */
  readonly notifications?: NotificationConfigurations;
}

/** POST Object's key may say `${filename}`: the uploaded file's name goes there. */
const FILENAME_PLACEHOLDER = ['$', '{filename}'].join('');
/** Where formFields keeps the file's name (not a valid form field name: it has a space). */
const FILENAME_FIELD = 'file name';
/** fauxqs (Fastify) refuses request bodies over 11 MiB. */
export const MAX_REQUEST_BYTES = 11 * 1024 * 1024;

const XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'expect'];

/** Subresources fauxqs does not implement (it would treat the request as a plain bucket or object request). */
const UNSUPPORTED_SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'logging',
  'metadataTable',
  'metrics',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'versionId',
  'versioning',
  'versions',
  'website',
];

interface ParsedRequest {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
}

function parse(request: IncomingMessage): ParsedRequest {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  return {
    method: request.method ?? 'GET',
    bucket: safeDecode(bucket),
    key: safeDecode(rest.join('/')),
    query: url.searchParams,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The text of every `<tag>…</tag>` inside each `<block>…</block>` (or the whole document without a block). */
function xmlValues(xml: string, tag: string, block?: string): string[] {
  const scopes = block
    ? [...xml.matchAll(new RegExp(`<${block}>([\\s\\S]*?)</${block}>`, 'g'))].map((match) => match[1] ?? '')
    : [xml];
  return scopes.flatMap((scope) =>
    [...scope.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) =>
      unescapeXml(match[1] ?? ''),
    ),
  );
}

function sendXml(response: ServerResponse, status: number, xml: string, requestId = hexId(8)): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    'x-amz-id-2': randomBytes(48).toString('base64'),
  });
  response.end(body);
}

function sendS3Error(response: ServerResponse, status: number, code: string, message: string): void {
  const requestId = hexId(8);
  sendXml(
    response,
    status,
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
    requestId,
  );
}

function hexId(bytes: number): string {
  return randomBytes(bytes).toString('hex').toUpperCase();
}

/** The access key that signed the request (header or presigned URL), as S3's userIdentity names it. */
function principalOf(request: IncomingMessage, query: URLSearchParams, form?: Map<string, string>): string {
  const authorization = request.headers.authorization;
  const fromHeader = typeof authorization === 'string' ? /Credential=([^/,\s]+)\//.exec(authorization) : null;
  const credential =
    fromHeader?.[1] ??
    query.get('X-Amz-Credential')?.split('/')[0] ??
    form?.get('x-amz-credential')?.split('/')[0] ??
    form?.get('awsaccesskeyid');
  return credential ? `AWS:${credential}` : 'Anonymous';
}

function sourceIpOf(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/**
 * The text fields of a multipart/form-data body that come before its file (S3's POST Object puts the file last),
 * lower-cased by name, and the file's name as `file name`.
 */
function formFields(body: Buffer, contentType: string): Map<string, string> {
  const fields = new Map<string, string>();
  const boundary = /boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const delimiter = boundary ? `--${boundary[1] ?? boundary[2]}` : undefined;
  if (!delimiter) return fields;
  // Only the head of the body: the fields are small and come first; the file may be large binary.
  const head = body.subarray(0, 256 * 1024).toString('latin1');
  for (const part of head.split(delimiter).slice(1)) {
    const [headers = '', ...rest] = part.split('\r\n\r\n');
    const name = /\bname="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (filename !== undefined || name?.toLowerCase() === 'file') {
      // S3 keeps the file's own name, without a client's path.
      fields.set(FILENAME_FIELD, (filename ?? '').replace(/^.*[\\/]/, ''));
      break;
    }
    if (!name) continue;
    const value = Buffer.from(rest.join('\r\n\r\n').replace(/\r\n$/, ''), 'latin1').toString('utf8');
    fields.set(name.toLowerCase(), value);
  }
  return fields;
}

/** What a request will do to objects if it succeeds, or undefined when it creates and removes none. */
type Intent =
  | { readonly kind: 'created'; readonly eventName: ObjectEventName }
  | { readonly kind: 'deleted'; readonly keys?: readonly string[] };

/** UploadPartCopy: a part of a multipart upload copied from an existing object, which fauxqs does not do. */
function isUploadPartCopy(parsed: ParsedRequest, request: IncomingMessage): boolean {
  return (
    parsed.method === 'PUT' &&
    parsed.query.has('uploadId') &&
    parsed.query.has('partNumber') &&
    request.headers['x-amz-copy-source'] !== undefined
  );
}

function intentOf(parsed: ParsedRequest, request: IncomingMessage, body: Buffer): Intent | undefined {
  const { method, key, query } = parsed;
  const contentType = String(request.headers['content-type'] ?? '');
  if (method === 'PUT' && key && !query.has('uploadId') && !query.has('renameObject')) {
    const copy = request.headers['x-amz-copy-source'] !== undefined;
    return { kind: 'created', eventName: copy ? 'ObjectCreated:Copy' : 'ObjectCreated:Put' };
  }
  if (method === 'POST' && key && query.has('uploadId')) {
    return { kind: 'created', eventName: 'ObjectCreated:CompleteMultipartUpload' };
  }
  if (method === 'POST' && !key && contentType.toLowerCase().includes('multipart/form-data')) {
    return { kind: 'created', eventName: 'ObjectCreated:Post' };
  }
  if (method === 'POST' && !key && query.has('delete')) {
    return { kind: 'deleted', keys: xmlValues(body.toString('utf8'), 'Key', 'Object') };
  }
  if (method === 'DELETE' && key && !query.has('uploadId')) return { kind: 'deleted' };
  return undefined;
}

/** CompleteMultipartUpload can fail after a 200: the error is then in the body. */
function isErrorBody(text: string): boolean {
  return /^(<\?xml[^>]*>\s*)?<Error>/.test(text);
}

/** The key of the object a request created: in the path, or for POST Object in its form. */
function createdKey(parsed: ParsedRequest, request: IncomingMessage, body: Buffer): string {
  if (parsed.key) return parsed.key;
  const form = formFields(body, String(request.headers['content-type'] ?? ''));
  // POST Object names the key in a form field, where `${filename}` stands for the uploaded file's name.
  return (form.get('key') ?? '').replaceAll(FILENAME_PLACEHOLDER, form.get(FILENAME_FIELD) ?? '');
}

function objectPath(bucket: string, key: string): string {
  return `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Passes on an answer from fauxqs (an error, usually) as it is. */
function relay(
  response: ServerResponse,
  answer: { status: number; headers: IncomingMessage['headers']; body: Buffer },
): void {
  const headers = { ...answer.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  response.writeHead(answer.status, { ...headers, 'content-length': answer.body.length }).end(answer.body);
}

export class S3Front implements ApiHandler {
  readonly #url: string;
  readonly #options: S3FrontOptions;
  // Kept-alive connections to fauxqs, like the gateway's own.
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  #destroyed = false;

  constructor(options: S3FrontOptions) {
    this.#url = options.url;
    this.#options = options;
  }

  async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const parsed = parse(request);
    if (body.length > MAX_REQUEST_BYTES) {
      // fauxqs would answer with a bare 413; say what to do instead.
      sendS3Error(
        response,
        400,
        'EntityTooLarge',
        `The local cloud's S3 (fauxqs) takes at most 11 MiB in one request and this one has ${body.length} bytes: upload larger objects in parts (multipart upload; aws s3 cp does so above 8 MB).`,
      );
      return;
    }
    if (await this.#answeredHere(parsed, response, body)) return;
    if (isUploadPartCopy(parsed, request)) return this.#uploadPartCopy(parsed, request, response);
    const intent = parsed.bucket ? intentOf(parsed, request, body) : undefined;
    const answer = await this.#forward(request, body);
    const status = answer.statusCode ?? 502;
    const headers = { ...answer.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    // Bodies that say what happened (CompleteMultipartUpload, DeleteObjects, POST Object) are read; others stream.
    const succeeded = status >= 200 && status < 300;
    if (!intent || !succeeded || (intent.kind === 'created' && intent.eventName === 'ObjectCreated:Put')) {
      response.writeHead(status, headers);
      answer.pipe(response);
      if (intent && succeeded) {
        response.once('finish', () => this.#report(parsed, request, body, intent, answer.headers, ''));
      }
      return;
    }
    const text = (await readBody(answer)).toString('utf8');
    // Size and ETag are read before the client has its answer: it cannot have deleted the object yet.
    const described =
      intent.kind === 'created' && !isErrorBody(text)
        ? await this.#describe(parsed.bucket, createdKey(parsed, request, body)).catch((error: unknown) => {
            this.#warn(`${intent.eventName} of ${parsed.bucket}`, messageOf(error));
            return undefined;
          })
        : undefined;
    response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) });
    response.end(text, () => this.#report(parsed, request, body, intent, answer.headers, text, described));
  }

  /** Stops keeping connections to fauxqs. */
  destroy(): void {
    this.#destroyed = true;
    this.#agent.destroy();
  }

  async #answeredHere(parsed: ParsedRequest, response: ServerResponse, body: Buffer): Promise<boolean> {
    const { method, bucket, key, query } = parsed;
    const bucketQuestion =
      bucket && !key && method === 'GET' && (query.has('versioning') || query.has('location'));
    if (bucketQuestion && (await this.#status('HEAD', `/${encodeURIComponent(bucket)}`)) === 404) {
      sendS3Error(response, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      return true;
    }
    if (bucket && !key && method === 'GET' && query.has('versioning')) {
      // A local bucket is never versioned: S3 answers an empty configuration for such a bucket.
      sendXml(response, 200, `<VersioningConfiguration xmlns="${XML_NAMESPACE}"/>`);
      return true;
    }
    const notifications = this.#options.notifications;
    if (
      bucket &&
      !key &&
      query.has('notification') &&
      notifications &&
      (method === 'GET' || method === 'PUT')
    ) {
      if ((await this.#status('HEAD', `/${encodeURIComponent(bucket)}`)) === 404) {
        sendS3Error(response, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      } else if (method === 'GET') {
        sendXml(response, 200, notificationXml(notifications.rules(bucket)));
      } else {
        const rules = notificationRulesFromXml(body.toString('utf8'));
        if ('problem' in rules) {
          sendS3Error(
            response,
            400,
            'MalformedXML',
            `The notification configuration is not valid: ${rules.problem}.`,
          );
        } else {
          notifications.configure(bucket, rules);
          response.writeHead(200, { 'content-length': 0, 'x-amz-request-id': hexId(8) }).end();
        }
      }
      return true;
    }
    if (bucket && key && method === 'GET' && query.has('tagging')) {
      // Objects cannot be tagged here (PutObjectTagging is refused), so every object's tag set is empty; the CLI
      // asks before copying an object in parts.
      if ((await this.#status('HEAD', objectPath(bucket, key))) === 404) {
        sendS3Error(response, 404, 'NoSuchKey', 'The specified key does not exist.');
      } else sendXml(response, 200, `<Tagging xmlns="${XML_NAMESPACE}"><TagSet/></Tagging>`);
      return true;
    }
    if (bucket && !key && method === 'GET' && query.has('location')) {
      sendXml(response, 200, `<LocationConstraint xmlns="${XML_NAMESPACE}"/>`);
      return true;
    }
    const missing =
      (query.has('notification') ? 'notification' : undefined) ??
      UNSUPPORTED_SUBRESOURCES.find(
        (name) => query.has(name) && !(name === 'versionId' && query.get(name) === 'null'),
      ) ??
      (method === 'GET' && query.has('uploads') ? 'uploads (ListMultipartUploads)' : undefined) ??
      (method === 'GET' && query.has('uploadId') ? 'uploadId (ListParts)' : undefined);
    if (!missing) return false;
    const why =
      missing === 'versioning' || missing === 'versions' || missing === 'versionId'
        ? ': fauxqs keeps one version of each object, so buckets cannot be versioned locally'
        : '';
    sendS3Error(
      response,
      501,
      'NotImplemented',
      `The local cloud's S3 (fauxqs) does not implement ${method} ?${missing}${why}.`,
    );
    return true;
  }

  #forward(request: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
    const headers = { ...request.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(new URL(request.url ?? '/', this.#url), {
        method: request.method,
        headers,
        agent: this.#agent,
      });
      upstream.on('response', resolve);
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** Works out which objects changed and hands them on; runs after the answer is sent. */
  #report(
    parsed: ParsedRequest,
    request: IncomingMessage,
    body: Buffer,
    intent: Intent,
    answerHeaders: IncomingMessage['headers'],
    answerBody: string,
    described?: { size: number; eTag: string },
  ): void {
    const onChanges = this.#options.onObjectChanges;
    if (!onChanges) return;
    // CompleteMultipartUpload can fail after a 200: the error is then in the body.
    if (isErrorBody(answerBody)) return;
    const form =
      intent.kind === 'created' && intent.eventName === 'ObjectCreated:Post'
        ? formFields(body, String(request.headers['content-type'] ?? ''))
        : undefined;
    const base = {
      bucket: parsed.bucket,
      time: new Date(),
      principalId: principalOf(request, parsed.query, form),
      sourceIPAddress: sourceIpOf(request),
      requestId: String(answerHeaders['x-amz-request-id'] ?? hexId(8)),
      hostId: String(answerHeaders['x-amz-id-2'] ?? randomBytes(48).toString('base64')),
    };
    if (intent.kind === 'deleted') {
      const failed = new Set(xmlValues(answerBody, 'Key', 'Error'));
      const keys = (intent.keys ?? [parsed.key]).filter((key) => !failed.has(key));
      onChanges(keys.map((key) => ({ ...base, eventName: 'ObjectRemoved:Delete' as const, key })));
      return;
    }
    const key = createdKey(parsed, request, body);
    if (intent.eventName === 'ObjectCreated:Put') {
      // The request says what was stored: no need to ask fauxqs (the object may be gone again by then).
      const chunked = String(request.headers['content-encoding'] ?? '').includes('aws-chunked');
      const size = chunked ? Number(request.headers['x-amz-decoded-content-length']) : body.length;
      const eTag = String(answerHeaders.etag ?? '').replace(/"/g, '');
      if (Number.isFinite(size) && eTag) {
        onChanges([{ ...base, eventName: intent.eventName, key, size, eTag }]);
        return;
      }
    }
    if (described) onChanges([{ ...base, eventName: intent.eventName, key, ...described }]);
    else if (intent.eventName === 'ObjectCreated:Put')
      this.#warn(`PutObject of ${parsed.bucket}/${key}`, 'fauxqs answered no ETag');
  }

  /**
   * UploadPartCopy done as fauxqs can: GET the source (the `x-amz-copy-source-range` bytes), then UploadPart with
   * them. A failed step answers with fauxqs's own error.
   */
  async #uploadPartCopy(
    parsed: ParsedRequest,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const source = safeDecode(String(request.headers['x-amz-copy-source'])).replace(/^\//, '');
    const [sourcePath = '', sourceQuery = ''] = source.split('?');
    const slash = sourcePath.indexOf('/');
    const versionId = new URLSearchParams(sourceQuery).get('versionId');
    if (slash < 1 || (versionId !== null && versionId !== 'null')) {
      sendS3Error(
        response,
        400,
        'InvalidArgument',
        'The x-amz-copy-source is not a bucket/key of this local S3.',
      );
      return;
    }
    const range = request.headers['x-amz-copy-source-range'];
    const read = await this.#call(
      'GET',
      objectPath(sourcePath.slice(0, slash), sourcePath.slice(slash + 1)),
      {
        headers: typeof range === 'string' ? { range } : {},
      },
    );
    if (read.status !== 200 && read.status !== 206) return relay(response, read);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const written = await this.#call('PUT', `${objectPath(parsed.bucket, parsed.key)}${url.search}`, {
      body: read.body,
    });
    if (written.status !== 200) return relay(response, written);
    sendXml(
      response,
      200,
      `<CopyPartResult xmlns="${XML_NAMESPACE}"><ETag>${escapeXml(String(written.headers.etag ?? ''))}</ETag><LastModified>${new Date().toISOString()}</LastModified></CopyPartResult>`,
    );
  }

  /** A request straight to fauxqs, its whole answer read. */
  async #call(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const asked = httpRequest(new URL(path, this.#url), {
        method,
        headers: { ...options.headers, 'content-length': String(options.body?.length ?? 0) },
        agent: this.#agent,
      });
      asked.on('response', resolve);
      asked.on('error', reject);
      asked.end(options.body);
    });
    return { status: answer.statusCode ?? 502, headers: answer.headers, body: await readBody(answer) };
  }

  /** An unsigned request straight to fauxqs, its body discarded. */
  async #ask(method: string, path: string): Promise<IncomingMessage> {
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const asked = httpRequest(new URL(path, this.#url), { method, agent: this.#agent });
      asked.on('response', resolve);
      asked.on('error', reject);
      asked.end();
    });
    answer.resume();
    return answer;
  }

  async #status(method: string, path: string): Promise<number | undefined> {
    return (await this.#ask(method, path)).statusCode;
  }

  /** Size and ETag of an object as fauxqs has it now. */
  async #describe(bucket: string, key: string): Promise<{ size: number; eTag: string }> {
    const answer = await this.#ask('HEAD', objectPath(bucket, key));
    if (answer.statusCode !== 200) throw new Error(`HEAD answered ${answer.statusCode}`);
    return {
      size: Number(answer.headers['content-length'] ?? 0),
      eTag: String(answer.headers.etag ?? '').replace(/"/g, ''),
    };
  }

  #warn(what: string, why: string): void {
    // Requests cut short by stopping the cloud are not worth a warning.
    if (this.#destroyed) return;
    this.#options.onWarning?.(`No S3 notification for ${what}: ${why}.`);
  }
}
