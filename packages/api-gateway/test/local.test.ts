/**
 * End to end in the local cloud: the synthesized ApiGatewayStack (template and real bundle) deployed onto the local
 * HTTP API front, cognito-local and DynamoDB Local, driven over real HTTP with real tokens, judged by the answers a
 * client gets and by what lands in the table.
 */
import { connect } from 'node:net';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { LocalCloud } from '@triggers/local-cloud';
import {
  deployLocally,
  type LocalDeployment,
  signCognitoLocalToken,
  signUpAndSignIn,
} from '@triggers/local-cloud/testing';
import fc from 'fast-check';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Note } from '../src/notes.ts';
import { PROBLEM_CONTENT_TYPE } from '../src/problem.ts';
import { ApiGatewayStack } from '../src/stack.ts';

const PASSWORD = 'Correct-Horse-42';
const PROBLEM_TYPE = 'tag:lambda-triggers,2026:problem:';

interface User {
  readonly token: string;
  readonly sub: string;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

// One local cloud for the file: the stack as the tests drive it (stage throttle raised, so a test's burst is not
// answered with 429s) and, beside it, the stack with the default stage throttle.
const STACK = 'Triggers-ApiGateway';
const THROTTLED_STACK = 'Triggers-ApiGateway-DefaultThrottle';
let deployment: LocalDeployment;

beforeAll(async () => {
  deployment = await deployLocally((app) => {
    new ApiGatewayStack(app, STACK, {
      integration: { throttleRateLimit: 10_000, throttleBurstLimit: 10_000 },
    });
    new ApiGatewayStack(app, THROTTLED_STACK);
  });
}, 120_000);

afterAll(async () => {
  await deployment?.stop();
});

describe('ApiGatewayStack in the local cloud', () => {
  let cloud: LocalCloud;
  let outputs: Readonly<Record<string, string>>;
  let api: string;
  let issuer: string;
  let cognito: CognitoIdentityProviderClient;
  let dynamodb: DynamoDBClient;
  let ada: User;
  let bob: User;

  beforeAll(async () => {
    cloud = deployment.cloud;
    outputs = deployment.stackOutputs[STACK] ?? {};
    api = outputs.ApiUrl ?? '';
    issuer = `${cloud.endpoint}/${outputs.UserPoolId}`;
    cognito = deployment.client(CognitoIdentityProviderClient);
    dynamodb = deployment.client(DynamoDBClient);
    ada = await signIn('ada');
    bob = await signIn('bob');
  }, 120_000);

  /** A confirmed user's ID token, from sign-up, admin confirmation and sign-in through the gateway (SDK v3). */
  async function signIn(username: string): Promise<User> {
    const { idToken } = await signUpAndSignIn(cognito, {
      userPoolId: outputs.UserPoolId ?? '',
      clientId: outputs.UserPoolClientId ?? '',
      username,
      password: PASSWORD,
    });
    return { token: idToken, sub: String(decodeJwt(idToken).sub) };
  }

  /** A request to the API with fetch. A string body is sent as JSON unless a content-type is given. */
  async function call(
    method: string,
    path: string,
    options: { token?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
      ...(typeof options.body === 'string' && { 'content-type': 'application/json' }),
      ...options.headers,
    };
    const response = await fetch(`${api}${path}`, { method, headers, body: options.body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: <T>() => JSON.parse(text) as T,
    };
  }

  const create = (user: User, note: Record<string, unknown>) =>
    call('POST', '/notes', { token: user.token, body: JSON.stringify(note) });

  /** Every note of the user, page by page: the pages' sizes and the ids in order. */
  async function listAll(user: User, limit: number) {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const query = `?limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const answer = await call('GET', `/notes${query}`, { token: user.token });
      expect(answer.status, answer.text).toBe(200);
      const page = answer.json<{ items: Note[]; nextCursor?: string }>();
      pages.push(page.items.map((note) => note.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 10);
    return pages;
  }

  async function storedItem(user: User, noteId: string) {
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: outputs.TableName,
        Key: { userId: { S: user.sub }, noteId: { S: noteId } },
      }),
    );
    return Item;
  }

  /** One HTTP/1.1 request written byte for byte (no client library normalizes the path or the headers). */
  function raw(request: string | Buffer): Promise<{ status: number; headers: string; body: string }> {
    const { port } = new URL(api);
    return new Promise((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const [head = '', ...rest] = text.split('\r\n\r\n');
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
          headers: head,
          body: rest.join('\r\n\r\n'),
        });
      };
      socket.on('close', done);
      socket.on('error', () => undefined);
      socket.write(request);
    });
  }

  /** Claims an ID token from this pool's app client carries. */
  const idClaims = (sub: string) => ({ sub, aud: outputs.UserPoolClientId, token_use: 'id' });
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

  function expectProblem(answer: Answer, status: number, kind: string) {
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const problem = answer.json<{ type: string; status: number; detail: string }>();
    expect(problem).toMatchObject({ type: `${PROBLEM_TYPE}${kind}`, status });
    expect(problem.detail.length).toBeGreaterThan(10);
    return problem;
  }

  /** API Gateway's own answers (401, 404 for an unknown route, 429) are `{"message": …}`, not problem+json. */
  function expectGatewayAnswer(answer: Answer, status: number, message: string) {
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.json()).toEqual({ message });
  }

  describe('the notes of two users', () => {
    it('creates, lists page by page, reads, updates with If-Match and deletes a note', async () => {
      // Prepare: five notes for Ada, one of them with an id of her choosing
      const created: Note[] = [];
      for (const n of [1, 2, 3, 4]) {
        const answer = await create(ada, { title: `Note ${n}`, body: `body ${n}`, tags: ['e2e'] });
        expect(answer.status, answer.text).toBe(201);
        created.push(answer.json<Note>());
      }
      const groceries = await create(ada, { id: 'groceries', title: 'Groceries', body: 'milk' });

      // Act
      const pages = await listAll(ada, 2);
      const read = await call('GET', '/notes/groceries', { token: ada.token });
      const updated = await call('PUT', '/notes/groceries', {
        token: ada.token,
        headers: { 'if-match': read.headers.get('etag') ?? '' },
        body: JSON.stringify({ title: 'Groceries', body: 'milk, eggs', tags: ['shop'] }),
      });
      const stale = await call('PUT', '/notes/groceries', {
        token: ada.token,
        headers: { 'if-match': '"1"' },
        body: JSON.stringify({ title: 'Groceries', body: 'oops' }),
      });
      const storedAfterUpdate = await storedItem(ada, 'groceries');
      const firstId = created[0]?.id ?? '';
      const deleted = await call('DELETE', `/notes/${firstId}`, {
        token: ada.token,
        headers: { 'if-match': '"1"' },
      });
      const gone = await call('GET', `/notes/${firstId}`, { token: ada.token });

      // Assess: created with a location and ETag "1"; three pages of 2, 2 and 1 in id order, each note once
      expect(groceries.status, groceries.text).toBe(201);
      expect(groceries.headers.get('location')).toBe('/notes/groceries');
      expect(groceries.headers.get('etag')).toBe('"1"');
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      const allIds = [...created.map((note) => note.id), 'groceries'];
      expect(pages.flat()).toEqual([...allIds].sort());
      expect(read.status).toBe(200);
      expect(read.json<Note>()).toMatchObject({
        id: 'groceries',
        title: 'Groceries',
        body: 'milk',
        version: 1,
      });
      expect(read.headers.get('etag')).toBe('"1"');
      expect(updated.status, updated.text).toBe(200);
      expect(updated.headers.get('etag')).toBe('"2"');
      expect(updated.json<Note>()).toMatchObject({ body: 'milk, eggs', tags: ['shop'], version: 2 });
      expectProblem(stale, 412, 'precondition-failed');
      // The data really is in DynamoDB Local, in Ada's partition, at the version the API reported
      expect(storedAfterUpdate).toMatchObject({
        userId: { S: ada.sub },
        noteId: { S: 'groceries' },
        body: { S: 'milk, eggs' },
        version: { N: '2' },
      });
      expect(deleted.status, deleted.text).toBe(204);
      expect(deleted.text).toBe('');
      expectProblem(gone, 404, 'not-found');
      expect(await storedItem(ada, firstId)).toBeUndefined();
    });

    it("keeps one user's notes from another: Bob can't see, list, update or delete Ada's", async () => {
      // Prepare
      const adas = await create(ada, { id: 'diary', title: 'Dear diary', body: 'private' });
      expect(adas.status, adas.text).toBe(201);

      // Act
      const read = await call('GET', '/notes/diary', { token: bob.token });
      const list = await call('GET', '/notes', { token: bob.token });
      const update = await call('PUT', '/notes/diary', {
        token: bob.token,
        headers: { 'if-match': '*' },
        body: JSON.stringify({ title: 'Hacked' }),
      });
      const remove = await call('DELETE', '/notes/diary', { token: bob.token, headers: { 'if-match': '*' } });
      const ownDiary = await create(bob, { id: 'diary', title: "Bob's diary" });

      // Assess: 404s as if the note were not there, an empty list, Ada's note untouched
      expectProblem(read, 404, 'not-found');
      expect(list.status).toBe(200);
      expect(list.json()).toEqual({ items: [] });
      expectProblem(update, 404, 'not-found');
      expectProblem(remove, 404, 'not-found');
      expect(ownDiary.status, ownDiary.text).toBe(201);
      expect(await storedItem(ada, 'diary')).toMatchObject({
        title: { S: 'Dear diary' },
        version: { N: '1' },
      });
      expect(await storedItem(bob, 'diary')).toMatchObject({ title: { S: "Bob's diary" } });
      const adasView = await call('GET', '/notes/diary', { token: ada.token });
      expect(adasView.json<Note>()).toMatchObject({ title: 'Dear diary', body: 'private' });
    });

    it("refuses Ada's list cursor in Bob's listing", async () => {
      // Prepare: a cursor from the first page of Ada's listing
      await create(ada, { id: 'page-1', title: 'First' });
      await create(ada, { id: 'page-2', title: 'Second' });
      const page = await call('GET', '/notes?limit=1', { token: ada.token });
      const cursor = page.json<{ nextCursor: string }>().nextCursor;

      // Act
      const answer = await call('GET', `/notes?cursor=${cursor}`, { token: bob.token });

      // Assess
      expect(cursor).toEqual(expect.any(String));
      const problem = expectProblem(answer, 400, 'invalid-cursor');
      expect(problem.detail).toContain('another user');
    });
  });

  describe('requests without a valid token', () => {
    it.each([
      ['no token', async () => undefined],
      [
        'an expired token',
        () =>
          signCognitoLocalToken(idClaims(ada.sub), { issuer, expiresAt: Math.floor(Date.now() / 1000) - 60 }),
      ],
      [
        'a token forged with another key',
        async () => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT(idClaims(ada.sub))
            .setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' })
            .setIssuer(issuer)
            .setIssuedAt()
            .setExpirationTime(inAnHour())
            .sign(privateKey);
        },
      ],
      [
        'a token for another audience',
        () =>
          signCognitoLocalToken(
            { ...idClaims(ada.sub), aud: 'another-app' },
            { issuer, expiresAt: inAnHour() },
          ),
      ],
      [
        'a token of another issuer',
        () => signCognitoLocalToken(idClaims(ada.sub), { issuer: `${issuer}x`, expiresAt: inAnHour() }),
      ],
      ['a token that is not a JWT', async () => 'not-a-jwt'],
    ])('answers 401 to %s, from API Gateway, before the function runs', async (_name, token) => {
      // Prepare
      const bearer = await token();
      const invocationsBefore = cloud.invocations.length;

      // Act
      const answer = await call('GET', '/notes', { ...(bearer !== undefined && { token: bearer }) });

      // Assess
      expectGatewayAnswer(answer, 401, 'Unauthorized');
      expect(cloud.invocations.length).toBe(invocationsBefore);
    });

    it('accepts a token signed with the pool key for the right audience (the checks above are not all-refusing)', async () => {
      // Prepare
      const token = await signCognitoLocalToken(idClaims(ada.sub), { issuer, expiresAt: inAnHour() });

      // Act
      const answer = await call('GET', '/notes', { token });

      // Assess
      expect(answer.status, answer.text).toBe(200);
    });
  });

  describe('bad requests', () => {
    const note = JSON.stringify({ title: 'A note' });

    beforeAll(async () => {
      const errands = await create(ada, { id: 'errands', title: 'Errands' });
      expect(errands.status, errands.text).toBe(201);
    });

    it.each([
      ['malformed JSON', 'POST', '/notes', { body: '{"title": "unclosed' }, 400, 'malformed-json'],
      ['an empty body', 'POST', '/notes', { body: '' }, 400, 'malformed-json'],
      ['a blank title', 'POST', '/notes', { body: '{"title":"  "}' }, 400, 'validation-failed'],
      [
        'an unknown field',
        'POST',
        '/notes',
        { body: '{"title":"t","colour":"red"}' },
        400,
        'validation-failed',
      ],
      ['a JSON array', 'POST', '/notes', { body: '[1,2]' }, 400, 'validation-failed'],
      [
        'a bad client-chosen id',
        'POST',
        '/notes',
        { body: '{"id":"a/b","title":"t"}' },
        400,
        'validation-failed',
      ],
      ['a bad cursor', 'GET', '/notes?cursor=bm90LWEtY3Vyc29y', {}, 400, 'invalid-cursor'],
      ['a cursor with odd characters', 'GET', '/notes?cursor=%7B%7D', {}, 400, 'invalid-cursor'],
      ['limit=0', 'GET', '/notes?limit=0', {}, 400, 'validation-failed'],
      ['an id with a space (decoded from %20)', 'GET', '/notes/a%20b', {}, 400, 'validation-failed'],
      ['an id with an escaped ?', 'GET', '/notes/a%3Fb', {}, 400, 'validation-failed'],
      [
        'a weak ETag',
        'PUT',
        '/notes/errands',
        { body: note, headers: { 'if-match': 'W/"1"' } },
        412,
        'precondition-failed',
      ],
      [
        'text/plain',
        'POST',
        '/notes',
        { body: note, headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported-media-type',
      ],
      [
        'no content type',
        'POST',
        '/notes',
        { body: new TextEncoder().encode(note) },
        415,
        'unsupported-media-type',
      ],
      [
        'a Latin-1 charset',
        'POST',
        '/notes',
        { body: note, headers: { 'content-type': 'application/json; charset=iso-8859-1' } },
        415,
        'unsupported-media-type',
      ],
      [
        'a 70 KB body',
        'POST',
        '/notes',
        { body: JSON.stringify({ title: 't', body: 'x'.repeat(70 * 1024) }) },
        413,
        'content-too-large',
      ],
      ['PUT without If-Match', 'PUT', '/notes/errands', { body: note }, 428, 'precondition-required'],
      ['DELETE without If-Match', 'DELETE', '/notes/errands', {}, 428, 'precondition-required'],
      [
        'a stale If-Match',
        'PUT',
        '/notes/errands',
        { body: note, headers: { 'if-match': '"7"' } },
        412,
        'precondition-failed',
      ],
      ['a note that is not there', 'GET', '/notes/no-such-note', {}, 404, 'not-found'],
      [
        'an id that exists',
        'POST',
        '/notes',
        { body: '{"id":"errands","title":"again"}' },
        409,
        'note-exists',
      ],
    ] as const)(
      'answers %s with a problem+json from the function',
      async (_name, method, path, options, status, kind) => {
        // Act
        const answer = await call(method, path, { token: ada.token, ...options });

        // Assess: the status, a problem document naming the kind, and Ada's errands note untouched by every refusal
        expectProblem(answer, status, kind);
        expect(await storedItem(ada, 'errands')).toMatchObject({
          title: { S: 'Errands' },
          version: { N: '1' },
        });
      },
    );

    it.each([
      ['an unknown path', 'GET', '/tasks'],
      ['a method no route has', 'PATCH', '/notes'],
      ['a path one segment too deep', 'GET', '/notes/diary/extra'],
    ])('answers %s with API Gateway’s own 404', async (_name, method, path) => {
      // Prepare
      const invocationsBefore = cloud.invocations.length;

      // Act
      const answer = await call(method, path, { token: ada.token });

      // Assess
      expectGatewayAnswer(answer, 404, 'Not Found');
      expect(cloud.invocations.length).toBe(invocationsBefore);
    });

    it.each([
      ['GET', '/notes/.'],
      ['GET', '/notes/%2E%2E'],
      ['PUT', '/notes/.'],
      ['GET', '/notes/%2F'],
      ['PUT', '/notes/a%2Fb'],
    ])('answers %s %s (an id a URL parser would rewrite) with a 400', async (method, path) => {
      // Prepare: written over a socket, as fetch and URL parsers remove dot segments
      const body = '{"title":"x"}';
      const request = [
        `${method} ${path} HTTP/1.1`,
        'Host: 127.0.0.1',
        `Authorization: Bearer ${ada.token}`,
        'Content-Type: application/json',
        'If-Match: *',
        `Content-Length: ${body.length}`,
        'Connection: close',
      ];

      // Act
      const answer = await raw(`${request.join('\r\n')}\r\n\r\n${body}`);

      // Assess: a bad id, not Ada's list (GET /notes/), a 405 (PUT /notes/) or a 404 (/notes/a/b)
      expect(answer.status, answer.body).toBe(400);
      expect(answer.headers).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(answer.body)).toMatchObject({ type: `${PROBLEM_TYPE}validation-failed` });
    });
  });

  describe('what API Gateway adds', () => {
    it('answers a CORS preflight for the allowed origin only, and exposes the ETag to scripts', async () => {
      // Prepare
      const preflight = (origin: string) =>
        call('OPTIONS', '/notes/cors', {
          headers: {
            origin,
            'access-control-request-method': 'PUT',
            'access-control-request-headers': 'authorization,content-type,if-match',
          },
        });

      const created = await create(ada, { id: 'cors', title: 'Read from a browser' });

      // Act
      const allowed = await preflight('http://localhost:5173');
      const foreign = await preflight('https://evil.example');
      const read = await call('GET', '/notes/cors', {
        token: ada.token,
        headers: { origin: 'http://localhost:5173' },
      });

      // Assess: a browser on the dev server may send If-Match and read the ETag; another origin gets no grant
      expect(created.status, created.text).toBe(201);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(allowed.headers.get('access-control-allow-methods')).toMatch(/PUT/);
      expect(allowed.headers.get('access-control-allow-headers')).toMatch(/if-match/i);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(read.status).toBe(200);
      expect(read.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(read.headers.get('access-control-expose-headers')).toMatch(/etag/i);
    });

    it('writes a JSON access-log line per request, with the user for an authorized one and no token', async () => {
      // Prepare
      const group =
        cloud.stacks
          .find((stack) => stack.stackName === STACK)
          ?.resources.find(
            (resource) =>
              resource.type === 'AWS::Logs::LogGroup' && resource.logicalId.startsWith('NotesAccessLogs'),
          )?.physicalId ?? '';

      // Act
      const authorized = await call('GET', '/notes?limit=1', { token: ada.token });
      const refused = await call('GET', '/notes', {});
      const lines = cloud.logs(group).map((event) => JSON.parse(event.message) as Record<string, string>);
      const lineOf = (answer: Answer) =>
        lines.find((line) => line.requestId === answer.headers.get('apigw-requestid'));

      // Assess
      expect(group).not.toBe('');
      expect(lineOf(authorized)).toMatchObject({
        method: 'GET',
        path: '/notes',
        routeKey: 'GET /notes',
        status: '200',
        user: ada.sub,
      });
      expect(lineOf(refused)).toMatchObject({ status: '401', user: '-' });
      for (const line of lines) expect(JSON.stringify(line)).not.toContain(ada.token);
    });
  });

  describe('generated bad requests', () => {
    const histogram = (answers: { status: number }[]) =>
      Object.fromEntries(
        [...new Set(answers.map((a) => a.status))].map((s) => [
          s,
          answers.filter((a) => a.status === s).length,
        ]),
      );

    it('answers a thousand generated bad requests without a 5xx, and keeps serving', async () => {
      // Prepare: a third user, so the notes above stay as they are; tokens good and bad
      const carol = await signIn('carol');
      const now = Math.floor(Date.now() / 1000);
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT(idClaims(carol.sub))
        .setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' })
        .setIssuer(issuer)
        .setExpirationTime(now + 3600)
        .sign(privateKey);
      const expired = await signCognitoLocalToken(idClaims(carol.sub), { issuer, expiresAt: now - 5 });
      const noSub = await signCognitoLocalToken(
        { aud: outputs.UserPoolClientId },
        { issuer, expiresAt: now + 3600 },
      );
      const oddSub = await signCognitoLocalToken(idClaims('x'.repeat(300)), {
        issuer,
        expiresAt: now + 3600,
      });
      const printable = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });
      const anyText = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });
      // Path segments: ids good and bad, escapes that decode to /, ?, %, NUL, non-ASCII, and malformed ones
      const segment = fc.oneof(
        fc.constantFrom('notes', 'diary', 'groceries', '', '.', '..', '%', '%zz', '%2F', '%3F', '%25', '%00'),
        fc.constantFrom(
          '%E9',
          '%C3%A9',
          '%F0%9F%93%9D',
          '%ED%A0%80',
          '%0A',
          '%20',
          '{id}',
          '*',
          '~',
          'x'.repeat(100),
        ),
        anyText(20).map(encodeURIComponent),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
      );
      // Mostly a route of the API with something wrong in it, so that most requests reach the function
      const routed = fc.oneof(
        fc.tuple(fc.constantFrom('GET', 'POST'), fc.constant('/notes')),
        fc.tuple(
          fc.constantFrom('GET', 'PUT', 'DELETE'),
          segment.map((id) => `/notes/${id}`),
        ),
      );
      // Around them: other methods (ones Node's HTTP parser knows, or it refuses the request line itself) and paths
      const elsewhere = fc.tuple(
        fc.constantFrom(
          'GET',
          'POST',
          'PUT',
          'DELETE',
          'PATCH',
          'HEAD',
          'OPTIONS',
          'TRACE',
          'PROPFIND',
          'PURGE',
        ),
        fc.oneof(
          fc.constant('/notes'),
          segment.map((id) => `/notes/${id}`),
          fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
          fc.constantFrom('/', '//notes', '/notes/', '/notes//x', '/NOTES', '/notes/a/../b'),
        ),
      );
      const route = fc.oneof({ arbitrary: routed, weight: 4 }, elsewhere);
      const query = fc.oneof(
        fc.constant(''),
        fc.constantFrom('?limit=0', '?limit=101', '?limit=-1', '?limit=1e2', '?limit=2&limit=3', '?cursor='),
        fc
          .tuple(fc.constantFrom('limit', 'cursor', 'x'), anyText(40))
          .map(([name, value]) => `?${name}=${encodeURIComponent(value)}`),
        fc.base64String({ maxLength: 60 }).map((cursor) => `?cursor=${cursor}`),
      );
      const authorization = fc.oneof(
        { arbitrary: fc.constant(`Bearer ${carol.token}`), weight: 8 },
        fc.constantFrom(forged, expired, noSub, oddSub).map((t) => `Bearer ${t}`),
        fc.constantFrom(
          carol.token,
          'Bearer',
          'Bearer ',
          `bearer ${carol.token}`,
          `Basic ${carol.token}`,
          'Bearer a.b.c',
        ),
        printable(60).map((t) => `Bearer ${t}`),
      );
      const contentType = fc.oneof(
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'application/json; charset="UTF-8"',
        ),
        fc.constantFrom(
          'text/plain',
          'application/json; charset=latin1',
          'application/problem+json',
          'image/png',
          ';',
        ),
        printable(40),
      );
      const ifMatch = fc.oneof(
        fc.constantFrom('*', '"1"', '"2"', 'W/"1"', '"0"', '"1", "2"', '""', `"${'9'.repeat(20)}"`),
        printable(30),
      );
      const jsonBody = fc.oneof(
        fc
          .record(
            {
              id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), anyText(70), fc.integer()),
              title: fc.oneof(anyText(210), fc.constant(''), fc.integer(), fc.constant(null)),
              body: fc.oneof(anyText(50), fc.constant('y'.repeat(10_001)), fc.boolean()),
              tags: fc.oneof(fc.array(anyText(35), { maxLength: 12 }), anyText(10)),
              extra: fc.jsonValue({ maxDepth: 2 }),
            },
            { requiredKeys: [] },
          )
          .map((value) => JSON.stringify(value)),
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
        fc.constantFrom(
          '{"title":"t"',
          'nul',
          '{"title":"\\ud800"}',
          '\u0000',
          ' ',
          '{"__proto__":{"title":"x"}}',
        ),
        anyText(100),
        fc.constant(JSON.stringify({ title: 't', body: 'z'.repeat(70 * 1024) })),
      );
      const request = fc.record(
        {
          route,
          query,
          authorization,
          contentType,
          ifMatch,
          body: jsonBody,
          origin: fc.constantFrom('http://localhost:5173', 'https://evil.example'),
        },
        { requiredKeys: ['route', 'query', 'authorization'] },
      );
      const invocationsBefore = cloud.invocations.length;
      const answers: { status: number; request: unknown }[] = [];

      // Act: 250 runs of 4 concurrent requests (a bounded burst), each byte for byte over a socket
      await fc.assert(
        fc.asyncProperty(fc.array(request, { minLength: 4, maxLength: 4 }), async (requests) => {
          const results = await Promise.all(
            requests.map(async (r) => {
              const body = Buffer.from(r.body ?? '', 'utf8');
              const lines = [
                `${r.route[0]} ${r.route[1]}${r.query} HTTP/1.1`,
                `Host: 127.0.0.1`,
                `Authorization: ${r.authorization}`,
                ...(r.contentType !== undefined ? [`Content-Type: ${r.contentType}`] : []),
                ...(r.ifMatch !== undefined ? [`If-Match: ${r.ifMatch}`] : []),
                ...(r.origin !== undefined ? [`Origin: ${r.origin}`] : []),
                `Content-Length: ${body.length}`,
                'Connection: close',
              ];
              const answer = await raw(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
              answers.push({ status: answer.status, request: r });
              return answer;
            }),
          );
          results.forEach((answer, i) => {
            const sent = requests[i];
            // Every request was answered, with a 2xx/3xx/4xx: API Gateway's {"message"} or the function's problem
            expect(answer.status).toBeGreaterThanOrEqual(200);
            expect(answer.status).toBeLessThan(500);
            if (answer.status >= 400 && answer.body !== '') {
              const fromFunction = /content-type: application\/problem\+json/i.test(answer.headers);
              if (!fromFunction) expect(JSON.parse(answer.body)).toEqual({ message: expect.any(String) });
            }
            // Only Carol's real token ever gets a note or a list (a CORS preflight needs none)
            if (answer.status < 300 && sent?.route[0] !== 'OPTIONS') {
              expect(sent?.authorization).toContain(carol.token);
            }
          });
        }),
        { numRuns: 250 },
      );
      const after = await create(carol, { title: 'Still here' });

      // Assess: ≥ 1,000 answered, many of them by the function; every invocation returned (no crash, no timeout)
      expect(answers.length).toBeGreaterThanOrEqual(1000);
      const statuses = new Set(answers.map((answer) => answer.status));
      expect([...statuses].filter((status) => status >= 500 || status === 0)).toEqual([]);
      expect(statuses.size).toBeGreaterThan(5);
      const invocations = cloud.invocations
        .slice(invocationsBefore)
        .filter((invocation) => invocation.functionName === outputs.FunctionName);
      expect(invocations.length, JSON.stringify(histogram(answers))).toBeGreaterThan(500);
      expect(invocations.filter((invocation) => invocation.status !== 'success')).toEqual([]);
      const errors = cloud
        .logs(outputs.FunctionName)
        .filter((event) => /"level":"(ERROR|CRITICAL)"|Runtime\.|Task timed out/.test(event.message));
      expect(errors).toEqual([]);
      expect(after.status, after.text).toBe(201);
    }, 180_000);
  });
});

describe('ApiGatewayStack in the local cloud, with the default stage throttle', () => {
  it('answers a burst above the stage limit with 429 {"message"} from API Gateway, before the authorizer', async () => {
    // Prepare: 300 requests at once, far above the default burst of 100 (no token: the rest get 401s)
    const api = deployment.stackOutputs[THROTTLED_STACK]?.ApiUrl ?? '';

    // Act
    const answers = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const response = await fetch(`${api}/notes`);
        return { status: response.status, body: await response.json() };
      }),
    );

    // Assess: the burst gets through (to the authorizer's 401), the rest is throttled
    const throttled = answers.filter((answer) => answer.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.length).toBeLessThanOrEqual(200);
    expect(throttled[0]?.body).toEqual({ message: 'Too Many Requests' });
    expect(answers.filter((answer) => answer.status !== 429 && answer.status !== 401)).toEqual([]);
  });
});
