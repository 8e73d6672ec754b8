import {
  type HttpError,
  MethodNotAllowedError,
  NotFoundError,
  Router,
} from '@aws-lambda-powertools/event-handler/http';
import type { RequestContext } from '@aws-lambda-powertools/event-handler/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { powertools, readEnvironment } from '@triggers/kit/runtime';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { SettingsSchema } from './contract.ts';
import {
  decodeCursor,
  encodeCursor,
  etagOf,
  MAX_BODY_BYTES,
  NewNoteSchema,
  NOTE_ID,
  type Note,
  NoteInputSchema,
  newNoteId,
  parseIfMatch,
  parseLimit,
  parseWith,
} from './notes.ts';
import { PROBLEM_CONTENT_TYPE, Problem, problemResponse } from './problem.ts';
import { NOTE_ROUTES } from './routes.ts';
import { NotesStore, type WriteResult } from './store.ts';

// Created once per execution environment, reused by every invocation it serves. A missing or empty
// NOTES_TABLE_NAME fails the cold start with one line naming it (see src/contract.ts).
const settings = readEnvironment(SettingsSchema);
const { logger, metrics } = powertools();
const store = new NotesStore(new DynamoDBClient({}), settings.NOTES_TABLE_NAME);
const app = new Router({ logger });

/** The API's routes and their methods, for a 405's Allow header (API Gateway itself only routes these). */
const ROUTES = NOTE_ROUTES.map(({ path, methods }) => ({
  pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  methods: methods.join(', '),
}));

type Ctx = RequestContext;

/**
 * The caller: the `sub` claim of the JWT that API Gateway's authorizer verified (HTTP API, payload 2.0), or of a
 * REST API Cognito authorizer (payload 1.0). A request without one never got past a correctly configured API.
 */
function userOf(reqCtx: Ctx): string {
  const authorizer = (reqCtx.event.requestContext as { authorizer?: Record<string, unknown> } | undefined)
    ?.authorizer;
  const claims = ((authorizer?.jwt as { claims?: unknown } | undefined)?.claims ?? authorizer?.claims) as
    | Record<string, unknown>
    | undefined;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) {
    throw new Problem(
      'unauthenticated',
      'This API needs a verified JWT with a sub claim (Authorization: Bearer …).',
    );
  }
  return sub;
}

const invalidNoteId = (id: string) =>
  new Problem(
    'validation-failed',
    `A note id is 1–64 letters, digits, _ or -, not ${JSON.stringify(id.slice(0, 70))}.`,
    {
      errors: [{ pointer: 'path:id', detail: '1–64 letters, digits, _ or -' }],
    },
  );

function noteIdOf(reqCtx: Ctx): string {
  const id = reqCtx.params.id ?? '';
  if (!NOTE_ID.test(id)) throw invalidNoteId(id);
  return id;
}

/** A request header as API Gateway passed it (names are lower-case in payload 2.0, as sent in 1.0). */
function headerOf(reqCtx: Ctx, name: string): string | null {
  const headers = (reqCtx.event.headers ?? {}) as Record<string, string | undefined>;
  const key = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return key === undefined ? null : (headers[key] ?? null);
}

