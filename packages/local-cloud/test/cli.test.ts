import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli.ts';

const PACKAGE = join(import.meta.dirname, '..');
const ASSEMBLIES = join(import.meta.dirname, 'fixtures', 'assemblies');

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string | RegExp): Promise<void>;
  exit(): Promise<number | null>;
}

const running: ChildProcess[] = [];

/** `local-cloud <args>` as a user runs it, in its own process. */
function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: PACKAGE, env });
  running.push(child);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    waitFor(text) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (typeof text === 'string' ? run.stdout.includes(text) : text.test(run.stdout)) resolve();
        };
        child.stdout?.on('data', check);
        void exited.then(() =>
          reject(new Error(`exited before printing ${text}:\n${run.stdout}\n${run.stderr}`)),
        );
        check();
      });
    },
    exit: () => exited,
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
  });
  return run;
}

function endpointOf(stdout: string): string {
  return /Endpoint: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? '';
}

function clientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
}

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Where the user typed the command: pnpm's INIT_CWD when run through pnpm. */
const where = process.env.INIT_CWD ?? process.cwd();

describe('local-cloud command line', () => {
  it.each([
    [['up'], { assembly: resolve(where, 'cdk.out'), stacks: [] }],
    [['up', '--stack', 'sqs', '-s', 'kinesis,sns', 'api'], { stacks: ['sqs', 'kinesis', 'sns', 'api'] }],
    [
      ['up', '--assembly', '../infra/cdk.out', '--port', '0'],
      { assembly: resolve(where, '../infra/cdk.out'), port: 0 },
    ],
    [['up', '--api-port', '4567'], { apiPort: 4567 }],
    [['up', '--time-scale', '0.1'], { timeScale: 0.1 }],
  ])('reads %j, with paths relative to where the command was typed', (args, expected) => {
    // Prepare
    const commandLine = args;

    // Act
    const parsed = parseCommandLine(commandLine);

    // Assess
    expect(parsed).toMatchObject({ help: false, ...expected });
  });

  it.each([
    [[], "Expected the command 'up', got no command: see local-cloud --help."],
    [['down'], "Expected the command 'up', got 'down': see local-cloud --help."],
    [['up', '--port', 'ninety'], "--port needs a number from 0 to 65535, not 'ninety'."],
    [['up', '--api-port', '70000'], "--api-port needs a number from 0 to 65535, not '70000'."],
    [['up', '--colour'], "Unknown option '--colour': see local-cloud --help."],
    [['up', '--time-scale', '0'], "--time-scale needs a number from 0.001 to 1, not '0'."],
    [['up', '--time-scale', 'fast'], "--time-scale needs a number from 0.001 to 1, not 'fast'."],
    [['up', '--time-scale', '2'], "--time-scale needs a number from 0.001 to 1, not '2'."],
  ])('explains what is wrong with %j', (args, message) => {
    // Prepare
    const commandLine = args;

    // Act
    const parsing = () => parseCommandLine(commandLine);

    // Assess
    expect(parsing).toThrow(message);
  });

  it('prints its usage with --help and exits 0', async () => {
    // Prepare
    const run = cli(['--help']);

    // Act
    const code = await run.exit();

    // Assess
    expect(code).toBe(0);
    expect(run.stdout).toContain('Usage: local-cloud up [--assembly DIR] [--stack NAME ...] [--port N]');
  });

  it('prints one error line, no stack, and exits non-zero for a broken manifest', async () => {
    // Prepare
    const broken = mkdtempSync(join(tmpdir(), 'broken-assembly-'));
    writeFileSync(join(broken, 'manifest.json'), '{ "version": "55.0.0", "artifacts": {');
    const run = cli(['up', '--assembly', broken, '--port', '0']);

    // Act
    const code = await run.exit();
    rmSync(broken, { recursive: true, force: true });

    // Assess
    expect(code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^error: The manifest \(.*manifest\.json\) is not valid JSON \(.*\): run `cdk synth` again\.$/,
      ),
    ]);
  });

  it('says the port is in use and exits non-zero', async () => {
    // Prepare
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const run = cli(['up', '--assembly', join(ASSEMBLIES, 'queue-only'), '--port', String(port)]);

    // Act
    const code = await run.exit();

    // Assess
    holder.close();
    expect(code).toBe(1);
    expect(run.stderr.trim()).toBe(`error: Port ${port} is in use: stop what holds it or pass --port N.`);
  });

  it('prints one line per stack and no line wider than the terminal, then Ready', async () => {
    // Prepare: not a terminal, no $COLUMNS: 100 columns
    const { COLUMNS: _, ...env } = process.env;

    // Act
    const run = cli(['up', '--assembly', join(ASSEMBLIES, 'queue-only'), '--port', '0'], env);
    await run.waitFor('Ready.');
    run.child.kill('SIGINT');
    const code = await run.exit();

    // Assess: the endpoint, then the stack in one line; the resource table only with --verbose
    expect(code).toBe(0);
    expect(run.stdout).toMatch(
      /^Endpoint: http:\/\/127\.0\.0\.1:\d+\n {2}export AWS_ENDPOINT_URL=[^\n]+\\\n(?:.*\n)*?\nTriggers-Queue: 2 resources \(2 running, 0 recorded, 0 not run locally\)\n\nReady\./m,
    );
    expect(run.stdout).not.toMatch(/AWS::SQS::Queue/);
    for (const line of run.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('prints the endpoint, resources and outputs with --verbose, streams function logs with REPORT lines, and stops on SIGINT', async () => {
    // Prepare: a wide terminal, so that each log line stays one line
    const run = cli(['up', '--assembly', join(ASSEMBLIES, 'queue-only'), '--port', '0', '--verbose'], {
      ...process.env,
      COLUMNS: '300',
    });
    await run.waitFor('Ready.');
    const functionName = /FunctionName\s+(\S+)/.exec(run.stdout)?.[1];
    const lambda = new LambdaClient(clientConfig(endpointOf(run.stdout)));

    // Act
    await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: '{"from":"cli test"}' }));
    await run.waitFor(/REPORT RequestId: \S+ {2}Duration: [\d.]+ ms/);
    run.child.kill('SIGINT');
    const code = await run.exit();

    // Assess
    lambda.destroy();
    expect(code).toBe(0);
    expect(run.stdout).toMatch(/Triggers-Queue: 2 resources \(2 running, 0 recorded, 0 not run locally\)/);
    expect(run.stdout).toMatch(
      /running\s+AWS::SQS::Queue\s+Queue\s+http:\/\/127\.0\.0\.1:\d+\/000000000000\//,
    );
    expect(run.stdout).toMatch(new RegExp(`${functionName} .*hello from the local cloud`));
    expect(run.stdout).toContain('Stopping…');
  });

  it('runs without Java: warns what needs it, reports the table as not run, and SQS still works', async () => {
    // Prepare: a PATH with node but no java.
    const env = { ...process.env, PATH: dirname(process.execPath), COLUMNS: '300' };
    const run = cli(
      ['up', '--assembly', join(ASSEMBLIES, 'basic'), '--stack', 'basic', '--port', '0', '--verbose'],
      env,
    );
    await run.waitFor('Ready.');
    const queueUrl = /QueueUrl\s+(\S+)/.exec(run.stdout)?.[1];
    const sqs = new SQSClient(clientConfig(endpointOf(run.stdout)));

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'order without java' }));
    await run.waitFor('received order without java');
    run.child.kill('SIGTERM');
    const code = await run.exit();

    // Assess
    sqs.destroy();
    expect(code).toBe(0);
    expect(run.stderr).toContain(
      'warning: DynamoDB Local needs Java 17+ (java was not found on PATH): install a JRE; SQS, Lambda and the rest still run.',
    );
    expect(run.stdout).toMatch(/not run\s+AWS::DynamoDB::Table\s+Table/);
    expect(run.stdout).toContain('AWS::DynamoDB::Table Table: DynamoDB Local needs Java 17+');
  });
});
