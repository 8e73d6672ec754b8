import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { scaledClock } from '../src/clock.ts';
import { type FauxqsEmulator, startFauxqs } from '../src/emulators/fauxqs.ts';
import { LambdaService } from '../src/lambda/service.ts';
import { LogStore } from '../src/logs/store.ts';
import { queueDepth } from '../src/testing/queues.ts';
import { SqsPoller, withinPayloadLimit } from '../src/triggers/sqs.ts';
import type { AwsContext, SqsEventSourceConfig, TriggerNotice } from '../src/types.ts';
import { fixtureFunction } from './fixtures/function-config.ts';

interface Record {
  readonly messageId: string;
  readonly body: string;
  readonly [key: string]: unknown;
}

describe('SqsPoller', { timeout: 20_000 }, () => {
  let fauxqs: FauxqsEmulator;
  let sqs: SQSClient;
  let lambda: LambdaService;
  let aws: AwsContext;
  let queueCount = 0;
  const pollers: SqsPoller[] = [];

  beforeAll(async () => {
    fauxqs = await startFauxqs(); // on 127.0.0.1, as the local cloud runs it
    const endpoint = fauxqs.url;
    aws = { region: 'us-east-1', accountId: '000000000000', endpoint };
    sqs = new SQSClient({
      endpoint,
      region: aws.region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    lambda = new LambdaService({ aws, logs: new LogStore(), deliver: async () => {} });
    lambda.createFunction(fixtureFunction('batch'));
    lambda.createFunction(fixtureFunction('echo'));
  });

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  });

  afterAll(async () => {
    await lambda.stop();
    sqs.destroy();
    await fauxqs.stop();
  });

  /** A queue whose failed messages come back after 1 s (by default) and go to its DLQ after two receives. */
  async function createQueues(visibilityTimeoutSeconds = 1) {
    queueCount += 1;
    const dlq = await createQueue(`dlq-${queueCount}`, {});
    const queue = await createQueue(`work-${queueCount}`, {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 2 }),
    });
    return { queue, dlq };
  }

  async function createQueue(name: string, attributes: { [name: string]: string }) {
    const { QueueUrl: queueUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { queueUrl, queueArn: Attributes.QueueArn ?? '' };
  }

  function startPoller(
    queue: { queueUrl: string; queueArn: string },
    overrides: Partial<SqsEventSourceConfig> = {},
    onError?: (message: string) => void,
    onNotice?: (notice: TriggerNotice) => void,
  ): SqsPoller {
    const poller = new SqsPoller(
      {
        uuid: `mapping-${queueCount}`,
        functionName: 'batch',
        sourceArn: queue.queueArn,
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: true,
        filterPatterns: [],
        enabled: true,
        ...overrides,
      },
      {
        aws,
        clock: scaledClock(),
        invoke: (name, payload, options) => lambda.invoke(name, payload, options),
        emulatorUrl: () => fauxqs.url,
        queueUrl: queue.queueUrl,
        warn: onError ?? (() => {}),
        notice: onNotice ?? (() => {}),
        deliver: async () => {},
      },
    );
    pollers.push(poller);
    poller.start();
    return poller;
  }

  async function send(queueUrl: string, bodies: readonly unknown[]): Promise<void> {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({
          Id: String(index),
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        })),
      }),
    );
  }

  /** The records each invocation of the mapping's function got, for messages of this queue. */
  function batchesFor(queueArn: string): Record[][] {
    return lambda.invocations
      .map((invocation) => (invocation.event as { Records?: Record[] }).Records ?? [])
      .filter((records) => records.some((record) => record.eventSourceARN === queueArn));
  }

  function invocationsOf(queueArn: string, id: string): number {
    return batchesFor(queueArn)
      .flat()
      .filter((record) => JSON.parse(record.body).id === id).length;
  }

  async function drain(queueUrl: string, expected: number): Promise<string[]> {
    const bodies: string[] = [];
    await vi.waitFor(
      async () => {
        const output = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        bodies.push(...(output.Messages ?? []).map((message) => message.Body ?? ''));
        if (bodies.length < expected) throw new Error(`${bodies.length} of ${expected} messages so far`);
      },
      { timeout: 15_000, interval: 10 },
    );
    return bodies;
  }

  function eventually<T>(check: () => T | Promise<T>): Promise<T> {
    return vi.waitFor(check, { timeout: 10_000, interval: 20 });
  }

  it('deletes the successes of a partial failure and lets the failed message reach the DLQ after maxReceiveCount', async () => {
    // Prepare: 3 s of visibility, so a slow cold start does not hand the successes back before they are deleted
    const { queue, dlq } = await createQueues(3);
    startPoller(queue);

    // Act
    await send(queue.queueUrl, [{ id: 'ok-1' }, { id: 'bad', fail: true }, { id: 'ok-2' }]);

    // Assess
    const deadLettered = await drain(dlq.queueUrl, 1);
    expect(deadLettered.map((body) => JSON.parse(body).id)).toEqual(['bad']);
    expect(invocationsOf(queue.queueArn, 'bad')).toBe(2);
    expect(invocationsOf(queue.queueArn, 'ok-1')).toBe(1);
    expect(invocationsOf(queue.queueArn, 'ok-2')).toBe(1);
    expect(await queueDepth(sqs, queue.queueUrl)).toBe(0);
  });

  it('tells of each failed receive with its count and visibility, and of the move to the DLQ after the last', async () => {
    // Prepare: maxReceiveCount 2, failed messages back after 1 s
    const { queue, dlq } = await createQueues(1);
    const notices: TriggerNotice[] = [];
    startPoller(queue, {}, undefined, (notice) => notices.push(notice));

    // Act
    await send(queue.queueUrl, [{ id: 'ok' }, { id: 'poison', fail: true }]);
    await drain(dlq.queueUrl, 1);

    // Assess: one line per failed receive of the poison message, none for the one that succeeded
    const dlqName = dlq.queueArn.split(':').pop();
    expect(notices.map(({ kind, message }) => ({ kind, message }))).toEqual([
      { kind: 'retry', message: 'receive 1 of 2 failed: visible again in 1 s' },
      { kind: 'dead-letter', message: `last receive (2 of 2) failed: moves to the DLQ ${dlqName} in 1 s` },
    ]);
    expect(notices[0]).toMatchObject({ functionName: 'batch', source: 'aws:sqs' });
  });

  it('retries the whole batch when the function throws', async () => {
    // Prepare
    const { queue, dlq } = await createQueues();
    await send(queue.queueUrl, [{ id: 'a' }, { id: 'b', throw: true }, { id: 'c' }]);

    // Act
    startPoller(queue);

    // Assess
    const deadLettered = await drain(dlq.queueUrl, 3);
    expect(deadLettered.map((body) => JSON.parse(body).id).sort()).toEqual(['a', 'b', 'c']);
    for (const id of ['a', 'b', 'c']) expect(invocationsOf(queue.queueArn, id)).toBe(2);
  });

  it('fails the whole batch when the function reports an id that is not in it', async () => {
    // Prepare
    const { queue, dlq } = await createQueues();
    await send(queue.queueUrl, [{ id: 'x' }, { id: 'y', unknownId: true }]);

    // Act
    startPoller(queue);

    // Assess
    const deadLettered = await drain(dlq.queueUrl, 2);
    expect(deadLettered.map((body) => JSON.parse(body).id).sort()).toEqual(['x', 'y']);
  });

  it('deletes every message of a successful batch when item failures are not reported', async () => {
    // Prepare: a 30 s visibility timeout, so an undeleted message would still be on the queue, not in the DLQ
    const { queue, dlq } = await createQueues(30);
    startPoller(queue, { reportBatchItemFailures: false });

    // Act
    await send(queue.queueUrl, [{ id: 'p' }, { id: 'q', fail: true }]);

    // Assess
    await eventually(() => expect(invocationsOf(queue.queueArn, 'q')).toBe(1));
    await eventually(async () => expect(await queueDepth(sqs, queue.queueUrl)).toBe(0));
    expect(await queueDepth(sqs, dlq.queueUrl)).toBe(0);
  });

  it('deletes messages no filter matches without invoking the function', async () => {
    // Prepare: a 30 s visibility timeout, so an undeleted message would still be on the queue, not in the DLQ
    const { queue, dlq } = await createQueues(30);
    startPoller(queue, { filterPatterns: [{ body: { type: ['order'] } }, { body: [{ prefix: 'urgent' }] }] });

    // Act
    await send(queue.queueUrl, [
      { id: 'wanted', type: 'order' },
      { id: 'unwanted', type: 'refund' },
      'plain text',
      'urgent text',
    ]);

    // Assess
    await eventually(async () => expect(await queueDepth(sqs, queue.queueUrl)).toBe(0));
    const bodies = batchesFor(queue.queueArn)
      .flat()
      .map((record) => record.body);
    expect(bodies.sort()).toEqual(['urgent text', JSON.stringify({ id: 'wanted', type: 'order' })].sort());
    expect(await queueDepth(sqs, dlq.queueUrl)).toBe(0);
  });

  it('invokes with at most batchSize records', async () => {
    // Prepare
    const { queue } = await createQueues();
    await send(
      queue.queueUrl,
      ['1', '2', '3', '4', '5'].map((id) => ({ id })),
    );

    // Act
    startPoller(queue, { batchSize: 2 });

    // Assess
    await eventually(() => expect(batchesFor(queue.queueArn).flat()).toHaveLength(5));
    expect(batchesFor(queue.queueArn).every((records) => records.length <= 2)).toBe(true);
  });

  it('gathers messages sent one by one into one batch within the batching window', async () => {
    // Prepare: a window wide enough for three sends on a busy machine
    const { queue } = await createQueues(30);
    startPoller(queue, { maximumBatchingWindowSeconds: 3, maximumConcurrency: 1 });

    // Act
    for (const id of ['w1', 'w2', 'w3']) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify({ id }) }),
      );
    }

    // Assess
    await eventually(() => expect(batchesFor(queue.queueArn)).toHaveLength(1));
    expect(batchesFor(queue.queueArn)[0]?.map((record) => JSON.parse(record.body).id)).toEqual([
      'w1',
      'w2',
      'w3',
    ]);
  });

  it('hands the function records in the SQS event shape', async () => {
    // Prepare
    const { queue } = await createQueues();
    startPoller(queue, { functionName: 'echo' });

    // Act
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        MessageBody: 'hello',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'greeting' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('bytes') },
        },
      }),
    );

    // Assess
    await eventually(() => expect(batchesFor(queue.queueArn)).toHaveLength(1));
    const [record] = batchesFor(queue.queueArn)[0] ?? [];
    expect(record).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: 'hello',
      attributes: expect.objectContaining({
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      }),
      messageAttributes: {
        kind: { stringValue: 'greeting', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: {
          binaryValue: Buffer.from('bytes').toString('base64'),
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      eventSource: 'aws:sqs',
      eventSourceARN: queue.queueArn,
      awsRegion: 'us-east-1',
    });
  });

  it.each([
    ['a standard queue', false],
    ['a FIFO queue', true],
  ])("hands the function records Powertools' SQS schema accepts, from %s", async (_, fifo) => {
    // Prepare
    queueCount += 1;
    const queue = fifo
      ? await createQueue(`schema-${queueCount}.fifo`, {
          FifoQueue: 'true',
          ContentBasedDeduplication: 'true',
        })
      : await createQueue(`schema-${queueCount}`, {});
    startPoller(queue, { functionName: 'echo' });

    // Act
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        MessageBody: '{"orderId":"o-1"}',
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acme' },
          count: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('bytes') },
        },
        ...(fifo && { MessageGroupId: 'customer-7' }),
      }),
    );

    // Assess
    await eventually(() => expect(batchesFor(queue.queueArn)).toHaveLength(1));
    const parsed = SqsSchema.safeParse({ Records: batchesFor(queue.queueArn)[0] });
    expect(parsed.error?.issues ?? []).toEqual([]);
    if (fifo) expect(parsed.data?.Records[0]?.attributes.MessageGroupId).toBe('customer-7');
  });

  it('does nothing when the mapping is disabled', async () => {
    // Prepare
    const { queue } = await createQueues();
    startPoller(queue, { enabled: false });

    // Act
    await send(queue.queueUrl, [{ id: 'idle' }]);

    // Assess
    const left = await drain(queue.queueUrl, 1);
    expect(left.map((body) => JSON.parse(body).id)).toEqual(['idle']);
    expect(batchesFor(queue.queueArn)).toHaveLength(0);
  });

  it('says once, not every second, that it cannot poll a queue that is gone', async () => {
    // Prepare
    const { queue } = await createQueues();
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.queueUrl }));
    const errors: string[] = [];

    // Act: a few failed polls (one a second)
    startPoller(queue, {}, (message) => errors.push(message));
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^The SQS mapping of batch cannot receive from http:\S+work-\d+: /);
  });
});

describe('an SQS batch and the 6 MB payload limit', () => {
  const record = (id: string, body: string) =>
    ({
      messageId: id,
      receiptHandle: `rh-${id}`,
      body,
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:big',
      awsRegion: 'us-east-1',
    }) as const;

  it('splits ten 1 MiB messages into invocations of at most 6 MB each, in order, losing none', () => {
    // Prepare
    const records = Array.from({ length: 10 }, (_, n) => record(`m-${n}`, 'x'.repeat(1_048_000)));

    // Act
    const batches = withinPayloadLimit(records);

    // Assess
    expect(batches.map((batch) => batch.length)).toEqual([6, 4]);
    expect(batches.flat().map((each) => each.messageId)).toEqual(records.map((each) => each.messageId));
    for (const batch of batches) {
      expect(Buffer.byteLength(JSON.stringify({ Records: batch }))).toBeLessThanOrEqual(6_291_456);
    }
  });

  it('keeps a batch of small messages whole', () => {
    // Prepare
    const records = Array.from({ length: 10 }, (_, n) => record(`m-${n}`, '{"orderId":"o-1"}'));

    // Act, Assess
    expect(withinPayloadLimit(records)).toEqual([records]);
  });
});
