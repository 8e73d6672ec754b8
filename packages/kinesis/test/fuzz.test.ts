/**
 * Malformed records by the thousand, through both handlers: neither ever throws over a record, and each bad
 * record is answered for (reported to Lambda by its sequence number, marked ProcessingFailed for Firehose)
 * while the valid records around it keep their fate.
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { firehoseEvent, kinesisRecord, kinesisWindowEvent, streamArn } from '@triggers/events';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as consume } from '../src/handlers/consumer.ts';
import { handler as transform } from '../src/handlers/transform.ts';

const context = { functionName: 'fuzz', awsRequestId: 'request-1' } as Context;
const dynamo = mockClient(DynamoDBDocumentClient);
const SHARD = { shardId: 'shardId-000000000000', eventSourceARN: streamArn() };
const MINUTE = { start: new Date('2026-12-05T10:01:00Z'), end: new Date('2026-12-05T10:02:00Z') };
const RUNS = 1_000;

const valid = (page: string) => ({
  type: 'page_view',
  page,
  visitorId: 'v-1',
  occurredAt: '2026-12-05T10:01:02Z',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
});

/** A field of a valid view set to something it must not be. */
const brokenField = fc.oneof(
  fc.record({
    key: fc.constant('type'),
    value: fc.oneof(
      fc.string().filter((type) => type !== 'page_view' && type !== 'heartbeat'),
      fc.integer(),
      fc.constant(null),
    ),
  }),
  fc.record({
    key: fc.constant('page'),
    value: fc.oneof(
      fc.string().filter((page) => !/^\/\S*$/.test(page)),
      fc.constant(`/${'x'.repeat(3000)}`),
      fc.integer(),
      fc.constant(null),
    ),
  }),
  fc.record({
    key: fc.constant('visitorId'),
    value: fc.oneof(
      fc.string().filter((id) => !/^[A-Za-z0-9_-]{1,128}$/.test(id)),
      fc.array(fc.string(), { maxLength: 2 }),
    ),
  }),
  fc.record({
    key: fc.constant('occurredAt'),
    value: fc.oneof(
      fc.string({ maxLength: 30 }).filter((text) => Number.isNaN(Date.parse(text)) || !text.includes('T')),
      fc.integer(),
      fc.constant('2026-13-45T99:99:99Z'),
    ),
  }),
  fc.record({ key: fc.constant('userAgent'), value: fc.oneof(fc.integer(), fc.constant('x'.repeat(2000))) }),
);

/** Bytes no producer of page views should send: broken fields, other JSON, truncated JSON, binary, invalid UTF-8. */
const malformed: fc.Arbitrary<Uint8Array> = fc.oneof(
  brokenField.map(({ key, value }) => Buffer.from(JSON.stringify({ ...valid('/p'), [key]: value }))),
  fc
    .constantFrom('type', 'page', 'visitorId', 'occurredAt')
    .map((key) => Buffer.from(JSON.stringify({ ...valid('/p'), [key]: undefined }))),
  fc
    .jsonValue({ maxDepth: 3 })
    .map((value) => JSON.stringify(value))
    .filter((text) => !text.includes('page_view') && !text.includes('heartbeat'))
    .map((text) => Buffer.from(text)),
  fc.nat({ max: 120 }).map((cut) => Buffer.from(JSON.stringify(valid('/p')).slice(0, cut))),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).filter((bytes) => bytes[0] !== 0x7b), // not even an object
  fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), // {"\xff\xfe":1}, invalid UTF-8
);

describe('fuzzing the consumer with malformed records', () => {
  beforeEach(() => {
    dynamo.reset();
    dynamo.on(PutCommand).resolves({});
  });

  it(`reports each of ${RUNS} malformed records by its sequence number, never throwing, counting only what came before`, async () => {
    await fc.assert(
      fc.asyncProperty(malformed, async (bad) => {
        // Prepare
        const batch = [valid('/before'), bad, valid('/after')].map((data) =>
          kinesisRecord({ data }, { shardId: SHARD.shardId }),
        );

        // Act
        const response = await consume(kinesisWindowEvent(batch, { ...MINUTE, state: {} }, SHARD), context);

        // Assess
        expect(response.batchItemFailures).toEqual([{ itemIdentifier: batch[1]?.kinesis.sequenceNumber }]);
        expect(response.state).toMatchObject({ views: { '/before': 1 } });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing the Firehose transformation with malformed records', () => {
  it(`marks each of ${RUNS} malformed records ProcessingFailed with its data as it came, never throwing`, async () => {
    await fc.assert(
      fc.asyncProperty(malformed, async (bad) => {
        // Prepare
        const event = firehoseEvent([valid('/before'), { data: bad }, valid('/after')], {
          sourceStreamName: 'clickstream',
        });

        // Act
        const result = await transform(event, context);

        // Assess
        expect(result.records.map((record) => [record.recordId, record.result])).toEqual([
          [event.records[0]?.recordId, 'Ok'],
          [event.records[1]?.recordId, 'ProcessingFailed'],
          [event.records[2]?.recordId, 'Ok'],
        ]);
        expect(result.records[1]?.data).toBe(event.records[1]?.data);
      }),
      { numRuns: RUNS },
    );
  });
});
