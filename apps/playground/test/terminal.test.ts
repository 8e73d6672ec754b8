/**
 * What a newcomer sees in the terminal: `cdk synth` without notices, `pnpm start` that reads at a glance (the
 * page and the endpoint first, one line per integration, no line wider than the terminal, what the AWS CLI found
 * does with the export), a poison message's retries as short lines, no command offered that cannot work here, a
 * taken page port as one line, and Ctrl-C ending `pnpm start` with exit status 0, every time.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
/** node alone on PATH: no java (so no DynamoDB Local), no aws. */
const nodeOnly = dirname(process.execPath);

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray | null>;
}

/** A process whose stdout and stderr are collected together, as a terminal shows them. */
function collect(child: ChildProcess): Run {
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => output,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(whole(output)) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return pattern.exec(whole(output));
    },
  };
}

/** `pnpm start`'s program with `args`, in an environment without $COLUMNS unless `env` sets it: 100 columns. */
function start(args: string[], env: NodeJS.ProcessEnv): Run {
  const { COLUMNS: _, ...rest } = process.env;
  return collect(
    spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...rest, ...env },
    }),
  );
}

/** The wrapped commands back on one line each, as the shell reads them. */
function unwrapped(output: string): string {
  return output
    .replace(/'\\\n'/g, '')
    .replace(/ \\\n +/g, ' ')
    .replace(/\\\n/g, '');
}

