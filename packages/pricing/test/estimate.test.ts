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

describe('the kinesis estimate: what KinesisStack deploys', () => {
  it('prices both readers of a 2-shard provisioned stream, the aggregates, the on-failure queue and the archive', () => {
    // Prepare: the defaults. 10 M records: 10,000 malformed (0.1 %), 1,998,000 heartbeats (20 % of the rest),
    // so 8,002,000 reach the consumer; 43,800 minutes × 2 shards = 87,600 shard-minutes.

    // Act
    const result = estimate('kinesis');

    // Assess
    // 2 shards × 730 h × $0.015.
    expect(line(result.lines, 'shard-hours').cost.toFixed()).toBe('21.9');
    expect(line(result.lines, 'reads by Lambda and Firehose (GetRecords)').cost.isZero()).toBe(true);
    // About 91 records per shard-minute: the 5 s batching window invokes 12 times a minute before a batch of 100
    // fills, plus the window's final invocation: 87,600 × 13 = 1,138,800, and 3 retries of each of the 10,000
    // batches with a malformed record.
    const consumer = result.lines.filter((l) => l.service === 'Lambda (consumer)');
    expect(consumer[0]?.quantity.toNumber()).toBe(1_168_800);
    // 6.85 records an invocation: 60 ms × (0.3 + 0.7 × 6.85 / 100) ≈ 20.9 ms, billed as 21 ms.
    expect(consumer[1]?.detail).toBe('1,168,800 × 21 ms × 256 MB arm64');
    // Every record goes through Firehose, rounded up to 5 KB: 10 M × 5,120 bytes = 47.68 GiB × $0.029.
    const firehose = result.lines.find((l) => l.service === 'Firehose' && l.item === 'ingestion');
    expect(firehose?.cost.toFixed()).toBe('1.3828277587890625');
    // One transformation per 60 s buffer (the month's 10 M × 512 bytes never fill 1 MB in a minute).
    const transformation = result.lines.filter((l) => l.service === 'Lambda (transformation)');
    expect(transformation[0]?.quantity.toNumber()).toBe(43_800);
    // 20 pages a minute on each shard: 87,600 × 20 conditional PutItem of 1 WRU × $0.625/M.
    expect(line(result.lines, 'write request units').quantity.toNumber()).toBe(1_752_000);
    expect(line(result.lines, 'write request units').cost.toFixed()).toBe('1.095');
    // An on-failure record per given-up batch, then an operator's receive and delete.
    expect(line(result.lines, 'on-failure queue (send + receive + delete)').quantity.toNumber()).toBe(30_000);
    // An archive object a minute, and one under errors/ in each of 10,000 minutes with a failed record.
    expect(line(result.lines, 'PUT requests').quantity.toNumber()).toBe(53_800);
    // 9 alarms (consumer 5, transformation 3, archive freshness) and 8 custom metrics (consumer 5, transformation 3).
    expect(line(result.lines, 'alarms (standard resolution)').quantity.toNumber()).toBe(9);
    expect(line(result.lines, 'custom metrics (Powertools, EMF)').quantity.toNumber()).toBe(8);
  });

  it('writes no more aggregates than there are views, and adds shards when twice the average rate needs them', () => {
    // Prepare: 100,000 records are about one view per shard-minute, below the 20 pages; 10 B records are about
    // 7,610 records a second at the peak, which needs 8 shards.

    // Act
    const quiet = estimate('kinesis', { events: 100_000 });
    const busy = estimate('kinesis', { events: 10_000_000_000 });

    // Assess: 100,000 less 100 malformed and 19,980 heartbeats (20 % of the rest) is 80,020 for the consumer; less
    // the malformed 100 and 5 % bots, 75,924 views, each its own item.
    expect(line(quiet.lines, 'write request units').quantity.toNumber()).toBe(75_924);
    expect(line(busy.lines, 'shard-hours').detail).toBe('8 shard(s) × 730 h');
    // Busy shards fill their batches of 100 before the batching window ends: 7,992,000,000 records over 8 × 43,800
    // shard-minutes is 22,808.2 a shard-minute, 229 batches and the final invocation; plus 3 retries of each of
    // the 10 M malformed records' batches.
    const invocations = busy.lines.find((l) => l.service === 'Lambda (consumer)')?.quantity.toNumber();
    expect(invocations).toBe(8 * 43_800 * 230 + 30_000_000);
  });

  it('bills on-demand stream-hours and each GB read by both Lambda and Firehose', () => {
    // 10 M records of 512 bytes, each metered as 1 KB: 9.5367431640625 GiB in, twice that out.
    const result = estimate('kinesis', { options: { mode: 'on-demand' } });

    expect(line(result.lines, 'on-demand stream-hours').cost.toFixed()).toBe('29.2');
    expect(line(result.lines, 'on-demand data out').quantity.toFixed()).toBe('19.073486328125');
    expect(result.lines.some((l) => l.item === 'shard-hours')).toBe(false);
  });

  it('costs more at the naive configuration: a consumer invocation per record', () => {
    const result = estimate('kinesis');

    // 8,002,000 records over 87,600 shard-minutes, one invocation each, plus each window's final one and the
    // 30,000 retries.
    expect(result.naive.lines.find((l) => l.service === 'Lambda (consumer)')?.quantity.toNumber()).toBe(
      8_002_000 + 87_600 + 30_000,
    );
    expect(result.savings.isPositive()).toBe(true);
  });
});
