import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizeResult, JwtAuthorizer } from '../src/http-api/jwt.ts';

// The authorizer's clock, on a whole second: JWT times are whole seconds.
const NOW = new Date('2026-03-01T12:00:00Z');
const now = NOW.getTime() / 1000;
const ISSUER = 'http://127.0.0.1:9229/us-east-1_local';
const CLIENT = 'notes-web-client';
const KID = 'CognitoLocal';

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let authorizerAt: (date: Date) => JwtAuthorizer;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  // The issuer's JWKS in memory, as the front gets it from cognito-local: no network.
  const jwks = createLocalJWKSet({
    keys: [{ ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' }],
  });
  authorizerAt = (date) =>
    new JwtAuthorizer(
      {
        authorizerId: 'auth1',
        name: 'CognitoAuthorizer',
        identitySource: ['$request.header.Authorization'],
        issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local',
        audience: [CLIENT],
      },
      { jwks, issuer: ISSUER },
      () => date,
    );
});

/** A Cognito-like id token valid for an hour from NOW; a claim given as undefined is left out. */
async function token(claims: Record<string, unknown> = {}, key: CryptoKey = signingKey): Promise<string> {
  const payload = Object.fromEntries(
    Object.entries({
      iss: ISSUER,
      aud: CLIENT,
      sub: 'user-1',
      token_use: 'id',
      iat: now,
      exp: now + 3600,
      ...claims,
    }).filter(([, value]) => value !== undefined),
  ) as JWTPayload;
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: KID }).sign(key);
}

/** Authorizes a request bearing the token, at a time (NOW by default), for a route needing these scopes. */
function authorize(jwt: string, options: { at?: Date; scopes?: readonly string[] } = {}) {
  return authorizerAt(options.at ?? NOW).authorize(
    { headers: { authorization: `Bearer ${jwt}` }, query: new URLSearchParams() },
    options.scopes ?? [],
  );
}

/** The status and the `www-authenticate` challenge (with its error_description), as the client sees them. */
function refusal(result: AuthorizeResult) {
  if (result.ok) return { status: 200, challenge: '' };
  const challenge = result.answer.headers.find(([name]) => name === 'www-authenticate')?.[1] ?? '';
  return { status: result.answer.statusCode, challenge };
}

const seconds = (offset: number) => new Date((now + offset) * 1000);

describe('the JWT authorizer', () => {
  it('lets a good token through with its claims as strings', async () => {
    // Prepare
    const jwt = await token({ 'cognito:groups': ['admins', 'staff'] });

    // Act
    const result = await authorize(jwt);

    // Assess
    expect(result).toMatchObject({
      ok: true,
      sub: 'user-1',
      claims: { iss: ISSUER, aud: CLIENT, exp: String(now + 3600), 'cognito:groups': '[admins staff]' },
    });
  });

  it.each([
    ['another issuer', { iss: 'http://127.0.0.1:9229/us-east-1_other' }, /valid issuer/],
    ['no issuer', { iss: undefined }, /valid issuer/],
    ['another audience', { aud: 'another-client' }, /valid audience/],
    ['no audience nor client_id', { aud: undefined }, /valid audience/],
    ['no exp', { exp: undefined }, /valid exp claim/],
    ['an nbf a second ahead', { nbf: now + 1 }, /not valid yet/],
    ['an iat a second ahead', { iat: now + 1 }, /issued in the future/],
  ])('answers 401 for a token with %s', async (_, claims, why) => {
    // Prepare
    const jwt = await token(claims);

    // Act
    const result = await authorize(jwt);

    // Assess
    expect(refusal(result)).toEqual({ status: 401, challenge: expect.stringMatching(why) });
  });

  it('takes a token whose nbf and iat are now', async () => {
    // Prepare
    const jwt = await token({ nbf: now, iat: now });

    // Act
    const result = await authorize(jwt);

    // Assess
    expect(result.ok).toBe(true);
  });

  it('takes a token a second before its exp, and refuses it at its exp and a second after', async () => {
    // Prepare
    const jwt = await token({ exp: now + 60 });

    // Act
    const results = await Promise.all([59, 60, 61].map((offset) => authorize(jwt, { at: seconds(offset) })));

    // Assess
    expect(results.map(refusal)).toEqual([
      { status: 200, challenge: '' },
      { status: 401, challenge: expect.stringContaining('the token has expired') },
      { status: 401, challenge: expect.stringContaining('the token has expired') },
    ]);
  });

  it('answers 401 for a token signed by another key under the issuer’s kid', async () => {
    // Prepare
    const forged = await token({}, otherKey);

    // Act
    const result = await authorize(forged);

    // Assess
    expect(refusal(result)).toEqual({ status: 401, challenge: expect.stringContaining('invalid signature') });
  });

  it('answers 401 for a good token whose claims were changed after signing', async () => {
    // Prepare: the signature of one user's token on another user's claims
    const [header, , signature] = (await token()).split('.');
    const claims = Buffer.from(JSON.stringify({ iss: ISSUER, aud: CLIENT, sub: 'admin', exp: now + 60 }));
    const tampered = `${header}.${claims.toString('base64url')}.${signature}`;

    // Act
    const result = await authorize(tampered);

    // Assess
    expect(refusal(result)).toEqual({ status: 401, challenge: expect.stringContaining('invalid signature') });
  });

  describe('access tokens, which carry the app client in client_id and no aud', () => {
    it('lets one from the app client through', async () => {
      // Prepare
      const jwt = await token({ aud: undefined, client_id: CLIENT, token_use: 'access' });

      // Act
      const result = await authorize(jwt);

      // Assess
      expect(result.ok).toBe(true);
    });

    it.each([
      ['another client_id', { aud: undefined, client_id: 'another-client' }],
      ['an aud that does not match, whatever its client_id', { aud: 'another-client', client_id: CLIENT }],
    ])('answers 401 for one with %s', async (_, claims) => {
      // Prepare
      const jwt = await token({ ...claims, token_use: 'access' });

      // Act
      const result = await authorize(jwt);

      // Assess
      expect(refusal(result)).toEqual({ status: 401, challenge: expect.stringMatching(/valid audience/) });
    });
  });

  describe('route scopes', () => {
    it.each([
      ['a space-separated scope claim', { scope: 'notes/read notes/write' }],
      ['an scp list', { scp: ['notes/read', 'notes/write'] }],
    ])('lets a token with one of the scopes through, from %s', async (_, claims) => {
      // Prepare
      const jwt = await token({ aud: undefined, client_id: CLIENT, token_use: 'access', ...claims });

      // Act
      const result = await authorize(jwt, { scopes: ['notes/admin', 'notes/write'] });

      // Assess
      expect(result).toMatchObject({ ok: true, scopes: ['notes/read', 'notes/write'] });
    });

    it.each([
      ['none of the scopes', { scope: 'notes/read' }],
      ['no scope at all', {}],
    ])('answers 403 for a token with %s the route requires', async (_, claims) => {
      // Prepare
      const jwt = await token({ aud: undefined, client_id: CLIENT, token_use: 'access', ...claims });

      // Act
      const result = await authorize(jwt, { scopes: ['notes/write'] });

      // Assess
      expect(refusal(result)).toEqual({
        status: 403,
        challenge: expect.stringContaining('error="insufficient_scope"'),
      });
    });
  });
});
