/**
 * Golden cases worked by hand from AWS's published definitions (us-east-1 rates of src/prices/us-east-1.ts):
 * requests $0.20 per million; x86 $0.0000166667 / $0.000015 / $0.0000133334 per GB-s over 6 B / next 9 B / 15 B+;
 * arm64 $0.0000133334 / $0.0000120001 / $0.0000106667 over 7.5 B / next 11.25 B / 18.75 B+; GB-s = MB / 1024 ×
 * seconds, each invocation rounded up to the next 1 ms.
 */
import { describe, expect, it } from 'vitest';
import {
  type LambdaUsage,
  lambdaCost,
  lambdaEdgeCost,
  PricingInputError,
  projectFromReports,
} from '../src/index.ts';
import { total } from '../src/line-item.ts';
import { tieredCost } from '../src/money.ts';
import { usEast1 } from '../src/prices/us-east-1.ts';

function item(usage: LambdaUsage, name: string) {
  const line = lambdaCost(usage).find((l) => l.item === name);
  if (!line) throw new Error(`no line ${name}`);
  return line;
}

describe('Lambda duration', () => {
  it('rounds every invocation up to the next 1 ms', () => {
    // Prepare: 1 M invocations of 1.2 ms at 128 MB on arm64.
    // 1.2 ms bills as 2 ms: 1,000,000 × 0.002 s × 128/1024 GB = 250 GB-s × $0.0000133334 = $0.00333335.
    const usage: LambdaUsage = {
      invocations: 1_000_000,
      durationMs: 1.2,
      memoryMB: 128,
      architecture: 'arm64',
    };

    // Act
    const duration = item(usage, 'duration');

    // Assess
    expect(duration.quantity.toFixed()).toBe('250');
    expect(duration.cost.toFixed()).toBe('0.00333335');
  });

  it('charges arm64 less than x86_64 for the same work', () => {
    // 10 M × 100 ms × 512 MB = 10,000,000 × 0.1 × 0.5 = 500,000 GB-s.
    // x86: 500,000 × 0.0000166667 = $8.33335; arm64: 500,000 × 0.0000133334 = $6.6667.
    const base = { invocations: 10_000_000, durationMs: 100, memoryMB: 512 } as const;

    const x86 = item({ ...base, architecture: 'x86_64' }, 'duration');
    const arm = item({ ...base, architecture: 'arm64' }, 'duration');

    expect(x86.cost.toFixed()).toBe('8.33335');
    expect(arm.cost.toFixed()).toBe('6.6667');
  });

  it('crosses the first x86 tier at 6 billion GB-s', () => {
    // 7 B invocations × 1 s × 1,024 MB = 7 B GB-s: 6 B × 0.0000166667 + 1 B × 0.000015 = 100,000.2 + 15,000.
    const duration = item(
      { invocations: 7_000_000_000, durationMs: 1000, memoryMB: 1024, architecture: 'x86_64' },
      'duration',
    );

    expect(duration.cost.toFixed()).toBe('115000.2');
  });

  it('crosses the first arm64 tier at 7.5 billion GB-s, not 6', () => {
    // 8 B GB-s on arm64: 7.5 B × 0.0000133334 + 0.5 B × 0.0000120001 = 100,000.5 + 6,000.05.
    const duration = item(
      { invocations: 8_000_000_000, durationMs: 1000, memoryMB: 1024, architecture: 'arm64' },
      'duration',
    );

    expect(duration.cost.toFixed()).toBe('106000.55');
  });

  it('takes the free GB-seconds off the bottom of the first tier, so paid usage keeps its place in the tiers', () => {
    // 6,000,400,000 GB-s with 400,000 free: (6 B − 400,000) × 0.0000166667 + 400,000 × 0.000015
    // = 99,993.53332 + 6 = 99,999.53332.
    const cost = tieredCost(usEast1.lambda.duration.x86_64, 6_000_400_000, 400_000);

    expect(cost.toFixed()).toBe('99999.53332');
  });
});

