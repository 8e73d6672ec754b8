import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DeleteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import {
  type ApiGatewayV2Input,
  apiGatewayV1Event,
  apiGatewayV2Event,
  cognitoIdTokenClaims,
} from '@triggers/events';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../src/handler.ts';
import { encodeCursor, MAX_BODY_BYTES } from '../src/notes.ts';

const context = { functionName: 'notes-api', awsRequestId: 'request-1' } as Context;
const dynamo = mockClient(DynamoDBDocumentClient);

type Item = Record<string, unknown> & { userId: string; noteId: string; version: number };

/** What the store sends beside the key: the expressions, their placeholders and what to return on failure. */
interface Expressions {
  readonly ConditionExpression?: string;
  readonly UpdateExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
  readonly ReturnValuesOnConditionCheckFailure?: string;
}

const validationError = (message: string) =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });

/**
 * Reads the expressions as DynamoDB does, for the grammar the store uses: `attribute_exists(p)`,
 * `attribute_not_exists(p)`, `p IN (:a, …)` and `p = :a` joined by AND; `SET p = :a` and `SET p = p + :a`.
 * Anything else throws, so the fake never passes a condition it did not understand. As DynamoDB does, it refuses a
 * placeholder that is undefined or unused.
 */
function expressions(input: Expressions) {
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  // Checked before anything is read or written, as DynamoDB validates a request before running it.
  const used = new Set(
    `${input.ConditionExpression ?? ''} ${input.UpdateExpression ?? ''}`.match(/[#:]\w+/g) ?? [],
  );
  const unused = [...Object.keys(names), ...Object.keys(values)].filter((token) => !used.has(token));
  if (unused.length > 0)
    throw validationError(
      `Value provided in ExpressionAttributes unused in expressions: ${unused.join(', ')}`,
    );
  const name = (token: string) => {
    if (!token.startsWith('#')) return token;
    const resolved = names[token];
    if (resolved === undefined)
      throw validationError(`An expression attribute name is not defined: ${token}`);
    return resolved;
  };
  const value = (token: string) => {
    if (!Object.hasOwn(values, token))
      throw validationError(`An expression attribute value is not defined: ${token}`);
    return values[token];
  };
  const test = (clause: string, item: Item | undefined): boolean => {
    const exists = /^attribute_(not_)?exists\((\S+)\)$/.exec(clause);
    if (exists) return (item?.[name(exists[2] as string)] !== undefined) !== Boolean(exists[1]);
    const among = /^(\S+) IN \((.+)\)$/.exec(clause);
    if (among) {
      const actual = item?.[name(among[1] as string)];
      return (among[2] as string).split(/,\s*/).some((token) => value(token) === actual);
    }
    const equal = /^(\S+) = (:\w+)$/.exec(clause);
    if (equal) return item?.[name(equal[1] as string)] === value(equal[2] as string);
    throw new Error(`The fake table cannot evaluate the condition "${clause}"`);
  };
  const conditionHolds = (item: Item | undefined) =>
    input.ConditionExpression === undefined ||
    input.ConditionExpression.split(' AND ').every((clause) => test(clause.trim(), item));
  const update = (item: Record<string, unknown>) => {
    const set = /^SET (.+)$/.exec(input.UpdateExpression ?? '');
    if (!set) throw new Error(`The fake table cannot apply "${input.UpdateExpression}"`);
    const updated = { ...item };
    for (const assignment of (set[1] as string).split(/,\s*/)) {
      const parts = /^(\S+) = (\S+)(?: \+ (:\w+))?$/.exec(assignment);
      if (!parts) throw new Error(`The fake table cannot apply "${assignment}"`);
      const [, target, operand, addend] = parts as unknown as [string, string, string, string?];
      const current = operand.startsWith(':') ? value(operand) : item[name(operand)];
      if (current === undefined)
        throw validationError(
          'The provided expression refers to an attribute that does not exist in the item',
        );
      updated[name(target)] =
        addend === undefined ? current : (current as number) + (value(addend) as number);
    }
    return updated;
  };
  return { conditionHolds, update };
}

/** DynamoDB's attribute-value form, which errors carry: the document client does not unmarshall them. */
const attributeValues = (item: Item) =>
  Object.fromEntries(
    Object.entries(item).map(([field, value]) => [
      field,
      typeof value === 'number'
        ? { N: String(value) }
        : Array.isArray(value)
          ? { L: value.map((entry) => ({ S: String(entry) })) }
          : { S: String(value) },
    ]),
  );

/**
 * The notes table in memory, evaluating the condition and update expressions the store sends (so a write that
 * lost its condition overwrites, as in DynamoDB), returning the old item on a failed condition when asked
 * (ReturnValuesOnConditionCheckFailure), and Query pages in sort-key order with a LastEvaluatedKey whenever a page
 * stops at Limit (as DynamoDB does).
 */
function fakeNotesTable() {
  const items = new Map<string, Item>();
  const key = (userId: unknown, noteId: unknown) => `${userId}\u0000${noteId}`;
  const failed = (current: Item | undefined, input: Expressions) =>
    new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
      ...(current &&
        input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && { Item: attributeValues(current) }),
    });

  dynamo.on(PutCommand).callsFake((input: PutCommandInput) => {
    const item = input.Item as Item;
    const current = items.get(key(item.userId, item.noteId));
    if (!expressions(input).conditionHolds(current)) throw failed(current, input);
    items.set(key(item.userId, item.noteId), structuredClone(item));
    return {};
  });
  dynamo.on(GetCommand).callsFake((input: GetCommandInput) => ({
    Item: structuredClone(items.get(key(input.Key?.userId, input.Key?.noteId))),
  }));
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const userId = input.ExpressionAttributeValues?.[':userId'];
    const after = input.ExclusiveStartKey?.noteId as string | undefined;
    const mine = [...items.values()]
      .filter((item) => item.userId === userId && (after === undefined || item.noteId > after))
      .sort((a, b) => (a.noteId < b.noteId ? -1 : 1));
    const page = mine.slice(0, input.Limit);
    const last = page.at(-1);
    return {
      Items: structuredClone(page),
      ...(page.length === input.Limit && last && { LastEvaluatedKey: { userId, noteId: last.noteId } }),
    };
  });
  dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    const current = items.get(key(input.Key?.userId, input.Key?.noteId));
    const expression = expressions(input);
    if (!expression.conditionHolds(current)) throw failed(current, input);
    // Without a condition, an update of a missing item creates it from the key, as DynamoDB's does.
    const updated = expression.update(current ?? { ...input.Key }) as Item;
    items.set(key(input.Key?.userId, input.Key?.noteId), updated);
    return { Attributes: structuredClone(updated) };
  });
  dynamo.on(DeleteCommand).callsFake((input: DeleteCommandInput) => {
    const current = items.get(key(input.Key?.userId, input.Key?.noteId));
    if (!expressions(input).conditionHolds(current)) throw failed(current, input);
    items.delete(key(input.Key?.userId, input.Key?.noteId));
    return {};
  });
  return items;
}

