import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDuration, parseMemory, parseQuantity, run } from '../src/command.ts';
import { Dec } from '../src/index.ts';

function costIn(root: string | undefined, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = run(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, root);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function cost(...argv: string[]) {
  return costIn(undefined, argv);
}

/** A repository whose packages/ holds a package.json for each of `built`. */
function repositoryWith(built: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'pricing-cli-'));
  for (const name of built) {
    mkdirSync(join(root, 'packages', name), { recursive: true });
    writeFileSync(join(root, 'packages', name, 'package.json'), '{}');
  }
  return root;
}

describe('quantities', () => {
  it('reads counts with k, M and B suffixes', () => {
    expect(
      ['10M', '1.5k', '2B', '250000', '1_000_000', '1,000,000', '0'].map((t) => parseQuantity(t)),
    ).toEqual([10_000_000, 1500, 2_000_000_000, 250_000, 1_000_000, 1_000_000, 0]);
  });

  it('reads durations in ms and s, and memory in MB and GB', () => {
    expect(['120ms', '1.2s', '120', '0.5ms'].map(parseDuration)).toEqual([120, 1200, 120, 0.5]);
    expect(['512', '512MB', '2GB', '10240'].map(parseMemory)).toEqual([512, 512, 2048, 10_240]);
  });
});

