/**
 * SQS's query protocol (form parameters in, XML out), spoken by the AWS CLI v1 and by CLI v2 before 2.13,
 * translated to and from the JSON protocol (`X-Amz-Target: AmazonSQS.<Action>`) that fauxqs speaks.
 *
 * The shapes below are the parts of SQS's 2012-11-05 service model that the two protocols name differently:
 * query lists and maps are "flattened" (`AttributeName.1`, `Attribute.1.Name`/`Attribute.1.Value`), each entry
 * named by its item, and the XML answer uses the same item names (`<Attribute><Name>…</Name><Value>…</Value>`).
 */
import { randomUUID } from 'node:crypto';
import { type Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { messageOf } from '../errors.ts';
import { isRecord, readBody } from '../shared.ts';
import { escapeXml } from '../xml.ts';
import { sizeLimitError } from './limits.ts';

export const SQS_XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

type Scalar = 'string' | 'integer' | 'boolean';
/** A flattened list: each entry is `<item>.N` in the query and `<item>` in XML; `alias` is another accepted name. */
interface ListShape {
  readonly list: string;
  readonly of: Shape;
  readonly alias?: string;
}
/** A flattened map: each entry is `<item>.N.<key>` + `<item>.N.Value`, and `<item><key/><Value/></item>` in XML. */
interface MapShape {
  readonly map: string;
  readonly key: 'Name' | 'Key';
  readonly value: Shape;
}
interface StructureShape {
  readonly members: Readonly<Record<string, Shape>>;
}
type Shape = Scalar | ListShape | MapShape | StructureShape;

const structure = (members: Record<string, Shape>): StructureShape => ({ members });

const MESSAGE_ATTRIBUTE_VALUE = structure({
  StringValue: 'string',
  BinaryValue: 'string', // base64 in both protocols
  StringListValues: { list: 'StringListValue', of: 'string' },
  BinaryListValues: { list: 'BinaryListValue', of: 'string' },
  DataType: 'string',
});
const MESSAGE_ATTRIBUTES: MapShape = { map: 'MessageAttribute', key: 'Name', value: MESSAGE_ATTRIBUTE_VALUE };
const MESSAGE_SYSTEM_ATTRIBUTES: MapShape = {
  map: 'MessageSystemAttribute',
  key: 'Name',
  value: MESSAGE_ATTRIBUTE_VALUE,
};
const QUEUE_ATTRIBUTES: MapShape = { map: 'Attribute', key: 'Name', value: 'string' };
const TAGS: MapShape = { map: 'Tag', key: 'Key', value: 'string' };
const QUEUE_URLS: ListShape = { list: 'QueueUrl', of: 'string' };
const BATCH_ERRORS: ListShape = {
  list: 'BatchResultErrorEntry',
  of: structure({ Id: 'string', SenderFault: 'boolean', Code: 'string', Message: 'string' }),
};
const ENTRY_IDS = (item: string): ListShape => ({ list: item, of: structure({ Id: 'string' }) });
const MESSAGE = structure({
  MessageId: 'string',
  ReceiptHandle: 'string',
  MD5OfBody: 'string',
  Body: 'string',
  Attributes: { map: 'Attribute', key: 'Name', value: 'string' },
  MD5OfMessageAttributes: 'string',
  MessageAttributes: MESSAGE_ATTRIBUTES,
});
const SEND_RESULT = {
  MD5OfMessageBody: 'string',
  MD5OfMessageAttributes: 'string',
  MD5OfMessageSystemAttributes: 'string',
  MessageId: 'string',
  SequenceNumber: 'string',
} as const;
const SEND_ENTRY = {
  MessageBody: 'string',
  DelaySeconds: 'integer',
  MessageAttributes: MESSAGE_ATTRIBUTES,
  MessageSystemAttributes: MESSAGE_SYSTEM_ATTRIBUTES,
  MessageDeduplicationId: 'string',
  MessageGroupId: 'string',
} as const;

interface Operation {
  readonly input: StructureShape;
  /** Absent for actions whose answer is only `<ResponseMetadata>`. */
  readonly output?: StructureShape;
}

const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateQueue: {
    input: structure({ QueueName: 'string', Attributes: QUEUE_ATTRIBUTES, tags: TAGS }),
    output: structure({ QueueUrl: 'string' }),
  },
  DeleteQueue: { input: structure({ QueueUrl: 'string' }) },
  GetQueueUrl: {
    input: structure({ QueueName: 'string', QueueOwnerAWSAccountId: 'string' }),
    output: structure({ QueueUrl: 'string' }),
  },
  ListQueues: {
    input: structure({ QueueNamePrefix: 'string', NextToken: 'string', MaxResults: 'integer' }),
    output: structure({ QueueUrls: QUEUE_URLS, NextToken: 'string' }),
  },
  GetQueueAttributes: {
    input: structure({ QueueUrl: 'string', AttributeNames: { list: 'AttributeName', of: 'string' } }),
    output: structure({ Attributes: QUEUE_ATTRIBUTES }),
  },
  SetQueueAttributes: { input: structure({ QueueUrl: 'string', Attributes: QUEUE_ATTRIBUTES }) },
  PurgeQueue: { input: structure({ QueueUrl: 'string' }) },
  SendMessage: {
    input: structure({ QueueUrl: 'string', ...SEND_ENTRY }),
    output: structure(SEND_RESULT),
  },
  SendMessageBatch: {
    input: structure({
      QueueUrl: 'string',
      Entries: { list: 'SendMessageBatchRequestEntry', of: structure({ Id: 'string', ...SEND_ENTRY }) },
    }),
    output: structure({
      Successful: { list: 'SendMessageBatchResultEntry', of: structure({ Id: 'string', ...SEND_RESULT }) },
      Failed: BATCH_ERRORS,
    }),
  },
  ReceiveMessage: {
    input: structure({
      QueueUrl: 'string',
      AttributeNames: { list: 'AttributeName', of: 'string' },
      // Added after SQS moved to JSON; accept both spellings a query client could produce.
      MessageSystemAttributeNames: {
        list: 'MessageSystemAttributeName',
        alias: 'MessageSystemAttributeNames',
        of: 'string',
      },
      MessageAttributeNames: { list: 'MessageAttributeName', of: 'string' },
      MaxNumberOfMessages: 'integer',
      VisibilityTimeout: 'integer',
      WaitTimeSeconds: 'integer',
      ReceiveRequestAttemptId: 'string',
    }),
    output: structure({ Messages: { list: 'Message', of: MESSAGE } }),
  },
  DeleteMessage: { input: structure({ QueueUrl: 'string', ReceiptHandle: 'string' }) },
  DeleteMessageBatch: {
    input: structure({
      QueueUrl: 'string',
      Entries: {
        list: 'DeleteMessageBatchRequestEntry',
        of: structure({ Id: 'string', ReceiptHandle: 'string' }),
      },
    }),
    output: structure({ Successful: ENTRY_IDS('DeleteMessageBatchResultEntry'), Failed: BATCH_ERRORS }),
  },
  ChangeMessageVisibility: {
    input: structure({ QueueUrl: 'string', ReceiptHandle: 'string', VisibilityTimeout: 'integer' }),
  },
  ChangeMessageVisibilityBatch: {
    input: structure({
      QueueUrl: 'string',
      Entries: {
        list: 'ChangeMessageVisibilityBatchRequestEntry',
        of: structure({ Id: 'string', ReceiptHandle: 'string', VisibilityTimeout: 'integer' }),
      },
    }),
    output: structure({
      Successful: ENTRY_IDS('ChangeMessageVisibilityBatchResultEntry'),
      Failed: BATCH_ERRORS,
    }),
  },
  ListDeadLetterSourceQueues: {
    input: structure({ QueueUrl: 'string', NextToken: 'string', MaxResults: 'integer' }),
    output: structure({ queueUrls: QUEUE_URLS, NextToken: 'string' }),
  },
  StartMessageMoveTask: {
    input: structure({
      SourceArn: 'string',
      DestinationArn: 'string',
      MaxNumberOfMessagesPerSecond: 'integer',
    }),
    output: structure({ TaskHandle: 'string' }),
  },
  CancelMessageMoveTask: {
    input: structure({ TaskHandle: 'string' }),
    output: structure({ ApproximateNumberOfMessagesMoved: 'integer' }),
  },
  ListMessageMoveTasks: {
    input: structure({ SourceArn: 'string', MaxResults: 'integer' }),
    output: structure({
      Results: {
        list: 'ListMessageMoveTasksResultEntry',
        of: structure({
          TaskHandle: 'string',
          Status: 'string',
          SourceArn: 'string',
          DestinationArn: 'string',
          MaxNumberOfMessagesPerSecond: 'integer',
          ApproximateNumberOfMessagesMoved: 'integer',
          ApproximateNumberOfMessagesToMove: 'integer',
          FailureReason: 'string',
          StartedTimestamp: 'integer',
        }),
      },
    }),
  },
  ListQueueTags: { input: structure({ QueueUrl: 'string' }), output: structure({ Tags: TAGS }) },
  TagQueue: { input: structure({ QueueUrl: 'string', Tags: TAGS }) },
  UntagQueue: { input: structure({ QueueUrl: 'string', TagKeys: { list: 'TagKey', of: 'string' } }) },
  AddPermission: {
    input: structure({
      QueueUrl: 'string',
      Label: 'string',
      AWSAccountIds: { list: 'AWSAccountId', of: 'string' },
      Actions: { list: 'ActionName', of: 'string' },
    }),
  },
  RemovePermission: { input: structure({ QueueUrl: 'string', Label: 'string' }) },
};