interface Call extends Omit<ApiGatewayV2Input, 'jwtClaims'> {
  /** The signed-in user (the JWT `sub`); null for a request with no verified token. */
  readonly as?: string | null;
}

/** One request through the handler, as API Gateway would deliver it and as a client would read the answer. */
async function call(method: string, path: string, options: Call = {}) {
  const { as = 'alice', ...input } = options;
  const event = apiGatewayV2Event({
    method,
    path,
    routeKey: path.startsWith('/notes/') ? `${method} /notes/{id}` : `${method} ${path}`,
    ...input,
    ...(as !== null && { jwtClaims: cognitoIdTokenClaims({ sub: as }) }),
  });
  const result = await handler(event, context);
  const headers = result.headers ?? {};
  const text = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

const create = (note: object, as = 'alice') => call('POST', '/notes', { body: note, as });

/** The response is an RFC 9457 problem of this status and kind, with a detail that says something. */
function expectProblem(response: Awaited<ReturnType<typeof call>>, status: number, kind: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({
    type: `tag:lambda-triggers,2026:problem:${kind}`,
    title: expect.any(String),
    status,
    detail: expect.stringMatching(/\w{3,}.*\w/),
    instance: expect.stringMatching(/^\//),
  });
}

describe('notes API', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('creates, reads, lists, updates and deletes a note, with versions as ETags', async () => {
    // Prepare
    fakeNotesTable();

    // Act
    const created = await create({ title: 'Groceries', body: 'milk', tags: ['home'] });
    const id = created.body.id;
    const read = await call('GET', `/notes/${id}`);
    const listed = await call('GET', '/notes');
    const updated = await call('PUT', `/notes/${id}`, {
      body: { title: 'Groceries', body: 'milk, eggs' },
      headers: { 'If-Match': '"1"' },
    });
    const deleted = await call('DELETE', `/notes/${id}`, {
      headers: { 'If-Match': String(updated.headers.etag) },
    });
    const gone = await call('GET', `/notes/${id}`);

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers).toMatchObject({ location: `/notes/${id}`, etag: '"1"' });
    expect(created.body).toMatchObject({ title: 'Groceries', body: 'milk', tags: ['home'], version: 1 });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(read).toMatchObject({ status: 200, headers: { etag: '"1"' }, body: created.body });
    expect(listed.body).toEqual({ items: [created.body] });
    expect(updated).toMatchObject({
      status: 200,
      headers: { etag: '"2"' },
      body: { id, body: 'milk, eggs', tags: [], version: 2, createdAt: created.body.createdAt },
    });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(deleted.headers['content-type']).toBeUndefined();
    expectProblem(gone, 404, 'not-found');
  });

  it('keeps notes per user: another user’s note is a 404, exactly like a missing one', async () => {
    // Prepare
    const table = fakeNotesTable();
    const { body: note } = await create({ title: 'Alice only' });

    // Act
    const responses = {
      get: await call('GET', `/notes/${note.id}`, { as: 'bob' }),
      put: await call('PUT', `/notes/${note.id}`, {
        as: 'bob',
        body: { title: 'mine now' },
        headers: { 'If-Match': '*' },
      }),
      delete: await call('DELETE', `/notes/${note.id}`, { as: 'bob', headers: { 'If-Match': '"1"' } }),
      list: await call('GET', '/notes', { as: 'bob' }),
      missing: await call('GET', '/notes/no-such-note', { as: 'bob' }),
    };

    // Assess
    for (const response of [responses.get, responses.put, responses.delete]) {
      expectProblem(response, 404, 'not-found');
      expect(response.body.title).toBe(responses.missing.body.title);
    }
    expect(responses.list.body).toEqual({ items: [] });
    expect([...table.values()]).toEqual([
      expect.objectContaining({ userId: 'alice', title: 'Alice only', version: 1 }),
    ]);
  });

  it('pages through a user’s notes with opaque cursors, each note once, in id order', async () => {
    // Prepare
    fakeNotesTable();
    const ids = Array.from({ length: 25 }, (_, i) => `n-${String(i).padStart(2, '0')}`);
    for (const id of ids) await create({ id, title: id });
    await create({ id: 'bobs', title: 'not alice’s' }, 'bob');

    // Act
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', '/notes', { query: { limit: '10', ...(cursor && { cursor }) } });
      pages.push(page.body.items.map((note: { id: string }) => note.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const firstPageDefault = await call('GET', '/notes');

    // Assess
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(ids);
    expect(firstPageDefault.body.items).toHaveLength(20);
  });

  it.each([
    ['not base64url', 'not a cursor!'],
    ['base64url of something else', Buffer.from('hello').toString('base64url')],
    ['a cursor with a changed shape', Buffer.from('{"k":"n-1"}').toString('base64url')],
    ['a cursor with a key that is not a note id', Buffer.from('{"k":"../x","o":"y"}').toString('base64url')],
    ['another user’s cursor', encodeCursor('bob', 'n-1')],
    ['an overlong cursor', 'A'.repeat(5000)],
  ])('refuses %s with a 400, never a 500', async (_, cursor) => {
    // Prepare
    fakeNotesTable();

    // Act
    const response = await call('GET', '/notes', { query: { cursor } });

    // Assess
    expectProblem(response, 400, 'invalid-cursor');
    expect(response.body.errors).toEqual([{ pointer: 'query:cursor', detail: expect.any(String) }]);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it.each([['0'], ['101'], ['ten'], ['1.5'], ['-1'], ['']])('refuses limit=%j with a 400', async (limit) => {
    // Prepare
    fakeNotesTable();

    // Act
    const response = await call('GET', '/notes', { query: `limit=${limit}` });

    // Assess
    expectProblem(response, 400, 'validation-failed');
    expect(response.body.detail).toMatch(/limit must be a whole number from 1 to 100/);
  });

  it('refuses a repeated limit instead of picking one', async () => {
    // Prepare
    fakeNotesTable();

    // Act
    const response = await call('GET', '/notes', { query: 'limit=5&limit=50' });

    // Assess
    expectProblem(response, 400, 'validation-failed');
    expect(response.body.detail).toBe('Send limit once, not 2 times.');
  });

  describe('optimistic concurrency', () => {
    it.each(['PUT', 'DELETE'])(
      'answers %s with a stale If-Match with 412 and changes nothing',
      async (method) => {
        // Prepare
        const table = fakeNotesTable();
        const { body: note } = await create({ title: 'v1' });
        await call('PUT', `/notes/${note.id}`, { body: { title: 'v2' }, headers: { 'If-Match': '"1"' } });

        // Act
        const response = await call(method, `/notes/${note.id}`, {
          body: { title: 'lost update' },
          headers: { 'If-Match': '"1"' },
        });

        // Assess
        expectProblem(response, 412, 'precondition-failed');
        expect(response.body.detail).toMatch(/version 2 \(ETag "2"\), not "1"/);
        expect([...table.values()]).toEqual([expect.objectContaining({ title: 'v2', version: 2 })]);
      },
    );

    it.each(['PUT', 'DELETE'])(
      'requires If-Match on %s (428), so nobody overwrites blindly',
      async (method) => {
        // Prepare
        fakeNotesTable();
        const { body: note } = await create({ title: 'v1' });

        // Act
        const response = await call(method, `/notes/${note.id}`, { body: { title: 'blind' } });

        // Assess
        expectProblem(response, 428, 'precondition-required');
        expect(response.body.detail).toMatch(new RegExp(`^${method} needs an If-Match header`));
      },
    );

    it('accepts If-Match: * (any version) and a list of ETags', async () => {
      // Prepare
      fakeNotesTable();
      const { body: note } = await create({ title: 'v1' });

      // Act
      const star = await call('PUT', `/notes/${note.id}`, {
        body: { title: 'v2' },
        headers: { 'If-Match': '*' },
      });
      const list = await call('PUT', `/notes/${note.id}`, {
        body: { title: 'v3' },
        headers: { 'If-Match': '"1", "2"' },
      });

      // Assess
      expect(star.body.version).toBe(2);
      expect(list.body).toMatchObject({ title: 'v3', version: 3 });
    });

    it.each([
      ['a weak ETag', 'W/"1"', 412, 'precondition-failed', /weak ETags never match If-Match/],
      ['an unquoted version', '1', 400, 'validation-failed', /expected a quoted version like "3"/],
    ])('refuses %s in If-Match with a %i that says why', async (_, ifMatch, status, type, why) => {
      // Prepare
      fakeNotesTable();
      const { body: note } = await create({ title: 'v1' });

      // Act
      const response = await call('PUT', `/notes/${note.id}`, {
        body: { title: 'x' },
        headers: { 'If-Match': ifMatch },
      });

      // Assess
      expectProblem(response, status, type);
      expect(response.body.detail).toMatch(why);
    });

    it('answers a conditional write to a missing note with 404, not 412', async () => {
      // Prepare
      fakeNotesTable();

      // Act
      const response = await call('PUT', '/notes/nope', {
        body: { title: 'x' },
        headers: { 'If-Match': '"1"' },
      });

      // Assess
      expectProblem(response, 404, 'not-found');
    });
  });

  it('answers 409 when a client-chosen id exists, and keeps the first note', async () => {
    // Prepare
    const table = fakeNotesTable();
    await create({ id: 'shopping', title: 'first' });

    // Act
    const response = await create({ id: 'shopping', title: 'second' });

    // Assess
    expectProblem(response, 409, 'note-exists');
    expect(response.body.detail).toMatch(/already have a note with id "shopping"/);
    expect([...table.values()]).toEqual([expect.objectContaining({ title: 'first' })]);
  });

  describe('bad input is a 4xx problem that says what is wrong', () => {
    it.each([
      [
        'a body over the limit',
        { body: JSON.stringify({ title: 'x'.repeat(MAX_BODY_BYTES) }) },
        413,
        'content-too-large',
        /limit is 65536 bytes/,
      ],
      [
        'text/plain',
        { body: '{"title":"x"}', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported-media-type',
        /not "text\/plain"/,
      ],
      ['no content type', { body: '{"title":"x"}' }, 415, 'unsupported-media-type', /without a Content-Type/],
      [
        'another charset',
        { body: '{"title":"x"}', headers: { 'content-type': 'application/json; charset=iso-8859-1' } },
        415,
        'unsupported-media-type',
        /UTF-8/,
      ],
      [
        'malformed JSON',
        { body: '{"title": ', headers: { 'content-type': 'application/json' } },
        400,
        'malformed-json',
        /not valid JSON/,
      ],
      [
        'an empty body',
        { body: '', headers: { 'content-type': 'application/json' } },
        400,
        'malformed-json',
        /body is empty/,
      ],
      ['a JSON array', { body: [] }, 400, 'validation-failed', /must be a JSON object/],
      ['no title', { body: { body: 'text' } }, 400, 'validation-failed', /title must be a string/],
      ['a blank title', { body: { title: '   ' } }, 400, 'validation-failed', /title must not be blank/],
      [
        'a title too long',
        { body: { title: 't'.repeat(201) } },
        400,
        'validation-failed',
        /at most 200 characters/,
      ],
      [
        'a misspelt field',
        { body: { title: 'x', titel: 'y' } },
        400,
        'validation-failed',
        /unknown field: titel/,
      ],
      ['a bad id', { body: { title: 'x', id: 'a/b' } }, 400, 'validation-failed', /id is 1–64 letters/],
      [
        'a lone surrogate',
        { body: '{"title":"\\ud800"}', headers: { 'content-type': 'application/json' } },
        400,
        'validation-failed',
        /valid Unicode/,
      ],
    ])('POST with %s', async (_, request, status, kind, detail) => {
      // Prepare
      fakeNotesTable();

      // Act
      const response = await call('POST', '/notes', request as Call);

      // Assess
      expectProblem(response, status, kind);
      expect(response.body.detail).toMatch(detail);
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('lists every invalid field by JSON Pointer', async () => {
      // Prepare
      fakeNotesTable();

      // Act
      const response = await create({ title: 7, tags: ['ok', 'not ok', 3], colour: 'red' });

      // Assess
      expectProblem(response, 400, 'validation-failed');
      expect(response.body.detail).toMatch(/\(and 3 more, see errors\)\.$/);
      expect(response.body.errors).toEqual([
        { pointer: '/title', detail: 'title must be a string' },
        { pointer: '/tags/1', detail: 'a tag is letters, digits, _ or -' },
        { pointer: '/tags/2', detail: 'a tag must be a string' },
        { pointer: '/', detail: 'unknown field: colour' },
      ]);
    });

    it.each([
      ['an unknown path', 'GET', '/users', 404, 'not-found', undefined],
      ['PATCH on /notes/{id}', 'PATCH', '/notes/n-1', 405, 'method-not-allowed', 'DELETE, GET, PUT'],
      ['DELETE on /notes', 'DELETE', '/notes', 405, 'method-not-allowed', 'GET, POST'],
      ['a method fetch does not know', 'PROPFIND', '/notes', 405, 'method-not-allowed', 'GET, POST'],
      ['a malformed percent-encoding', 'GET', '/notes/%E0%A4%A', 400, 'validation-failed', undefined],
      [
        'an escaped ? (HTTP APIs decode the path)',
        'GET',
        '/notes/a%3Fb',
        400,
        'validation-failed',
        undefined,
      ],
      ['an escaped %', 'GET', '/notes/100%25', 400, 'validation-failed', undefined],
      ['a blank id', 'GET', '/notes/%20', 400, 'validation-failed', undefined],
      ['an id that is not one', 'GET', '/notes/a.b', 400, 'validation-failed', undefined],
    ])('%s', async (_, method, path, status, kind, allow) => {
      // Prepare
      fakeNotesTable();

      // Act
      const response = await call(method, path);

      // Assess
      expectProblem(response, status, kind);
      expect(response.headers.allow).toBe(allow);
    });

    it('answers a request without a verified user with 401', async () => {
      // Act
      const response = await call('GET', '/notes', { as: null });

      // Assess
      expectProblem(response, 401, 'unauthenticated');
      expect(dynamo.calls()).toHaveLength(0);
    });

    it('reads what API Gateway passes that fetch would refuse: a GET body, a UTF-8 header value', async () => {
      // Prepare
      fakeNotesTable();

      // Act
      const response = await call('GET', '/notes', { body: 'ignored', headers: { 'x-note': 'café €' } });

      // Assess
      expect(response.status).toBe(200);
    });

    it.each([
      ['GET', '/notes/.', '.'],
      ['PUT', '/notes/.', '.'],
      ['DELETE', '/notes/..', '..'],
      ['GET', '/notes//', '/'],
      ['PUT', '/notes/a/b', 'a/b'],
    ])(
      'answers %s %s (an id a URL parser would rewrite: a dot segment, an escaped /) with a 400',
      async (method, path, id) => {
        // Prepare
        fakeNotesTable();

        // Act: the HTTP API routed /notes/%2E, /notes/%2F or /notes/a%2Fb to /notes/{id} and decoded the path
        const response = await call(method, path, {
          pathParameters: { id },
          headers: { 'content-type': 'application/json', 'if-match': '*' },
          body: { title: 'x' },
        });

        // Assess: not the list (GET /notes/ as a URL), not a 404 for /notes/a/b, not a 405 for PUT /notes/
        expectProblem(response, 400, 'validation-failed');
        expect(response.body.detail).toContain(JSON.stringify(id));
        expect(dynamo.calls()).toHaveLength(0);
      },
    );

    it('answers an event that is not an HTTP request with a 400', async () => {
      // Act
      const result = await handler({ hello: 'world' }, context);

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
    });
  });

  it('serves the same notes behind a REST API (payload 1.0, Cognito authorizer)', async () => {
    // Prepare
    fakeNotesTable();
    const { body: note } = await create({ id: 'shared', title: 'from the HTTP API' });

    // Act
    const result = await handler(
      apiGatewayV1Event({
        method: 'GET',
        path: '/notes/shared',
        resource: '/notes/{id}',
        jwtClaims: cognitoIdTokenClaims({ sub: 'alice' }),
      }),
      context,
    );

    // Assess
    expect(result).toMatchObject({ statusCode: 200, headers: { etag: '"1"' } });
    expect(JSON.parse(result.body ?? '')).toEqual(note);
  });

  it('answers a REST API path with a malformed percent-escape with a 400', async () => {
    // Act
    const result = await handler(
      apiGatewayV1Event({ path: '/notes/%E0%A4%A', resource: '/notes/{id}', jwtClaims: { sub: 'alice' } }),
      context,
    );

    // Assess: the id REST passes on is not a note id (it is refused before the router tries to decode the path)
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '')).toMatchObject({
      type: 'tag:lambda-triggers,2026:problem:validation-failed',
      detail: 'A note id is 1–64 letters, digits, _ or -, not "%E0%A4%A".',
    });
  });

  it('answers a malformed percent-escape the router meets with a 400', async () => {
    // Act: an event without path parameters (invoked directly), so the router decodes the path itself
    const result = await handler(
      apiGatewayV1Event({
        path: '/notes/%E0%A4%A',
        resource: '/notes/{id}',
        pathParameters: {},
        jwtClaims: { sub: 'alice' },
      }),
      context,
    );

    // Assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '')).toMatchObject({
      type: 'tag:lambda-triggers,2026:problem:bad-request',
      detail: expect.stringMatching(/malformed percent-encoding/),
    });
  });

  it('answers a DynamoDB failure with a 500 problem that gives nothing away', async () => {
    // Prepare
    dynamo.on(QueryCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: 'Rate exceeded for table notes',
        $metadata: {},
      }),
    );

    // Act
    const response = await call('GET', '/notes');

    // Assess
    expectProblem(response, 500, 'internal');
    expect(JSON.stringify(response.body)).not.toMatch(/Rate exceeded|notes table|Provisioned|\n\s+at /);
    expect(response.body.requestId).toEqual(expect.any(String));
  });
});

describe('notes API under generated bad requests', () => {
  /**
   * Requests a careless, confused or hostile client might send, each through API Gateway's event shape. Most are
   * near misses of valid requests (the right route, a JSON body with one thing wrong), so that every status the API
   * can give comes up; the rest are noise: odd methods, paths, escapes, cursors, media types and bytes.
   */
  const often = <T>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 6 });
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 1 });
  const noteLike = fc.oneof(
    often(
      fc
        .record(
          {
            id: fc.constantFrom('n-1', 'n-2', 'new-note'),
            title: fc.string({ minLength: 1, maxLength: 30 }),
          },
          { requiredKeys: ['title'] },
        )
        .map((note) => JSON.stringify(note)),
    ),
    sometimes(
      fc
        .record(
          {
            id: fc.oneof(fc.string({ maxLength: 70 }), fc.anything()),
            title: fc.oneof(fc.string({ maxLength: 210 }), fc.anything()),
            body: fc.oneof(fc.string({ maxLength: 50 }), fc.anything()),
            tags: fc.oneof(fc.array(fc.string({ maxLength: 35 }), { maxLength: 12 }), fc.anything()),
            extra: fc.anything(),
          },
          { requiredKeys: [] },
        )
        .map((note) => JSON.stringify(note)),
    ),
  );
  const badRequest = fc.record({
    method: fc.oneof(
      often(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE')),
      sometimes(fc.constantFrom('PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'get', 'PROPFIND')),
    ),
    path: fc.oneof(
      often(fc.constantFrom('/notes', '/notes/n-1', '/notes/n-2', '/notes/new-note')),
      sometimes(
        fc.oneof(
          fc.string({ maxLength: 80 }).map((id) => `/notes/${encodeURIComponent(id)}`),
          fc.string({ maxLength: 80 }).map((id) => `/notes/${id.replaceAll('/', '')}`),
          fc.webPath(),
          fc.constantFrom('/notes/', '/notes/%', '/notes/%zz', '/notes/a/b', '//notes', '/notes/..', '/'),
        ),
      ),
    ),
    query: fc.oneof(
      often(fc.constant(undefined)),
      sometimes(
        fc.oneof(
          fc.string({ maxLength: 40 }).map((limit) => `limit=${encodeURIComponent(limit)}`),
          fc.string({ maxLength: 300 }).map((cursor) => `cursor=${encodeURIComponent(cursor)}`),
          fc.base64String({ maxLength: 200 }).map((cursor) => `cursor=${cursor.replaceAll('=', '')}`),
          fc.webQueryParameters(),
        ),
      ),
    ),
    contentType: fc.oneof(
      often(fc.constant('application/json')),
      sometimes(fc.constant(null)),
      sometimes(
        fc.constantFrom(
          'application/json; charset=utf-8',
          'APPLICATION/JSON',
          'text/plain',
          'application/xml',
        ),
      ),
      sometimes(fc.string({ maxLength: 40 })),
    ),
    ifMatch: fc.oneof(
      often(fc.constantFrom('"1"', '"2"', '*')),
      sometimes(fc.constant(null)),
      sometimes(fc.constantFrom('"2", "1"', 'W/"1"', '""', '"0"', '1')),
      sometimes(fc.string({ maxLength: 30 })),
    ),
    body: fc.oneof(
      often(noteLike),
      sometimes(fc.constant(null)),
      sometimes(fc.json({ maxDepth: 3 })),
      sometimes(fc.string({ maxLength: 200, unit: 'binary' })),
      sometimes(fc.constant(`{"title":"${'x'.repeat(MAX_BODY_BYTES)}"}`)),
    ),
    isBase64Encoded: fc.oneof(often(fc.constant(false)), sometimes(fc.constant(true))),
    sub: fc.oneof(
      often(fc.constantFrom('alice', 'bob')),
      sometimes(fc.constant(null)),
      sometimes(fc.string({ maxLength: 200 })),
    ),
  });

  it('never answers with a 5xx, and every 4xx is a problem+json that matches its status', async () => {
    // Prepare
    fakeNotesTable();
    await create({ id: 'n-1', title: 'exists' });

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(badRequest, async (request) => {
        const event = apiGatewayV2Event({
          method: request.method,
          path: request.path,
          query: request.query,
          headers: {
            ...(request.contentType !== null && { 'content-type': request.contentType }),
            ...(request.ifMatch !== null && { 'if-match': request.ifMatch }),
          },
          ...(request.body !== null && { body: request.body, isBase64Encoded: request.isBase64Encoded }),
          ...(request.sub !== null && { jwtClaims: { sub: request.sub } }),
        });
        const result = await handler(event, context);
        const status = result.statusCode ?? 200;
        expect(status).toBeLessThan(500);
        if (status >= 400) {
          expect(result.headers?.['content-type']).toBe('application/problem+json');
          const problem = JSON.parse(result.body ?? '');
          expect(problem).toMatchObject({
            status,
            type: expect.any(String),
            title: expect.any(String),
            detail: expect.any(String),
          });
          expect(problem.detail).not.toMatch(/\n\s+at /);
        }
      }),
      { numRuns: 1_500 },
    );
  });
});

describe('notes API settings', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['missing', undefined, /^NOTES_TABLE_NAME is not set: the notes table name is required \(/],
    ['empty', '', /^NOTES_TABLE_NAME is "": a DynamoDB table name is 3–255 letters/],
    ['not a table name', 'my notes', /^NOTES_TABLE_NAME is "my notes": a DynamoDB table name/],
  ])('fails the cold start with one line naming NOTES_TABLE_NAME when it is %s', async (_, value, line) => {
    // Prepare: a fresh execution environment whose table name is wrong
    vi.resetModules();
    vi.stubEnv('NOTES_TABLE_NAME', value);

    // Act
    const coldStart = import('../src/handler.ts');

    // Assess
    await expect(coldStart).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(line),
    });
    await expect(coldStart).rejects.not.toThrow(/\n/);
  });
});
