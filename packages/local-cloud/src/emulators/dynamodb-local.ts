/**
 * DynamoDB Local (DynamoDB + Streams), AWS's own emulator: a Java process running the jar that ships inside the
 * npm package amplify-dynamodb-simulator. It has no listen-address option, so unlike everything else here it
 * listens on all interfaces (on a random port that only the gateway is told about).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LocalCloudError } from '../errors.ts';
import { freePort, superviseStart } from './child-process.ts';

export interface DynamoDbLocal {
  /** Where DynamoDB Local answers, e.g. http://127.0.0.1:41235. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** The environment of the java process (its PATH decides which java runs); process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for it to answer; 30 s by default. */
  readonly startTimeoutMs?: number;
}

export const MISSING_JAVA_MESSAGE =
  'DynamoDB Local needs Java 17+ (java was not found on PATH): install a JRE; SQS, Lambda and the rest still run.';

/**
 * DynamoDB Local writes region `ddblocal` into ARNs; the ARNs we hand out say us-east-1, like every other local
 * resource. (Requests that carry an ARN back to DynamoDB Local must map it back with `dynamoDbLocalArn`.)
 */
export function publicDynamoDbArn(arn: string, region = 'us-east-1', accountId = '000000000000'): string {
  return arn.replace(/^arn:aws:dynamodb:ddblocal:\d+:/, `arn:aws:dynamodb:${region}:${accountId}:`);
}

export function dynamoDbLocalArn(arn: string): string {
  return arn.replace(/^arn:aws:dynamodb:[^:]+:\d+:/, 'arn:aws:dynamodb:ddblocal:000000000000:');
}

function emulatorDirectory(): string {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('amplify-dynamodb-simulator');
  } catch {
    throw new LocalCloudError(
      'DynamoDB Local is not installed (amplify-dynamodb-simulator is missing): run `pnpm install`.',
    );
  }
  const directory = join(dirname(main), 'emulator');
  if (!existsSync(join(directory, 'DynamoDBLocal.jar'))) {
    throw new LocalCloudError(
      `DynamoDB Local's jar is missing from ${directory}: run \`pnpm install\` again.`,
    );
  }
  return directory;
}

/** Any HTTP answer means it is up (an unsigned request is refused, which is fine). */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
      },
      body: '{}',
      signal: AbortSignal.timeout(1_000),
    });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const directory = emulatorDirectory();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'java',
    [
      // C1 only and the serial collector: starts ≈0.5 s sooner and is lighter on small machines; a local table
      // never needs C2's peak speed.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-jar',
      'DynamoDBLocal.jar',
      '-inMemory',
      // One database for every access key and region: functions and the user's CLI see the same tables.
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // It phones home unless told not to, on the command line and in the environment.
    {
      cwd: directory,
      env: { ...(options.env ?? process.env), DDB_LOCAL_TELEMETRY: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = await superviseStart({
    name: 'DynamoDB Local',
    child,
    answers: () => answers(url),
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    spawnError: (error) => (error.code === 'ENOENT' ? MISSING_JAVA_MESSAGE : undefined),
    exitReason: (output) =>
      /UnsupportedClassVersionError/.test(output)
        ? 'DynamoDB Local needs Java 17+ (the java on PATH is older): install a newer JRE; SQS, Lambda and the rest still run.'
        : undefined,
  });
  return { url, stop };
}
