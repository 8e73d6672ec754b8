import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { APIGatewayProxyEventSchema } from '@aws-lambda-powertools/parser/schemas/api-gateway';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { App, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpJwtAuthorizer,
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
  HttpUserPoolAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { freePort } from '../src/emulators/child-process.ts';
import { HEALTH_PATH } from '../src/gateway.ts';
import { signCognitoLocalToken, signUpAndSignIn } from '../src/testing/cognito.ts';
import { awsCli, itSkipIf, itWithAwsCli } from './aws-cli.ts';

const ECHO = fileURLToPath(new URL('./fixtures/functions/http-echo', import.meta.url));
const AUTHORIZER = fileURLToPath(new URL('./fixtures/functions/http-authorizer', import.meta.url));
const ACCESS_LOG_GROUP = '/test/http-api/access';
const PASSWORD = 'Correct-Horse-9';

/** A small notes-style app: an HTTP API with a user pool authorizer, CORS and access logs; a throttled one. */
class HttpApiFixture extends Stack {
  constructor(app: App) {
    super(app, 'Triggers-HttpFixture');
    const fn = new lambda.Function(this, 'Echo', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(ECHO),
    });
    const pool = new cognito.UserPool(this, 'Users', {
      signInAliases: { email: true },
      autoVerify: { email: true },
    });
    const client = pool.addClient('Web', { authFlows: { userPassword: true } });
    const authorizer = new HttpUserPoolAuthorizer('Jwt', pool, { userPoolClients: [client] });
    const echo = new HttpLambdaIntegration('EchoIntegration', fn);
    const api = new apigw.HttpApi(this, 'EchoApi', {
      apiName: 'echo',
      corsPreflight: {
        allowOrigins: ['https://app.example'],
        allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.minutes(10),
      },
    });
    api.addRoutes({ path: '/echo/{proxy+}', methods: [apigw.HttpMethod.ANY], integration: echo });
    api.addRoutes({ path: '/echo/fixed', methods: [apigw.HttpMethod.GET], integration: echo });
    api.addRoutes({ path: '/reply/{mode}', methods: [apigw.HttpMethod.GET], integration: echo });
    api.addRoutes({ path: '/private', methods: [apigw.HttpMethod.GET], integration: echo, authorizer });
    api.addRoutes({
      path: '/scoped',
      methods: [apigw.HttpMethod.GET],
      integration: echo,
      authorizer,
      authorizationScopes: ['notes/read'],
    });
    api.addRoutes({
      path: '/v1/{id}',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('V1', fn, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_1_0,
      }),
    });
    api.addRoutes({
      path: '/slow/{mode}',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Slow', fn, { timeout: Duration.millis(100) }),
    });
    const gatekeeper = new lambda.Function(this, 'Gatekeeper', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(AUTHORIZER),
    });
    api.addRoutes({
      path: '/lambda/simple',
      methods: [apigw.HttpMethod.GET],
      integration: echo,
      authorizer: new HttpLambdaAuthorizer('Simple', gatekeeper, {
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        resultsCacheTtl: Duration.seconds(0),
      }),
    });
    // One policy authorizer on two routes: its cached policy, which names only the first route, denies the second.
    const policy = new HttpLambdaAuthorizer('Policy', gatekeeper, {
      responseTypes: [HttpLambdaResponseType.IAM],
      resultsCacheTtl: Duration.minutes(5),
    });
    const policyV1 = new HttpLambdaIntegration('PolicyV1', fn, {
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_1_0,
    });
    for (const path of ['/lambda/policy', '/lambda/policy-too']) {
      api.addRoutes({ path, methods: [apigw.HttpMethod.GET], integration: policyV1, authorizer: policy });
    }
    new CfnOutput(this, 'GatekeeperName', { value: gatekeeper.functionName });
    new CfnOutput(this, 'EchoName', { value: fn.functionName });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { logGroupName: ACCESS_LOG_GROUP });
    const stage = api.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.stageVariables = { table: 'notes-local' };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        authorizerError: '$context.authorizer.error',
      }),
    };

    const throttled = new apigw.HttpApi(this, 'ThrottledApi', { createDefaultStage: false });
    throttled.addRoutes({
      path: '/ping',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Ping', fn),
    });
    new apigw.HttpStage(this, 'Live', {
      httpApi: throttled,
      stageName: 'live',
      autoDeploy: true,
      throttle: { rateLimit: 1, burstLimit: 2 },
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url ?? '' });
    new CfnOutput(this, 'ApiEndpoint', { value: api.apiEndpoint });
    new CfnOutput(this, 'ThrottledEndpoint', { value: throttled.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: pool.userPoolId });
    new CfnOutput(this, 'ClientId', { value: client.userPoolClientId });
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
  json(): Record<string, unknown>;
}

