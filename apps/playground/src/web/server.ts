/**
 * The playground's web server: one page over the running local cloud, on 127.0.0.1. The page is static HTML with
 * one small script (no build step, nothing fetched from outside); this server gives it JSON and a live feed:
 *
 *   GET  /api/integrations                    each deployed integration: resources, outputs, flow, samples, commands
 *   GET  /api/live                            server-sent events: invocations, logs, trigger notices, deliveries
 *   POST /api/fire                            send a sample (or its poison twin) through its real trigger
 *   GET  /api/look?integration=…&output=…     what the resource an output names holds now
 *   POST /api/redrive                         move a dead-letter queue's messages back to their source queue
 *   GET  /api/cost?integration=…&events=N     the monthly bill at N events, from this run's measurements
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { integrationOfStack } from '@triggers/infra';
import type { IntegrationDescriptor, TriggerInput } from '@triggers/kit';
import { formatLogEvent, type LocalCloud } from '@triggers/local-cloud';
import { PricingInputError } from '@triggers/pricing';
import { costView } from './cost.ts';
import { LiveFeed, type LiveOptions } from './live.ts';
import { Looker } from './look.ts';
import { functionIndex, type IntegrationView, integrationViews, invocationView } from './model.ts';
import { Senders, ServiceRefusal } from './senders.ts';

export const DEFAULT_PAGE_PORT = 4567;

/** A request body the page may send: a 10 MB message must reach the service, to get the service's own answer. */
const MAX_REQUEST_BYTES = 12 * 1024 * 1024;
/** What the page shows of one log line. */
const MAX_LOG_CHARS = 4096;

export interface Playground {
  /** e.g. http://127.0.0.1:4567 */
  readonly url: string;
  /** The live feed, for the test that shows its memory stays bounded. */
  readonly live: LiveFeed;
  stop(): Promise<void>;
}

export interface PlaygroundOptions {
  /** 4567 by default; 0 picks a free one. */
  readonly port?: number;
  /** The descriptor of a deployed stack; the shared app's by default. */
  readonly descriptorOf?: (stackName: string) => IntegrationDescriptor | undefined;
  readonly live?: LiveOptions;
}

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** A request the page got wrong: answered with its status and one sentence. */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Serves the page; rejects with one sentence when the port is taken. */
export async function startPlayground(
  cloud: LocalCloud,
  options: PlaygroundOptions = {},
): Promise<Playground> {
  const views = integrationViews(cloud, options.descriptorOf ?? integrationOfStack);
  const functions = functionIndex(views);
  const live = new LiveFeed(options.live);
  const senders = new Senders(cloud.clientConfig);
  const looker = new Looker(cloud.clientConfig);
  const functionOf = (group: string) =>
    cloud.lambda.listFunctions().find((config) => config.logGroupName === group)?.name ?? group;

  const labelOf = (functionName: string) => functions.get(functionName)?.label ?? functionName;
  const stopWatching = cloud.watch({
    invocation: (record) =>
      live.publish('invocation', {
        ...invocationView(record, functions.get(record.functionName)?.integration),
        functionLabel: labelOf(record.functionName),
      }),
    notice: (notice) =>
      live.publish('notice', {
        ...notice,
        integration: functions.get(notice.functionName)?.integration,
        functionLabel: labelOf(notice.functionName),
      }),
    delivery: (delivery) => live.publish('delivery', delivery),
  });
  const onLogs = (
    group: string,
    _stream: string,
    events: readonly { timestamp: number; message: string }[],
  ) => {
    const source = functionOf(group);
    for (const event of events) {
      // As the terminal shows it: START/REPORT lines, `LEVEL message {keys}` for structured logs.
      const line = formatLogEvent(labelOf(source), event);
      const message = line.length > MAX_LOG_CHARS ? `${line.slice(0, MAX_LOG_CHARS)}…` : line;
      live.publish('log', { at: event.timestamp, integration: functions.get(source)?.integration, message });
    }
  };
  cloud.logStore.on('events', onLogs);

  const api = new Api(cloud, views, senders, looker);
  const server = createServer((request, response) => {
    handle(request, response, api, live).catch((error: unknown) => {
      // Whatever went wrong, the server answers and keeps serving.
      if (!response.headersSent)
        sendJson(response, 500, { error: { code: 'InternalError', message: messageOf(error) } });
      else response.end();
    });
  });
  // The live feed holds connections open: closing the server must not wait for them.
  server.keepAliveTimeout = 1000;
  const port = options.port ?? DEFAULT_PAGE_PORT;
  try {
    await listen(server, port);
  } catch (error) {
    stopWatching();
    cloud.logStore.off('events', onLogs);
    live.stop();
    senders.stop();
    looker.stop();
    throw error;
  }
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    live,
    async stop() {
      stopWatching();
      cloud.logStore.off('events', onLogs);
      live.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      senders.stop();
      looker.stop();
    },
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  api: Api,
  live: LiveFeed,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const route = `${request.method} ${url.pathname}`;
  const asset = request.method === 'GET' ? STATIC[url.pathname] : undefined;
  try {
    if (asset) return sendStatic(response, asset);
    if (route === 'GET /favicon.ico') return void response.writeHead(204).end();
    if (route === 'GET /api/live') return live.attach(response);
    if (route === 'GET /api/integrations') return sendJson(response, 200, api.integrations());
    if (route === 'GET /api/look') return sendJson(response, 200, await api.look(url.searchParams));
    if (route === 'GET /api/cost') return sendJson(response, 200, api.cost(url.searchParams));
    if (route === 'POST /api/fire') return sendJson(response, 200, await api.fire(await readJson(request)));
    if (route === 'POST /api/redrive')
      return sendJson(response, 200, await api.redrive(await readJson(request)));
    throw new BadRequest(404, `There is no ${request.method} ${url.pathname} here.`);
  } catch (error) {
    if (error instanceof BadRequest) {
      return sendJson(response, error.status, { error: { code: 'BadRequest', message: error.message } });
    }
    if (error instanceof ServiceRefusal || error instanceof PricingInputError) {
      const code = error instanceof ServiceRefusal ? error.code : 'InvalidInput';
      return sendJson(response, 400, { error: { code, message: error.message } });
    }
    throw error;
  }
}