/** The body as JSON: size first (413), then the media type (415), then the syntax (400). */
async function readJson(reqCtx: Ctx): Promise<unknown> {
  const text = await reqCtx.req.text();
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_BODY_BYTES) {
    throw new Problem(
      'content-too-large',
      `The body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES} bytes.`,
    );
  }
  // From the event, not the web Request: a Request given a string body defaults to text/plain.
  const contentType = headerOf(reqCtx, 'content-type');
  const [mediaType = '', ...parameters] = (contentType ?? '')
    .split(';')
    .map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length);
  if (
    mediaType !== 'application/json' ||
    (charset !== undefined && charset.replaceAll('"', '') !== 'utf-8')
  ) {
    throw new Problem(
      'unsupported-media-type',
      `Send the note as JSON with Content-Type: application/json (UTF-8), not ${contentType === null ? 'without a Content-Type' : JSON.stringify(contentType.slice(0, 100))}.`,
    );
  }
  if (text.trim() === '')
    throw new Problem('malformed-json', 'The body is empty; send the note as a JSON object.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Problem('malformed-json', `The body is not valid JSON: ${(error as Error).message}.`);
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const noteResponse = (status: number, note: Note, headers: Record<string, string> = {}) =>
  json(status, note, { etag: etagOf(note.version), ...headers });

/** 404 for a note that is not there — or is another user's: the key includes the user, so that is the same. */
const noSuchNote = (id: string) =>
  new Problem('not-found', `You have no note with id ${JSON.stringify(id)}.`);

/** What a conditional write returned, or the 404 or 412 that says why it did not happen. */
function unlessRefused<T>(result: WriteResult<T>, id: string, sentIfMatch: string | null): T {
  if (result.outcome === 'done') return result.value;
  if (result.outcome === 'missing') throw noSuchNote(id);
  metrics.addMetric('StaleWrites', MetricUnit.Count, 1);
  throw new Problem(
    'precondition-failed',
    `The note is at version ${result.currentVersion} (ETag ${etagOf(result.currentVersion)}), not ${sentIfMatch}: ` +
      'someone changed it since you read it. GET it again, reapply your change, and send the new ETag in If-Match.',
  );
}

app.post('/notes', async (reqCtx) => {
  const userId = userOf(reqCtx);
  const input = parseWith(NewNoteSchema, await readJson(reqCtx));
  const id = input.id ?? newNoteId();
  const note = await store.create(userId, id, input, new Date().toISOString());
  if (!note) {
    throw new Problem(
      'note-exists',
      `You already have a note with id ${JSON.stringify(id)}: GET /notes/${id} to see it, or PUT to change it.`,
    );
  }
  logger.info('Note created', { noteId: id });
  metrics.addMetric('NotesCreated', MetricUnit.Count, 1);
  return noteResponse(201, note, { location: `/notes/${id}` });
});

app.get('/notes', async (reqCtx) => {
  const userId = userOf(reqCtx);
  const query = new URL(reqCtx.req.url).searchParams;
  for (const name of ['limit', 'cursor']) {
    if (query.getAll(name).length > 1) {
      throw new Problem('validation-failed', `Send ${name} once, not ${query.getAll(name).length} times.`, {
        errors: [{ pointer: `query:${name}`, detail: 'repeated' }],
      });
    }
  }
  const limit = parseLimit(query.get('limit'));
  const cursor = query.get('cursor');
  const after = cursor === null ? undefined : decodeCursor(userId, cursor);
  const { notes, lastNoteId } = await store.list(userId, limit, after);
  return json(200, {
    items: notes,
    ...(lastNoteId !== undefined && { nextCursor: encodeCursor(userId, lastNoteId) }),
  });
});

app.get('/notes/:id', async (reqCtx) => {
  const userId = userOf(reqCtx);
  const id = noteIdOf(reqCtx);
  const note = await store.get(userId, id);
  if (!note) throw noSuchNote(id);
  return noteResponse(200, note);
});

app.put('/notes/:id', async (reqCtx) => {
  const userId = userOf(reqCtx);
  const id = noteIdOf(reqCtx);
  const ifMatch = headerOf(reqCtx, 'if-match');
  const expected = parseIfMatch(ifMatch, 'PUT');
  const input = parseWith(NoteInputSchema, await readJson(reqCtx));
  const result = await store.replace(userId, id, input, expected, new Date().toISOString());
  const note = unlessRefused(result, id, ifMatch);
  logger.info('Note updated', { noteId: id, version: note.version });
  metrics.addMetric('NotesUpdated', MetricUnit.Count, 1);
  return noteResponse(200, note);
});

app.delete('/notes/:id', async (reqCtx) => {
  const userId = userOf(reqCtx);
  const id = noteIdOf(reqCtx);
  const ifMatch = headerOf(reqCtx, 'if-match');
  const result = await store.remove(userId, id, parseIfMatch(ifMatch, 'DELETE'));
  unlessRefused(result, id, ifMatch);
  logger.info('Note deleted', { noteId: id });
  metrics.addMetric('NotesDeleted', MetricUnit.Count, 1);
  return new Response(null, { status: 204 });
});

const instanceOf = (reqCtx: Ctx) => {
  try {
    return new URL(reqCtx.req.url).pathname;
  } catch {
    return '/';
  }
};
const requestIdOf = (reqCtx: Ctx) =>
  (reqCtx.event.requestContext as { requestId?: string } | undefined)?.requestId;

/** A path no route matches: 405 with Allow if the path is ours and only the method is wrong, else 404. */
function noRouteFor(method: string, path: string): Problem {
  const route = ROUTES.find(({ pattern }) => pattern.test(path));
  return route
    ? new Problem(
        'method-not-allowed',
        `${method.slice(0, 20)} is not allowed on ${path}; use ${route.methods}.`,
        {
          headers: { allow: route.methods },
        },
      )
    : new Problem('not-found', `There is nothing at ${path}: the API serves /notes and /notes/{id}.`);
}

app.notFound(async (_error, reqCtx) => toResponse(noRouteFor(reqCtx.req.method, instanceOf(reqCtx)), reqCtx));

/** Everything a route throws: our problems as they are, what the router found wrong as 4xx, the rest as 500. */
app.errorHandler(Error, async (error, reqCtx) => toResponse(asProblem(error), reqCtx));

function asProblem(error: Error): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof URIError) {
    return new Problem(
      'bad-request',
      'The path has a malformed percent-encoding (a % not followed by two hex digits).',
    );
  }
  if (error.name === 'ParameterValidationError') {
    return new Problem('validation-failed', 'A note id must not be empty or blank.', {
      errors: [{ pointer: 'path:id', detail: 'must not be blank' }],
    });
  }
  if (error instanceof MethodNotAllowedError) return new Problem('method-not-allowed', error.message);
  if (error instanceof NotFoundError) return new Problem('not-found', error.message);
  if ((error as HttpError).statusCode !== undefined && (error as HttpError).statusCode < 500) {
    return new Problem('bad-request', error.message);
  }
  logger.error('Unexpected error', { error });
  return new Problem(
    'internal',
    'Something went wrong on our side. Try again; if it persists, quote the requestId.',
  );
}

