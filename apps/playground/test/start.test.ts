/**
 * `pnpm start` as a learner runs it: the whole app comes up in the local cloud, the printed AWS CLI commands
 * (wrapped to the terminal's width, pasted as printed) really process an order and make a photo's thumbnail, and
 * Ctrl-C stops everything.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createApp, integrations } from '@triggers/infra';
import type { DeployedStack } from '@triggers/local-cloud';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointAtEndpoint, tryIt } from '../src/try-it.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const AWS_CLI = '/usr/bin/aws'; // AWS CLI v2 from Debian's packages, where installed
/** Options for a test that runs the CLI: skipped where it is missing, with the reason the report prints. */
const needsAwsCli = {
  skip: !existsSync(AWS_CLI),
  meta: { skipReason: `the AWS CLI v2 is not installed at ${AWS_CLI}` },
};
const END = '--end-of-answer--';
const credentials = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };

/**
 * The printed output with every wrapped command back on one line, as the shell reads it: a break between words
 * (` \` and an indented line) is a space, a cut inside single quotes (`'\` and a line starting with `'`) and any
 * other line continuation are nothing.
 */
function unwrapped(output: string): string {
  return output
    .replace(/'\\\n'/g, '')
    .replace(/ \\\n +/g, ' ')
    .replace(/\\\n/g, '');
}

/** A running `pnpm start` whose output is collected as it comes; 200 columns unless `env` says otherwise. */
function start(args: string[], env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '200' }) {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Log lines wider than the terminal go on in lines indented by four spaces: read them whole.
  const whole = () => unwrapped(output).replace(/\n {4}(?=\S)/g, ' ');
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(whole()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return pattern.exec(whole());
  };
  return { child, exited, waitFor, output: () => output };
}

