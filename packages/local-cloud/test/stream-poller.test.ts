import { KinesisDataStreamSchema } from '@aws-lambda-powertools/parser/schemas/kinesis';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Clock, scaledClock } from '../src/clock.ts';
import { type KinesaliteEmulator, startKinesalite } from '../src/emulators/kinesalite.ts';
import { LocalCloudError } from '../src/errors.ts';
import { LambdaService } from '../src/lambda/service.ts';
import { LogStore } from '../src/logs/store.ts';
import { KINESIS_KIND, KinesisShards, kinesisMappingSource } from '../src/triggers/kinesis.ts';
import {
  type StreamEventSourceConfig,
  StreamPoller,
  type StreamShards,
} from '../src/triggers/stream-poller.ts';
import type { AwsContext, FunctionConfig, TriggerNotice, TriggerServices } from '../src/types.ts';
import { fixtureFunction } from './fixtures/function-config.ts';

interface KinesisEventRecord {
  readonly eventID: string;
  readonly kinesis: { readonly sequenceNumber: string; readonly partitionKey: string; readonly data: string };
}

interface StreamEvent {
  readonly Records: KinesisEventRecord[];
  readonly window?: { start: string; end: string };
  readonly state?: Record<string, number>;
  readonly isFinalInvokeForWindow?: boolean;
}

/** One emulated minute passes in 0.6 s: backoffs (1 s…), batching windows, ages and tumbling windows run fast. */
const TIME_SCALE = 0.01;