/** The page's requests, answered from the views built at start and the cloud's records. */
class Api {
  constructor(
    readonly cloud: LocalCloud,
    readonly views: readonly IntegrationView[],
    readonly senders: Senders,
    readonly looker: Looker,
  ) {}

  integrations() {
    return { endpoint: this.cloud.endpoint, integrations: this.views };
  }

  async fire(body: Record<string, unknown>) {
    const view = this.#view(body.integration);
    const sample = view.samples.find((candidate) => candidate.name === body.sample);
    if (!sample) throw new BadRequest(404, `${view.name} has no sample "${String(body.sample)}".`);
    if (body.variant !== 'sample' && body.variant !== 'poison') {
      throw new BadRequest(400, 'variant must be "sample" or "poison".');
    }
    const input = withEdits(body.variant === 'poison' ? sample.poison.input : sample.input, body.edits);
    return this.senders.send(input, view.outputs);
  }

  async look(query: URLSearchParams) {
    const view = this.#view(query.get('integration'));
    const output = query.get('output') ?? '';
    const value = view.outputs[output];
    if (value === undefined) throw new BadRequest(404, `${view.name} has no output "${output}".`);
    const stack = this.cloud.stacks.find((candidate) => candidate.stackName === view.stackId);
    const resource = stack?.resources.find(
      (candidate) =>
        candidate.physicalId === value ||
        (candidate.physicalId !== undefined && value.endsWith(`/${candidate.physicalId}`)),
    );
    if (!resource)
      return { kind: 'other', name: value, note: 'Not a resource to list: the answer above is the effect.' };
    const failures = view.flow
      .flatMap((row) => row.failures)
      .filter((failure) => failure.to.logicalId === resource.logicalId);
    const contents = await this.looker.contents(resource, { deadLetter: failures.length > 0 });
    // SQS redrives a dead-letter queue to its source queue; a Lambda DLQ has no source queue to go back to.
    const redrivable = failures.some((failure) => failure.via === 'redrive policy');
    return { ...contents, logicalId: resource.logicalId, redrivable };
  }

