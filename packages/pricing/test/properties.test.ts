/** Properties that must hold for any workload, checked with fast-check over every integration. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, estimate, estimateJson, integrations, lambdaCost, total } from '../src/index.ts';
import { tieredCost } from '../src/money.ts';
import { usEast1 } from '../src/prices/us-east-1.ts';
import type { Integration } from '../src/workload.ts';

/** Counts across the scales that matter: below and around the free tiers and pollers' capacity, and far above. */
const count = (max: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: 2_000_000 }),
    fc.integer({ min: 0, max: 20_000_000 }),
    fc.integer({ min: 0, max }),
  );

/** Lambda bills at least 1 ms, so a duration is more than 0 ms; it may be under 1 ms (billed as 1). */
const duration = (max: number) => fc.double({ min: 0.001, max, noNaN: true });

/** A workload within every limit of the integration. */
function workload(integration: Integration) {
  return fc.record({
    events: count(2_000_000_000),
    durationMs: duration(900_000),
    memoryMB: fc.integer({ min: 128, max: 10_240 }),
    batchSize: integration.batch ? fc.integer({ min: 1, max: integration.batch.max }) : fc.constant(1),
    freeTier: fc.boolean(),
  });
}

const grow = fc.record({
  events: count(1_000_000_000),
  durationMs: fc.double({ min: 0, max: 100_000, noNaN: true }),
  memoryMB: fc.integer({ min: 0, max: 10_000 }),
});

describe.each(integrations.map((i) => [i.name, i] as const))('%s', (name, integration) => {
  it('never costs less when events, duration or memory grow', () => {
    fc.assert(
      fc.property(workload(integration), grow, (w, more) => {
        // Prepare
        const bigger = {
          ...w,
          events: w.events + more.events,
          durationMs: Math.min(900_000, w.durationMs + more.durationMs),
          memoryMB: Math.min(10_240, w.memoryMB + more.memoryMB),
        };

        // Act
        const before = estimate(name, w).total;
        const after = estimate(name, bigger).total;

        // Assess
        expect(after.gte(before), `${before} → ${after}`).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('totals exactly the sum of its line items, also in the JSON output', () => {
    fc.assert(
      fc.property(workload(integration), (w) => {
        const result = estimate(name, w);
        const json = estimateJson(result) as { lines: { usd: string }[]; totalUsd: string };
        const sum = json.lines.reduce((acc, line) => acc.add(line.usd), new Dec(0));
        expect(sum.eq(result.total)).toBe(true);
        expect(new Dec(json.totalUsd).eq(total(result.lines))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});

// Lambda@Edge runs on x86_64 only, so it has no arm64 price to compare.
describe.each(integrations.filter((i) => i.fixedArchitecture === undefined).map((i) => [i.name, i] as const))(
  '%s',
  (name, integration) => {
    it('never costs more on arm64 than on x86_64', () => {
      fc.assert(
        fc.property(workload(integration), (w) => {
          const arm = estimate(name, { ...w, architecture: 'arm64' }).total;
          const x86 = estimate(name, { ...w, architecture: 'x86_64' }).total;
          expect(arm.lte(x86), `arm ${arm} > x86 ${x86}`).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  },
);

describe('Lambda', () => {
  const usage = fc.record({
    invocations: count(50_000_000_000),
    durationMs: duration(900_000),
    memoryMB: fc.integer({ min: 128, max: 10_240 }),
    freeTier: fc.boolean(),
  });

  it('never costs more on arm64 than on x86_64 for the same duration, across every tier', () => {
    fc.assert(
      fc.property(usage, (u) => {
        const arm = total(lambdaCost({ ...u, architecture: 'arm64' }));
        const x86 = total(lambdaCost({ ...u, architecture: 'x86_64' }));
        expect(arm.lte(x86)).toBe(true);
      }),
    );
  });

  it('prices a month in slices that add up to the whole (tiers are additive)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 40_000_000_000n }),
        fc.bigInt({ min: 0n, max: 40_000_000_000n }),
        (a, b) => {
          const [low, high] = a < b ? [a, b] : [b, a];
          const rate = usEast1.lambda.duration.x86_64;
          const whole = tieredCost(rate, high.toString());
          const parts = tieredCost(rate, low.toString()).add(
            tieredCost(rate, high.toString(), low.toString()),
          );
          expect(parts.eq(whole)).toBe(true);
        },
      ),
    );
  });
});
