import { KinesisFirehoseSchema } from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import type { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../src/clock.ts';
import { DeliveryStream, type DeliveryStreamConfig, prefixOf } from '../src/firehose/delivery-stream.ts';
import type { ClientFactory, InvokeResult, TriggerNotice, TriggerServices } from '../src/types.ts';

interface TransformEvent {
  readonly invocationId: string;
  readonly records: { recordId: string; data: string; approximateArrivalTimestamp: number }[];
}

type Transform = (event: TransformEvent) => unknown;

/** A delivery stream whose transformation is `transform` (its answer, or a thrown error) and whose bucket is a list. */
function deliveryStream(options: { transform?: Transform; config?: Partial<DeliveryStreamConfig> } = {}) {
  const clock = manualClock(Date.UTC(2026, 2, 7, 9, 30));
  const objects: { key: string; body: string }[] = [];
  const events: TransformEvent[] = [];
  const notices: TriggerNotice[] = [];
  const invoke: TriggerServices['invoke'] = async (_name, payload) => {
    const event = JSON.parse(payload) as TransformEvent;
    events.push(event);
    const result: InvokeResult = { requestId: 'r', statusCode: 200, executedVersion: '$LATEST' };
    try {
      return { ...result, payload: JSON.stringify(options.transform?.(event)) };
    } catch (error) {
      return {
        ...result,
        functionError: 'Unhandled',
        payload: JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message }),
      };
    }
  };
  // The bucket: what PutObject would store.
  const clients = (() => ({
    async send(command: PutObjectCommand) {
      objects.push({
        key: command.input.Key ?? '',
        body: Buffer.from(command.input.Body as Buffer).toString(),
      });
      return {};
    },
    destroy() {},
  })) as unknown as ClientFactory;
  const triggers = {
    aws: { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:1' },
    clock,
    invoke,
    emulatorUrl: () => undefined,
    warn: () => {},
    notice: (notice: TriggerNotice) => notices.push(notice),
    deliver: async () => {},
  } satisfies TriggerServices;
  const stream = new DeliveryStream(
    {
      name: 'clicks',
      arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/clicks',
      type: 'DirectPut',
      bucketName: 'lake',
      bucketArn: 'arn:aws:s3:::lake',
      prefix: 'views/!{timestamp:yyyy/MM/dd}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
      bufferSizeBytes: 1024 * 1024,
      bufferIntervalSeconds: 60,
      compression: 'UNCOMPRESSED',
      ...(options.transform && {
        processor: {
          lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:transform',
          retries: 3,
          bufferSizeBytes: 1024 * 1024,
        },
      }),
      createdAt: clock.now(),
      ...options.config,
    },
    { triggers, clients },
  );
  const put = (...texts: string[]) => stream.put(texts.map((text) => Buffer.from(text)));
  return { stream, clock, objects, events, notices, put };
}

const ok = (text: string) => Buffer.from(text).toString('base64');