describe('StreamPoller on a Kinesis stream', { timeout: 30_000 }, () => {
  let kinesalite: KinesaliteEmulator;
  let kinesis: KinesisClient;
  let lambda: LambdaService;
  let aws: AwsContext;
  let clock: Clock;
  let streamCount = 0;
  const pollers: StreamPoller[] = [];

  beforeAll(async () => {
    kinesalite = await startKinesalite();
    aws = { region: 'us-east-1', accountId: '000000000000', endpoint: kinesalite.url };
    kinesis = new KinesisClient({
      endpoint: kinesalite.url,
      region: aws.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
    });
    clock = scaledClock(TIME_SCALE);
    lambda = new LambdaService({ aws, clock, logs: new LogStore(), deliver: async () => {} });
    lambda.createFunction(fixtureFunction('stream'));
  });

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  });

  afterAll(async () => {
    await lambda.stop();
    kinesis.destroy();
    await kinesalite.stop();
  });

  async function createStream(shards = 1): Promise<{ name: string; arn: string }> {
    streamCount += 1;
    const name = `stream-${streamCount}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    await vi.waitFor(
      async () => {
        const { StreamDescriptionSummary } = await kinesis.send(
          new DescribeStreamSummaryCommand({ StreamName: name }),
        );
        if (StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') throw new Error('not active yet');
      },
      { timeout: 5000, interval: 20 },
    );
    return { name, arn: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}` };
  }

  interface Harness {
    readonly poller: StreamPoller;
    readonly deliveries: { destinationArn: string; payload: Record<string, unknown> }[];
    readonly notices: TriggerNotice[];
  }

  function triggers(harness: Pick<Harness, 'deliveries' | 'notices'>): TriggerServices {
    return {
      aws,
      clock,
      invoke: (name, payload, options) => lambda.invoke(name, payload, options),
      emulatorUrl: (route) => (route === 'kinesis' ? kinesalite.url : undefined),
      warn: () => {},
      notice: (notice) => harness.notices.push(notice),
      deliver: async (destinationArn, payload) => {
        harness.deliveries.push({ destinationArn, payload: payload as Record<string, unknown> });
      },
    };
  }

  function startPoller(stream: { arn: string }, overrides: Partial<StreamEventSourceConfig> = {}): Harness {
    const harness = { deliveries: [], notices: [] } as Omit<Harness, 'poller'>;
    const services = triggers(harness);
    const poller = new StreamPoller(
      {
        uuid: `mapping-${streamCount}`,
        functionName: 'stream',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stream',
        sourceArn: stream.arn,
        batchSize: 100,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: false,
        filterPatterns: [],
        enabled: true,
        startingPosition: { type: 'TRIM_HORIZON' },
        maximumRetryAttempts: -1,
        maximumRecordAgeSeconds: -1,
        bisectBatchOnFunctionError: false,
        parallelizationFactor: 1,
        tumblingWindowSeconds: 0,
        onFailureDestination: 'arn:aws:sqs:us-east-1:000000000000:on-failure',
        retentionHours: 24,
        ...overrides,
      },
      {
        triggers: services,
        shards: new KinesisShards({ url: kinesalite.url, region: aws.region, streamArn: stream.arn }),
        kind: KINESIS_KIND,
        deliver: services.deliver,
        sourceName: 'test',
      },
    );
    pollers.push(poller);
    poller.start();
    return { poller, ...harness };
  }

  /** Puts records one by one (so their order is known), each with its partition key; returns sequence numbers. */
  async function put(
    stream: { name: string },
    records: readonly (readonly [partitionKey: string, data: unknown])[],
    hashKey?: string,
  ): Promise<string[]> {
    const sequenceNumbers: string[] = [];
    for (const [partitionKey, data] of records) {
      const { SequenceNumber } = await kinesis.send(
        new PutRecordCommand({
          StreamName: stream.name,
          PartitionKey: partitionKey,
          Data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)),
          ...(hashKey !== undefined && { ExplicitHashKey: hashKey }),
        }),
      );
      sequenceNumbers.push(SequenceNumber ?? '');
    }
    return sequenceNumbers;
  }

  function eventsFor(stream: { arn: string }): StreamEvent[] {
    return lambda.invocations
      .map((invocation) => invocation.event as StreamEvent)
      .filter(
        (event) =>
          event.Records?.some((record) => record.eventID && invocationsStream(record) === stream.arn) ||
          (event as { eventSourceARN?: string }).eventSourceARN === stream.arn,
      );
  }

  function invocationsStream(record: KinesisEventRecord): string {
    return (record as unknown as { eventSourceARN: string }).eventSourceARN;
  }

  function sequences(event: StreamEvent): string[] {
    return event.Records.map((record) => record.kinesis.sequenceNumber);
  }

  function eventually<T>(check: () => T | Promise<T>): Promise<T> {
    return vi.waitFor(check, { timeout: 15_000, interval: 20 });
  }

  it('hands each shard’s records over in order, in batches of BatchSize, as events Powertools accepts', async () => {
    // Prepare: one shard, batches of 2
    const stream = await createStream();
    const sequenceNumbers = await put(stream, [
      ['a', { n: 1 }],
      ['b', { n: 2 }],
      ['a', { n: 3 }],
      ['c', 'not json'],
      ['b', { n: 5 }],
    ]);

    // Act
    startPoller(stream, { batchSize: 2 });

    // Assess
    const events = await eventually(() => {
      const seen = eventsFor(stream);
      expect(seen.flatMap(sequences)).toHaveLength(5);
      return seen;
    });
    expect(events.map((event) => event.Records.length)).toEqual([2, 2, 1]);
    expect(events.flatMap(sequences)).toEqual(sequenceNumbers);
    expect(events.every((event) => KinesisDataStreamSchema.safeParse(event).success)).toBe(true);
    const first = events[0]?.Records[0];
    expect(first?.eventID).toBe(`shardId-000000000000:${sequenceNumbers[0]}`);
    expect(Buffer.from(first?.kinesis.data ?? '', 'base64').toString()).toBe('{"n":1}');
  });

  it('retries a failing batch until MaximumRetryAttempts, then sends AWS’s on-failure record and moves on', async () => {
    // Prepare: two retries; the poison record is followed by a good one
    const stream = await createStream();
    const [poison, good] = await put(stream, [
      ['p', { throw: true }],
      ['g', { ok: true }],
    ]);
    const harness = startPoller(stream, { maximumRetryAttempts: 2, batchSize: 1 });

    // Act
    await eventually(() => expect(eventsFor(stream).flatMap(sequences)).toContain(good));

    // Assess: 1 invoke + 2 retries of the poison record, then the good record once
    expect(eventsFor(stream).flatMap(sequences)).toEqual([poison, poison, poison, good]);
    expect(harness.deliveries).toHaveLength(1);
    const record = harness.deliveries[0]?.payload;
    expect(harness.deliveries[0]?.destinationArn).toBe('arn:aws:sqs:us-east-1:000000000000:on-failure');
    expect(record).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stream',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: poison,
        endSequenceNumber: poison,
        approximateArrivalOfFirstRecord: expect.stringMatching(/Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
        batchSize: 1,
        streamArn: stream.arn,
      },
    });
    expect(harness.poller.state()).toMatchObject({ retries: 2, discarded: 1 });
    await eventually(() => expect(harness.poller.state().iteratorAgeMs).toBe(0));
    expect(harness.notices.map((notice) => notice.kind)).toEqual(['retry', 'retry', 'dead-letter']);
  });

  it('blocks only the failing shard: the other shard’s records go through while it retries', async () => {
    // Prepare: two shards; the poison record goes to the first (hash key 0), good ones to the second
    const stream = await createStream(2);
    await put(stream, [['p', { throw: true }]], '0');
    const good = await put(
      stream,
      [
        ['g1', { ok: 1 }],
        ['g2', { ok: 2 }],
      ],
      '340282366920938463463374607431768211455',
    );

    // Act: infinite retries (the default)
    const harness = startPoller(stream);

    // Assess: the stuck shard's iterator age grows (the IteratorAge an alarm would watch)
    await eventually(() =>
      expect(eventsFor(stream).flatMap(sequences)).toEqual(expect.arrayContaining(good)),
    );
    await eventually(() => expect(harness.poller.state().retries).toBeGreaterThanOrEqual(2));
    expect(harness.deliveries).toHaveLength(0);
    const age = harness.poller.state().iteratorAgeMs;
    await eventually(() => expect(harness.poller.state().iteratorAgeMs).toBeGreaterThan(age + 1000));
  });

  it('rewinds to the lowest failed sequence number with ReportBatchItemFailures, not an SQS-style split', async () => {
    // Prepare
    const stream = await createStream();
    const [a, b, c, d] = await put(stream, [
      ['k', { n: 'a' }],
      ['k', { n: 'b', fail: true }],
      ['k', { n: 'c' }],
      ['k', { n: 'd', fail: true }],
    ]);
    const harness = startPoller(stream, { reportBatchItemFailures: true, maximumRetryAttempts: 1 });

    // Act
    await eventually(() => expect(harness.deliveries).toHaveLength(1));

    // Assess: the retry starts at b (c succeeded but is after the checkpoint, so it comes again)
    expect(eventsFor(stream).map(sequences)).toEqual([
      [a, b, c, d],
      [b, c, d],
    ]);
    expect(harness.deliveries[0]?.payload).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { statusCode: 200 },
      KinesisBatchInfo: { startSequenceNumber: b, endSequenceNumber: d, batchSize: 3 },
    });
    expect(harness.deliveries[0]?.payload.responseContext).not.toHaveProperty('functionError');
  });

  it('fails the whole batch when an itemIdentifier is empty, as AWS does', async () => {
    // Prepare
    const stream = await createStream();
    const [a, b] = await put(stream, [
      ['k', { n: 'a' }],
      ['k', { n: 'b', emptyId: true }],
    ]);
    const harness = startPoller(stream, { reportBatchItemFailures: true, maximumRetryAttempts: 1 });

    // Act
    await eventually(() => expect(harness.deliveries).toHaveLength(1));

    // Assess
    expect(eventsFor(stream).map(sequences)).toEqual([
      [a, b],
      [a, b],
    ]);
    expect(harness.deliveries[0]?.payload).toMatchObject({
      KinesisBatchInfo: { startSequenceNumber: a, batchSize: 2 },
    });
  });

  it('bisects a failing batch (without using up retries) until the poison record is alone, then discards only it', async () => {
    // Prepare
    const stream = await createStream();
    const [g1, g2, poison, g3] = await put(stream, [
      ['k', { n: 1 }],
      ['k', { n: 2 }],
      ['k', { throw: true }],
      ['k', { n: 3 }],
    ]);
    const harness = startPoller(stream, { bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 });

    // Act
    await eventually(() => expect(eventsFor(stream).at(-1)?.Records).toHaveLength(1));
    await eventually(() => expect(eventsFor(stream).flatMap(sequences).at(-1)).toBe(g3));

    // Assess
    expect(eventsFor(stream).map(sequences)).toEqual([
      [g1, g2, poison, g3],
      [g1, g2],
      [poison, g3],
      [poison],
      [g3],
    ]);
    expect(harness.deliveries.map((delivery) => delivery.payload.KinesisBatchInfo)).toEqual([
      expect.objectContaining({ startSequenceNumber: poison, endSequenceNumber: poison, batchSize: 1 }),
    ]);
  });

  it('gives up on records older than MaximumRecordAgeInSeconds, however many retries are left', async () => {
    // Prepare: a minute of age (0.6 s here), infinite retries
    const stream = await createStream();
    const [poison] = await put(stream, [['p', { throw: true }]]);
    const harness = startPoller(stream, { maximumRecordAgeSeconds: 60 });

    // Act
    await eventually(() => expect(harness.deliveries).toHaveLength(1));

    // Assess
    expect(harness.deliveries[0]?.payload).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded' },
      KinesisBatchInfo: { startSequenceNumber: poison, batchSize: 1 },
    });
    expect(eventsFor(stream).length).toBeGreaterThan(1);
  });

  it('consumes records no filter matches without an invoke, and drops non-JSON data under a data filter', async () => {
    // Prepare
    const stream = await createStream();
    const [view] = await put(stream, [
      ['k', { type: 'view', page: '/' }],
      ['k', { type: 'heartbeat' }],
      ['k', 'plain text'],
    ]);
    const harness = startPoller(stream, { filterPatterns: [{ data: { type: ['view'] } }] });
    const [later] = await put(stream, [['k', { type: 'view', page: '/later' }]]);

    // Act
    await eventually(() => expect(eventsFor(stream).flatMap(sequences)).toContain(later));

    // Assess
    expect(eventsFor(stream).flatMap(sequences)).toEqual([view, later]);
    expect(harness.poller.state().filteredOut).toBe(2);
  });

  it('starts at LATEST: records put before the mapping are not read', async () => {
    // Prepare
    const stream = await createStream();
    const [before] = await put(stream, [['k', { n: 'before' }]]);
    startPoller(stream, { startingPosition: { type: 'LATEST' } });

    // Act: put until the poller, once it holds its iterator, hands one over
    const after: string[] = [];
    await eventually(async () => {
      after.push(...(await put(stream, [['k', { n: 'after' }]])));
      expect(eventsFor(stream).length).toBeGreaterThan(0);
    });

    // Assess
    const seen = eventsFor(stream).flatMap(sequences);
    expect(seen).not.toContain(before);
    expect(seen.every((sequenceNumber) => after.includes(sequenceNumber))).toBe(true);
  });

  it('keeps each invocation within Lambda’s 6 MB: large records are split over batches, in order', async () => {
    // Prepare: six records of 1,000 KiB (1.3 MB each once base64-encoded in the event): four fit in 6 MB
    const stream = await createStream();
    const big = 'x'.repeat(1000 * 1024 - 1);
    const sequenceNumbers = await put(
      stream,
      Array.from({ length: 6 }, (_, index) => ['k', `${index}${big}`] as const),
    );

    // Act
    startPoller(stream);

    // Assess
    const events = await eventually(() => {
      const seen = eventsFor(stream);
      expect(seen.flatMap(sequences)).toHaveLength(6);
      return seen;
    });
    expect(events.map((event) => event.Records.length)).toEqual([4, 2]);
    expect(events.flatMap(sequences)).toEqual(sequenceNumbers);
    expect(events.every((event) => Buffer.byteLength(JSON.stringify(event)) <= 6 * 1024 * 1024)).toBe(true);
  });

  it('starts AT_TIMESTAMP: records that arrived before the timestamp are not read', async () => {
    // Prepare
    const stream = await createStream();
    await put(stream, [['k', { n: 'before' }]]);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the stream stamps arrivals in milliseconds
    const timestampSeconds = Date.now() / 1000;
    const after = await put(stream, [['k', { n: 'after' }]]);

    // Act
    startPoller(stream, { startingPosition: { type: 'AT_TIMESTAMP', timestampSeconds } });

    // Assess
    await eventually(() => expect(eventsFor(stream).flatMap(sequences)).toEqual(after));
  });

  it('keeps each partition key in order with a ParallelizationFactor, every record once', async () => {
    // Prepare
    const stream = await createStream();
    const keys = ['a', 'b', 'c', 'd'];
    const records = Array.from({ length: 40 }, (_, index) => [keys[index % 4] as string, { index }] as const);
    const sequenceNumbers = await put(stream, records);

    // Act
    startPoller(stream, { parallelizationFactor: 4, batchSize: 3 });

    // Assess
    const events = await eventually(() => {
      const seen = eventsFor(stream);
      expect(seen.flatMap(sequences)).toHaveLength(40);
      return seen;
    });
    const seen = events.flatMap((event) => event.Records);
    for (const key of keys) {
      const ofKey = seen
        .filter((record) => record.kinesis.partitionKey === key)
        .map((r) => r.kinesis.sequenceNumber);
      expect(ofKey).toEqual(sequenceNumbers.filter((_, index) => keys[index % 4] === key));
    }
    expect(events.some((event) => new Set(event.Records.map((r) => r.kinesis.partitionKey)).size > 1)).toBe(
      true,
    );
  });

  it('carries state through a tumbling window and ends it with a final invoke holding the whole window’s state', async () => {
    // Prepare: 60 s windows (0.6 s here), batches of 2; one PutRecords stamps all three with one arrival time,
    // so they share a window
    const stream = await createStream();
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: [
          { PartitionKey: 'home', Data: Buffer.from('{"page":"/"}') },
          { PartitionKey: 'home', Data: Buffer.from('{"page":"/"}') },
          { PartitionKey: 'about', Data: Buffer.from('{"page":"/about"}') },
        ],
      }),
    );

    // Act
    startPoller(stream, { tumblingWindowSeconds: 60, batchSize: 2 });

    // Assess
    const events = await eventually(() => {
      const seen = eventsFor(stream);
      expect(seen.some((event) => event.isFinalInvokeForWindow)).toBe(true);
      return seen;
    });
    expect(events.map((event) => [event.Records.length, event.state, event.isFinalInvokeForWindow])).toEqual([
      [2, {}, false],
      [1, { home: 2 }, false],
      [0, { home: 2, about: 1 }, true],
    ]);
    expect(new Set(events.map((event) => JSON.stringify(event.window))).size).toBe(1);
    const window = events[0]?.window;
    expect(Date.parse(window?.end ?? '') - Date.parse(window?.start ?? '')).toBe(60_000);
  });

  it('ends a window early when its state passes 1 MB, and goes on in it with a fresh state', async () => {
    // Prepare: one PutRecords, so both records share a window; one record per batch
    const stream = await createStream();
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: [
          { PartitionKey: 'big', Data: Buffer.from('{"bigState":true}') },
          { PartitionKey: 'next', Data: Buffer.from('{"n":1}') },
        ],
      }),
    );

    // Act
    startPoller(stream, { tumblingWindowSeconds: 60, batchSize: 1 });

    // Assess
    const events = await eventually(() => {
      const seen = eventsFor(stream);
      expect(seen.filter((event) => event.isFinalInvokeForWindow)).toHaveLength(2);
      return seen;
    });
    const summary = events.map((event) => ({
      records: event.Records.length,
      keys: Object.keys(event.state ?? {}).sort(),
      final: event.isFinalInvokeForWindow,
      early: (event as { isWindowTerminatedEarly?: boolean }).isWindowTerminatedEarly,
    }));
    expect(summary).toEqual([
      { records: 1, keys: [], final: false, early: false },
      { records: 0, keys: ['big', 'blob'], final: true, early: true },
      { records: 1, keys: [], final: false, early: false },
      { records: 0, keys: ['next'], final: true, early: false },
    ]);
  });

  it('counts a windowed invoke whose response has no state as failed', async () => {
    // Prepare
    const stream = await createStream();
    await put(stream, [['k', { noState: true }]]);
    const harness = startPoller(stream, { tumblingWindowSeconds: 60, maximumRetryAttempts: 1 });

    // Act
    await eventually(() => expect(harness.deliveries).toHaveLength(1));

    // Assess
    expect(harness.notices[0]?.message).toMatch(/the response has no state/);
  });
});