/** A plain HTTP request (node:http lets a test repeat a header, which fetch does not). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString(),
            json: () => JSON.parse(body.toString()) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function portOpen(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The addresses sockets listen on for `port`, as Linux reports them in /proc/net/tcp (IPv4, hex). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter(([, local, , state]) => state === '0A' && local?.endsWith(`:${hexPort}`))
      .map(([, local]) => local?.split(':')[0] ?? ''),
  );
}

describe('an HTTP API in the local cloud', () => {
  let cloud: LocalCloud;
  let outputs: Record<string, string>;
  let api: string;
  let work: string;
  let cognitoClient: CognitoIdentityProviderClient;
  let issuer: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'http-api-test-'));
    const app = new App({ outdir: work, context: { 'aws:cdk:enable-asset-metadata': true } });
    new HttpApiFixture(app);
    app.synth();
    cloud = await startLocalCloud({ assembly: work, port: 0 });
    outputs = { ...cloud.stacks[0]?.outputs };
    api = outputs.ApiEndpoint ?? '';
    cognitoClient = new CognitoIdentityProviderClient(cloud.clientConfig);
    issuer = `${cloud.endpoint}/${outputs.UserPoolId}`;
  });

  afterAll(async () => {
    cognitoClient?.destroy();
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A confirmed user's tokens, through the gateway with SDK v3 as a learner would get them. */
  async function signIn(email: string): Promise<{ IdToken: string; AccessToken: string }> {
    const tokens = await signUpAndSignIn(cognitoClient, {
      userPoolId: outputs.UserPoolId ?? '',
      clientId: outputs.ClientId ?? '',
      username: email,
      password: PASSWORD,
    });
    return { IdToken: tokens.idToken, AccessToken: tokens.accessToken };
  }

  /** A token signed with cognito-local's own key, with the claims given. */
  function cognitoLocalToken(claims: Record<string, unknown>, expiresAt: number): Promise<string> {
    return signCognitoLocalToken(claims, { issuer, expiresAt });
  }

  it('serves each API on its own 127.0.0.1 port, and points the outputs at it', () => {
    // Prepare
    const urls = cloud.httpApis.map((info) => info.url);

    // Act
    const ports = new Set(urls.map((url) => new URL(url).port));

    // Assess
    expect(ports.size).toBe(2);
    expect(urls.every((url) => url.startsWith('http://127.0.0.1:'))).toBe(true);
    expect(outputs.ApiUrl).toBe(`${api}/`);
    expect(urls).toContain(api);
    expect(cloud.httpApis.find((info) => info.url === api)?.stages).toEqual(['$default']);
  });

  it('builds the 2.0 event as API Gateway does', async () => {
    // Prepare
    const headers = { 'x-multi': ['a', 'b'], cookie: 'session=abc; theme=dark', 'user-agent': 'test-agent' };

    // Act
    const answer = await send(`${api}/echo/a%20b/c?x=1&x=2&y=%C3%A9`, { headers });
    const event = answer.json();

    // Assess
    expect(answer.status).toBe(200);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /echo/{proxy+}',
      rawPath: '/echo/a b/c', // decoded, as HTTP APIs deliver it
      rawQueryString: 'x=1&x=2&y=%C3%A9',
      cookies: ['session=abc', 'theme=dark'],
      queryStringParameters: { x: '1,2', y: 'é' },
      pathParameters: { proxy: 'a b/c' },
      stageVariables: { table: 'notes-local' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: cloud.httpApis.find((info) => info.url === api)?.apiId,
        http: {
          method: 'GET',
          path: '/echo/a b/c',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'test-agent',
        },
        routeKey: 'ANY /echo/{proxy+}',
        stage: '$default',
      },
    });
    expect(event.headers).toMatchObject({
      'x-multi': 'a,b',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-port': new URL(api).port,
      'x-forwarded-proto': 'http',
      'x-amzn-trace-id': expect.stringMatching(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/),
    });
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.headers).not.toHaveProperty('connection');
    expect(event).not.toHaveProperty('body');
    expect(answer.headers['apigw-requestid']).toBe((event.requestContext as { requestId: string }).requestId);
  });

  it("builds events Powertools' schemas accept: 2.0 with a JWT authorizer and a base64 body, and 1.0", async () => {
    // Prepare
    const { IdToken } = await signIn('schema@example.com');

    // Act
    const withJwt = (
      await send(`${api}/private?a=1`, { headers: { authorization: IdToken, cookie: 'c=1' } })
    ).json();
    const binary = (
      await send(`${api}/echo/bin`, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: Buffer.from([1, 2, 3]),
      })
    ).json();
    const v1 = (await send(`${api}/v1/9?q=1`)).json();

    // Assess
    const issues = (result: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
      result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(issues(APIGatewayProxyEventV2Schema.safeParse(withJwt))).toEqual([]);
    expect(issues(APIGatewayProxyEventV2Schema.safeParse(binary))).toEqual([]);
    // HTTP APIs send 1.0 events `authorizer: { claims: null, scopes: null }` without an authorizer (AWS's own
    // sample), which Powertools' REST API schema does not allow; everything else must pass it.
    const { authorizer, ...context } = v1.requestContext as Record<string, unknown>;
    expect(authorizer).toEqual({ claims: null, scopes: null });
    expect(issues(APIGatewayProxyEventSchema.safeParse({ ...v1, requestContext: context }))).toEqual([]);
  });

  it('picks the most specific route', async () => {
    // Prepare
    const fixed = `${api}/echo/fixed`;

    // Act
    const [get, post] = await Promise.all([send(fixed), send(fixed, { method: 'POST' })]);

    // Assess
    expect(get.json().routeKey).toBe('GET /echo/fixed');
    expect(post.json().routeKey).toBe('ANY /echo/{proxy+}');
  });

  it('passes text bodies as they are and binary ones base64-encoded', async () => {
    // Prepare
    const bytes = Buffer.from([0, 1, 2, 250, 255]);

    // Act
    const json = await send(`${api}/echo/text`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"note":"hi"}',
    });
    const binary = await send(`${api}/echo/binary`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });

    // Assess
    expect(json.json()).toMatchObject({ body: '{"note":"hi"}', isBase64Encoded: false });
    expect(binary.json()).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('builds the 1.0 event for a 1.0 integration', async () => {
    // Act
    const event = (await send(`${api}/v1/7?q=a&q=b`)).json();

    // Assess
    expect(event).toMatchObject({
      version: '1.0',
      resource: '/v1/{id}',
      path: '/v1/7',
      httpMethod: 'GET',
      pathParameters: { id: '7' },
      queryStringParameters: { q: 'b' },
      multiValueQueryStringParameters: { q: ['a', 'b'] },
      isBase64Encoded: false,
    });
  });

  it.each([
    ['object', 200, 'application/json', '{"hello":"object"}'],
    ['string', 200, 'application/json', 'hello string'],
    ['number', 200, 'application/json', '42'],
    ['throw', 500, 'application/json', '{"message":"Internal Server Error"}'],
    ['invalid', 500, 'application/json', '{"message":"Internal Server Error"}'],
  ])('maps a %s answer to %i', async (mode, status, contentType, body) => {
    // Act
    const answer = await send(`${api}/reply/${mode}`);

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe(contentType);
    expect(answer.text).toBe(body);
  });

  it('decodes a base64 answer and sends cookies as set-cookie headers', async () => {
    // Act
    const binary = await send(`${api}/reply/binary`);
    const cookies = await send(`${api}/reply/cookies`);

    // Assess
    expect(binary.headers['content-type']).toBe('image/png');
    expect([...binary.body.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(binary.body.length).toBe(10);
    expect(cookies.status).toBe(201);
    expect(cookies.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(cookies.headers['x-one']).toBe('a');
    expect(cookies.text).toBe('made');
  });

  it('answers 404 for a route that does not exist, and 503 when the integration times out', async () => {
    // Act
    const missing = await send(`${api}/nothing/here`);
    const slow = await send(`${api}/slow/sleep`);

    // Assess
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: 'Not Found' });
    expect(slow.status).toBe(503);
    expect(slow.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('routes paths and queries with broken percent-encoding instead of failing', async () => {
    // Act
    const odd = await send(`${api}/echo/%E0%A4%A?x=%zz&%=1`);
    const unknown = await send(`${api}/%zz/here`);

    // Assess
    expect(odd.status).toBe(200);
    expect(odd.json()).toMatchObject({
      pathParameters: { proxy: '%E0%A4%A' },
      queryStringParameters: { x: '%zz', '%': '1' },
    });
    expect(unknown.status).toBe(404);
  });

  it('refuses a body over 10 MB with 413', async () => {
    // Act
    const answer = await send(`${api}/echo/big`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it("answers Node's fetch from another process with 413 for a body over 10 MB, then serves the next request", async () => {
    // Prepare
    // In its own process, as a real client is: a front that closed while the client still sent broke its pipe.
    const client = `
      const answers = [];
      for (let i = 0; i < 3; i++) {
        const body = new Uint8Array(10 * 1024 * 1024 + 1);
        const response = await fetch(process.argv[1], { method: 'POST', body });
        answers.push({ status: response.status, body: await response.json() });
      }
      console.log(JSON.stringify(answers));`;

    // Act
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      client,
      `${api}/echo/big`,
    ]);
    const next = await send(`${api}/reply/object`);

    // Assess
    expect(JSON.parse(stdout)).toEqual(
      Array(3).fill({ status: 413, body: { message: 'Request Entity Too Large' } }),
    );
    expect(next.status).toBe(200);
  });

  it('answers CORS preflights and puts its own CORS headers on answers', async () => {
    // Prepare
    const origin = 'https://app.example';

    // Act
    const preflight = await send(`${api}/private`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    const answer = await send(`${api}/reply/cookies`, { headers: { origin } });
    const stranger = await send(`${api}/reply/object`, { headers: { origin: 'https://other.example' } });

    // Assess
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '600',
    });
    expect(answer.headers['access-control-allow-origin']).toBe(origin);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a user with a real cognito-local token through, with the claims in the event', async () => {
    // Prepare
    const tokens = await signIn('ada@example.com');

    // Act
    const withId = await send(`${api}/private`, { headers: { authorization: `Bearer ${tokens.IdToken}` } });
    const withAccess = await send(`${api}/private`, { headers: { authorization: tokens.AccessToken } });

    // Assess
    expect(withId.status).toBe(200);
    const { authorizer } = withId.json().requestContext as {
      authorizer: { jwt: { claims: Record<string, string> } };
    };
    expect(authorizer.jwt.claims).toMatchObject({ email: 'ada@example.com', token_use: 'id', iss: issuer });
    expect(authorizer.jwt.claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(withAccess.status).toBe(200);
  });

  it.each([
    ['no token', async () => undefined, 'Bearer'],
    ['a malformed token', async () => 'Bearer not-a-jwt', 'the token is malformed'],
  ])('answers 401 with %s', async (_name, token, challenge) => {
    // Prepare
    const value = await token();

    // Act
    const answer = await send(`${api}/private`, value ? { headers: { authorization: value } } : {});

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual({ message: 'Unauthorized' });
    expect(answer.headers['www-authenticate']).toContain(challenge);
  });

  it('answers 401 for a token without kid and one signed with anything but RSA, as API Gateway does', async () => {
    // Prepare
    const audience = outputs.ClientId ?? '';
    const { privateKey: ecKey } = await generateKeyPair('ES256');
    const elliptic = await new SignJWT({ aud: audience, sub: 'u1' })
      .setProtectedHeader({ alg: 'ES256', kid: 'CognitoLocal' })
      .setIssuer(issuer)
      .setExpirationTime('1h')
      .sign(ecKey);
    const valid = await cognitoLocalToken({ aud: audience, sub: 'u1' }, Math.floor(Date.now() / 1000) + 3600);
    const [header, payload, signature] = valid.split('.');
    const headerWithoutKid = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');

    // Act
    const answers = await Promise.all(
      [elliptic, `${headerWithoutKid}.${payload}.${signature}`, `${header}.${payload}.${signature}`].map(
        (token) => send(`${api}/private`, { headers: { authorization: token } }),
      ),
    );

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 200]);
    expect(answers[0]?.headers['www-authenticate']).toContain('not signed with an RSA algorithm');
    expect(answers[1]?.headers['www-authenticate']).toContain('no kid header');
  });

  it('answers 401 for expired, forged and wrong-audience tokens', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const audience = outputs.ClientId ?? '';
    const expired = await cognitoLocalToken({ aud: audience, sub: 'u1', token_use: 'id' }, now - 60);
    const wrongAudience = await cognitoLocalToken({ aud: 'another-client', sub: 'u1' }, now + 3600);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ aud: audience, sub: 'u1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' })
      .setIssuer(issuer)
      .setExpirationTime(now + 3600)
      .sign(privateKey);

    // Act
    const answers = await Promise.all(
      [expired, forged, wrongAudience].map((token) =>
        send(`${api}/private`, { headers: { authorization: `Bearer ${token}` } }),
      ),
    );

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401]);
    expect(answers.map((answer) => answer.headers['www-authenticate'])).toEqual([
      expect.stringContaining('the token has expired'),
      expect.stringContaining('invalid signature'),
      expect.stringContaining('the token does not have a valid audience'),
    ]);
  });

  it("answers 403 when the token lacks the route's scopes, 200 when it has one", async () => {
    // Prepare
    const { AccessToken } = await signIn('grace@example.com');
    const now = Math.floor(Date.now() / 1000);
    const scoped = await cognitoLocalToken(
      { client_id: outputs.ClientId, sub: 'u2', token_use: 'access', scope: 'notes/read notes/write' },
      now + 3600,
    );

    // Act
    const refused = await send(`${api}/scoped`, { headers: { authorization: AccessToken } });
    const allowed = await send(`${api}/scoped`, { headers: { authorization: scoped } });

    // Assess
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({ message: 'Forbidden' });
    expect(allowed.status).toBe(200);
    expect(allowed.json().requestContext).toMatchObject({
      authorizer: { jwt: { scopes: ['notes/read', 'notes/write'] } },
    });
  });

  it('answers a thousand odd requests without a 5xx of its own and keeps serving', async () => {
    // Prepare: a seeded generator, so a failure can be replayed.
    let seed = 20261126;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[random(items.length)] as T;
    const segments = [
      'echo',
      'reply',
      'private',
      'v1',
      '%',
      '%zz',
      '..',
      '',
      '{proxy+}',
      'a b',
      'é',
      '%00',
      'x'.repeat(300),
    ];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'BREW'];
    const headers = [
      'Authorization: Bearer',
      'Authorization: Bearer a.b.c',
      'Authorization: x'.padEnd(2000, 'y'),
      'Cookie: ;;=;a',
      'Content-Type: image/png',
      'Content-Type: application/json',
      'Origin: https://app.example',
      'Access-Control-Request-Method: GET',
    ];
    const { port } = new URL(api);
    const raw = (text: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => {
          answer += chunk.toString('latin1');
        });
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
        // Written, not ended: like curl, the client keeps its side open until the answer (Connection: close).
        socket.write(text);
      });

    // Act
    const statuses: number[] = [];
    for (let batch = 0; batch < 50; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => {
          const path = Array.from({ length: 1 + random(4) }, () => pick(segments)).join('/');
          const query = random(2) ? `?${pick(segments)}=${pick(segments)}&${pick(segments)}` : '';
          const body = random(3) ? '' : '{"not":"closed"';
          const lines = [
            `${pick(methods)} /${path}${query} HTTP/1.1`,
            'Host: 127.0.0.1',
            ...Array.from({ length: random(4) }, () => pick(headers)),
            `Content-Length: ${body.length}`,
            'Connection: close',
          ];
          return raw(`${lines.join('\r\n')}\r\n\r\n${body}`);
        }),
      );
      for (const answer of answers) statuses.push(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    }
    const after = await send(`${api}/reply/object`);

    // Assess: 400 is Node refusing a malformed request line, as any front would.
    expect(statuses.filter((status) => status >= 500 || status === 0)).toEqual([]);
    expect(new Set(statuses).size).toBeGreaterThan(3);
    expect(after.status).toBe(200);
  });

  it('asks a Lambda authorizer (2.0, simple responses) and passes its context to the function', async () => {
    // Prepare
    const url = `${api}/lambda/simple`;
    const asked = () =>
      cloud.invocations.filter((record) => record.functionName === outputs.GatekeeperName).length;
    const before = asked();

    // Act
    const missing = await send(url);
    const afterMissing = asked();
    const allowed = await send(url, { headers: { authorization: 'let-me-in' } });
    const refused = await send(url, { headers: { authorization: 'nope' } });
    const broken = await send(url, { headers: { authorization: 'boom' } });

    // Assess
    expect([missing.status, allowed.status, refused.status, broken.status]).toEqual([401, 200, 403, 500]);
    expect(afterMissing).toBe(before);
    expect(allowed.json().requestContext).toMatchObject({
      authorizer: {
        lambda: {
          user: 'ada',
          version: '2.0',
          type: 'REQUEST',
          routeArn: expect.stringMatching(
            /^arn:aws:execute-api:us-east-1:000000000000:\w+\/\$default\/GET\/lambda\/simple$/,
          ),
        },
      },
    });
    expect(refused.json()).toEqual({ message: 'Forbidden' });
  });

  it('asks a Lambda authorizer (1.0, IAM policy) once per identity while its answer is cached', async () => {
    // Prepare
    const url = `${api}/lambda/policy`;
    const asked = () =>
      cloud.invocations.filter((record) => record.functionName === outputs.GatekeeperName).length;
    const before = asked();

    // Act
    const first = await send(url, { headers: { authorization: 'let-me-in' } });
    const second = await send(url, { headers: { authorization: 'let-me-in' } });
    const denied = await send(url, { headers: { authorization: 'nope' } });

    // Assess
    expect([first.status, second.status, denied.status]).toEqual([200, 200, 403]);
    expect(asked() - before).toBe(2);
    expect(first.json().requestContext).toMatchObject({
      authorizer: { user: 'ada', version: '1.0', type: 'REQUEST', principalId: 'ada' },
    });
  });

  it('judges a cached policy against each route, as API Gateway does: a policy for one route denies another', async () => {
    // Prepare: a policy cached for /lambda/policy (its Resource is that route's ARN only)
    const token = { headers: { authorization: 'let-me-in' } };
    await send(`${api}/lambda/policy`, token);

    // Act: the same identity on another route of the same authorizer, within the cache's TTL
    const other = await send(`${api}/lambda/policy-too`, token);

    // Assess
    expect(other.status).toBe(403);
    expect(other.json()).toEqual({ message: 'Forbidden' });
  });

  it('writes one access-log line per request in the stage format', async () => {
    // Prepare
    const answer = await send(`${api}/echo/logged`);
    const requestId = answer.headers['apigw-requestid'];

    // Act
    const lines = cloud
      .logs(ACCESS_LOG_GROUP)
      .map((event) => JSON.parse(event.message) as Record<string, string>);

    // Assess
    expect(lines.filter((line) => line.requestId === requestId)).toEqual([
      { requestId, routeKey: 'ANY /echo/{proxy+}', status: '200', authorizerError: '-' },
    ]);
  });

  it('invokes through the Lambda service, so each request is a recorded invocation with a REPORT line', async () => {
    // Act
    const answer = await send(`${api}/echo/recorded`);
    const requestId = answer.headers['apigw-requestid'];
    const record = cloud.invocations.find(
      (invocation) =>
        (invocation.event as { requestContext?: { requestId?: string } }).requestContext?.requestId ===
        requestId,
    );

    // Assess
    expect(record).toMatchObject({ source: 'aws:apigateway', status: 'success' });
    expect(record?.billedDurationMs).toBeGreaterThan(0);
    expect(cloud.logs(outputs.EchoName).map((event) => event.message)).toContainEqual(
      expect.stringContaining(`REPORT RequestId: ${record?.requestId}`),
    );
  });

  it('throttles a stage past its burst with 429, and serves named stages under their path', async () => {
    // Prepare
    const live = `${outputs.ThrottledEndpoint}/live/ping`;

    // Act
    const answers = await Promise.all(Array.from({ length: 6 }, () => send(live)));
    const noStage = await send(`${outputs.ThrottledEndpoint}/ping`);

    // Assess
    const statuses = answers.map((answer) => answer.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    expect(answers.find((answer) => answer.status === 429)?.json()).toEqual({ message: 'Too Many Requests' });
    expect(answers.find((answer) => answer.status === 200)?.json()).toMatchObject({
      rawPath: '/live/ping',
      requestContext: { stage: 'live' },
    });
    expect(noStage.status).toBe(404);
  });

  it('signs users up by username in a pool that does not sign in by email, as AWS does', async () => {
    // Prepare
    const { UserPool } = await cognitoClient.send(new CreateUserPoolCommand({ PoolName: 'by-username' }));
    const { UserPoolClient } = await cognitoClient.send(
      new CreateUserPoolClientCommand({ UserPoolId: UserPool?.Id, ClientName: 'web' }),
    );

    // Act
    const tokens = await signUpAndSignIn(cognitoClient, {
      userPoolId: UserPool?.Id ?? '',
      clientId: UserPoolClient?.ClientId ?? '',
      username: 'ada',
      password: PASSWORD,
    });

    // Assess
    expect(JSON.parse(Buffer.from(tokens.idToken.split('.')[1] ?? '', 'base64url').toString())).toMatchObject(
      {
        'cognito:username': 'ada',
      },
    );
  });

  itWithAwsCli('signs up and signs in with the AWS CLI through the gateway', async () => {
    // Prepare
    const aws = (...args: string[]) => awsCli(cloud.endpoint, ['cognito-idp', ...args]);
    const user = 'cli@example.com';

    // Act
    await aws('sign-up', '--client-id', outputs.ClientId ?? '', '--username', user, '--password', PASSWORD);
    await aws('admin-confirm-sign-up', '--user-pool-id', outputs.UserPoolId ?? '', '--username', user);
    const { stdout } = await aws(
      'initiate-auth',
      '--client-id',
      outputs.ClientId ?? '',
      '--auth-flow',
      'USER_PASSWORD_AUTH',
      '--auth-parameters',
      `USERNAME=${user},PASSWORD=${PASSWORD}`,
    );
    const token = (JSON.parse(stdout) as { AuthenticationResult: { IdToken: string } }).AuthenticationResult
      .IdToken;
    const answer = await send(`${api}/private`, { headers: { authorization: token } });

    // Assess
    expect(answer.status).toBe(200);
  });

  itSkipIf(process.platform !== 'linux', 'reads listening sockets from /proc/net, which is Linux only')(
    'runs cognito-local on 127.0.0.1 only, and serves its keys at the issuer',
    async () => {
      // Prepare
      const health = (await (await fetch(`${cloud.endpoint}${HEALTH_PATH}`)).json()) as {
        services: Record<string, string>;
      };
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(health.services['cognito-idp'] ?? '')?.[1]);

      // Act
      const addresses = listeningAddresses(port);
      const jwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };

      // Assess
      expect(addresses).toEqual(['0100007F']); // 127.0.0.1
      expect(jwks.keys.map((key) => key.kid)).toEqual(['CognitoLocal']);
    },
  );

  it('closes every port it opened when stopped', async () => {
    // Prepare
    const urls = [cloud.endpoint, ...cloud.httpApis.map((info) => info.url)];

    // Act
    await cloud.stop();

    // Assess
    expect(await Promise.all(urls.map(portOpen))).toEqual(urls.map(() => false));
  });
});