/** Upper-cases each record and adds a newline; "bot" records are dropped, "bad" ones fail. */
const upperCase: Transform = (event) => ({
  records: event.records.map((record) => {
    const text = Buffer.from(record.data, 'base64').toString();
    if (text.includes('bot')) return { recordId: record.recordId, result: 'Dropped' };
    if (text.includes('bad'))
      return { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    return { recordId: record.recordId, result: 'Ok', data: ok(`${text.toUpperCase()}\n`) };
  }),
});

describe('a Firehose delivery stream', () => {
  it('holds records until the buffer interval passes, then writes them as one object, concatenated as they are', async () => {
    // Prepare
    const { stream, clock, objects, put } = deliveryStream();
    put('{"a":1}', '{"b":2}');

    // Act
    await clock.advance(59_000);
    const before = objects.length;
    await clock.advance(1000);
    await stream.flush();

    // Assess: no newline added between records (Firehose adds none)
    expect(before).toBe(0);
    expect(objects.map((object) => object.body)).toEqual(['{"a":1}{"b":2}']);
    expect(objects[0]?.key).toMatch(/^views\/2026\/03\/07\/clicks-1-2026-03-07-09-31-00-[0-9a-f-]{36}$/);
  });

  it('flushes at once when the buffer reaches its size', async () => {
    // Prepare
    const { stream, objects, put } = deliveryStream({ config: { bufferSizeBytes: 10 } });

    // Act
    put('12345', '67890');
    await stream.flush();

    // Assess
    expect(objects.map((object) => object.body)).toEqual(['1234567890']);
  });

  it('writes a flush of 200,000 small records as one object', async () => {
    // Prepare
    const { stream, objects, put } = deliveryStream({ config: { bufferSizeBytes: 64 * 1024 * 1024 } });
    for (let batch = 0; batch < 400; batch += 1) put(...Array.from({ length: 500 }, () => 'r'));

    // Act
    await stream.flush();

    // Assess
    expect(objects).toHaveLength(1);
    expect(objects[0]?.body).toHaveLength(200_000);
  });

  it('sends the transformation Firehose’s event and keeps Ok data, leaves Dropped out and files ProcessingFailed as error records', async () => {
    // Prepare
    const { stream, objects, events, put } = deliveryStream({ transform: upperCase });
    put('hello', 'a bot', 'bad data', 'world');

    // Act
    await stream.flush();

    // Assess
    expect(KinesisFirehoseSchema.safeParse(events[0]).success).toBe(true);
    const [delivered, failed] = objects;
    expect(delivered?.key).toMatch(/^views\/2026\/03\/07\//);
    expect(delivered?.body).toBe('HELLO\nWORLD\n');
    expect(failed?.key).toMatch(/^errors\/processing-failed\/2026\/03\/07\/clicks-1-/);
    const errorRecords = (failed?.body ?? '')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(errorRecords).toEqual([
      {
        attemptsMade: 1,
        arrivalTimestamp: Date.UTC(2026, 2, 7, 9, 30),
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'ProcessingFailed status set for record',
        attemptEndingTimestamp: expect.any(Number),
        rawData: ok('bad data'),
        lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:transform',
      },
    ]);
    expect(stream.state()).toMatchObject({ delivered: 2, dropped: 1, failed: 1, invocations: 1 });
  });

  it.each<[string, Transform, string]>([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
      'Lambda.FunctionError',
    ],
    [
      'leaves a record out',
      (event) => ({
        records: event.records.slice(1).map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
      }),
      'Lambda.MissingRecordId',
    ],
    [
      'answers an id twice',
      (event) => ({
        records: [...event.records, ...event.records].map((r) => ({
          recordId: r.recordId,
          result: 'Ok',
          data: r.data,
        })),
      }),
      'Lambda.DuplicatedRecordId',
    ],
    [
      'answers an id it was not given',
      (event) => ({
        records: [
          ...event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
          { recordId: 'x', result: 'Ok', data: '' },
        ],
      }),
      'Lambda.MissingRecordId',
    ],
    [
      'gives an unknown result',
      (event) => ({
        records: event.records.map((r) => ({ recordId: r.recordId, result: 'Maybe', data: r.data })),
      }),
      'Lambda.InvalidRecordResult',
    ],
    [
      'gives Ok without base64 data',
      (event) => ({
        records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: 'not base64!' })),
      }),
      'Lambda.InvalidReturnedDataFormat',
    ],
    ['answers without records', () => ({ items: [] }), 'Lambda.JsonProcessingException'],
  ])(
    'retries a transformation that %s NumberOfRetries times, then files every record under the error prefix',
    async (_, transform, errorCode) => {
      // Prepare
      const { stream, clock, objects, events, notices, put } = deliveryStream({ transform });
      put('one', 'two');

      // Act: the retries wait on the cloud's clock
      const flushed = stream.flush();
      for (let step = 0; step < 5; step += 1) await clock.advance(5000);
      await flushed;

      // Assess: 1 + 3 attempts, nothing delivered, both records as error records
      expect(events).toHaveLength(4);
      expect(new Set(events.flatMap((event) => event.records.map((record) => record.recordId))).size).toBe(2);
      expect(objects).toHaveLength(1);
      const records = (objects[0]?.body ?? '')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(
        records.map((record) => [
          record.errorCode,
          record.attemptsMade,
          Buffer.from(record.rawData, 'base64').toString(),
        ]),
      ).toEqual([
        [errorCode, 4, 'one'],
        [errorCode, 4, 'two'],
      ]);
      expect(notices.map((notice) => notice.kind)).toEqual(['retry', 'retry', 'retry', 'dead-letter']);
    },
  );
});

describe('Firehose prefixes', () => {
  const time = Date.UTC(2026, 0, 2, 3, 4, 5);

  it.each([
    ['views/!{timestamp:yyyy/MM/dd}/', undefined, 'views/2026/01/02/'],
    [
      'errors/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd-HH}/',
      'processing-failed',
      'errors/processing-failed/2026-01-02-03/',
    ],
    ['plain/', undefined, 'plain/2026/01/02/03/'],
    ['', undefined, '2026/01/02/03/'],
  ])('evaluates %s', (prefix, errorType, expected) => {
    // Act
    const evaluated = prefixOf(prefix, time, errorType);

    // Assess
    expect(evaluated).toBe(expected);
  });
});