describe('pnpm cost', () => {
  it('prints the breakdown of one integration as a table', () => {
    // Act
    const result = cost('sqs', '--events', '10M', '--duration', '120ms', '--memory', '512');

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain('Workload: 10,000,000 orders a month');
    expect(result.out).toContain('120 ms per batch of 10 at 512 MB on arm64');
    // 10,040,000 deliveries (0.1 % poison received 5 times) / 10 = 1,004,000 × 0.12 s × 0.5 GB = 60,240 GB-s.
    expect(result.out).toMatch(/Lambda: duration\s+60,240 GB-s \(1,004,000 × 120 ms × 512 MB arm64\)/);
    expect(result.out).toMatch(/^Total\s+\$\d+\.\d\d$/m);
    expect(result.out).toContain('Naive configuration (x86_64, 1,024 MB, batch size 1');
  });

  it('prints exact JSON whose lines add up to the total', () => {
    const result = cost(
      'sqs',
      '--events',
      '2.5M',
      '--arch',
      'x86_64',
      '--batch-size',
      '5',
      '--free-tier',
      '--json',
    );

    const json = JSON.parse(result.out) as {
      workload: { events: number; batchSize: number; freeTier: boolean };
      lines: { usd: string }[];
      totalUsd: string;
    };
    expect(json.workload).toMatchObject({ events: 2_500_000, batchSize: 5, freeTier: true });
    expect(json.lines.reduce((sum, l) => sum.add(l.usd), new Dec(0)).toFixed()).toBe(json.totalUsd);
  });

  describe('--all', () => {
    let root: string | undefined;
    afterEach(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('prints every integration at its default workload and marks those whose package is not written yet', () => {
      // Prepare: a repository where only sqs and s3 have a package.json.
      root = repositoryWith(['sqs', 's3']);

      // Act
      const result = costIn(root, ['--all']);

      // Assess
      expect(result.code).toBe(0);
      expect(result.out).toContain('sqs — SQS → Lambda order worker');
      expect(result.out).toContain('s3 — S3 → Lambda thumbnails');
      for (const name of ['api-gateway', 'kinesis', 'dynamodb-streams', 'cloudfront', 'cognito']) {
        expect(result.out).toContain(`${name} (planned) — `);
      }
      expect(result.out).toMatch(/^sqs\s+built\s+\$/m);
      expect(result.out).toMatch(/^api-gateway\s+planned\s+\$/m);
      expect(result.out).toContain('Summary (a month, us-east-1;');
    });

    it('says in JSON whether each integration is built', () => {
      root = repositoryWith(['api-gateway']);

      const json = JSON.parse(costIn(root, ['--all', '--json']).out) as {
        integration: string;
        built: boolean;
      }[];

      expect(json.map((e) => [e.integration, e.built])).toEqual([
        ['sqs', false],
        ['s3', false],
        ['api-gateway', true],
        ['kinesis', false],
        ['dynamodb-streams', false],
        ['eventbridge', false],
        ['sns', false],
        ['cloudwatch-logs', false],
        ['cloudfront', false],
        ['cognito', false],
      ]);
    });
  });

  it.each([
    [['s3-thumbnail'], '"s3-thumbnail" is now called "s3": pnpm cost s3'],
    [
      ['--', 'kinesis-transform', '--events', '1k', '--set', 'mode=on-demand'],
      '"kinesis-transform" is now called "kinesis": pnpm cost kinesis --events 1k --set mode=on-demand',
    ],
    [
      ['dynamodb-stream', '--help'],
      '"dynamodb-stream" is now called "dynamodb-streams": pnpm cost dynamodb-streams --help',
    ],
    [
      ['cloudfront-edge', '--json'],
      '"cloudfront-edge" is now called "cloudfront": pnpm cost cloudfront --json',
    ],
    [
      ['cognito-triggers', '--set', 'cognitoPlan=lite', '--duration', '1 s'],
      `"cognito-triggers" is now called "cognito": pnpm cost cognito --set cognitoPlan=lite --duration '1 s'`,
    ],
  ])('names the new name of a former one, %j, in one line with the command to run', (argv, message) => {
    const result = cost(...argv);

    expect(result.code).toBe(2);
    expect(result.err).toBe(message);
    expect(result.out).toBe('');
  });

  it('ignores the literal -- that pnpm passes through, and takes --set workload figures', () => {
    const result = cost('--', 'api-gateway', '--set', 'mau=50k', '--set', 'cognitoPlan=lite');

    expect(result.code).toBe(0);
    expect(result.out).toContain('50,000 monthly active users');
    expect(result.out).toContain('Cognito: monthly active users (Lite)');
  });

  it.each([
    [['sqsx'], 'Unknown integration "sqsx"; did you mean sqs?'],
    [['eventbrige'], 'Unknown integration "eventbrige"; did you mean eventbridge?'],
    [['sqs', '--memory', '64'], "Memory must be from 128 to 10,240 MB (Lambda's limits), not 64 MB."],
    [['sqs', '--memory', '20GB'], "Memory must be from 128 to 10,240 MB (Lambda's limits), not 20480 MB."],
    [['sqs', '--events', '-5'], 'The number of events must be zero or more, not "-5".'],
    [
      ['sqs', '--events', '12XB'],
      'The number of events must be a number such as 250000, 1.5k, 10M or 2B, not "12XB".',
    ],
    [['sqs', '--duration', 'soon'], 'The duration must look like 120ms or 1.2s, not "soon".'],
    [['sqs', '--arch', 'arm'], '--arch must be arm64 or x86_64, not "arm"; did you mean arm64?'],
    [['sqs', '--memroy', '512'], 'Unknown option --memroy; did you mean --memory?'],
    [['sqs', '--events'], '--events needs a value.'],
    [['sns', '--batch-size', '10'], 'SNS → Lambda does not batch records, so a batch size does not apply.'],
    [
      ['--all', '--memory', '512'],
      "--all uses each integration's default workload, so --memory does not apply.",
    ],
    [['sqs', 'sns'], 'Unexpected argument "sns"; give one integration at a time.'],
  ])('refuses %j in one sentence with exit code 2', (argv, message) => {
    const result = cost(...argv);

    expect(result.code).toBe(2);
    expect(result.err).toBe(message);
    expect(result.out).toBe('');
  });

  it('prints help, for the command and for one integration', () => {
    expect(cost('--help')).toMatchObject({ code: 0 });
    expect(cost('--help').out).toContain('Usage: pnpm cost <integration> [options]');
    const sqsHelp = cost('sqs', '--help');
    expect(sqsHelp.out).toContain('messageBytes=1024');
    expect(sqsHelp.out).toContain('coldStartRatio=0.01');
    expect(cost()).toMatchObject({ code: 2 });
  });

  it('exits non-zero with one line on stderr and no stack trace when run for real', () => {
    // Prepare: the script `pnpm cost` runs, under tsx as the root script does.
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const script = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const node = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8' });

    // Act
    const bad = node('sqs', '--memory', '64');
    const good = node('sns', '--events', '1k', '--json');

    // Assess
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("Memory must be from 128 to 10,240 MB (Lambda's limits), not 64 MB.");
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ integration: 'sns', workload: { events: 1000 } });
  });
});
