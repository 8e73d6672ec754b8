import { type PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../src/clock.ts';
import { Destinations } from '../src/destinations.ts';
import type { ClientFactory, Invoke } from '../src/types.ts';

const aws = { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:4566' };

/** Stand-in SDK clients that keep the commands they are sent, by client class. */
function recordingClients(fail?: unknown) {
  const sent: { client: string; command: unknown }[] = [];
  const clients = ((Client: { name: string }) => ({
    send: async (command: unknown) => {
      sent.push({ client: Client.name, command });
      if (fail) throw fail;
      return {};
    },
    destroy() {},
  })) as unknown as ClientFactory;
  return { clients, sent };
}

function destinations(options: { fail?: unknown; invoke?: Invoke } = {}) {
  const { clients, sent } = recordingClients(options.fail);
  const invoked: Parameters<Invoke>[] = [];
  const invoke: Invoke =
    options.invoke ??
    (async (...args) => {
      invoked.push(args);
      return { requestId: 'r', statusCode: 202, executedVersion: '$LATEST' };
    });
  const clock = manualClock(Date.UTC(2026, 11, 4, 22, 0, 0));
  return { destinations: new Destinations({ aws, clock, clients, invoke }), sent, invoked };
}

function inputOf<C extends { input: object }>(command: unknown): Partial<C['input']> {
  return (command as C | undefined)?.input ?? {};
}

describe('destinations', () => {
  it('sends to a queue through the endpoint, with the dead-letter attributes, and records the delivery', async () => {
    // Prepare
    const { destinations: target, sent } = destinations();
    const attributes = { RequestID: { DataType: 'String' as const, StringValue: 'req-1' } };

    // Act
    await target.deliver('arn:aws:sqs:us-east-1:000000000000:orders-dlq', { orderId: 'o-1' }, attributes);

    // Assess
    expect(sent).toEqual([{ client: SQSClient.name, command: expect.any(SendMessageCommand) }]);
    expect(inputOf<SendMessageCommand>(sent[0]?.command)).toEqual({
      QueueUrl: 'http://127.0.0.1:4566/000000000000/orders-dlq',
      MessageBody: '{"orderId":"o-1"}',
      MessageAttributes: attributes,
    });
    expect(target.deliveries).toEqual([
      {
        destinationArn: 'arn:aws:sqs:us-east-1:000000000000:orders-dlq',
        service: 'sqs',
        payload: { orderId: 'o-1' },
        attributes,
        at: Date.UTC(2026, 11, 4, 22, 0, 0),
        outcome: 'delivered',
      },
    ]);
  });

  it('publishes to a topic, invokes a function asynchronously and writes an object to a bucket', async () => {
    // Prepare
    const { destinations: target, sent, invoked } = destinations();
    const seen: string[] = [];
    target.onDelivery((delivery) => seen.push(delivery.service));

    // Act
    await target.deliver('arn:aws:sns:us-east-1:000000000000:alerts', { n: 1 });
    await target.deliver('arn:aws:lambda:us-east-1:000000000000:function:audit', { n: 2 });
    await target.deliver('arn:aws:s3:::failures', { n: 3 });

    // Assess
    expect(inputOf<PublishCommand>(sent[0]?.command)).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
      Message: '{"n":1}',
    });
    expect(sent[0]?.client).toBe(SNSClient.name);
    expect(invoked).toEqual([
      [
        'arn:aws:lambda:us-east-1:000000000000:function:audit',
        '{"n":2}',
        { invocationType: 'Event', source: 'aws:lambda' },
      ],
    ]);
    expect(sent[1]?.client).toBe(S3Client.name);
    const put = inputOf<PutObjectCommand>(sent[1]?.command);
    expect(put.Bucket).toBe('failures');
    expect(put.Key).toMatch(/^aws\/lambda\/2026\/12\/04\/2026-12-04T22:00:00\.000Z-[0-9a-f-]{36}$/);
    expect(put.Body).toBe('{"n":3}');
    expect(seen).toEqual(['sns', 'lambda', 's3']);
  });

  it('records a delivery that failed, with why, and tells the caller', async () => {
    // Prepare
    const { destinations: target } = destinations({ fail: new Error('The specified queue does not exist.') });

    // Act
    const sending = target.deliver('arn:aws:sqs:us-east-1:000000000000:gone', { n: 1 });

    // Assess
    await expect(sending).rejects.toThrow(
      'Not delivered to arn:aws:sqs:us-east-1:000000000000:gone: The specified queue does not exist.',
    );
    expect(target.deliveries[0]).toMatchObject({
      outcome: 'failed',
      problem: 'The specified queue does not exist.',
    });
  });

  it('refuses a target of a service it does not deliver to, naming it', async () => {
    // Prepare
    const { destinations: target } = destinations();

    // Act
    const sending = target.deliver('arn:aws:states:us-east-1:000000000000:stateMachine:flow', {});

    // Assess
    await expect(sending).rejects.toThrow(/the local cloud does not deliver to states$/);
    expect(target.deliveries.map((delivery) => delivery.outcome)).toEqual(['failed']);
  });

  it('keeps only the most recent deliveries', async () => {
    // Prepare
    const { clients } = recordingClients();
    const target = new Destinations({
      aws,
      clock: manualClock(),
      clients,
      invoke: async () => ({ requestId: 'r', statusCode: 202, executedVersion: '$LATEST' }),
      maxRecords: 3,
    });

    // Act
    for (let n = 0; n < 5; n += 1) await target.deliver('arn:aws:sns:us-east-1:000000000000:t', { n });

    // Assess
    expect(target.deliveries.map((delivery) => delivery.payload)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
  });
});
