import {
  APIGatewayProxyEventSchema,
  APIGatewayProxyEventV2Schema,
  APIGatewayRequestContextV2Schema,
} from '@aws-lambda-powertools/parser/schemas';
import { describe, expect, it } from 'vitest';
import { apiGatewayV1Event, apiGatewayV2Event, cognitoIdTokenClaims } from '../src/index.ts';
import { runEventCli } from './run-cli.ts';

/** Every key is one the schema knows (Powertools' schemas strip unknown keys, so a typo would pass unseen). */
const keysKnownTo = (value: object, shape: object) =>
  Object.keys(value).filter((key) => !Object.hasOwn(shape, key));

describe('apiGatewayV2Event (HTTP API, payload 2.0)', () => {
  it.each([
    ['a bare GET', {}],
    [
      'an authenticated POST with a JSON body, query, cookies and a route',
      {
        method: 'post',
        path: '/notes',
        routeKey: 'POST /notes',
        query: { limit: '10', tag: ['a', 'b'] },
        cookies: ['theme=dark'],
        body: { title: 'Hello' },
        jwtClaims: cognitoIdTokenClaims({ sub: 'user-1' }),
        scopes: ['notes/write'],
      },
    ],
    ['a binary body', { method: 'PUT', path: '/files/x', body: new Uint8Array([0, 1, 2]) }],
    [
      'another region and account',
      { region: 'eu-west-1', accountId: '111122223333', stageVariables: { a: 'b' } },
    ],
  ])('builds an event the Powertools schema accepts: %s', (_, input) => {
    // Act
    const event = apiGatewayV2Event(input);

    // Assess
    expect(APIGatewayProxyEventV2Schema.safeParse(event).error).toBeUndefined();
    expect(keysKnownTo(event, APIGatewayProxyEventV2Schema.shape)).toEqual([]);
    expect(keysKnownTo(event.requestContext, APIGatewayRequestContextV2Schema.shape)).toEqual([]);
  });

  it('lower-cases header names and joins repeated values with commas, as API Gateway does', () => {
    // Act
    const event = apiGatewayV2Event({
      headers: { 'X-Tenant': 'acme', Accept: ['application/json', 'text/plain'], 'x-tenant': 'beta' },
    });

    // Assess
    expect(event.headers['x-tenant']).toBe('acme,beta');
    expect(event.headers.accept).toBe('application/json,text/plain');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.headers).toMatchObject({
      host: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-amzn-trace-id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
    });
  });

  it('moves cookies out of the headers into their own array', () => {
    // Act
    const event = apiGatewayV2Event({ headers: { Cookie: 'a=1; b=2' }, cookies: ['c=3'] });

    // Assess
    expect(event.cookies).toEqual(['c=3', 'a=1', 'b=2']);
    expect(event.headers.cookie).toBeUndefined();
  });

  it('keeps the raw query string and joins repeated values in queryStringParameters', () => {
    // Act
    const raw = apiGatewayV2Event({ query: 'tag=a&tag=b&q=caf%C3%A9' });
    const byName = apiGatewayV2Event({ query: { q: 'a b&c' } });

    // Assess
    expect(raw.rawQueryString).toBe('tag=a&tag=b&q=caf%C3%A9');
    expect(raw.queryStringParameters).toEqual({ tag: 'a,b', q: 'café' });
    expect(byName.rawQueryString).toBe('q=a%20b%26c');
    expect(byName.queryStringParameters).toEqual({ q: 'a b&c' });
  });

  it('leaves out what the request does not have, as AWS does', () => {
    // Act
    const event = apiGatewayV2Event({ path: '/notes' });

    // Assess
    for (const absent of ['cookies', 'queryStringParameters', 'pathParameters', 'body', 'stageVariables']) {
      expect(event).not.toHaveProperty(absent);
    }
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event.rawQueryString).toBe('');
    expect(event).toMatchObject({ version: '2.0', routeKey: '$default', isBase64Encoded: false });
    expect(event.requestContext).toMatchObject({ stage: '$default', routeKey: '$default' });
  });

  it('decodes the path, as HTTP APIs do, and reads path parameters from the route key', () => {
    // Act
    const event = apiGatewayV2Event({ method: 'GET', path: '/notes/n%201', routeKey: 'GET /notes/{id}' });
    const greedy = apiGatewayV2Event({ path: '/files/a/b.txt', routeKey: 'ANY /files/{proxy+}' });
    const rest = apiGatewayV1Event({ path: '/notes/n%201', resource: '/notes/{id}' });

    // Assess
    expect(event.rawPath).toBe('/notes/n 1');
    expect(event.requestContext.http.path).toBe('/notes/n 1');
    expect(rest.path).toBe('/notes/n%201');
    expect(event.pathParameters).toEqual({ id: 'n 1' });
    expect(greedy.pathParameters).toEqual({ proxy: 'a/b.txt' });
  });

  it('passes JWT claims on as strings with scopes, and the request line in requestContext.http', () => {
    // Prepare
    const time = new Date('2026-03-12T19:03:58.390Z');

    // Act
    const event = apiGatewayV2Event({
      method: 'delete',
      path: '/notes/n-1',
      headers: { 'User-Agent': 'test-agent' },
      jwtClaims: { sub: 'u-1', email_verified: true, auth_time: 1700000000, 'cognito:groups': ['a', 'b'] },
      sourceIp: '203.0.113.9',
      time,
    });

    // Assess
    expect(event.requestContext.authorizer.jwt).toEqual({
      claims: { sub: 'u-1', email_verified: 'true', auth_time: '1700000000', 'cognito:groups': '[a b]' },
      scopes: null,
    });
    expect(event.requestContext.http).toEqual({
      method: 'DELETE',
      path: '/notes/n-1',
      protocol: 'HTTP/1.1',
      sourceIp: '203.0.113.9',
      userAgent: 'test-agent',
    });
    expect(event.requestContext.time).toBe('12/Mar/2026:19:03:58 +0000');
    expect(event.requestContext.timeEpoch).toBe(time.getTime());
  });

  it('sends objects as JSON with a content type and length, and bytes as base64', () => {
    // Act
    const json = apiGatewayV2Event({ method: 'POST', body: { title: 'é' } });
    const bytes = apiGatewayV2Event({ method: 'POST', body: new Uint8Array([255, 0]) });

    // Assess
    expect(json.body).toBe('{"title":"é"}');
    expect(json.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': '14' });
    expect(bytes).toMatchObject({ body: '/wA=', isBase64Encoded: true });
    expect(bytes.headers['content-length']).toBe('2');
  });

  it('gives each event its own request id', () => {
    // Act
    const ids = new Set(Array.from({ length: 20 }, () => apiGatewayV2Event().requestContext.requestId));

    // Assess
    expect(ids.size).toBe(20);
  });
});

