/**
 * Helpers for tests of APIs behind a Cognito JWT authorizer: a confirmed user's tokens from cognito-local, and
 * tokens signed with cognito-local's own key with any claims (an expired one, a wrong audience, extra scopes).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  AdminConfirmSignUpCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { importJWK, type JWK, SignJWT } from 'jose';

export interface CognitoUser {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly username: string;
  readonly password: string;
  /** Attributes to sign up with (`email` is set from the username when it looks like an address). */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface CognitoTokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Signs a user up, confirms them as an admin would and signs them in (USER_PASSWORD_AUTH), as a learner does. */
export async function signUpAndSignIn(
  cognito: CognitoIdentityProviderClient,
  user: CognitoUser,
): Promise<CognitoTokens> {
  const attributes = {
    ...(user.username.includes('@') ? { email: user.username } : {}),
    ...user.attributes,
  };
  await cognito.send(
    new SignUpCommand({
      ClientId: user.clientId,
      Username: user.username,
      Password: user.password,
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
  await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: user.userPoolId, Username: user.username }));
  const { AuthenticationResult: result } = await cognito.send(
    new InitiateAuthCommand({
      ClientId: user.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
    }),
  );
  if (!result?.IdToken || !result.AccessToken)
    throw new Error(`cognito-local signed ${user.username} in without tokens`);
  return {
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken ?? '',
  };
}

/**
 * A token signed with the key cognito-local signs every token with (it ships inside the package), so it passes
 * the signature check: for tests of what else the authorizer checks. `issuer` is the pool's local issuer,
 * `<cloud.endpoint>/<poolId>`; `expiresAt` is in epoch seconds.
 */
export async function signCognitoLocalToken(
  claims: Readonly<Record<string, unknown>>,
  options: { readonly issuer: string; readonly expiresAt: number },
): Promise<string> {
  const keys = join(dirname(createRequire(import.meta.url).resolve('cognito-local')), 'keys');
  const { jwk } = JSON.parse(readFileSync(join(keys, 'cognitoLocal.private.json'), 'utf8')) as { jwk: JWK };
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' })
    .setIssuer(options.issuer)
    .setIssuedAt(options.expiresAt - 3600)
    .setExpirationTime(options.expiresAt)
    .sign(await importJWK(jwk, 'RS256'));
}
