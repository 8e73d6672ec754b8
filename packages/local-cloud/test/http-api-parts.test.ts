import { describe, expect, it } from 'vitest';
import { isTextContent, mapResponse } from '../src/http-api/event.ts';
import { claimsAsStrings, tokenFrom } from '../src/http-api/jwt.ts';
import { policyAllows } from '../src/http-api/lambda-authorizer.ts';
import { parseRouteKey, selectRoute } from '../src/http-api/routes.ts';
import { formatAccessLog, logGroupOfArn, TokenBucket } from '../src/http-api/stage.ts';
import { formatHttpApis } from '../src/report.ts';

const routes = [
  'GET /pets',
  'ANY /pets',
  'GET /pets/{id}',
  'GET /pets/dog',
  'GET /pets/{id}/toys/{toy}',
  'ANY /pets/{proxy+}',
  'ANY /{proxy+}',
  'GET /files/{path+}',
  '$default',
].map((routeKey) => ({ key: parseRouteKey(routeKey) }));

describe('route selection', () => {
  it.each([
    ['GET', '/pets', 'GET /pets', {}],
    ['POST', '/pets', 'ANY /pets', {}],
    ['GET', '/pets/dog', 'GET /pets/dog', {}],
    ['GET', '/pets/7', 'GET /pets/{id}', { id: '7' }],
    ['GET', '/pets/7/toys/ball', 'GET /pets/{id}/toys/{toy}', { id: '7', toy: 'ball' }],
    ['DELETE', '/pets/7', 'ANY /pets/{proxy+}', { proxy: '7' }],
    ['GET', '/pets/7/vets/1', 'ANY /pets/{proxy+}', { proxy: '7/vets/1' }],
    ['GET', '/files/a%20b/c.txt', 'GET /files/{path+}', { path: 'a b/c.txt' }],
    ['GET', '/other/thing', 'ANY /{proxy+}', { proxy: 'other/thing' }],
    ['GET', '/', '$default', {}],
  ])('%s %s takes %s', (method, path, routeKey, pathParameters) => {
    // Act
    const match = selectRoute(routes, method, path);

    // Assess
    expect(match?.routeKey).toBe(routeKey);
    expect(match?.pathParameters).toEqual(pathParameters);
  });

  it('finds nothing without a match or a $default route', () => {
    // Prepare
    const only = [{ key: parseRouteKey('GET /pets') }];

    // Act
    const match = selectRoute(only, 'GET', '/cats');

    // Assess
    expect(match).toBeUndefined();
  });

  it('refuses a route key AWS would refuse', () => {
    // Act
    const parse = (key: string) => () => parseRouteKey(key);

    // Assess
    expect(parse('/pets')).toThrow("is not '$default' or 'METHOD /path'");
    expect(parse('GET /{proxy+}/more')).toThrow('must be its last segment');
  });
});

describe('response mapping', () => {
  it.each([
    ['a bare object', '{"a":1}', 200, '{"a":1}'],
    ['a bare string', '"hi"', 200, 'hi'],
    ['an array', '[1,2]', 200, '[1,2]'],
    ['a structured answer', '{"statusCode":404,"body":"gone"}', 404, 'gone'],
    ['a status out of range', '{"statusCode":99}', 500, '{"message":"Internal Server Error"}'],
    [
      'a body that is not a string',
      '{"statusCode":200,"body":{"a":1}}',
      500,
      '{"message":"Internal Server Error"}',
    ],
    [
      'headers that are not strings',
      '{"statusCode":200,"headers":{"a":[1]}}',
      500,
      '{"message":"Internal Server Error"}',
    ],
    ['no JSON at all', 'not json', 500, '{"message":"Internal Server Error"}'],
  ])('maps %s (2.0)', (_name, payload, status, body) => {
    // Act
    const answer = mapResponse(payload, '2.0');

    // Assess
    expect(answer.statusCode).toBe(status);
    expect(answer.body.toString()).toBe(body);
  });

  it('needs a statusCode in 1.0, and merges multiValueHeaders', () => {
    // Act
    const bare = mapResponse('{"a":1}', '1.0');
    const multi = mapResponse(
      '{"statusCode":200,"headers":{"x":"1","y":"2"},"multiValueHeaders":{"x":["a","b"]}}',
      '1.0',
    );

    // Assess
    expect(bare.statusCode).toBe(500);
    expect(multi.headers).toEqual([
      ['y', '2'],
      ['x', 'a'],
      ['x', 'b'],
    ]);
  });

  it.each([
    ['application/json', true],
    ['application/problem+json; charset=utf-8', true],
    ['text/plain', true],
    ['application/xml', true],
    ['application/x-www-form-urlencoded', false],
    ['image/png', false],
    [undefined, false],
  ])('treats %s as text: %s', (contentType, text) => {
    // Act
    const result = isTextContent(contentType);

    // Assess
    expect(result).toBe(text);
  });
});

