import { KinesisDataStreamSchema } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { KinesisFirehoseSchema } from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import { describe, expect, it } from 'vitest';
import {
  firehoseEvent,
  firehoseEventOf,
  firehoseResult,
  kinesisEvent,
  kinesisRecord,
  kinesisRecordOf,
  kinesisWindowEvent,
} from '../src/index.ts';
import { runEventCli } from './run-cli.ts';

describe('kinesisEvent', () => {
  it.each([
    ['the default stream', {}],
    [
      'another account, region and shard',
      {
        streamName: 'views',
        region: 'eu-west-1',
        accountId: '111122223333',
        shardId: 'shardId-000000000003',
      },
    ],
  ])('builds an event the Powertools Kinesis schema accepts, from %s', (_, stream) => {
    // Act
    const event = kinesisEvent(
      ['plain text', { page: '/home' }, { data: new Uint8Array([0, 255]), partitionKey: 'u-2' }],
      stream,
    );

    // Assess
    expect(KinesisDataStreamSchema.safeParse(event).success).toBe(true);
  });

  it('carries the data base64-encoded, objects as JSON, and arrival time in epoch seconds', () => {
    // Act
    const record = kinesisRecord({
      data: { page: '/home' },
      partitionKey: 'user-7',
      arrivedAt: new Date(1_545_084_650_987),
    });

    // Assess
    expect(Buffer.from(record.kinesis.data, 'base64').toString()).toBe('{"page":"/home"}');
    expect(record.kinesis.partitionKey).toBe('user-7');
    expect(record.kinesis.approximateArrivalTimestamp).toBe(1_545_084_650.987);
  });

  it('names the shard and sequence number in eventID, and the stream in eventSourceARN and awsRegion', () => {
    // Act
    const record = kinesisRecord('x', {
      streamName: 'views',
      region: 'eu-west-1',
      shardId: 'shardId-000000000006',
    });

    // Assess
    expect(record.eventID).toBe(`shardId-000000000006:${record.kinesis.sequenceNumber}`);
    expect(record.eventSourceARN).toBe('arn:aws:kinesis:eu-west-1:000000000000:stream/views');
    expect(record.awsRegion).toBe('eu-west-1');
    expect(record.eventName).toBe('aws:kinesis:record');
  });

  it('gives records increasing 56-digit sequence numbers', () => {
    // Act
    const { Records } = kinesisEvent(['a', 'b', 'c']);

    // Assess
    const numbers = Records.map((record) => BigInt(record.kinesis.sequenceNumber));
    expect(Records.every((record) => /^\d{56}$/.test(record.kinesis.sequenceNumber))).toBe(true);
    expect([...numbers].sort((a, b) => (a < b ? -1 : 1))).toEqual(numbers);
    expect(new Set(numbers).size).toBe(3);
  });

  it('builds the record of a stored one (what a poller reads), keeping base64 data as it is', () => {
    // Act
    const record = kinesisRecordOf(
      {
        shardId: 'shardId-000000000001',
        sequenceNumber: '42',
        partitionKey: 'k',
        data: 'aGk=',
        approximateArrivalTimestamp: new Date(2000),
      },
      'arn:aws:kinesis:us-east-1:123456789012:stream/s',
    );

    // Assess
    expect(record.kinesis.data).toBe('aGk=');
    expect(record.invokeIdentityArn).toBe('arn:aws:iam::123456789012:role/lambda-kinesis-role');
    expect(record.kinesis.approximateArrivalTimestamp).toBe(2);
  });
});

describe('kinesisWindowEvent', () => {
  it('adds the window in whole-second ISO times, the state, the shard and the final-invoke flags', () => {
    // Act
    const event = kinesisWindowEvent(
      [kinesisRecord('x')],
      {
        start: new Date('2020-12-09T07:04:00.000Z'),
        end: new Date('2020-12-09T07:06:00.000Z'),
        state: { '/home': 3 },
        isFinalInvokeForWindow: true,
      },
      { shardId: 'shardId-000000000006', eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' },
    );

    // Assess
    expect(KinesisDataStreamSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      window: { start: '2020-12-09T07:04:00Z', end: '2020-12-09T07:06:00Z' },
      state: { '/home': 3 },
      shardId: 'shardId-000000000006',
      isFinalInvokeForWindow: true,
      isWindowTerminatedEarly: false,
    });
  });
});

