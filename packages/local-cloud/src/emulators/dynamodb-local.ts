/**
 * DynamoDB Local (DynamoDB + Streams), AWS's own emulator: a Java process running the jar that ships inside the
 * npm package amplify-dynamodb-simulator. It has no listen-address option, so unlike everything else here it
 * listens on all interfaces (on a random port that only the gateway is told about).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalCloudError, messageOf } from '../errors.ts';

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

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null)
    throw new LocalCloudError('Could not find a free port.');
  return address.port;
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

/** Kills the child and resolves once it has exited (SIGKILL if SIGTERM is not enough). */
export async function terminate(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Kills `pid` once this process is gone, however it ends (a SIGKILL, a crashed test worker), where an 'exit'
 * handler would not run: a shell waits on a pipe only this process holds open, and reads end-of-file when it dies.
 */
export function killWhenOrphaned(pid: number): ChildProcess {
  const watchdog = spawn('sh', ['-c', `read _; kill -9 ${pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Neither the watchdog nor its pipe may keep this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog.on('error', () => {}); // no sh: the 'exit' handler below still covers normal exits
  return watchdog;
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
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A parent that exits without stop() must not leave a JVM behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const watchdog = child.pid === undefined ? undefined : killWhenOrphaned(child.pid);
  const forget = (): void => {
    process.removeListener('exit', killOnExit);
    watchdog?.kill();
  };

  const failure = new Promise<never>((_resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new LocalCloudError(MISSING_JAVA_MESSAGE)
          : new LocalCloudError(`DynamoDB Local could not start: ${messageOf(error)}`),
      );
    });
    child.once('exit', (code, signal) => {
      const log = output.join(' | ');
      const tooOld = /UnsupportedClassVersionError/.test(log);
      reject(
        new LocalCloudError(
          tooOld
            ? 'DynamoDB Local needs Java 17+ (the java on PATH is older): install a newer JRE; SQS, Lambda and the rest still run.'
            : `DynamoDB Local exited while starting (${signal ?? `code ${code}`}): ${log || 'no output'}.`,
        ),
      );
    });
  });
  failure.catch(() => {});

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let settled = false;
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !settled) {
      if (child.exitCode !== null) return false;
      if (await answers(url)) return true;
      await sleep(50);
    }
    return false;
  })();

  try {
    const up = await Promise.race([ready, failure]);
    if (!up) throw new LocalCloudError(`DynamoDB Local did not answer within ${timeoutMs / 1000} s.`);
  } catch (error) {
    await terminate(child);
    forget();
    throw error;
  } finally {
    settled = true;
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= terminate(child).finally(forget);
      return stopping;
    },
  };
}
