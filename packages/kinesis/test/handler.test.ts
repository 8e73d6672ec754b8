import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  type FirehoseEvent,
  firehoseEvent,
  kinesisRecord,
  kinesisWindowEvent,
  streamArn,
} from '@triggers/events';
import type { Context, KinesisStreamRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as consume, type WindowResponse } from '../src/handlers/consumer.ts';
import { type ArchivedView, handler as transform } from '../src/handlers/transform.ts';
import type { PageViewEvent } from '../src/page-view.ts';
import type { AggregateItem, WindowState } from '../src/window.ts';

const context = { functionName: 'page-view-aggregator', awsRequestId: 'request-1' } as Context;
const dynamo = mockClient(DynamoDBDocumentClient);

const SHARD = { shardId: 'shardId-000000000001', eventSourceARN: streamArn() };
const MINUTE = { start: new Date('2026-12-05T10:01:00Z'), end: new Date('2026-12-05T10:02:00Z') };

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const view = (page: string, extra: Partial<PageViewEvent> = {}): PageViewEvent => ({
  type: 'page_view',
  page,
  visitorId: 'v-42',
  occurredAt: '2026-12-05T10:01:02.345Z',
  userAgent: FIREFOX,
  ...extra,
});

/** Records of one shard, in order, as the mapping reads them. */
const records = (...data: Array<object | string>): KinesisStreamRecord[] =>
  data.map((item) => kinesisRecord({ data: item, partitionKey: 'v-42' }, { shardId: SHARD.shardId }));

const sequenceOf = (record: KinesisStreamRecord | undefined) => record?.kinesis.sequenceNumber ?? '';

/** One invocation of the minute's window: its records and the state the last invocation returned. */
const invoke = (batch: KinesisStreamRecord[], state: WindowResponse['state'] = {}, final = false) =>
  consume(kinesisWindowEvent(batch, { ...MINUTE, state, isFinalInvokeForWindow: final }, SHARD), context);

/**
 * The aggregates table in memory, honouring the handler's `attribute_not_exists(pagePath)` condition on the
 * table's key (pagePath + windowKey). Writes of the pages in `throttled` fail once, as a throttled request would.
 */
