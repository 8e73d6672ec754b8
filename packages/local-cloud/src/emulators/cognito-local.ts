/**
 * cognito-local (Cognito user pools: pools, app clients, sign-up, confirm, USER_PASSWORD_AUTH, refresh, JWKS), run
 * as a child process on 127.0.0.1 and a free port, its data in a folder of the cloud's work directory.
 *
 * It is a Node program that loads the v2 AWS SDK (for its trigger and KMS clients, unused here): a child keeps
 * that out of the local cloud's own process. Its only outbound client is that Lambda client, which calls nothing
 * unless triggers are configured; there is no telemetry.
 *
 * Tokens: cognito-local signs with one RSA key that ships inside the package (kid `CognitoLocal`), and writes
 * `iss` as `<IssuerDomain>/<poolId>`. We set IssuerDomain to the gateway URL, so a token's issuer is
 * `http://127.0.0.1:4566/local_AbCd1234` and `<iss>/.well-known/jwks.json` answers through the gateway.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { LocalCloudError } from '../errors.ts';
import { freePort, superviseStart } from './child-process.ts';

export interface CognitoLocal {
  /** Where cognito-local answers, e.g. http://127.0.0.1:41236. */
  readonly url: string;
  /** What its tokens carry as `iss` before the pool id: the gateway URL. */
  readonly issuerDomain: string;
  /** The JWKS of a pool, straight from the emulator. */
  jwksUrl(poolId: string): string;
  /** The `iss` its tokens for `poolId` carry. */
  issuer(poolId: string): string;
  stop(): Promise<void>;
}

export interface CognitoLocalOptions {
  /** Its data folder (`.cognito/` goes inside); removed with the cloud's work directory. */
  readonly directory: string;
  /** The prefix of the tokens' `iss` (the gateway URL). */
  readonly issuerDomain: string;
  /** How long to wait for it to answer; 20 s by default. */
  readonly startTimeoutMs?: number;
}

function startScript(): string {
  try {
    const main = createRequire(import.meta.url).resolve('cognito-local');
    return join(dirname(main), 'bin', 'start.js');
  } catch {
    throw new LocalCloudError('cognito-local is not installed: run `pnpm install`.');
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export async function startCognitoLocal(options: CognitoLocalOptions): Promise<CognitoLocal> {
  const script = startScript();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // cognito-local reads `.cognito/config.json` and keeps its pools in `.cognito/db`, both under its cwd.
  mkdirSync(join(options.directory, '.cognito'), { recursive: true });
  writeFileSync(
    join(options.directory, '.cognito', 'config.json'),
    JSON.stringify({
      TokenConfig: { IssuerDomain: options.issuerDomain },
      // Its default makes every pool sign in by email; AWS's pools sign in by username unless they say otherwise.
      UserPoolDefaults: { UsernameAttributes: [] },
      ServerConfig: { hostname: '127.0.0.1', port },
    }),
  );
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: options.directory,
    env: {
      ...process.env,
      // Its defaults, before the config file is merged over them; HOST also keeps it off other interfaces.
      HOST: '127.0.0.1',
      PORT: String(port),
      NO_COLOR: '1',
      // The v2 SDK's end-of-support notice, on every start.
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      NODE_NO_WARNINGS: '1',
      NODE_OPTIONS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = await superviseStart({
    name: 'cognito-local',
    child,
    answers: () => answers(url),
    startTimeoutMs: options.startTimeoutMs ?? 20_000,
  });
  return {
    url,
    issuerDomain: options.issuerDomain,
    jwksUrl: (poolId) => `${url}/${poolId}/.well-known/jwks.json`,
    issuer: (poolId) => `${options.issuerDomain}/${poolId}`,
    stop,
  };
}

/** A pool's JWKS URL and token issuer, when cognito-local has a pool with that id. */
export async function cognitoUserPool(
  cognito: CognitoLocal,
  client: CognitoIdentityProviderClient,
  poolId: string,
): Promise<{ jwksUrl: string; issuer: string } | undefined> {
  try {
    await client.send(new DescribeUserPoolCommand({ UserPoolId: poolId }));
  } catch {
    return undefined;
  }
  return { jwksUrl: cognito.jwksUrl(poolId), issuer: cognito.issuer(poolId) };
}
