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
    [['lamda'], 'Unknown integration "lamda"; did you mean lambda?'],
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

  it('refuses a duration of 0 ms for an integration in one sentence', () => {
    const result = cost('sqs', '--duration', '0ms');

    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'The duration must be more than 0 and at most 900,000 ms (Lambda bills at least 1 ms and stops a function at 15 minutes), not 0 ms.',
    );
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
    const badLambda = node('lambda', '--duration', '0ms');
    const good = node('sns', '--events', '1k', '--json');

    // Assess
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("Memory must be from 128 to 10,240 MB (Lambda's limits), not 64 MB.");
    expect(badLambda.status).toBe(2);
    expect(badLambda.stderr.trim().split('\n')).toEqual([
      'The duration must be more than 0 and at most 900,000 ms (Lambda bills at least 1 ms and stops a function at 15 minutes), not 0 ms.',
    ]);
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ integration: 'sns', workload: { events: 1000 } });
  });
});

describe('pnpm cost lambda', () => {
  interface LambdaJson {
    name: string;
    workload: {
      requests: number;
      durationMs: number;
      memoryMB: number;
      architecture: string;
      freeTier: boolean;
    };
    lines: { item: string; quantity: string; usd: string }[];
    totalUsd: string;
    naive: { workload: { architecture: string; memoryMB: number }; totalUsd: string };
    savingsUsd: string;
  }

  function lambdaJson(...argv: string[]): LambdaJson {
    const result = cost('lambda', ...argv, '--json');
    expect(result.err).toBe('');
    return JSON.parse(result.out) as LambdaJson;
  }

  function usd(json: LambdaJson, item: string): string | undefined {
    return json.lines.find((l) => l.item === item)?.usd;
  }

  it('prints the bill of the example in the issue, checked by hand, with the free tier', () => {
    // Prepare: 3 M requests of 1 s at 512 MB on arm64 (AWS's own example 1 on its pricing page, there on x86).
    // Requests: 3,000,000 − 1,000,000 free = 2,000,000 × $0.20 / M = $0.40.
    // Duration: 3,000,000 × 1 s × 512 / 1,024 GB = 1,500,000 GB-s − 400,000 free = 1,100,000 GB-s
    //   × $0.0000133334 = $14.66674. Total $15.06674.
    // Naive, x86_64 at 512 MB: 1,100,000 × $0.0000166667 = $18.33337 + $0.40 = $18.73337; $3.66663 more.

    // Act
    const text = cost('lambda', '--requests', '3M', '--duration', '1s', '--memory', '512', '--free-tier');
    const json = lambdaJson('--requests', '3M', '--duration', '1s', '--memory', '512', '--free-tier');

    // Assess
    expect(text.code).toBe(0);
    expect(text.out).toContain(
      'Workload: 3,000,000 requests a month, 1,000 ms at 512 MB on arm64, free tier applied.',
    );
    expect(text.out).toMatch(
      /Lambda: duration\s+1,500,000 GB-s \(3,000,000 × 1000 ms × 512 MB arm64, first 400,000 GB-s free\)\s+\$14\.67/,
    );
    expect(text.out).toMatch(/^Total\s+\$15\.07$/m);
    expect(text.out).toContain(
      'Naive configuration (x86_64 at the same 512 MB): $18.73 a month — $3.67 more than these settings.',
    );
    expect([usd(json, 'requests'), usd(json, 'duration'), json.totalUsd]).toEqual([
      '0.4',
      '14.66674',
      '15.06674',
    ]);
    expect([json.naive.totalUsd, json.savingsUsd]).toEqual(['18.73337', '3.66663']);
  });

  it('charges every request and GB-second without the free tier', () => {
    // 3 M × $0.20 / M = $0.60; 1,500,000 GB-s × $0.0000133334 = $20.0001.
    const json = lambdaJson('--requests', '3M', '--duration', '1s', '--memory', '512');

    expect([usd(json, 'requests'), usd(json, 'duration')]).toEqual(['0.6', '20.0001']);
  });

  it('prices x86_64 when asked, the naive configuration then being the same', () => {
    // 1,100,000 GB-s above the free tier × $0.0000166667 = $18.33337, + $0.40 of requests.
    const json = lambdaJson(
      '--requests',
      '3M',
      '--duration',
      '1s',
      '--memory',
      '512',
      '--free-tier',
      '--arch',
      'x86_64',
    );
    const text = cost('lambda', '--arch', 'x86_64');

    expect(json.workload.architecture).toBe('x86_64');
    expect([json.totalUsd, json.naive.totalUsd, json.savingsUsd]).toEqual(['18.73337', '18.73337', '0']);
    expect(text.out).toContain(
      'Naive configuration (x86_64 at the same 256 MB): these settings; --arch arm64',
    );
  });

  it('prices ephemeral storage above the free 512 MB for every billed second', () => {
    // 2,048 − 512 = 1,536 MB = 1.5 GB × 3,000,000 s = 4,500,000 GB-s × $0.0000000309 = $0.13905.
    const json = lambdaJson(
      '--requests',
      '3M',
      '--duration',
      '1s',
      '--memory',
      '512',
      '--ephemeral-storage',
      '2048',
    );
    const none = lambdaJson(
      '--requests',
      '3M',
      '--duration',
      '1s',
      '--memory',
      '512',
      '--ephemeral-storage',
      '512',
    );

    expect(json.lines.find((l) => l.item === 'ephemeral storage')).toMatchObject({
      quantity: '4500000',
      usd: '0.13905',
    });
    expect(none.lines.map((l) => l.item)).not.toContain('ephemeral storage');
  });

  it('prices provisioned concurrency for the month and its invocations at the lower rate, with no free tier', () => {
    // 5 environments × 730 h × 3,600 s × 0.5 GB = 6,570,000 GB-s × $0.0000033334 = $21.900438.
    // Every request runs on them: 1,500,000 GB-s × $0.0000077778 = $11.6667.
    // Requests 3 M × $0.20 / M = $0.60: AWS gives no free tier to a function with provisioned concurrency.
    // Total $34.167138.
    const json = lambdaJson(
      '--requests',
      '3M',
      '--duration',
      '1s',
      '--memory',
      '512',
      '--provisioned',
      '5',
      '--free-tier',
    );

    expect(usd(json, 'provisioned concurrency')).toBe('21.900438');
    expect(usd(json, 'duration on provisioned concurrency')).toBe('11.6667');
    expect(usd(json, 'requests')).toBe('0.6');
    expect(json.totalUsd).toBe('34.167138');
  });

  it('prints JSON shaped like an integration estimate, whose lines add up to the total', () => {
    const json = lambdaJson('--requests', '250k', '--duration', '120ms', '--memory', '1GB');

    expect(Object.keys(json)).toEqual([
      'name',
      'title',
      'region',
      'pricesRead',
      'description',
      'workload',
      'lines',
      'totalUsd',
      'naive',
      'savingsUsd',
    ]);
    expect(json).toMatchObject({
      name: 'lambda',
      workload: {
        requests: 250_000,
        durationMs: 120,
        memoryMB: 1024,
        architecture: 'arm64',
        freeTier: false,
      },
      naive: { workload: { architecture: 'x86_64', memoryMB: 1024 } },
    });
    expect(json.lines.reduce((sum, l) => sum.add(l.usd), new Dec(0)).toFixed()).toBe(json.totalUsd);
  });

  it.each([
    [
      ['--duration', '0ms'],
      'The duration must be more than 0 and at most 900,000 ms (Lambda bills at least 1 ms and stops a function at 15 minutes), not 0 ms.',
    ],
    [['--memory', '100'], "Memory must be from 128 to 10,240 MB (Lambda's limits), not 100 MB."],
    [['--requests', '-1'], 'The number of requests must be zero or more, not "-1".'],
    [
      ['--requests', '1.5'],
      'The number of requests must be a whole number from 0 to 1,000,000,000,000,000 a month, not 1.5.',
    ],
    [['--ephemeral-storage', '100'], 'Ephemeral storage must be from 512 to 10,240 MB, not 100 MB.'],
    [['--provisioned', '2.5'], 'Provisioned concurrency must be a whole number of environments, not 2.5.'],
    [['--events', '1M'], 'pnpm cost lambda counts --requests, not --events.'],
    [['--batch-size', '10'], '--batch-size applies to integrations, not to pnpm cost lambda.'],
  ])('refuses %j in one sentence with exit code 2', (argv, message) => {
    const result = cost('lambda', ...argv);

    expect(result.code).toBe(2);
    expect(result.err).toBe(message);
    expect(result.out).toBe('');
  });

  it.each([
    [
      ['sqs', '--requests', '1M'],
      'An integration counts --events, not --requests (that is pnpm cost lambda).',
    ],
    [['sqs', '--provisioned', '2'], '--provisioned applies to pnpm cost lambda only.'],
    [
      ['--all', '--ephemeral-storage', '1024'],
      "--all uses each integration's default workload, so --ephemeral-storage does not apply.",
    ],
  ])('refuses the options of pnpm cost lambda elsewhere: %j', (argv, message) => {
    expect(cost(...argv)).toMatchObject({ code: 2, err: message, out: '' });
  });

  it('prints its own help', () => {
    const help = cost('lambda', '--help');

    expect(help.code).toBe(0);
    expect(help.out).toContain('--provisioned N');
    expect(help.out).toContain('--ephemeral-storage MB');
  });
});