/**
 * Query error codes of the JSON error names that differ, from the service model; used only when an answer lacks
 * the `x-amzn-query-error` header that carries them.
 */
const QUERY_ERROR_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  BatchRequestTooLong: 'AWS.SimpleQueueService.BatchRequestTooLong',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  PurgeQueueInProgress: 'AWS.SimpleQueueService.PurgeQueueInProgress',
  QueueDeletedRecently: 'AWS.SimpleQueueService.QueueDeletedRecently',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

/** The query codes SQS gives with the `AWS.SimpleQueueService.` prefix; every other code has none. */
const PREFIXED_QUERY_CODES = new Set(
  Object.values(QUERY_ERROR_CODES).filter((code) => code.startsWith('AWS.SimpleQueueService.')),
);

/**
 * An x-amzn-query-error header (`<code>;<fault>`) as SQS would send it. fauxqs prefixes every code with
 * `AWS.SimpleQueueService.`, so SDK clients would see `AWS.SimpleQueueService.InvalidParameterValue` where SQS
 * says `InvalidParameterValue`.
 */
export function sqsQueryError(header: string): string {
  const [code = '', ...fault] = header.split(';');
  const fixed = PREFIXED_QUERY_CODES.has(code) ? code : code.replace(/^AWS\.SimpleQueueService\./, '');
  return [fixed, ...fault].join(';');
}