function fakeAggregatesTable(throttled: string[] = []) {
  const items = new Map<string, AggregateItem>();
  const pendingThrottles = new Set(throttled);
  dynamo.on(PutCommand).callsFake((input: PutCommandInput) => {
    const item = input.Item as AggregateItem;
    const key = `${item.pagePath}|${item.windowKey}`;
    if (pendingThrottles.delete(item.pagePath)) {
      throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    }
    if (input.ConditionExpression === 'attribute_not_exists(pagePath)' && items.has(key)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    items.set(key, item);
    return {};
  });
  return {
    items,
    /** Views per page, summed over every item (every shard and window part). */
    viewsByPage: () => {
      const views: Record<string, number> = {};
      for (const item of items.values()) views[item.pagePath] = (views[item.pagePath] ?? 0) + item.views;
      return views;
    },
  };
}

describe('page-view aggregator (the stream consumer)', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it("counts a minute's views per page across the window's invocations and writes them once, at its end", async () => {
    // Prepare
    const table = fakeAggregatesTable();
    const first = records(view('/pricing'), view('/docs/start'), view('/Pricing/?ref=ad'));
    const second = records(view('/pricing#plans', { visitorId: 'v-7', userAgent: IPHONE }), view('/'));

    // Act: two invocations carry the state; the final one (no records) writes it
    const one = await invoke(first);
    const two = await invoke(second, one.state);
    const written = await invoke([], two.state, true);

    // Assess
    expect(one.batchItemFailures).toEqual([]);
    expect(two.state).toMatchObject({ views: { '/pricing': 3, '/docs/start': 1, '/': 1 } });
    expect(written).toEqual({ state: {}, batchItemFailures: [] });
    expect(table.viewsByPage()).toEqual({ '/pricing': 3, '/docs/start': 1, '/': 1 });
    expect(
      table.items.get(`/pricing|2026-12-05T10:01:00Z#${SHARD.shardId}#${sequenceOf(first[0])}`),
    ).toMatchObject({
      windowStart: '2026-12-05T10:01:00Z',
      windowEnd: '2026-12-05T10:02:00Z',
      shardId: SHARD.shardId,
      views: 3,
      firstSequenceNumber: sequenceOf(first[0]),
      lastSequenceNumber: sequenceOf(second[1]),
    });
  });

  it('writes nothing before the window ends', async () => {
    // Prepare
    fakeAggregatesTable();

    // Act
    await invoke(records(view('/pricing')));

    // Assess
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    ['not JSON', 'page_view /pricing'],
    ['not a page view', { type: 'click', target: '#buy' }],
    ['a view without a visitor', { type: 'page_view', page: '/pricing', occurredAt: '2026-12-05T10:01:02Z' }],
    ['a page that is not a path', view('pricing')],
    ['a time that is not a time', view('/pricing', { occurredAt: 'yesterday' })],
  ])(
    'reports the first malformed record (%s) by its sequence number and counts only what came before it',
    async (_, poison) => {
      // Prepare
      fakeAggregatesTable();
      const batch = records(view('/a'), view('/b'), poison, view('/c'), poison);

      // Act
      const response = await invoke(batch);

      // Assess: Lambda will retry from the poison record, so /c is left for that retry
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(batch[2]) }]);
      expect(response.state).toEqual({
        views: { '/a': 1, '/b': 1 },
        first: sequenceOf(batch[0]),
        last: sequenceOf(batch[1]),
      });
    },
  );

  it('counts every view once through a poison record, its retries and what Lambda does after giving up on it', async () => {
    // Prepare
    const table = fakeAggregatesTable();
    const batch = records(view('/a'), view('/b'), 'garbage', view('/a'), view('/c'));

    // Act: the rewind to the poison record, two retries of it, then the records after it (the poison record went
    // to the on-failure destination), then the window's end
    const first = await invoke(batch);
    const retry1 = await invoke(batch.slice(2), first.state);
    const retry2 = await invoke(batch.slice(2), retry1.state);
    const after = await invoke(batch.slice(3), retry2.state);
    await invoke([], after.state, true);

    // Assess
    expect([first, retry1, retry2].map((response) => response.batchItemFailures)).toEqual(
      Array(3).fill([{ itemIdentifier: sequenceOf(batch[2]) }]),
    );
    expect(after.batchItemFailures).toEqual([]);
    expect(table.viewsByPage()).toEqual({ '/a': 2, '/b': 1, '/c': 1 });
  });

  it('does not count again records delivered a second time (Lambda may, after a partial failure)', async () => {
    // Prepare
    const table = fakeAggregatesTable();
    const batch = records(view('/a'), view('/b'), view('/c'));
    const first = await invoke(batch.slice(0, 2));

    // Act: the first two again, with the state that already has them, then one new record
    const again = await invoke(batch, first.state);
    await invoke([], again.state, true);

    // Assess
    expect(again.batchItemFailures).toEqual([]);
    expect(table.viewsByPage()).toEqual({ '/a': 1, '/b': 1, '/c': 1 });
  });

  it("leaves bots' views and heartbeats out without failing them", async () => {
    // Prepare
    const table = fakeAggregatesTable();
    const batch = records(
      view('/a'),
      view('/a', { userAgent: GOOGLEBOT }),
      { type: 'heartbeat', visitorId: 'v-42' },
      view('/a', { userAgent: 'curl/8.11.0' }),
      view('/b'),
    );

    // Act
    const response = await invoke(batch);
    await invoke([], response.state, true);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(response.state).toMatchObject({ last: sequenceOf(batch[4]) });
    expect(table.viewsByPage()).toEqual({ '/a': 1, '/b': 1 });
  });

  it('fails the final invocation when a write fails, and its retry writes each page once', async () => {
    // Prepare
    const table = fakeAggregatesTable(['/b']);
    const counted = await invoke(records(view('/a'), view('/b'), view('/c'), view('/a')));

    // Act: Lambda retries a failed final invocation with the same state
    const failed = invoke([], counted.state, true);
    await expect(failed).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    const retried = await invoke([], counted.state, true);

    // Assess
    expect(retried.batchItemFailures).toEqual([]);
    expect(table.viewsByPage()).toEqual({ '/a': 2, '/b': 1, '/c': 1 });
    expect(table.items.size).toBe(3);
  });

  it('writes a window Lambda ended early and the rest of its minute as two items, summed when read', async () => {
    // Prepare: Lambda ends a window whose state reaches 1 MB; the same minute goes on with a fresh state
    const table = fakeAggregatesTable();
    const part1 = await invoke(records(view('/a'), view('/a')));
    const part2 = await invoke(records(view('/a')));

    // Act
    await consume(
      kinesisWindowEvent(
        [],
        { ...MINUTE, state: part1.state, isFinalInvokeForWindow: true, isWindowTerminatedEarly: true },
        SHARD,
      ),
      context,
    );
    await invoke([], part2.state, true);

    // Assess
    expect(table.items.size).toBe(2);
    expect(table.viewsByPage()).toEqual({ '/a': 3 });
  });

  it('refuses, in one line, an event that is not from a tumbling window', async () => {
    // Prepare: a mapping without TumblingWindowInSeconds sends no window
    const { window: _, ...event } = kinesisWindowEvent(records(view('/a')), MINUTE, SHARD);

    // Act
    const invocation = consume(event, context);

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'NotAWindowEventError',
      message: expect.stringMatching(
        /^Not a Kinesis tumbling-window event \(window: .*TumblingWindowInSeconds\.$/,
      ),
    });
  });

  it('refuses, in one line, records whose sequence numbers are not Kinesis sequence numbers', async () => {
    // Prepare: a hand-made event (Kinesis numbers are decimal digits)
    const [first, second] = records(view('/a'), view('/b'));
    const made = [first, { ...second, kinesis: { ...second?.kinesis, sequenceNumber: 'seq-2' } }];

    // Act
    const invocation = invoke(made as KinesisStreamRecord[]);

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'NotAWindowEventError',
      message: expect.stringMatching(
        /^Not a Kinesis tumbling-window event \(Records\.1\.kinesis\.sequenceNumber: /,
      ),
    });
  });

  it('refuses a state it did not write instead of counting from a wrong start', async () => {
    // Act
    const invocation = invoke(records(view('/a')), { views: { '/a': -3 } } as unknown as WindowState);

    // Assess
    await expect(invocation).rejects.toThrow(/^The window state is not this function's: /);
  });
});