describe('apiGatewayV1Event (REST API, payload 1.0)', () => {
  it.each([
    ['a bare GET', {}],
    [
      'an authenticated PUT with a resource, query and body',
      {
        method: 'PUT',
        path: '/notes/n-1',
        resource: '/notes/{id}',
        query: 'tag=a&tag=b',
        body: { title: 'x' },
        jwtClaims: cognitoIdTokenClaims({ sub: 'user-1' }),
      },
    ],
  ])('builds an event the Powertools schema accepts: %s', (_, input) => {
    // Act
    const event = apiGatewayV1Event(input);

    // Assess
    expect(APIGatewayProxyEventSchema.safeParse(event).error).toBeUndefined();
    expect(keysKnownTo(event, APIGatewayProxyEventSchema.shape)).toEqual([]);
  });

  it('keeps header casing, the last value in headers and all in multiValueHeaders; cookies in the header', () => {
    // Act
    const event = apiGatewayV1Event({
      headers: { 'X-Tenant': ['acme', 'beta'] },
      cookies: ['a=1', 'b=2'],
      query: 'tag=a&tag=b',
    });

    // Assess
    expect(event.headers['X-Tenant']).toBe('beta');
    expect(event.multiValueHeaders['X-Tenant']).toEqual(['acme', 'beta']);
    expect(event.headers.Cookie).toBe('a=1; b=2');
    expect(event.headers.Host).toBe('a1b2c3d4e5.execute-api.us-east-1.amazonaws.com');
    expect(event.queryStringParameters).toEqual({ tag: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ tag: ['a', 'b'] });
  });

  it('uses null for what is absent and puts the stage in requestContext.path', () => {
    // Act
    const event = apiGatewayV1Event({ path: '/notes/n-1', resource: '/notes/{id}', stage: 'dev' });

    // Assess
    expect(event).toMatchObject({
      body: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      pathParameters: { id: 'n-1' },
    });
    expect(event.requestContext).toMatchObject({
      path: '/dev/notes/n-1',
      resourcePath: '/notes/{id}',
      stage: 'dev',
    });
  });

  it('carries a Cognito authorizer’s claims in requestContext.authorizer.claims', () => {
    // Act
    const event = apiGatewayV1Event({ jwtClaims: { sub: 'u-1' } });

    // Assess
    expect(event.requestContext.authorizer).toEqual({ claims: { sub: 'u-1' } });
  });
});

describe('pnpm event api-gateway', () => {
  const run = runEventCli;

  it('prints an authenticated HTTP API event with the given method, path, headers and body', async () => {
    // Act
    const { code, stdout } = await run(
      'api-gateway',
      '--method',
      'PUT',
      '--path',
      '/notes/n-1',
      '--route',
      'PUT /notes/{id}',
      '--body',
      '{"title":"x"}',
      '--header',
      'If-Match="3"',
      '--header',
      'content-type=application/json',
      '--sub',
      'alice',
    );

    // Assess
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(APIGatewayProxyEventV2Schema.safeParse(event).error).toBeUndefined();
    expect(event).toMatchObject({
      routeKey: 'PUT /notes/{id}',
      rawPath: '/notes/n-1',
      pathParameters: { id: 'n-1' },
      body: '{"title":"x"}',
      headers: { 'if-match': '"3"', 'content-type': 'application/json' },
      requestContext: { http: { method: 'PUT' }, authorizer: { jwt: { claims: { sub: 'alice' } } } },
    });
  });

  it('prints a REST API event with --version 1', async () => {
    // Act
    const { code, stdout } = await run('api-gateway', '--version', '1', '--path', '/notes', '--sub', 'bob');

    // Assess
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(APIGatewayProxyEventSchema.safeParse(event).error).toBeUndefined();
    expect(event.requestContext.authorizer.claims.sub).toBe('bob');
  });

  it.each([
    [['api-gateway', '--version', '3'], /--version is 2 \(HTTP API, payload 2\.0\) or 1/],
    [['api-gateway', '--header', 'novalue'], /--header takes NAME=VALUE/],
    [['api-gateway', '--path', 'notes'], /--path must start with "\/"/],
    [['api-gateway', '--method', 'GET /'], /--method takes an HTTP method/],
    [['api-gateway', '--route', 'notes'], /--route takes "METHOD \/path\/\{param\}"/],
    [['api-gateway', '--sub'], /Option '--sub <value>' argument missing/],
  ])('explains bad input %j in one message, without a stack trace', async (args, message) => {
    // Act
    const { code, stdout, stderr } = await run(...args);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