describe('firehoseEvent', () => {
  it.each([
    ['a Direct PUT delivery stream', {}],
    ['a Kinesis stream source', { sourceStreamName: 'clickstream', deliveryStreamName: 'to-s3' }],
  ])('builds an event the Powertools Firehose schema accepts, from %s', (_, stream) => {
    // Act
    const event = firehoseEvent(['text', { page: '/home' }], stream);

    // Assess
    expect(KinesisFirehoseSchema.safeParse(event).success).toBe(true);
  });

  it('adds kinesisRecordMetadata and the source stream only when a Kinesis stream is the source', () => {
    // Act
    const direct = firehoseEvent(['x']);
    const fromStream = firehoseEvent([{ data: 'x', partitionKey: 'u-1', shardId: 'shardId-000000000002' }], {
      sourceStreamName: 'clickstream',
    });

    // Assess
    expect(direct.sourceKinesisStreamArn).toBeUndefined();
    expect(direct.records[0]?.kinesisRecordMetadata).toBeUndefined();
    expect(fromStream.sourceKinesisStreamArn).toBe(
      'arn:aws:kinesis:us-east-1:000000000000:stream/clickstream',
    );
    expect(fromStream.records[0]?.kinesisRecordMetadata).toMatchObject({
      shardId: 'shardId-000000000002',
      partitionKey: 'u-1',
      subsequenceNumber: 0,
    });
  });

  it('gives every record its own id and the arrival time in epoch milliseconds', () => {
    // Act
    const event = firehoseEvent([{ data: 'a', arrivedAt: new Date(1_700_000_000_123) }, 'b']);

    // Assess
    expect(new Set(event.records.map((record) => record.recordId)).size).toBe(2);
    expect(event.records[0]?.approximateArrivalTimestamp).toBe(1_700_000_000_123);
    expect(event.region).toBe('us-east-1');
  });

  it('takes the region from the delivery stream ARN when built from buffered records', () => {
    // Act
    const event = firehoseEventOf({
      deliveryStreamArn: 'arn:aws:firehose:eu-west-1:1:deliverystream/d',
      records: [],
    });

    // Assess
    expect(event.region).toBe('eu-west-1');
  });
});

describe('firehoseResult', () => {
  it('encodes each Ok record’s data as base64 and keeps ids and results', () => {
    // Act
    const result = firehoseResult([
      { recordId: '1', result: 'Ok', data: '{"page":"/home"}\n' },
      { recordId: '2', result: 'Dropped' },
    ]);

    // Assess
    expect(result.records).toEqual([
      { recordId: '1', result: 'Ok', data: Buffer.from('{"page":"/home"}\n').toString('base64') },
      { recordId: '2', result: 'Dropped' },
    ]);
  });
});

describe('pnpm event kinesis', () => {
  it('prints a stream event with the given data, partition key, count and stream', async () => {
    // Act
    const { code, stdout } = await runEventCli(
      'kinesis',
      '--data',
      '{"page":"/a"}',
      '--partition-key',
      'u-1',
      '--count',
      '2',
      '--stream',
      'views',
    );

    // Assess
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(KinesisDataStreamSchema.safeParse(event).success).toBe(true);
    expect(event.Records).toHaveLength(2);
    expect(Buffer.from(event.Records[0].kinesis.data, 'base64').toString()).toBe('{"page":"/a"}');
    expect(event.Records[0].eventSourceARN).toMatch(/:stream\/views$/);
  });

  it('prints a tumbling-window invocation with --window', async () => {
    // Act
    const { code, stdout } = await runEventCli('kinesis', '--window', '60');

    // Assess
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(Date.parse(event.window.end) - Date.parse(event.window.start)).toBe(60_000);
    expect(event.state).toEqual({});
  });

  it('prints the Firehose transformation event with --firehose', async () => {
    // Act
    const { code, stdout } = await runEventCli('kinesis', '--firehose', '--delivery-stream', 'to-s3');

    // Assess
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(KinesisFirehoseSchema.safeParse(event).success).toBe(true);
    expect(event.deliveryStreamArn).toMatch(/deliverystream\/to-s3$/);
    expect(event.records[0].kinesisRecordMetadata).toBeDefined();
  });

  it.each([
    [['kinesis', '--count', '0'], /--count must be a whole number/],
    [['kinesis', '--shard', '7'], /--shard takes a shard id/],
    [['kinesis', '--window', '901'], /--window takes TumblingWindowInSeconds, 1 to 900/],
    [['kinesis', '--direct-put'], /go with --firehose/],
    [['kinesis', '--firehose', '--window', '60'], /--window is for stream events/],
  ])('explains bad input %j in one message, without a stack trace', async (args, message) => {
    // Act
    const { code, stdout, stderr } = await runEventCli(...args);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('prints its options with --help', async () => {
    // Act
    const { code, stdout } = await runEventCli('kinesis', '--help');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: pnpm event kinesis .*--firehose/s);
  });
});
