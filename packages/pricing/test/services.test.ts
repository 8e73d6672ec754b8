/**
 * Golden cases for the event sources, worked by hand from the pricing pages' definitions (us-east-1 figures of
 * src/prices/us-east-1.ts). 1 KB = 1,024 bytes; 64 KB = 65,536; 25 KB = 25,600; 512 KB = 524,288.
 */
import { describe, expect, it } from 'vitest';
import {
  apiGatewayCost,
  cognitoCost,
  eventBridgeCost,
  firehoseCost,
  kinesisCost,
  logsCost,
  readUnits,
  shardsNeeded,
  snsCost,
  sqsConsumerRequests,
  sqsCost,
  writeUnits,
} from '../src/index.ts';
import { chunks, dec } from '../src/money.ts';

const costs = (lines: readonly { cost: { toFixed(): string } }[]) => lines.map((l) => l.cost.toFixed());

describe('SQS', () => {
  it('counts every 64 KB chunk of a payload as a request', () => {
    expect(chunks(65_536, 65_536).toNumber()).toBe(1);
    expect(chunks(65_537, 65_536).toNumber()).toBe(2);
    expect(chunks(1, 65_536).toNumber()).toBe(1);
  });

  it("counts a Lambda consumer's sends, batched receives and deletes, and the pollers' empty receives", () => {
    // Prepare: 1,000 messages of 10 KB, batch size 10.
    // Sends: 1,000 × ceil(10,240 / 65,536) = 1,000. Receives: 100 × ceil(10 × 10,240 / 65,536) = 100 × 2 = 200.
    // Deletes: 100 DeleteMessageBatch. Empty receives: 5 pollers × 2,628,000 s / 20 s = 657,000, less the 100
    // receives that found messages = 656,900.
    const usage = { messages: 1000, messageBytes: 10_240, batchSize: 10 };

    // Act
    const r = sqsConsumerRequests(usage);

    // Assess
    expect([r.sends, r.receives, r.deletes, r.emptyReceives, r.invocations].map((d) => d.toNumber())).toEqual(
      [1000, 200, 100, 656_900, 100],
    );
  });

  it('receives a poison message maxReceiveCount times, then redrives it from the DLQ', () => {
    // 1,000 messages, 1 % poison = 10, each received 5 times: 1,000 + 10 × 4 = 1,040 deliveries.
    // Deletes only for the 990 that succeed: ceil(990 / 10) = 99. Redrive: 10 × (receive + send + delete) = 30.
    const r = sqsConsumerRequests({ messages: 1000, messageBytes: 1024, batchSize: 10, poisonShare: 0.01 });

    expect([r.deliveries, r.deletes, r.redrives, r.deadLettered].map((d) => d.toNumber())).toEqual([
      1040, 99, 30, 10,
    ]);
  });

  it('prices standard and FIFO requests and takes the free million off the first lines', () => {
    // 3 M requests in two lines: standard 3 × $0.40 = $1.20; FIFO 3 × $0.50 = $1.50.
    // With the free tier the first 1 M (all of line one and 0 of line two) is free: line one $0, line two 2 M × $0.40.
    const lines = [
      { item: 'a', count: dec(1_000_000) },
      { item: 'b', count: dec(2_000_000) },
    ];

    expect(costs(sqsCost(lines))).toEqual(['0.4', '0.8']);
    expect(costs(sqsCost(lines, { queue: 'fifo' }))).toEqual(['0.5', '1']);
    expect(costs(sqsCost(lines, { freeTier: true }))).toEqual(['0', '0.8']);
  });
});

describe('SNS', () => {
  it('bills publishes per 64 KB chunk and deliveries to Lambda not at all', () => {
    // 1 M publishes of 100 KB → 2 chunks each = 2 M requests × $0.50/M = $1; free tier: 1 M billable = $0.50.
    expect(costs(snsCost({ publishes: 1_000_000, messageBytes: 102_400 }))).toEqual(['1', '0']);
    expect(costs(snsCost({ publishes: 1_000_000, messageBytes: 102_400, freeTier: true }))).toEqual([
      '0.5',
      '0',
    ]);
  });
});

describe('Kinesis Data Streams', () => {
  it('bills provisioned shard-hours and 25 KB PUT payload units', () => {
    // 1 shard × 730 h × $0.015 = $10.95. 1 M records of 30 KB → 2 units each: 2 M × $0.014/M = $0.028.
    const lines = kinesisCost({ records: 1_000_000, recordBytes: 30 * 1024, shards: 1 });

    expect(costs(lines)).toEqual(['10.95', '0.028', '0']);
    // Exactly 25 KB is one unit.
    expect(kinesisCost({ records: 1_000_000, recordBytes: 25_600, shards: 1 })[1]?.quantity.toNumber()).toBe(
      1_000_000,
    );
  });

  it('bills on-demand stream-hours and GB in and out, each record rounded up to 1 KB', () => {
    // 1 M records of 1.5 KB → 2 KB each = 2,048,000,000 bytes = 1.9073486328125 GiB.
    // In: × $0.08 = $0.152587890625; out (Lambda): × $0.04 = $0.0762939453125; 730 stream-hours × $0.04 = $29.2.
    const lines = kinesisCost({ records: 1_000_000, recordBytes: 1536, mode: 'on-demand' });

    expect(costs(lines)).toEqual(['29.2', '0.152587890625', '0.0762939453125']);
  });

  it('sizes provisioned shards for the peak: 1,000 records/s and 1 MB/s each', () => {
    // 10 M records a month × 2 (peak) / 2,628,000 s ≈ 7.6 records/s → 1 shard.
    // 10 B records → ≈ 7,610 records/s → 8 shards. 100 M records of 100 KB → ≈ 76 records/s ≈ 7.4 MB/s → 8 shards.
    expect(shardsNeeded(10_000_000, 1024)).toBe(1);
    expect(shardsNeeded(10_000_000_000, 1024)).toBe(8);
    expect(shardsNeeded(100_000_000, 102_400)).toBe(8);
  });
});

