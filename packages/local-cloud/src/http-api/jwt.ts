/**
 * The JWT authorizer of an HTTP API, verifying as API Gateway does: an RSA signature by the issuer's JWKS key
 * the header's `kid` names, the issuer, the audience (`aud`; `client_id` only when there is no `aud`, as in Cognito
 * access tokens), `exp`, `nbf` and `iat`, and the route's scopes. A missing or invalid token is a 401 with `www-authenticate`; missing scopes are a 403.
 * Keys are fetched only from local emulators (cognito-local), never from the internet.
 */
import { decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type HttpAnswer, jsonMessage } from './event.ts';

export interface JwtAuthorizerConfig {
  readonly authorizerId: string;
  readonly name: string;
  /** `$request.header.Authorization` by default. */
  readonly identitySource: readonly string[];
  /** The issuer the template names (for a Cognito pool: `https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
  readonly issuer: string;
  readonly audience: readonly string[];
}

/** Where a template issuer's keys are here, and the `iss` its tokens carry; or why there are none. */
export type IssuerKeys =
  | { readonly jwks: JWTVerifyGetKey; readonly issuer: string }
  | { readonly problem: string };

export type AuthorizeResult =
  | {
      readonly ok: true;
      readonly claims: Record<string, string>;
      readonly scopes?: readonly string[];
      readonly sub?: string;
    }
  | { readonly ok: false; readonly answer: HttpAnswer; readonly error: string };

export interface IdentityFacts {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: URLSearchParams;
}

/** The token from the identity source, `Bearer ` prefix or not. */
export function tokenFrom(identitySource: readonly string[], facts: IdentityFacts): string | undefined {
  const source = identitySource[0] ?? '$request.header.Authorization';
  let value: string | undefined;
  const header = /^\$request\.header\.(.+)$/i.exec(source)?.[1];
  const query = /^\$request\.querystring\.(.+)$/i.exec(source)?.[1];
  if (header) {
    const raw = facts.headers[header.toLowerCase()];
    value = Array.isArray(raw) ? raw[0] : raw;
  } else if (query) value = facts.query.get(query) ?? undefined;
  const token = value
    ?.trim()
    .replace(/^bearer(\s+|$)/i, '')
    .trim();
  return token || undefined;
}

/** Claims as API Gateway passes them: every value a string, lists as `[a b]`. */
export function claimsAsStrings(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (Array.isArray(value)) claims[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object' && value !== null) claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

function unauthorized(description?: string): AuthorizeResult {
  const challenge = description
    ? `Bearer scope="" error="invalid_token" error_description="${description}"`
    : 'Bearer';
  return {
    ok: false,
    answer: jsonMessage(401, 'Unauthorized', [['www-authenticate', challenge]]),
    error: description ?? 'no token',
  };
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token does not have a valid issuer';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token does not have a valid ${error.claim} claim`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token has an invalid signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a key of the issuer';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with an RSA algorithm';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
    return 'the token is malformed';
  return 'the token is invalid';
}

export class JwtAuthorizer {
  readonly config: JwtAuthorizerConfig;
  readonly #keys: IssuerKeys;
  readonly #now: () => Date;

  constructor(config: JwtAuthorizerConfig, keys: IssuerKeys, now: () => Date = () => new Date()) {
    this.config = config;
    this.#keys = keys;
    this.#now = now;
  }

  /** Why every request is refused, when the issuer is not a local one. */
  get problem(): string | undefined {
    return 'problem' in this.#keys ? this.#keys.problem : undefined;
  }

  async authorize(facts: IdentityFacts, requiredScopes: readonly string[]): Promise<AuthorizeResult> {
    const token = tokenFrom(this.config.identitySource, facts);
    if (!token) return unauthorized();
    if ('problem' in this.#keys) return unauthorized('the issuer is not a local user pool');
    let payload: JWTPayload;
    const now = this.#now();
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return unauthorized('the token is malformed');
    }
    if (!kid) return unauthorized('the token has no kid header');
    try {
      ({ payload } = await jwtVerify(token, this.#keys.jwks, {
        issuer: this.#keys.issuer,
        currentDate: now,
        algorithms: ['RS256', 'RS384', 'RS512'],
        // API Gateway refuses a token that never expires, as it does an expired one.
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      return unauthorized(reason(error));
    }
    if (typeof payload.iat === 'number' && payload.iat > Math.ceil(now.getTime() / 1000)) {
      return unauthorized('the token was issued in the future');
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
    // Cognito access tokens carry the app client in client_id and no aud; API Gateway accepts either.
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
    const audienceMatches =
      this.config.audience.length === 0 ||
      audiences.some((audience) => this.config.audience.includes(audience)) ||
      (audiences.length === 0 && clientId !== undefined && this.config.audience.includes(clientId));
    if (!audienceMatches) return unauthorized('the token does not have a valid audience');
    const scopeClaim = typeof payload.scope === 'string' ? payload.scope : payload.scp;
    const scopes = Array.isArray(scopeClaim)
      ? scopeClaim.map(String)
      : typeof scopeClaim === 'string'
        ? scopeClaim.split(' ').filter(Boolean)
        : undefined;
    if (requiredScopes.length > 0 && !requiredScopes.some((scope) => scopes?.includes(scope))) {
      const challenge = `Bearer scope="${requiredScopes.join(' ')}" error="insufficient_scope" error_description="the token lacks the scopes this route requires"`;
      return {
        ok: false,
        answer: jsonMessage(403, 'Forbidden', [['www-authenticate', challenge]]),
        error: 'insufficient scope',
      };
    }
    return {
      ok: true,
      claims: claimsAsStrings(payload),
      ...(scopes ? { scopes } : {}),
      ...(payload.sub ? { sub: payload.sub } : {}),
    };
  }
}