describe('the free tier', () => {
  it('covers 1 M requests and 400,000 GB-s, and only when asked for', () => {
    // 3 M × 200 ms × 1,024 MB = 600,000 GB-s. Free: 1 M requests, 400,000 GB-s.
    // Requests: 2 M × $0.20/M = $0.40. Duration (x86): 200,000 × 0.0000166667 = $3.33334.
    const usage: LambdaUsage = {
      invocations: 3_000_000,
      durationMs: 200,
      memoryMB: 1024,
      architecture: 'x86_64',
    };

    const withFree = lambdaCost({ ...usage, freeTier: true });
    const without = lambdaCost(usage);

    expect(withFree.map((l) => l.cost.toFixed())).toEqual(['0.4', '3.33334']);
    // Without: 3 M × $0.20/M = $0.60; 600,000 × 0.0000166667 = $10.00002.
    expect(without.map((l) => l.cost.toFixed())).toEqual(['0.6', '10.00002']);
  });

  it('leaves usage under the allowance free of charge', () => {
    // 1 M × 100 ms × 1,024 MB = 100,000 GB-s, all inside the 400,000.
    const lines = lambdaCost({ invocations: 1_000_000, durationMs: 100, memoryMB: 1024, freeTier: true });

    expect(total(lines).isZero()).toBe(true);
  });
});

describe('the other Lambda charges', () => {
  it('bills the INIT phase of cold starts at the duration rate', () => {
    // 100,000 invocations, 1 % cold: 1,000 × 300 ms × 512 MB = 150 GB-s × 0.0000133334 = $0.00200001.
    const init = item(
      {
        invocations: 100_000,
        durationMs: 10,
        memoryMB: 512,
        init: { durationMs: 300, coldStartRatio: 0.01 },
      },
      'INIT duration (cold starts)',
    );

    expect(init.quantity.toFixed()).toBe('150');
    expect(init.cost.toFixed()).toBe('0.00200001');
  });

  it('bills ephemeral storage above the free 512 MB', () => {
    // 1 M × 1 s with 1,024 MB of /tmp: 512 MB over = 0.5 GB × 1,000,000 s = 500,000 GB-s × $0.0000000309.
    const storage = item(
      { invocations: 1_000_000, durationMs: 1000, memoryMB: 256, ephemeralStorageMB: 1024 },
      'ephemeral storage',
    );

    expect(storage.cost.toFixed()).toBe('0.01545');
  });

  it('bills provisioned concurrency by the hour and its invocations at the lower duration rate', () => {
    // 2 environments × 730 h × 3,600 s × 1 GB = 5,256,000 GB-s × 0.0000041667 = $21.9001752.
    // 1 M invocations × 100 ms × 1 GB = 100,000 GB-s × 0.0000097222 = $0.97222.
    const usage: LambdaUsage = {
      invocations: 1_000_000,
      durationMs: 100,
      memoryMB: 1024,
      architecture: 'x86_64',
      provisioned: { concurrency: 2 },
    };

    expect(item(usage, 'provisioned concurrency').cost.toFixed()).toBe('21.9001752');
    expect(item(usage, 'duration on provisioned concurrency').cost.toFixed()).toBe('0.97222');
    expect(item(usage, 'duration').cost.isZero()).toBe(true);
  });

  it('gives no free tier to a function with provisioned concurrency', () => {
    // AWS: "The Lambda free tier does not apply to functions that have Provisioned Concurrency enabled."
    // 1 M requests × $0.20/M = $0.20 even with the free tier asked for.
    const usage: LambdaUsage = {
      invocations: 1_000_000,
      durationMs: 100,
      memoryMB: 1024,
      provisioned: { concurrency: 1, share: 0.5 },
      freeTier: true,
    };

    expect(item(usage, 'requests').cost.toFixed()).toBe('0.2');
    // The on-demand half: 500,000 × 0.1 s × 1 GB = 50,000 GB-s × 0.0000133334 = $0.66667.
    expect(item(usage, 'duration').cost.toFixed()).toBe('0.66667');
  });

  it('refuses memory outside 128–10,240 MB with one sentence', () => {
    expect(() => lambdaCost({ invocations: 1, durationMs: 1, memoryMB: 64 })).toThrow(
      new PricingInputError('Memory must be from 128 to 10,240 MB, not 64 MB.'),
    );
    expect(() => lambdaCost({ invocations: 1, durationMs: 1, memoryMB: 10_241 })).toThrow(PricingInputError);
  });

  it('refuses a duration of 0 ms, and bills one under 1 ms as 1 ms', () => {
    // 1 M × 0.3 ms bills 1 ms each: 1,000,000 × 0.001 s × 1 GB = 1,000 GB-s.
    expect(() => lambdaCost({ invocations: 1, durationMs: 0, memoryMB: 128 })).toThrow(
      new PricingInputError('The duration must be more than 0 ms (Lambda bills at least 1 ms), not 0 ms.'),
    );
    expect(
      item({ invocations: 1_000_000, durationMs: 0.3, memoryMB: 1024 }, 'duration').quantity.toFixed(),
    ).toBe('1000');
  });
});