describe('Data Firehose', () => {
  it('bills ingestion per GB with every record rounded up to 5 KB', () => {
    // 1 M records of 3 KB bill as 5 KB; of 12 KB as 15 KB. 1 M × 5,120 bytes = 4.76837158203125 GiB × $0.029.
    const small = firehoseCost({ records: 1_000_000, recordBytes: 3 * 1024 });
    const large = firehoseCost({ records: 1_000_000, recordBytes: 12 * 1024 });

    expect(costs(small)).toEqual(['0.13828277587890625', '0']);
    expect(large[0]?.quantity.toFixed()).toBe('14.30511474609375');
  });

  it('lowers the rate above 500 TB a month', () => {
    // 600 TB (614,400 GB): 512,000 GB × $0.029 + 102,400 GB × $0.025 = $14,848 + $2,560.
    const records = (600 * 1024 ** 4) / 5120;

    expect(firehoseCost({ records, recordBytes: 5120 })[0]?.cost.toFixed()).toBe('17408');
  });
});

describe('DynamoDB', () => {
  it('counts a write unit per KB and a read unit per 4 KB (half when eventually consistent)', () => {
    expect([writeUnits(600), writeUnits(1024), writeUnits(1025)]).toEqual([1, 1, 2]);
    expect([readUnits(4096), readUnits(4096, 'strong'), readUnits(4097, 'strong')]).toEqual([0.5, 1, 2]);
  });
});

describe('API Gateway', () => {
  it('meters HTTP API requests in 512 KB increments', () => {
    // 1 M requests of 600 KB → 2 each = 2 M × $1.00/M = $2; exactly 512 KB is one.
    expect(costs(apiGatewayCost({ requests: 1_000_000, payloadBytes: 600 * 1024 }))).toEqual(['2']);
    expect(costs(apiGatewayCost({ requests: 1_000_000, payloadBytes: 512 * 1024 }))).toEqual(['1']);
  });

  it('applies the HTTP and REST volume tiers', () => {
    // HTTP: 400 M = 300 M × $1.00 + 100 M × $0.90 = $390.
    // REST: 400 M = 333 M × $3.50 + 67 M × $2.80 = $1,165.5 + $187.6 = $1,353.1.
    expect(costs(apiGatewayCost({ requests: 400_000_000, payloadBytes: 1024 }))).toEqual(['390']);
    expect(costs(apiGatewayCost({ requests: 400_000_000, payloadBytes: 1024, kind: 'rest' }))).toEqual([
      '1353.1',
    ]);
  });
});

describe('EventBridge', () => {
  it('bills custom events per 64 KB chunk and Scheduler invocations beyond 14 M free', () => {
    // 1 M events of 100 KB → 2 each = 2 M × $1/M = $2. 15 M schedules with the free tier: 1 M × $1/M = $1.
    const lines = eventBridgeCost({
      customEvents: 1_000_000,
      eventBytes: 102_400,
      schedulerInvocations: 15_000_000,
      freeTier: true,
    });

    expect(costs(lines)).toEqual(['2', '1']);
  });
});

describe('CloudWatch Logs', () => {
  it("applies the tiers of Lambda's logs and the flat rate of other logs", () => {
    // 60 TB = 61,440 GB of Lambda logs: 10,240 × $0.50 + 20,480 × $0.25 + 20,480 × $0.10 + 10,240 × $0.05
    // = 5,120 + 5,120 + 2,048 + 512 = $12,800. The same as application logs: 61,440 × $0.50 = $30,720.
    const bytes = dec(61_440).mul(1024 ** 3);

    expect(logsCost({ bytes, lambda: true })[0]?.cost.toFixed()).toBe('12800');
    expect(logsCost({ bytes, lambda: false })[0]?.cost.toFixed()).toBe('30720');
  });
});

describe('Cognito', () => {
  it('prices monthly active users on the Essentials and Lite plans', () => {
    // Essentials, 20,000 MAU, 10,000 free: 10,000 × $0.015 = $150.
    // Lite, 150,000 MAU, 10,000 free: 90,000 × $0.0055 + 50,000 × $0.0046 = $495 + $230 = $725.
    expect(costs(cognitoCost({ mau: 20_000, freeTier: true }))).toEqual(['150']);
    expect(costs(cognitoCost({ mau: 150_000, plan: 'lite', freeTier: true }))).toEqual(['725']);
    expect(costs(cognitoCost({ mau: 5_000, freeTier: true }))).toEqual(['0']);
  });
});