describe('pnpm start', () => {
  let assembly: string;
  let running: ReturnType<typeof start> | undefined;

  beforeAll(() => {
    assembly = mkdtempSync(join(tmpdir(), 'playground-'));
    createApp({ outdir: assembly, context: { 'aws:cdk:enable-asset-metadata': true } }).synth();
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    rmSync(assembly, { recursive: true, force: true });
  });

  it('runs the app, and the printed AWS CLI command for SQS stores an order', async () => {
    // Prepare
    // A tenth of AWS's pace: Kinesis's minute windows and Firehose's 60 s buffer pass in seconds.
    running = start([
      '--',
      '--assembly',
      assembly,
      '--port',
      '0',
      '--page-port',
      '0',
      '--verbose',
      '--time-scale',
      '0.1',
    ]);
    const ready = await running.waitFor(/Ready\. Function logs follow/);
    expect(ready, running.output()).not.toBeNull();
    const printed = running.output();
    for (const line of printed.split('\n')) expect(line.length, line).toBeLessThanOrEqual(200);
    const command = /^\s+(aws --endpoint-url \S+ sqs send-message .+)$/m.exec(unwrapped(printed))?.[1] ?? '';

    // Act: run the printed command with the AWS CLI v2 where it exists, else send the same message with the SDK
    if (existsSync(AWS_CLI)) {
      await promisify(execFile)('bash', ['-c', command.replace(/^aws /, `${AWS_CLI} `)], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...credentials },
      });
    } else {
      const [, endpoint = '', queueUrl = '', body = ''] =
        /--endpoint-url (\S+) sqs send-message --queue-url (\S+) --message-body '(.+)'$/.exec(command) ?? [];
      const sqs = new SQSClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      sqs.destroy();
    }

    // Assess: the worker's own log line, streamed to the terminal, followed by its REPORT line
    expect(
      await running.waitFor(/INFO\s+Order accepted \{"messageId":"[^"]+","orderId":"o-1001","total":25\}/),
    ).not.toBeNull();
    expect(
      await running.waitFor(/REPORT RequestId: \S+ {2}Duration: [\d.]+ ms {2}Billed Duration: \d+ ms/),
    ).not.toBeNull();
  });

  it('runs the printed AWS CLI commands for S3: an uploaded photo gives a thumbnail to download', async ({
    skip,
  }) => {
    skip(!existsSync(AWS_CLI), `the AWS CLI v2 is not installed at ${AWS_CLI}: these steps are CLI commands`);
    // Prepare: the printed commands that make the sample photo, upload it and download its thumbnail
    const work = mkdtempSync(join(tmpdir(), 'playground-s3-'));
    const printed = unwrapped(running?.output() ?? '');
    const make = /^\s+(echo \S+ \| base64 -d > 'photo\.png')$/m.exec(printed)?.[1];
    const upload = /^\s+(aws --endpoint-url \S+ s3 cp 'photo\.png' 's3:\/\/\S+\/photo\.png')$/m.exec(
      printed,
    )?.[1];
    const download =
      /^\s+(aws --endpoint-url \S+ s3 cp s3:\/\/\S+\/thumbnails\/512\/photo\.png\.webp \.)$/m.exec(
        printed,
      )?.[1];
    expect(make, printed).toBeDefined();
    expect(upload, printed).toBeDefined();
    expect(download, printed).toBeDefined();
    const aws = (command = '') =>
      promisify(execFile)('bash', ['-c', command.replace(/^aws /, `${AWS_CLI} `)], {
        cwd: work,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...credentials },
      });

    try {
      // Act: make the photo, upload it, wait for the function's log line in the terminal, download
      await aws(make);
      await aws(upload);
      const created = await running?.waitFor(/INFO\s+Thumbnails created \{"key":"photo\.png"/);
      await aws(download);

      // Assess: the thumbnail is on disk, and the terminal showed the function's log line and its REPORT
      expect(created, running?.output()).not.toBeNull();
      // The 320 px sample is never enlarged: its "512" thumbnail keeps its own width.
      expect(await sharp(join(work, 'photo.png.webp')).metadata()).toMatchObject({
        format: 'webp',
        width: 320,
        height: 240,
      });
      expect(
        await running?.waitFor(
          /Thumbnails created \{"key":"photo\.png"[\s\S]*REPORT RequestId: \S+ {2}Duration: [\d.]+ ms {2}Billed Duration: \d+ ms/,
        ),
      ).not.toBeNull();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it(
    'runs the printed API Gateway commands: sign up, confirm, get a token, create, a bad note, list, read and update notes (needs the AWS CLI at /usr/bin/aws)',
    needsAwsCli,
    async () => {
      // Prepare: the commands printed for Triggers-ApiGateway, in order, with the AWS CLI v2 from /usr/bin
      const block =
        /^Try Triggers-ApiGateway .*\n((?: {2}.*\n?)+)/m.exec(unwrapped(running?.output() ?? ''))?.[1] ?? '';
      const commands = block
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
      // Each curl answer followed by a marker line (curl prints no newline after a body)
      const script = commands
        .map((line) => line.replace(/(^|\$\()aws /g, `$1${AWS_CLI} `))
        .map((line) => (line.startsWith('curl ') ? `${line}; echo; echo ${END}` : `${line} > /dev/null`))
        .join('\n');

      // Act
      const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...credentials },
      });

      // Assess: created, the poison refused with 400, listed, read with its ETag, updated to version 2, and the
      // stale update refused with 412
      expect(commands.filter((line) => line.startsWith('curl '))).toHaveLength(6);
      const [created = '', poison = '', listed = '', read = '', updated = '', stale = ''] = stdout.split(
        `\n${END}\n`,
      );
      expect(JSON.parse(created)).toMatchObject({ id: 'groceries', title: 'Groceries', version: 1 });
      expect(JSON.parse(poison)).toMatchObject({ status: 400 });
      expect(JSON.parse(listed).items).toEqual([expect.objectContaining({ id: 'groceries' })]);
      expect(read).toMatch(/^HTTP\/1\.1 200 /);
      expect(read).toMatch(/^etag: "1"\r?$/im);
      expect(JSON.parse(updated)).toMatchObject({ body: 'milk, eggs', version: 2 });
      expect(JSON.parse(stale)).toMatchObject({ status: 412, title: 'The note has changed' });
    },
  );

  it('runs the printed Kinesis commands: records put on the stream are counted in the table, archived by Firehose, and the poison reaches the on-failure queue (needs the AWS CLI at /usr/bin/aws)', {
    ...needsAwsCli,
    timeout: 150_000,
  }, async () => {
    // Prepare: the commands printed for Triggers-Kinesis, as printed; the readers run in a folder of their own
    const block =
      /^Try Triggers-Kinesis .*\n((?: {2}.*\n?)+)/m.exec(unwrapped(running?.output() ?? ''))?.[1] ?? '';
    const commands = block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.replace(/(^|\$\()aws /g, `$1${AWS_CLI} `));
    const puts = commands.filter((line) => line.includes(' kinesis put-record '));
    const readers = commands.filter((line) => !line.includes(' kinesis put-record '));
    const work = mkdtempSync(join(tmpdir(), 'kinesis-commands-'));
    const run = (line: string) =>
      promisify(execFile)('bash', ['-e', '-c', line], {
        cwd: work,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...credentials },
      });

    try {
      // Act: put every sample and poison record, then read until the windows have closed and Firehose flushed
      for (const line of puts) await run(line);
      const read = async () => {
        const outputs: string[] = [];
        for (const line of readers) outputs.push((await run(line)).stdout);
        return outputs;
      };
      let outputs: string[] = [];
      await expect
        .poll(
          async () => {
            outputs = await read().catch(() => []);
            return outputs.length === readers.length && outputs.every((output) => output.trim() !== '');
          },
          { timeout: 90_000, interval: 2_000 },
        )
        .toBe(true);

      // Assess: the four records went in; each reader printed what the descriptor says it shows
      expect(puts).toHaveLength(4);
      const [scan = '', listing = '', views = '', errors = '', onFailure = ''] = outputs;
      expect(JSON.parse(scan).Items.length).toBeGreaterThan(0);
      expect(listing).toMatch(/views\/\d{4}\/\d{2}\/\d{2}\//);
      expect(views).toContain('"page":"/docs/start"');
      expect(errors).toMatch(/"errorCode"/);
      expect(JSON.parse(onFailure).Messages[0].Body).toContain('KinesisBatchInfo');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('stops every process it started, and the page, on Ctrl-C and exits 0', async () => {
    // Prepare
    const child = running?.child as ChildProcess;
    const endpoint = /^Endpoint: (\S+)$/m.exec(running?.output() ?? '')?.[1];
    const page = /^Page: +(http:\/\/127\.0\.0\.1:\d+)/m.exec(running?.output() ?? '')?.[1];
    expect((await fetch(`${page}/`)).status).toBe(200);

    // Act
    child.kill('SIGINT');
    const code = await running?.exited;

    // Assess
    expect(code).toBe(0);
    expect(running?.output()).toMatch(/Stopping…/);
    await expect(fetch(`${endpoint}/_localcloud/health`)).rejects.toThrow();
    await expect(fetch(`${page}/`)).rejects.toThrow();
  });

  it.concurrent.each([
    [['--port', 'many'], /^error: --port needs a number from 0 to 65535, not 'many'\.$/m],
    [['--colour'], /^error: Unknown option '--colour': see pnpm start -- --help\.$/m],
    [
      ['--stack', 'kinesys'],
      /^error: Unknown integration "kinesys": choose one of sqs, s3, api-gateway[^(]*\(see/m,
    ],
    [['--page-port', 'high'], /^error: --page-port needs a number from 0 to 65535, not 'high'\.$/m],
    [['--stack', 's3-thumbnail'], /^error: "s3-thumbnail" is now called "s3": pnpm start -- --stack s3$/m],
  ])('explains bad arguments %j in one line and exits 2', async (args, message) => {
    // Act
    const run = start(args);
    const code = await run.exited;

    // Assess
    expect(code).toBe(2);
    expect(run.output()).toMatch(message);
    expect(run.output()).not.toMatch(/\n\s+at /);
  });
});

describe('pnpm start -- --help', () => {
  it('prints its usage with the names of the integrations, and exits 0', async () => {
    // Act
    const run = start(['--help']);
    const code = await run.exited;

    // Assess
    expect(code).toBe(0);
    expect(run.output()).toContain(`\nIntegrations: ${Object.keys(integrations).join(', ')}\n`);
    expect(run.output()).toMatch(/^ {2}--page-port N /m);
  });
});

describe('tryIt', () => {
  it('points every printed AWS CLI command at the local endpoint, with the stack outputs filled in', () => {
    // Prepare
    const stacks: DeployedStack[] = [
      {
        stackName: 'Triggers-Sqs',
        resources: [],
        template: {},
        outputs: {
          QueueUrl: 'http://127.0.0.1:4566/000000000000/q',
          DeadLetterQueueUrl: 'http://127.0.0.1:4566/000000000000/dlq',
          TableName: 't',
        },
      },
      { stackName: 'Someone-Else', resources: [], outputs: {}, template: {} },
    ];

    // Act
    const lines = tryIt({ endpoint: 'http://127.0.0.1:4566', stacks });

    // Assess
    const commands = lines.filter((line) => line.trim().startsWith('aws'));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands)
      expect(command).toMatch(/^\s+aws --endpoint-url http:\/\/127\.0\.0\.1:4566 /);
    expect(lines.join('\n')).toContain('sqs send-message --queue-url http://127.0.0.1:4566/000000000000/q');
    expect(lines.join('\n')).not.toContain('Someone-Else');
  });

  it('also points commands inside $(…) at the local endpoint', () => {
    // Prepare: a command that captures a token in a shell variable
    const line = 'TOKEN=$(aws sts get-caller-identity --query Account --output text) && echo "aws $TOKEN"';

    // Act
    const pointed = pointAtEndpoint(line, 'http://127.0.0.1:4566');

    // Assess: the command is pointed at the endpoint; the word "aws" inside the echoed text is left alone
    expect(pointed).toBe(
      'TOKEN=$(aws --endpoint-url http://127.0.0.1:4566 sts get-caller-identity --query Account --output text) && echo "aws $TOKEN"',
    );
  });

  const sqsStack = (tableStatus: 'created' | 'unsupported'): DeployedStack => ({
    stackName: 'Triggers-Sqs',
    template: {},
    resources: [
      {
        logicalId: 'Orders1DDF4F53',
        type: 'AWS::DynamoDB::Table',
        physicalId: 'Triggers-Sqs-Orders1DDF4F53-HWC0UZMAN20Y',
        status: tableStatus,
        ...(tableStatus === 'unsupported'
          ? { detail: 'DynamoDB Local needs Java 17+ (java was not found on PATH)' }
          : {}),
      },
    ],
    outputs: {
      QueueUrl: 'http://127.0.0.1:4566/000000000000/Triggers-Sqs-OrdersQueueC538DD4C-5UHZF9KU11EY',
      DeadLetterQueueUrl:
        'http://127.0.0.1:4566/000000000000/Triggers-Sqs-OrdersDeadLetterQueueA73944CE-HLXGF8LCPTQ5',
      TableName: 'Triggers-Sqs-Orders1DDF4F53-HWC0UZMAN20Y',
    },
  });

  it('prints one line per integration by default: its name, its state and the command that sends its sample, within the width', () => {
    // Act
    const lines = tryIt(
      { endpoint: 'http://127.0.0.1:4566', stacks: [sqsStack('created')] },
      { columns: 100, verbose: false },
    );

    // Assess: a header, then the sqs line wrapped into continuation lines that the shell joins back
    expect(lines[0]).toMatch(/^Integrations \(--verbose or the page: /);
    expect(lines[1]).toMatch(
      /^ {2}sqs {2}running {2}aws --endpoint-url http:\/\/127\.0\.0\.1:4566 sqs send-message/,
    );
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    const command = unwrapped(lines.slice(1).join('\n'));
    expect(command).toContain(
      `--queue-url http://127.0.0.1:4566/000000000000/Triggers-Sqs-OrdersQueueC538DD4C-5UHZF9KU11EY --message-body '{"orderId":"o-1001"`,
    );
    expect(command).not.toMatch(/get-item|receive-message|poison/);
  });

  it('does not offer a command that needs a resource that does not run here (a table without Java), and says why', () => {
    // Act
    const withJava = tryIt({ endpoint: 'http://127.0.0.1:4566', stacks: [sqsStack('created')] }).join('\n');
    const withoutJava = tryIt({ endpoint: 'http://127.0.0.1:4566', stacks: [sqsStack('unsupported')] }).join(
      '\n',
    );

    // Assess
    expect(withJava).toMatch(/^ {2}aws --endpoint-url \S+ dynamodb get-item /m);
    expect(withoutJava).not.toMatch(/^ {2}aws .*dynamodb get-item/m);
    expect(withoutJava).toContain(
      '# not offered: aws dynamodb get-item needs AWS::DynamoDB::Table Orders1DDF4F53, which does not run here: DynamoDB Local needs Java 17+',
    );
    expect(withoutJava).toMatch(/^ {2}aws --endpoint-url \S+ sqs send-message /m);
  });
});
