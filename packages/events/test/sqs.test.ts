import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { describe, expect, it } from 'vitest';
import { sqsEvent, sqsRecord } from '../src/index.ts';
import { runEventCli } from './run-cli.ts';

describe('sqsEvent', () => {
  it.each([
    ['a standard queue', { queueName: 'orders' }],
    ['a FIFO queue', { queueName: 'orders.fifo' }],
    ['another account and region', { queueName: 'jobs', region: 'eu-west-1', accountId: '111122223333' }],
  ])('builds an event the Powertools SQS schema accepts, from %s', (_, queue) => {
    // Act
    const event = sqsEvent(
      ['plain text', { orderId: 'o-1' }, { body: 'x', messageAttributes: { tenant: 'acme', n: 3 } }],
      queue,
    );

    // Assess
    expect(SqsSchema.safeParse(event).success).toBe(true);
  });

  it('keeps ARNs, regions and queue names consistent', () => {
    // Act
    const record = sqsRecord('hello', { queueName: 'jobs', region: 'eu-west-1', accountId: '111122223333' });

    // Assess
    expect(record.eventSourceARN).toBe('arn:aws:sqs:eu-west-1:111122223333:jobs');
    expect(record.awsRegion).toBe('eu-west-1');
    expect(record.eventSource).toBe('aws:sqs');
  });

  it('sends objects as JSON and digests the body as SQS does', () => {
    // Act
    const record = sqsRecord({ orderId: 'o-1' });

    // Assess
    expect(record.body).toBe('{"orderId":"o-1"}');
    expect(record.md5OfBody).toBe('d43159842a6911108856bdc9a0a71621');
  });

  it('gives each record a distinct message id and receipt handle', () => {
    // Act
    const { Records } = sqsEvent(['a', 'b', 'c']);

    // Assess
    expect(new Set(Records.map((r) => r.messageId)).size).toBe(3);
    expect(new Set(Records.map((r) => r.receiptHandle)).size).toBe(3);
  });

  it('adds group id, sequence number and deduplication id on FIFO queues only', () => {
    // Act
    const fifo = sqsRecord({ body: 'x', messageGroupId: 'customer-7' }, { queueName: 'orders.fifo' });
    const standard = sqsRecord('x');

    // Assess
    expect(fifo.attributes).toMatchObject({
      MessageGroupId: 'customer-7',
      SequenceNumber: expect.stringMatching(/^\d+$/),
    });
    // content-based deduplication: the SHA-256 of the body
    expect(fifo.attributes.MessageDeduplicationId).toBe(
      '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
    );
    expect(standard.attributes.MessageGroupId).toBeUndefined();
  });

  it('types message attributes and digests them in name order', () => {
    // Act
    const record = sqsRecord({ body: 'x', messageAttributes: { b: 2, a: 'one', c: new Uint8Array([1, 2]) } });

    // Assess
    expect(record.messageAttributes.a).toEqual({
      stringValue: 'one',
      stringListValues: [],
      binaryListValues: [],
      dataType: 'String',
    });
    expect(record.messageAttributes.b?.dataType).toBe('Number');
    expect(record.messageAttributes.c).toMatchObject({ binaryValue: 'AQI=', dataType: 'Binary' });
    // The digest an SQS implementation (the fauxqs emulator) returned for these attributes.
    expect(record.md5OfMessageAttributes).toBe('5d9bf114d8777157fbacf4cfd98abfed');
  });

  it('sends an object with a body field of its own as the body, not as options', () => {
    // Act
    const record = sqsRecord({ body: 'note', author: 'ann' });

    // Assess
    expect(record.body).toBe('{"body":"note","author":"ann"}');
  });

  it('records how many times a message was received', () => {
    // Act
    const record = sqsRecord({ body: 'x', receiveCount: 3 });

    // Assess
    expect(record.attributes.ApproximateReceiveCount).toBe('3');
  });
});

describe('pnpm event', () => {
  const run = runEventCli;

  it('prints an SQS event with the given body, count and queue', async () => {
    // Act
    const { code, stdout } = await run(
      'sqs',
      '--body',
      '{"orderId":"o-1"}',
      '--count',
      '3',
      '--queue',
      'jobs',
    );

    // Assess
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(SqsSchema.safeParse(event).success).toBe(true);
    expect(event.Records).toHaveLength(3);
    expect(event.Records[0].body).toBe('{"orderId":"o-1"}');
    expect(event.Records[0].eventSourceARN).toMatch(/:jobs$/);
  });

  it.each([
    [['kafka'], /Unknown event source "kafka"\. Known: sqs/],
    [['sqs', '--count', 'lots'], /--count must be a whole number/],
    [['sqs', '--colour', 'red'], /Unknown option '--colour'/],
    [['sqs', '--attribute', 'novalue'], /--attribute takes NAME=VALUE/],
  ])('explains bad input %j in one message, without a stack trace', async (args, message) => {
    // Act
    const { code, stdout, stderr } = await run(...args);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('pnpm event <source> --help', () => {
  it.each(['sqs', 's3', 'api-gateway'])('prints the options of %s and exits 0', async (source) => {
    // Act
    const { code, stdout } = await runEventCli(source, '--help');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: pnpm event ${source} `));
  });
});