  async redrive(body: Record<string, unknown>) {
    const view = this.#view(body.integration);
    const stack = this.cloud.stacks.find((candidate) => candidate.stackName === view.stackId);
    const failure = view.flow
      .flatMap((row) => row.failures)
      .find((candidate) => candidate.via === 'redrive policy' && candidate.to.logicalId === body.queue);
    const urlOf = (logicalId: string | undefined) =>
      stack?.resources.find((resource) => resource.logicalId === logicalId)?.physicalId;
    const deadLetterUrl = urlOf(failure?.to.logicalId);
    const sourceUrl = urlOf(failure?.from.logicalId);
    if (!failure || !deadLetterUrl || !sourceUrl) {
      throw new BadRequest(
        400,
        `${String(body.queue)} is not the dead-letter queue of a queue in ${view.name}: nothing to redrive.`,
      );
    }
    const moved = await this.looker.redrive(deadLetterUrl, sourceUrl);
    return {
      moved,
      summary: `Moved ${moved} ${moved === 1 ? 'message' : 'messages'} back to ${failure.from.label}.`,
    };
  }

  cost(query: URLSearchParams) {
    const view = this.#view(query.get('integration'));
    const text = query.get('events') ?? '';
    if (!/^\d+$/.test(text)) throw new BadRequest(400, `events must be a whole number, not "${text}".`);
    const functions = new Set(
      view.resources
        .filter((resource) => resource.type === 'AWS::Lambda::Function')
        .map((resource) => resource.physicalId),
    );
    const measured = this.cloud.invocations.filter((record) => functions.has(record.functionName));
    return costView(view.name, Number(text), measured);
  }

  #view(name: unknown): IntegrationView {
    const view = this.views.find((candidate) => candidate.name === name);
    if (!view) {
      throw new BadRequest(
        404,
        `No integration "${String(name)}" runs here; running: ${this.views.map((v) => v.name).join(', ')}.`,
      );
    }
    return view;
  }
}

/** The sample's input with what the learner changed on the page: the body, the key, the data (never the target). */
function withEdits(input: TriggerInput, edits: unknown): TriggerInput {
  if (edits === undefined) return input;
  if (edits === null || typeof edits !== 'object') throw new BadRequest(400, 'edits must be an object.');
  const { text, key } = edits as { text?: unknown; key?: unknown };
  if (text !== undefined && typeof text !== 'string')
    throw new BadRequest(400, 'edits.text must be a string.');
  if (key !== undefined && typeof key !== 'string') throw new BadRequest(400, 'edits.key must be a string.');
  switch (input.kind) {
    case 'sqs-message':
      return text === undefined ? input : { ...input, body: text };
    case 'http-request':
      return text === undefined ? input : { ...input, body: text };
    case 'kinesis-record':
    case 'firehose-record':
      return text === undefined ? input : { ...input, data: text };
    case 's3-object':
      return {
        ...input,
        ...(key === undefined ? {} : { key }),
        ...(text === undefined || !('text' in input.content) ? {} : { content: { text } }),
      };
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      throw new BadRequest(
        413,
        `The request is over ${MAX_REQUEST_BYTES / 1024 / 1024} MB: the playground takes no more.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest(400, 'The request body is not JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest(400, 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

const assets = new Map<string, Buffer>();

function sendStatic(response: ServerResponse, asset: { file: string; type: string }): void {
  let content = assets.get(asset.file);
  if (!content) {
    content = readFileSync(new URL(`./static/${asset.file}`, import.meta.url));
    assets.set(asset.file, content);
  }
  response.writeHead(200, {
    'content-type': asset.type,
    'cache-control': 'no-cache',
    // Nothing from outside: scripts, styles and connections stay on this origin.
    'content-security-policy': "default-src 'self'; img-src 'self' data:",
  });
  response.end(content);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${port} is in use: stop what holds it, or give the page another (--page-port N, 0 for a free one).`
            : `The playground page could not listen on 127.0.0.1:${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
