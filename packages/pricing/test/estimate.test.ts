import { describe, expect, it } from 'vitest';
import {
  estimate,
  findIntegration,
  integrationNames,
  naiveWorkload,
  PricingInputError,
} from '../src/index.ts';

function line(result: ReturnType<typeof estimate>['lines'], item: string) {
  const found = result.find((l) => l.item === item);
  if (!found) throw new Error(`no line ${item}`);
  return found;
}

describe('estimate', () => {
  it("charges an idle SQS integration only for the pollers' empty receives and the monitoring", () => {
    // Prepare: no orders at all.
    // Empty receives: 5 pollers × 2,628,000 s / 20 s = 657,000 × $0.40/M = $0.2628.
    // 5 alarms × $0.10 = $0.50; 4 custom metrics × $0.30 = $1.20. Total $1.9628.

    // Act
    const result = estimate('sqs', { events: 0 });

    // Assess
    expect(line(result.lines, "empty receives by Lambda's 5 pollers").quantity.toNumber()).toBe(657_000);
    expect(result.total.toFixed()).toBe('1.9628');
  });

  it('prices the naive configuration: x86_64, 1,024 MB, one record per invocation', () => {
    // 80 ms per batch of 10 of which 75 % grows with the records: one record takes 80 × (0.25 + 0.75 / 10) = 26 ms.
    const result = estimate('sqs');

    expect(result.naive.workload).toMatchObject({
      architecture: 'x86_64',
      memoryMB: 1024,
      batchSize: 1,
      durationMs: 26,
    });
    // 1,004,000 deliveries (1 M + 1,000 poison × 4 redeliveries): one receive and one invocation each instead of
    // one per 10.
    expect(line(result.naive.lines, 'receives by Lambda').quantity.toNumber()).toBe(1_004_000);
    expect(line(result.lines, 'receives by Lambda').quantity.toNumber()).toBe(100_400);
    expect(result.savings.isPositive()).toBe(true);
    expect(result.savings.eq(result.naive.total.sub(result.total))).toBe(true);
  });

  it('gives a CPU-bound function less CPU at 1,024 MB, so it runs longer', () => {
    // Prepare: s3 thumbnails at 450 ms and 1,536 MB, 90 % CPU-bound: 450 × (0.1 + 0.9 × 1,536 / 1,024) = 652.5 ms.
    const integration = findIntegration('s3');
    if (!integration) throw new Error('missing');

    // Act
    const naive = naiveWorkload(integration, estimate('s3', { memoryMB: 1536 }).workload);

    // Assess

    expect(naive.durationMs).toBe(652.5);
  });

  it('keeps Lambda@Edge on x86_64 and refuses arm64', () => {
    expect(estimate('cloudfront').naive.workload.architecture).toBe('x86_64');
    expect(() => estimate('cloudfront', { architecture: 'arm64' })).toThrow(
      'CloudFront → Lambda@Edge runs on x86_64 only, not arm64.',
    );
  });

  it('refuses what it cannot price, in one sentence', () => {
    expect(() => estimate('sqs-worker')).toThrow(PricingInputError);
    expect(() => estimate('sns', { batchSize: 10 })).toThrow('SNS → Lambda does not batch records');
    expect(() => estimate('sqs', { batchSize: 20_000 })).toThrow('The batch size must be from 1 to 10,000');
    expect(() => estimate('sqs', { options: { queue: 'lifo' } })).toThrow(
      'sqs option queue must be one of standard, fifo, not lifo.',
    );
    expect(() => estimate('sqs', { options: { colour: 1 } })).toThrow('sqs has no option "colour"');
    expect(() => estimate('sqs', { events: -1 })).toThrow(
      'The number of orders must be zero or more, not -1.',
    );
    expect(() => estimate('sqs', { events: 0.5 })).toThrow('The number of orders must be a whole number');
    expect(() => estimate('sqs', { events: 1e23 })).toThrow('up to 1,000,000,000,000,000 a month');
    expect(() => estimate('sqs', { durationMs: 900_001 })).toThrow('stops a function at 15 minutes');
  });

  it.each(integrationNames)('refuses a duration of 0 ms for %s, as Lambda bills at least 1 ms', (name) => {
    expect(() => estimate(name, { durationMs: 0 })).toThrow(
      new PricingInputError(
        'The duration must be more than 0 and at most 900,000 ms (Lambda bills at least 1 ms and stops a function at 15 minutes), not 0 ms.',
      ),
    );
  });

  it('prices the options an integration exposes', () => {
    // FIFO requests cost $0.50 instead of $0.40 per million: the sends of 1 M orders go from $0.40 to $0.50.
    const fifo = estimate('sqs', { options: { queue: 'fifo' } });

    expect(line(fifo.lines, 'sends (producers)').cost.toFixed()).toBe('0.5');
    expect(fifo.lines.every((l) => !l.service.startsWith('SQS') || l.service === 'SQS (FIFO)')).toBe(true);
  });
});