describe('the Kinesis mapping source', () => {
  const context = (properties: Record<string, unknown>) => ({
    logicalId: 'Mapping',
    properties: { StartingPosition: 'TRIM_HORIZON', ...properties },
    function: { arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' } as FunctionConfig,
    clients: (() => {
      throw new Error('unused');
    }) as never,
    triggers: { emulatorUrl: () => undefined } as unknown as TriggerServices,
  });
  const config = {
    uuid: 'u',
    functionName: 'f',
    sourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    reportBatchItemFailures: false,
    filterPatterns: [],
    enabled: true,
  };

  it.each([
    [
      { TumblingWindowInSeconds: 60, ParallelizationFactor: 2 },
      {},
      /cannot be used with a ParallelizationFactor greater than 1/,
    ],
    [
      {},
      { batchSize: 20_000 },
      /Value '20000' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000/,
    ],
    [
      { MaximumRecordAgeInSeconds: 30 },
      {},
      /Value '30' at 'maximumRecordAgeInSeconds'.*greater than or equal to 60/,
    ],
    [{ MaximumRetryAttempts: 10_001 }, {}, /'maximumRetryAttempts'.*less than or equal to 10000/],
    [{ StartingPosition: undefined }, {}, /needs StartingPosition TRIM_HORIZON, LATEST or AT_TIMESTAMP/],
    [
      { DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:us-east-1:0:function:x' } } },
      {},
      /must be an SQS queue, an SNS topic or an S3 bucket/,
    ],
  ])('refuses %j %j as AWS does', async (properties, overrides, message) => {
    // Act
    const created = kinesisMappingSource.create({ ...config, ...overrides }, context(properties));

    // Assess
    await expect(created).rejects.toThrow(LocalCloudError);
    await expect(created).rejects.toThrow(message);
  });
});

describe('StreamPoller while it stops', () => {
  /** A one-shard stream holding one record, read as kinesalite would hand it over. */
  function oneRecordShards(): StreamShards & { destroyed: number } {
    let served = false;
    return {
      destroyed: 0,
      listShards: async () => ['shardId-000000000000'],
      iterator: async () => 'iterator',
      read: async (shardId) => {
        if (served) return { records: [], next: 'iterator' };
        served = true;
        const record = { kinesis: { sequenceNumber: '1', partitionKey: 'p', data: 'e30=' } };
        return {
          records: [
            {
              shardId,
              sequenceNumber: '1',
              partitionKey: 'p',
              arrivalMs: Date.now(),
              eventRecord: record,
              filterView: { ...record.kinesis, data: {} },
            },
          ],
          next: 'iterator',
        };
      },
      isExpiredIterator: () => false,
      destroy() {
        this.destroyed += 1;
      },
    };
  }

  function pollerOn(
    shards: StreamShards,
    invoke: TriggerServices['invoke'],
    overrides: Partial<StreamEventSourceConfig> = {},
  ) {
    const deliveries: unknown[] = [];
    const notices: TriggerNotice[] = [];
    const triggers: TriggerServices = {
      aws: { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:1' },
      clock: scaledClock(0.01),
      invoke,
      emulatorUrl: () => undefined,
      warn: () => {},
      notice: (notice) => notices.push(notice),
      deliver: async (_arn, payload) => {
        deliveries.push(payload);
      },
    };
    const poller = new StreamPoller(
      {
        uuid: 'stopping',
        functionName: 'stream',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stream',
        sourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
        batchSize: 100,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: false,
        filterPatterns: [],
        enabled: true,
        startingPosition: { type: 'TRIM_HORIZON' },
        maximumRetryAttempts: 0,
        maximumRecordAgeSeconds: -1,
        bisectBatchOnFunctionError: false,
        parallelizationFactor: 1,
        tumblingWindowSeconds: 0,
        onFailureDestination: 'arn:aws:sqs:us-east-1:000000000000:on-failure',
        retentionHours: 24,
        ...overrides,
      },
      { triggers, shards, kind: KINESIS_KIND, deliver: triggers.deliver, sourceName: 's' },
    );
    return { poller, deliveries, notices };
  }

  it('does not send a batch to the on-failure destination when stopping cut its invocation short', async () => {
    // Prepare: no retries, and an invocation that Lambda ends (as it does when the cloud stops) once stop begins
    let invoked!: () => void;
    const inFlight = new Promise<void>((resolve) => {
      invoked = resolve;
    });
    let endInvocation!: () => void;
    const ended = new Promise<void>((resolve) => {
      endInvocation = resolve;
    });
    const { poller, deliveries, notices } = pollerOn(oneRecordShards(), async () => {
      invoked();
      await ended;
      return {
        requestId: 'r',
        statusCode: 200,
        functionError: 'Unhandled',
        payload: JSON.stringify({ errorType: 'Error', errorMessage: 'The function was stopped' }),
        executedVersion: '$LATEST',
      };
    });
    poller.start();
    await inFlight;

    // Act
    const stopped = poller.stop();
    endInvocation();
    await stopped;

    // Assess: the record was not given up on; a next poller reads it again
    expect(deliveries).toEqual([]);
    expect(notices.filter((notice) => notice.kind === 'dead-letter')).toEqual([]);
    expect(poller.state().discarded).toBe(0);
  });

  it('closes its stream client when stopped, even when the mapping is disabled and never polled', async () => {
    // Prepare
    const shards = oneRecordShards();
    const { poller } = pollerOn(
      shards,
      async () => {
        throw new Error('a disabled mapping invokes nothing');
      },
      { enabled: false },
    );
    poller.start();

    // Act
    await poller.stop();

    // Assess
    expect(shards.destroyed).toBe(1);
    expect(poller.state().state).toBe('Stopped');
  });
});