/** An API whose JWT issuer is not a local user pool. */
class ForeignIssuerFixture extends Stack {
  constructor(app: App) {
    super(app, 'Triggers-ForeignIssuer');
    const fn = new lambda.Function(this, 'Echo', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(ECHO),
    });
    const api = new apigw.HttpApi(this, 'Api', { apiName: 'foreign' });
    api.addRoutes({
      path: '/private',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Echo', fn),
      authorizer: new HttpJwtAuthorizer('Auth0', 'https://login.example.com/', { jwtAudience: ['notes'] }),
    });
    new CfnOutput(this, 'ApiEndpoint', { value: api.apiEndpoint });
  }
}

describe('a JWT authorizer whose issuer is not a local user pool', () => {
  let cloud: LocalCloud;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'http-api-foreign-'));
    const app = new App({ outdir: work, context: { 'aws:cdk:enable-asset-metadata': true } });
    new ForeignIssuerFixture(app);
    app.synth();
    cloud = await startLocalCloud({ assembly: work, port: 0 });
  });

  afterAll(async () => {
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('warns once at deploy and refuses every request with 401, fetching nothing', async () => {
    // Prepare
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ aud: 'notes', sub: 'u' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://login.example.com/')
      .setExpirationTime('1h')
      .sign(privateKey);

    // Act
    const answer = await send(`${cloud.stacks[0]?.outputs.ApiEndpoint}/private`, {
      headers: { authorization: `Bearer ${token}` },
    });

    // Assess
    expect(cloud.warnings).toEqual([
      expect.stringMatching(
        /^The JWT authorizer Auth0 of foreign refuses every request \(401\): its issuer https:\/\/login\.example\.com\/ is not a Cognito user pool/,
      ),
    ]);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('the issuer is not a local user pool');
  });
});