/** A query request that cannot be translated, answered as SQS would (400, `Sender`). */
export class SqsQueryError extends Error {
  override readonly name = 'SqsQueryError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface JsonRequest {
  readonly action: string;
  /** The X-Amz-Target header, e.g. `AmazonSQS.SendMessage`. */
  readonly target: string;
  /** The JSON body. */
  readonly body: string;
}

export interface QueryAnswer {
  readonly status: number;
  readonly body: string;
  readonly requestId: string;
}

const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/** The entry numbers N that appear as `<path>.N…` among the parameters, in order. */
function indexesUnder(params: ReadonlyMap<string, string>, path: string): number[] {
  const indexes = new Set<number>();
  const head = `${path}.`;
  for (const key of params.keys()) {
    if (!key.startsWith(head)) continue;
    const index = /^(\d+)(\.|$)/.exec(key.slice(head.length))?.[1];
    if (index && Number(index) > 0) indexes.add(Number(index));
  }
  return [...indexes].sort((a, b) => a - b);
}

/** The JSON value of the parameters at `path` (a member's query name), or undefined when none were given. */
function readParams(params: ReadonlyMap<string, string>, path: string, shape: Shape): unknown {
  if (shape === 'string') return params.get(path);
  if (shape === 'integer' || shape === 'boolean') {
    const text = params.get(path)?.trim();
    if (text === undefined) return undefined;
    if (shape === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
    if (shape === 'integer' && /^-?\d+$/.test(text)) return Number(text);
    throw new SqsQueryError(
      'InvalidParameterValue',
      `Value ${text} for parameter ${path} is invalid. Reason: it must be ${shape === 'integer' ? 'an integer' : 'true or false'}.`,
    );
  }
  if ('list' in shape) {
    const items = indexesUnder(params, path).map((index) => readParams(params, `${path}.${index}`, shape.of));
    const present = items.filter((item) => item !== undefined);
    return present.length > 0 ? present : undefined;
  }
  if ('map' in shape) {
    const entries: [string, unknown][] = [];
    for (const index of indexesUnder(params, path)) {
      const key = params.get(`${path}.${index}.${shape.key}`);
      const value = readParams(params, `${path}.${index}.Value`, shape.value);
      if (key !== undefined && value !== undefined) entries.push([key, value]);
    }
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  const result: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    let value = readParams(params, join(path, queryName(name, member)), member);
    if (value === undefined && typeof member === 'object' && 'alias' in member && member.alias) {
      value = readParams(params, join(path, member.alias), member);
    }
    if (value !== undefined) result[name] = value;
  }
  return path && Object.keys(result).length === 0 ? undefined : result;
}

/** Flattened lists and maps are named by their items in both the query and the XML. */
function queryName(member: string, shape: Shape): string {
  if (typeof shape === 'object' && 'list' in shape) return shape.list;
  if (typeof shape === 'object' && 'map' in shape) return shape.map;
  return member;
}

export interface QueryToJsonOptions {
  /** The queue URL the request was sent to (`POST /000000000000/my-queue`), used when it has no QueueUrl. */
  readonly queueUrl?: string;
}

/** The JSON-protocol request for a query-protocol request's parameters (URL query and form body together). */
export function queryToJson(
  params: URLSearchParams | ReadonlyMap<string, string>,
  options: QueryToJsonOptions = {},
): JsonRequest {
  // The first value of a repeated parameter wins, as URLSearchParams.get does.
  const values = new Map<string, string>();
  for (const [key, value] of params) if (!values.has(key)) values.set(key, value);
  const action = values.get('Action');
  if (!action) {
    throw new SqsQueryError('MissingAction', 'The request must contain the parameter Action.');
  }
  const operation = OPERATIONS[action];
  if (!operation) {
    throw new SqsQueryError('InvalidAction', `The action ${action} is not valid for this endpoint.`);
  }
  const body = readParams(values, '', operation.input) as Record<string, unknown>;
  if ('QueueUrl' in operation.input.members && body.QueueUrl === undefined && options.queueUrl) {
    body.QueueUrl = options.queueUrl;
  }
  return { action, target: `AmazonSQS.${action}`, body: JSON.stringify(body) };
}

function element(name: string, content: string): string {
  return content ? `<${name}>${content}</${name}>` : `<${name}/>`;
}

/** The XML of a JSON value, as the element `name` (lists and maps as their repeated items). */
function toXml(value: unknown, shape: Shape, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof shape === 'string') {
    return typeof value === 'object' ? '' : element(name, escapeXml(String(value)));
  }
  if ('list' in shape) {
    return Array.isArray(value) ? value.map((item) => toXml(item, shape.of, shape.list)).join('') : '';
  }
  if ('map' in shape) {
    if (!isRecord(value)) return '';
    return Object.entries(value)
      .map(([key, entry]) =>
        element(shape.map, element(shape.key, escapeXml(key)) + toXml(entry, shape.value, 'Value')),
      )
      .join('');
  }
  return isRecord(value) ? element(name, membersToXml(value, shape)) : '';
}