function toResponse(problem: Problem, reqCtx: Ctx): Response {
  const requestId = requestIdOf(reqCtx);
  if (problem.status < 500) {
    logger.info('Request refused', {
      status: problem.status,
      kind: problem.kind,
      detail: problem.detail,
      requestId,
    });
    metrics.addMetric('ClientErrors', MetricUnit.Count, 1);
  }
  return problemResponse(problem, instanceOf(reqCtx), requestId);
}

/** Characters that cannot stand literally in a URL path (a `%` included: in a decoded path it is just a `%`). */
const NOT_IN_A_URL_PATH = /[%?#\s"<>\\^`{|}\p{Cc}\P{ASCII}]/gu;

/**
 * What the router cannot turn into a web Request is made readable first. An HTTP API hands over `rawPath`
 * percent-decoded, so a client's `%3F` arrives as `?` and would end the path: it is encoded again. A GET or HEAD
 * body is dropped (fetch's Request refuses one; API Gateway passes it on). Header values are kept as the Latin-1
 * view of their UTF-8 bytes, as Node's HTTP server would show them (Request headers hold only bytes).
 */
function readable(event: unknown): unknown {
  if (typeof event !== 'object' || event === null) return event;
  const candidate = event as {
    requestContext?: { http?: { method?: unknown } };
    httpMethod?: unknown;
    rawPath?: unknown;
    headers?: Record<string, unknown>;
    body?: unknown;
  };
  const method = String(candidate.requestContext?.http?.method ?? candidate.httpMethod ?? '').toUpperCase();
  const copy: Record<string, unknown> = { ...candidate };
  if (typeof candidate.rawPath === 'string') {
    copy.rawPath = candidate.rawPath.replace(NOT_IN_A_URL_PATH, (character) => encodeURIComponent(character));
  }
  if ((method === 'GET' || method === 'HEAD') && candidate.body != null) {
    copy.body = 'httpMethod' in candidate ? null : undefined;
  }
  if (candidate.headers && typeof candidate.headers === 'object') {
    copy.headers = Object.fromEntries(
      Object.entries(candidate.headers).map(([name, value]) => [
        name,
        typeof value === 'string' && /[\u0100-\u{10FFFF}]/u.test(value)
          ? Buffer.from(value).toString('latin1')
          : value,
      ]),
    );
  }
  return copy;
}

/** The methods the router knows (fetch's Request takes no others); API Gateway only routes GET, POST, PUT, DELETE. */
const KNOWN_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** A problem answered before routing, in API Gateway's result shape. */
function problemResult(problem: Problem, event: unknown): APIGatewayProxyStructuredResultV2 {
  logger.info('Request refused', { status: problem.status, kind: problem.kind, detail: problem.detail });
  metrics.addMetric('ClientErrors', MetricUnit.Count, 1);
  const { rawPath, requestContext } = (event ?? {}) as {
    rawPath?: unknown;
    requestContext?: { requestId?: unknown };
  };
  const path = typeof rawPath === 'string' ? rawPath : '/';
  const requestId = typeof requestContext?.requestId === 'string' ? requestContext.requestId : undefined;
  return {
    statusCode: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.extras.headers },
    body: JSON.stringify(problem.toJSON(path, requestId)),
    isBase64Encoded: false,
  };
}

/**
 * The Lambda handler. The router answers every request it can read; one it cannot (a header fetch refuses, a
 * Host that is not a host, an event that is not from API Gateway) is the client's doing, so a 400, not a crash.
 */
export async function handler(event: unknown, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  try {
    const http = (event as { requestContext?: { http?: { method?: unknown; path?: unknown } } } | null)
      ?.requestContext?.http;
    if (typeof http?.method === 'string' && !KNOWN_METHODS.has(http.method.toUpperCase())) {
      return problemResult(noRouteFor(http.method, typeof http.path === 'string' ? http.path : '/'), event);
    }
    // The id as API Gateway routed it (decoded), checked before the router parses the path as a URL, which would
    // read /notes/. or an escaped /notes/%2F as /notes/ — and a GET would list the notes instead of a 400.
    const id = (event as { pathParameters?: { id?: unknown } | null } | null)?.pathParameters?.id;
    if (typeof id === 'string' && !NOTE_ID.test(id)) return problemResult(invalidNoteId(id), event);
    const result = await app.resolve(readable(event), context);
    // No body, no media type: the router gives every response one (text/plain for an empty body).
    if (result.statusCode === 204) delete result.headers?.['content-type'];
    return result;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return problemResult(
      new Problem('bad-request', `The request could not be read as HTTP: ${detail.slice(0, 200)}`),
      event,
    );
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