describe('the JWT authorizer helpers', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer   abc ', 'abc'],
    ['abc', 'abc'],
    ['Bearer ', undefined],
  ])('reads the token from %j', (header, token) => {
    // Act
    const read = tokenFrom(['$request.header.Authorization'], {
      headers: { authorization: header },
      query: new URLSearchParams(),
    });

    // Assess
    expect(read).toBe(token);
  });

  it('reads a token from the query string when the identity source says so', () => {
    // Act
    const read = tokenFrom(['$request.querystring.token'], {
      headers: {},
      query: new URLSearchParams('token=xyz'),
    });

    // Assess
    expect(read).toBe('xyz');
  });

  it('passes claims as strings, lists as [a b]', () => {
    // Act
    const claims = claimsAsStrings({ sub: 'u', exp: 17, email_verified: true, 'cognito:groups': ['a', 'b'] });

    // Assess
    expect(claims).toEqual({ sub: 'u', exp: '17', email_verified: 'true', 'cognito:groups': '[a b]' });
  });
});

describe('stage helpers', () => {
  it('lets the burst through at once, then refills at the rate', () => {
    // Prepare
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, 0);

    // Act
    const burst = [bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)];
    const afterHalfASecond = [bucket.take(500), bucket.take(500)];

    // Assess
    expect(burst).toEqual([true, true, true, false]);
    expect(afterHalfASecond).toEqual([true, false]);
  });

  it('fills in $context variables, and - for the ones it does not know', () => {
    // Act
    const line = formatAccessLog(
      '{"id":"$context.requestId","ip":"$context.identity.sourceIp","x":"$context.nope"}',
      {
        requestId: 'r1',
        'identity.sourceIp': '127.0.0.1',
      },
    );

    // Assess
    expect(JSON.parse(line)).toEqual({ id: 'r1', ip: '127.0.0.1', x: '-' });
  });

  it('reads the log group of a destination ARN', () => {
    // Act
    const group = logGroupOfArn('arn:aws:logs:us-east-1:000000000000:log-group:/api/access:*');

    // Assess
    expect(group).toBe('/api/access');
    expect(logGroupOfArn('arn:aws:firehose:us-east-1:000000000000:deliverystream/x')).toBeUndefined();
  });
});

describe('formatHttpApis', () => {
  it('prints one line per API and stage with the URL to call', () => {
    // Prepare
    const apis = [
      {
        stackName: 'Triggers-ApiGateway',
        apiId: 'a1b2c3d4e5',
        name: 'notes',
        url: 'http://127.0.0.1:40001',
        stages: ['$default'],
      },
      {
        stackName: 'Triggers-Other',
        apiId: 'f6g7h8i9j0',
        name: 'other',
        url: 'http://127.0.0.1:40002',
        stages: ['live'],
      },
      {
        stackName: 'Triggers-Other',
        apiId: 'k1l2m3n4o5',
        name: 'bare',
        url: 'http://127.0.0.1:40003',
        stages: [],
      },
    ];

    // Act
    const text = formatHttpApis(apis);

    // Assess
    expect(text.split('\n')).toEqual([
      'HTTP APIs (each on its own port):',
      '  Triggers-ApiGateway  notes (a1b2c3d4e5)  http://127.0.0.1:40001/',
      '  Triggers-Other       other (f6g7h8i9j0)  http://127.0.0.1:40002/live/',
      '  Triggers-Other       bare (k1l2m3n4o5)   http://127.0.0.1:40003  (no stage: every request is 404)',
    ]);
  });
});

describe('policyAllows', () => {
  const route = 'arn:aws:execute-api:us-east-1:000000000000:abc123/$default/GET/notes/7';
  const statement = (Effect: string, Resource: string | string[], Action = 'execute-api:Invoke') => ({
    Effect,
    Action,
    Resource,
  });

  it.each([
    ['an Allow of the route', [statement('Allow', route)], true],
    ['an Allow with wildcards', [statement('Allow', 'arn:aws:execute-api:us-east-1:*:abc123/*/GET/*')], true],
    ['an Allow of another route', [statement('Allow', route.replace('/7', '/8'))], false],
    ['a Deny beside an Allow', [statement('Allow', '*'), statement('Deny', [route])], false],
    ['an Allow of another action', [statement('Allow', route, 'execute-api:ManageConnections')], false],
    ['an Allow of every action', [statement('Allow', route, '*')], true],
    ['no statements', [], false],
  ])('%s → %s', (_name, Statement, allowed) => {
    // Act
    const result = policyAllows({ Version: '2012-10-17', Statement }, route);

    // Assess
    expect(result).toBe(allowed);
  });
});
