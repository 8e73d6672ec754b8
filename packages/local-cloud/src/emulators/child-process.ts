/**
 * Emulators that run as child processes (DynamoDB Local's JVM, cognito-local): a free port to give them, waiting
 * until they answer, a clear error when they die while starting, and never leaving one behind.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalCloudError, messageOf } from '../errors.ts';

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

export interface SupervisedStart {
  /** Its name in messages: "DynamoDB Local". */
  readonly name: string;
  readonly child: ChildProcess;
  /** True once it answers requests. */
  readonly answers: () => Promise<boolean>;
  readonly startTimeoutMs: number;
  /** A clearer sentence for a spawn error (no `java` on PATH), else the generic one. */
  readonly spawnError?: (error: NodeJS.ErrnoException) => string | undefined;
  /** A clearer sentence for an exit while starting, from its last output lines, else the generic one. */
  readonly exitReason?: (output: string) => string | undefined;
}

/**
 * Waits until the child answers, or fails with one sentence (its last output lines when it exited); from then on
 * it is killed with this process, however this process ends. Resolves to the function that stops it.
 */
export async function superviseStart(start: SupervisedStart): Promise<() => Promise<void>> {
  const { child, name } = start;
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A parent that exits without stop() must not leave the emulator behind.
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
        new LocalCloudError(start.spawnError?.(error) ?? `${name} could not start: ${messageOf(error)}.`),
      );
    });
    child.once('exit', (code, signal) => {
      const log = output.join(' | ');
      reject(
        new LocalCloudError(
          start.exitReason?.(log) ??
            `${name} exited while starting (${signal ?? `code ${code}`}): ${log || 'no output'}.`,
        ),
      );
    });
  });
  failure.catch(() => {});

  let settled = false;
  const ready = (async () => {
    const deadline = Date.now() + start.startTimeoutMs;
    while (Date.now() < deadline && !settled) {
      if (child.exitCode !== null) return false;
      if (await start.answers()) return true;
      await sleep(50);
    }
    return false;
  })();
  try {
    const up = await Promise.race([ready, failure]);
    if (!up) throw new LocalCloudError(`${name} did not answer within ${start.startTimeoutMs / 1000} s.`);
  } catch (error) {
    await terminate(child);
    forget();
    throw error;
  } finally {
    settled = true;
  }
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= terminate(child).finally(forget);
    return stopping;
  };
}