describe('Lambda@Edge', () => {
  it('has its own prices and no free tier', () => {
    // 10 M × 5 ms × 128 MB = 6,250 GB-s × $0.00005001 = $0.3125625; requests 10 M × $0.60/M = $6.
    const lines = lambdaEdgeCost({ invocations: 10_000_000, durationMs: 5, memoryMB: 128 });

    expect(lines.map((l) => l.cost.toFixed())).toEqual(['6', '0.3125625']);
  });
});

describe('projectFromReports', () => {
  it("scales a sample of REPORT records to a month's invocations", () => {
    // Prepare: two invocations at 256 MB arm64, billed 100 ms and 300 ms (the cold one includes its INIT).
    // Mean 200 ms: 1 M × 0.2 s × 0.25 GB = 50,000 GB-s × 0.0000133334 = $0.66667; requests $0.20.
    const records = [
      { billedDurationMs: 100, memorySizeMB: 256 },
      { billedDurationMs: 300, memorySizeMB: 256, initDurationMs: 180 },
    ];

    // Act
    const projection = projectFromReports(records, 1_000_000);

    // Assess
    expect(projection.lines.map((l) => [l.item, l.cost.toFixed()])).toEqual([
      ['requests', '0.2'],
      ['duration (arm64)', '0.66667'],
    ]);
    expect(projection.sample).toMatchObject({ invocations: 2, coldStarts: 1 });
    expect(projection.total.toFixed()).toBe('0.86667');
  });

  it('prices each architecture at its own rate and shares one free allowance', () => {
    // 2 records: 1,000 ms at 1,024 MB on x86 and on arm64 → 500,000 GB-s each for 1 M invocations.
    // Free 400,000 GB-s come off arm64 first (100,000 × 0.0000133334 = $1.33334), then x86 pays all
    // 500,000 × 0.0000166667 = $8.33335; requests: 1 M free → $0.
    const records = [
      { billedDurationMs: 1000, memorySizeMB: 1024, architecture: 'x86_64' as const },
      { billedDurationMs: 1000, memorySizeMB: 1024, architecture: 'arm64' as const },
    ];

    const projection = projectFromReports(records, 1_000_000, { freeTier: true });

    expect(projection.lines.map((l) => l.cost.toFixed())).toEqual(['0', '1.33334', '8.33335']);
  });

  it('refuses an empty sample and impossible memory', () => {
    expect(() => projectFromReports([], 10)).toThrow('A projection needs at least one REPORT record.');
    expect(() => projectFromReports([{ billedDurationMs: 1, memorySizeMB: 64 }], 10)).toThrow(
      PricingInputError,
    );
  });
});