describe('page-view archiver (the Firehose transformation)', () => {
  const STREAM = { sourceStreamName: 'clickstream', deliveryStreamName: 'clickstream-archive' };

  const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

  it('turns each page view into one line of normalized, enriched JSON', async () => {
    // Prepare
    const arrivedAt = new Date('2026-12-05T10:01:03.120Z');
    const event = firehoseEvent(
      [
        {
          data: view('/Docs//Start/?utm=x', {
            userAgent: IPHONE,
            referrer: 'https://www.example.com/blog?x=1',
          }),
          arrivedAt,
          shardId: 'shardId-000000000001',
          sequenceNumber: '49590338271490256608559692538361571095921575989136589999',
        },
      ],
      STREAM,
    );

    // Act
    const result = await transform(event, context);

    // Assess
    const [record] = result.records;
    expect(record).toMatchObject({ recordId: event.records[0]?.recordId, result: 'Ok' });
    const text = decode(record?.data);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(text)).toEqual({
      page: '/docs/start',
      visitorId: 'v-42',
      occurredAt: '2026-12-05T10:01:02.345Z',
      device: 'mobile',
      referrerHost: 'www.example.com',
      receivedAt: arrivedAt.toISOString(),
      shardId: 'shardId-000000000001',
      sequenceNumber: '49590338271490256608559692538361571095921575989136589999',
    } satisfies ArchivedView);
  });

  it("drops bots' views and heartbeats, fails malformed records as they came, and answers every record once", async () => {
    // Prepare
    const event = firehoseEvent(
      [
        view('/a'),
        view('/a', { userAgent: GOOGLEBOT }),
        { type: 'heartbeat', visitorId: 'v-1' },
        '{"type":"page_view",',
        view('/b', { visitorId: 'not a visitor id' }),
        view('/c'),
      ],
      STREAM,
    );

    // Act
    const result = await transform(event, context);

    // Assess
    expect(result.records.map((record) => record.recordId)).toEqual(
      event.records.map((record) => record.recordId),
    );
    expect(result.records.map((record) => record.result)).toEqual([
      'Ok',
      'Dropped',
      'Dropped',
      'ProcessingFailed',
      'ProcessingFailed',
      'Ok',
    ]);
    expect(result.records[3]?.data).toBe(event.records[3]?.data);
    expect(result.records[4]?.data).toBe(event.records[4]?.data);
  });

  it('takes records put on the delivery stream directly too (no Kinesis metadata)', async () => {
    // Prepare
    const event = firehoseEvent([view('/a')], { deliveryStreamName: 'direct' });

    // Act
    const result = await transform(event, context);

    // Assess
    expect(JSON.parse(decode(result.records[0]?.data))).toMatchObject({
      page: '/a',
      shardId: null,
      sequenceNumber: null,
    });
  });

  it('refuses, in one line, a record whose arrival time is no time at all', async () => {
    // Prepare: a hand-made event (Firehose stamps epoch milliseconds)
    const event = firehoseEvent([view('/a'), view('/b')], { deliveryStreamName: 'direct' });
    const made = {
      ...event,
      records: [event.records[0], { ...event.records[1], approximateArrivalTimestamp: 1e20 }],
    };

    // Act
    const invocation = transform(made as FirehoseEvent, context);

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'NotATransformationEventError',
      message: expect.stringMatching(
        /^Not a Firehose transformation event \(records\.1\.approximateArrivalTimestamp: /,
      ),
    });
  });

  it('refuses, in one line, an event that is not from Firehose', async () => {
    // Prepare
    const notFirehose = { records: [] } as unknown as FirehoseEvent;

    // Act
    const invocation = transform(notFirehose, context);

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'NotATransformationEventError',
      message: expect.stringMatching(/^Not a Firehose transformation event \([^\n]+\)\.$/),
    });
  });
});

describe('aggregator settings', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['missing', undefined, /^AGGREGATES_TABLE_NAME is not set: the aggregates table name is required \(/],
    ['not a table name', 'page views', /^AGGREGATES_TABLE_NAME is "page views": a DynamoDB table name/],
  ])(
    'fails the cold start with one line naming AGGREGATES_TABLE_NAME when it is %s',
    async (_, value, line) => {
      // Prepare: a fresh execution environment whose table name is wrong
      vi.resetModules();
      vi.stubEnv('AGGREGATES_TABLE_NAME', value);

      // Act
      const coldStart = import('../src/handlers/consumer.ts');

      // Assess
      await expect(coldStart).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringMatching(line),
      });
      await expect(coldStart).rejects.not.toThrow(/\n/);
    },
  );
});