function membersToXml(value: Record<string, unknown>, shape: StructureShape): string {
  return Object.entries(shape.members)
    .map(([member, memberShape]) => toXml(value[member], memberShape, member))
    .join('');
}

const XML_DECLARATION = '<?xml version="1.0"?>';

/** SQS's query-protocol error document. */
export function queryErrorXml(
  code: string,
  message: string,
  type: 'Sender' | 'Receiver',
  requestId: string,
): string {
  const error = `<Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message><Detail/>`;
  return `${XML_DECLARATION}<ErrorResponse xmlns="${SQS_XML_NAMESPACE}"><Error>${error}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return typeof value === 'string' ? value : value?.[0];
}

/** The query-protocol answer (XML) for fauxqs's JSON answer to `action`: a result document or an error. */
export function jsonToQueryXml(
  action: string,
  status: number,
  json: unknown,
  headers: Headers = {},
): QueryAnswer {
  const requestId = header(headers, 'x-amzn-requestid') ?? randomUUID();
  const answer = isRecord(json) ? json : {};
  if (status >= 300) {
    // `AWS.SimpleQueueService.NonExistentQueue;Sender`: the query code and fault, when they differ from JSON's.
    const [queryCode, fault] = sqsQueryError(header(headers, 'x-amzn-query-error') ?? '').split(';');
    const jsonCode = String(answer.__type ?? answer.code ?? 'InternalFailure').replace(/^.*#/, '');
    const code = queryCode || QUERY_ERROR_CODES[jsonCode] || jsonCode;
    const type = fault === 'Sender' || fault === 'Receiver' ? fault : status >= 500 ? 'Receiver' : 'Sender';
    const message = String(answer.message ?? answer.Message ?? '');
    return { status, requestId, body: queryErrorXml(code, message, type, requestId) };
  }
  const output = OPERATIONS[action]?.output;
  const result = output ? element(`${action}Result`, membersToXml(answer, output)) : '';
  const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  const body = `${XML_DECLARATION}<${action}Response xmlns="${SQS_XML_NAMESPACE}">${result}${metadata}</${action}Response>`;
  return { status, requestId, body };
}

/** Whether a request for SQS speaks the query protocol: a form body, or the parameters in the URL (GET). */
export function isSqsQueryRequest(request: IncomingMessage): boolean {
  if ((request.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) return true;
  return new URL(request.url ?? '/', 'http://localhost').searchParams.has('Action');
}

function sendXml(response: ServerResponse, answer: QueryAnswer): void {
  response.writeHead(answer.status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(answer.body),
    'x-amzn-requestid': answer.requestId,
  });
  response.end(answer.body);
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  const requestId = randomUUID();
  const type = status >= 500 ? 'Receiver' : 'Sender';
  sendXml(response, { status, requestId, body: queryErrorXml(code, message, type, requestId) });
}

/** Sends the JSON request to fauxqs, keeping the Host header so the queue URLs it builds point at the gateway. */
function callEmulator(
  emulatorUrl: string,
  agent: Agent,
  incoming: IncomingMessage,
  json: JsonRequest,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': json.target,
    'content-length': String(Buffer.byteLength(json.body)),
  };
  if (incoming.headers.host) headers.host = incoming.headers.host;
  // fauxqs reads the region of new queues from the credential scope.
  if (incoming.headers.authorization) headers.authorization = incoming.headers.authorization;
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(new URL('/', emulatorUrl), { method: 'POST', headers, agent });
    upstream.on('response', (answer) => {
      readBody(answer).then(
        (body) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body }),
        reject,
      );
    });
    upstream.on('error', reject);
    upstream.end(json.body);
  });
}

/** Answers a query-protocol SQS request by way of fauxqs's JSON protocol; never rejects. */
export async function answerSqsQuery(
  request: IncomingMessage,
  response: ServerResponse,
  emulatorUrl: string,
  agent: Agent,
): Promise<void> {
  try {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const params = new URLSearchParams(url.search);
    for (const [key, value] of new URLSearchParams((await readBody(request)).toString('utf8'))) {
      params.append(key, value);
    }
    // `POST /000000000000/my-queue`: the path names the queue, as it does on SQS's own endpoints.
    const queueUrl =
      url.pathname !== '/' ? `http://${request.headers.host ?? 'localhost'}${url.pathname}` : undefined;
    const json = queryToJson(params, { queueUrl });
    const tooLong = sizeLimitError(json.action, json.body);
    if (tooLong) {
      sendError(response, 400, tooLong.queryCode, tooLong.message);
      return;
    }
    let answer: Awaited<ReturnType<typeof callEmulator>>;
    try {
      answer = await callEmulator(emulatorUrl, agent, request, json);
    } catch (error) {
      sendError(response, 502, 'ServiceUnavailable', `The sqs emulator did not answer: ${messageOf(error)}`);
      return;
    }
    let parsed: unknown;
    try {
      parsed = answer.body.length > 0 ? JSON.parse(answer.body.toString('utf8')) : {};
    } catch {
      sendError(
        response,
        502,
        'ServiceUnavailable',
        'The sqs emulator answered with something other than JSON.',
      );
      return;
    }
    sendXml(response, jsonToQueryXml(json.action, answer.status, parsed, answer.headers));
  } catch (error) {
    if (response.headersSent) response.destroy();
    else if (error instanceof SqsQueryError) sendError(response, 400, error.code, error.message);
    else sendError(response, 500, 'InternalFailure', `The local sqs service failed: ${messageOf(error)}`);
  }
}