describe('an HTTP API whose user pool cannot run (cognito: false)', () => {
  let cloud: LocalCloud;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'http-api-no-cognito-'));
    const app = new App({ outdir: work, context: { 'aws:cdk:enable-asset-metadata': true } });
    new HttpApiFixture(app);
    app.synth();
    cloud = await startLocalCloud({ assembly: work, port: 0, cognito: false, apiPort: await freePort() });
  });

  afterAll(async () => {
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves its APIs on consecutive ports from apiPort', () => {
    // Act
    const ports = cloud.httpApis.map((info) => Number(new URL(info.url).port));

    // Assess
    expect(ports).toEqual([ports[0], (ports[0] ?? 0) + 1]);
  });

  it('reports the pool and client as not run, warns about the authorizer, and answers its routes with 401', async () => {
    // Prepare
    const resources = cloud.stacks[0]?.resources ?? [];
    const api = cloud.stacks[0]?.outputs.ApiEndpoint;

    // Act
    const answer = await send(`${api}/private`, { headers: { authorization: 'Bearer x.y.z' } });
    const open = await send(`${api}/reply/object`);

    // Assess
    expect(
      resources
        .filter((resource) => resource.type.startsWith('AWS::Cognito::'))
        .map((resource) => resource.detail),
    ).toEqual([
      'cognito-local was not started (the cognito option is false).',
      'cognito-local was not started (the cognito option is false).',
    ]);
    expect(cloud.warnings).toEqual([
      expect.stringMatching(
        /^The JWT authorizer .+ of echo refuses every request \(401\): its issuer is the user pool .+, but cognito-local was not started \(the cognito option is false\)\.$/,
      ),
    ]);
    expect(answer.status).toBe(401);
    expect(open.status).toBe(200);
  });
});