/** Every line whole: commands unwrapped, and text lines joined with the lines indented by four that go on. */
function whole(output: string): string {
  return unwrapped(output).replace(/\n {4}(?:# )?(?=\S)/g, ' ');
}

describe('a newcomer in the terminal', { timeout: 240_000 }, () => {
  let assembly: string;
  let synthOutput: string;
  let synthStatus: number | null;
  let fakeCli: string;

  beforeAll(() => {
    // Prepare: infra's own synth script, as `pnpm start` runs it, into a folder of our own
    assembly = mkdtempSync(join(tmpdir(), 'terminal-'));
    const synth = spawnSync('pnpm', ['--dir', 'infra', 'run', 'synth', '--output', assembly], {
      cwd: root,
      encoding: 'utf8',
    });
    synthOutput = `${synth.stdout}${synth.stderr}`;
    synthStatus = synth.status;
    // An AWS CLI as Debian ships it (2.9.19), older than the first that reads AWS_ENDPOINT_URL
    fakeCli = mkdtempSync(join(tmpdir(), 'fake-aws-'));
    writeFileSync(
      join(fakeCli, 'aws'),
      '#!/bin/sh\necho "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off"\n',
    );
    chmodSync(join(fakeCli, 'aws'), 0o755);
  }, 180_000);

  afterAll(() => {
    rmSync(assembly, { recursive: true, force: true });
    rmSync(fakeCli, { recursive: true, force: true });
  });

  it('synthesizes without the feature flags notice (cdk.json configures them all)', () => {
    // Assess
    expect(synthStatus, synthOutput).toBe(0);
    expect(synthOutput).toContain('Successfully synthesized');
    expect(synthOutput).not.toMatch(/feature flags are not configured/i);
  });

  it('prints the page and the endpoint first, then one line per integration, no line wider than 100 columns; a poison message shows its failed receive and a short error', async () => {
    // Prepare: no java (DynamoDB Local cannot start), the old AWS CLI first on PATH
    const run = start(
      ['--', '--assembly', assembly, '--stack', 'sqs', '--stack', 's3', '--port', '0', '--page-port', '0'],
      {
        PATH: `${fakeCli}:${nodeOnly}`,
      },
    );
    try {
      expect(await run.waitFor(/^Ready\./m), run.output()).not.toBeNull();
      const before = run.output().slice(0, run.output().indexOf('\nReady.'));
      const lines = before.split('\n');
      const page = lines.findIndex((line) => line.startsWith('Page:'));
      const queueUrl = /--queue-url (\S+)/.exec(unwrapped(before))?.[1] ?? '';
      const endpoint = /^Endpoint: (\S+)$/m.exec(before)?.[1] ?? '';

      // Act: a message that is not an order
      const sqs = new SQSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not an order' }));
      sqs.destroy();
      const notice = await run.waitFor(/ aws:sqs receive 1 of 5 failed: visible again in 60 s$/m);
      const error = await run.waitFor(/ ERROR +FullBatchFailureError: All records failed processing\./);

      // Assess: the page, the endpoint and the export line with what this CLI does with it, first
      expect(lines[page]).toMatch(/^Page: +http:\/\/127\.0\.0\.1:\d+ /);
      expect(lines[page + 1]).toMatch(/^Endpoint: http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[page + 2]).toMatch(/^ {2}export AWS_ENDPOINT_URL=/);
      expect(before.replace(/\n +/g, ' ')).toMatch(
        /Your AWS CLI 2\.9\.19 ignores AWS_ENDPOINT_URL \(2\.13\+ reads it\): give every aws command --endpoint-url/,
      );
      // one line per integration (its command may go on in continuation lines), no resource tables
      expect(lines.filter((line) => /^ {2}(sqs|s3) +running/.test(line))).toEqual([
        // without Java its table does not run
        expect.stringMatching(
          /^ {2}sqs +running, 1 not run locally {2}aws --endpoint-url \S+ sqs send-message/,
        ),
        expect.stringMatching(/^ {2}s3 +running, 1 not run locally {2}aws --endpoint-url \S+ s3 cp/),
      ]);
      expect(before).not.toMatch(/AWS::|Outputs:|get-item/);
      // the retry as one short line, the 3,000-character error as one line without its stack
      expect(notice?.[0], run.output()).toBeDefined();
      expect(error?.[0], run.output()).toBeDefined();
      expect(run.output()).not.toMatch(/stackTrace|\n\s+at /);
      expect(whole(run.output())).toMatch(
        / ERROR +FullBatchFailureError: All records failed processing\. See individual errors below\. \(stack trace in the log\)\n/,
      );
      for (const line of run.output().split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
    }
  });

  it('says there is no AWS CLI, and does not offer get-item where DynamoDB cannot run (no Java)', async () => {
    // Prepare
    const run = start(
      ['--', '--assembly', assembly, '--stack', 'sqs', '--port', '0', '--page-port', '0', '--verbose'],
      {
        PATH: nodeOnly,
      },
    );
    try {
      // Act
      expect(await run.waitFor(/^Ready\./m), run.output()).not.toBeNull();
      const printed = whole(run.output());

      // Assess
      expect(printed).toMatch(/^ {2}No AWS CLI on PATH: install AWS CLI v2\.13 or later/m);
      expect(printed).toMatch(/^warning: DynamoDB Local needs Java 17\+/m);
      expect(printed).not.toMatch(/^ {2}aws .*dynamodb get-item/m);
      expect(printed).toMatch(
        /^ {2}# not offered: aws dynamodb get-item needs AWS::DynamoDB::Table \S+, which does not run here: DynamoDB Local needs Java 17\+/m,
      );
      expect(printed).toMatch(/^ {2}aws --endpoint-url \S+ sqs send-message /m);
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
    }
  });

  it('says in one line that the page port is taken, exits 1, and leaves nothing running', async () => {
    // Prepare: something else on a port
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;

    try {
      // Act
      const run = start(
        ['--', '--assembly', assembly, '--stack', 'sqs', '--port', '0', '--page-port', String(port)],
        {
          PATH: nodeOnly,
        },
      );
      const { code } = await run.exited;

      // Assess
      expect(code).toBe(1);
      expect(
        run
          .output()
          .split('\n')
          .filter((line) => line.startsWith('error:')),
      ).toEqual([
        `error: Port ${port} is in use: stop what holds it, or give the page another (--page-port N, 0 for a free one).`,
      ]);
      expect(run.output()).not.toMatch(/\n\s+at /);
      const gateway = /Gateway listening on (\S+)/.exec(run.output())?.[1];
      expect(gateway).toBeDefined();
      await expect(fetch(`${gateway}/_localcloud/health`)).rejects.toThrow();
    } finally {
      taken.close();
    }
  });

  it('ends `pnpm start` with exit status 0 and no ELIFECYCLE line when Ctrl-C reaches its process group, 10 times of 10', async () => {
    const results: {
      code: number | null;
      signal: NodeJS.Signals | null;
      elifecycle: boolean;
      stopped: boolean;
    }[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      // Prepare: pnpm as a shell starts it, in a process group of its own
      const run = collect(
        spawn(
          'pnpm',
          ['start', '--', '--assembly', assembly, '--stack', 'sqs', '--port', '0', '--page-port', '0'],
          {
            cwd: root,
            detached: true,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        ),
      );
      expect(await run.waitFor(/^Ready\./m), run.output()).not.toBeNull();

      // Act: Ctrl-C, as the terminal sends it: SIGINT to the whole foreground group (pnpm, node)
      process.kill(-(run.child.pid ?? 0), 'SIGINT');
      const { code, signal } = await run.exited;
      results.push({
        code,
        signal,
        elifecycle: run.output().includes('ELIFECYCLE'),
        stopped: run.output().includes('Stopped: every emulator and function process has exited.'),
      });
    }

    // Assess
    expect(results).toEqual(
      Array.from({ length: 10 }, () => ({ code: 0, signal: null, elifecycle: false, stopped: true })),
    );
  });

  it('ends with exit status 0 when Ctrl-C comes during the synth, and starts nothing', async () => {
    // Prepare: pnpm start as it is usually run, synthesizing infra/ first
    const run = collect(
      spawn('pnpm', ['start', '--', '--stack', 'sqs', '--port', '0', '--page-port', '0'], {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    expect(await run.waitFor(/Synthesizing infra/), run.output()).not.toBeNull();

    // Act: Ctrl-C to the group: pnpm, node, and turbo with its task
    process.kill(-(run.child.pid ?? 0), 'SIGINT');
    const { code, signal } = await run.exited;

    // Assess
    expect({ code, signal }, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).not.toContain('ELIFECYCLE');
    expect(run.output()).toContain('Stopped: nothing was started.');
    expect(run.output()).not.toContain('Gateway listening');
  });
});
