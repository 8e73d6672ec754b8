/**
 * End to end in the local cloud: the synthesized SqsStack (template and real bundle) deployed onto fauxqs and
 * DynamoDB Local, driven with real messages, judged by what lands in the table and the DLQ. The cloud's clock runs
 * 50 times faster, so each failed message's 60 s visibility timeout passes in about a second.
 */
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '@triggers/local-cloud';
import { deployLocally, type LocalDeployment, queueDepth, waitFor } from '@triggers/local-cloud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../src/order.ts';
import { SqsStack } from '../src/stack.ts';

const MAX_RECEIVE_COUNT = 3;

describe('SqsStack in the local cloud', () => {
  let deployment: LocalDeployment;
  let cloud: LocalCloud;
  let outputs: Readonly<Record<string, string>>;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    deployment = await deployLocally(
      (app) => new SqsStack(app, 'Triggers-Sqs', { integration: { maxReceiveCount: MAX_RECEIVE_COUNT } }),
      { timeScale: 0.02 },
    );
    ({ cloud, outputs } = deployment);
    sqs = deployment.client(SQSClient);
    dynamodb = deployment.client(DynamoDBClient);
  }, 120_000);

  afterAll(async () => {
    await deployment?.stop();
  });

  it('stores every valid order exactly once and dead-letters every poison message, losing nothing', async () => {
    // Prepare: 1,000 messages — 900 distinct orders, 50 of them sent twice, and 50 poison messages
    const order = (n: number): Order => ({
      orderId: `o-${n}`,
      customerId: `c-${n % 17}`,
      currency: 'EUR',
      items: [{ sku: `sku-${n % 5}`, quantity: 1 + (n % 3), unitPrice: 9.99 }],
    });
    const bodies = [
      ...Array.from({ length: 900 }, (_, n) => JSON.stringify(order(n))),
      ...Array.from({ length: 50 }, (_, n) => JSON.stringify(order(n * 7))),
      ...Array.from({ length: 25 }, (_, n) => `not json ${n}`),
      ...Array.from({ length: 25 }, (_, n) => JSON.stringify({ ...order(2000 + n), items: [] })),
    ];
    const poison = new Set(
      bodies.filter((body) => body.startsWith('not json') || body.includes('"items":[]')),
    );

    // Act
    for (let start = 0; start < bodies.length; start += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: outputs.QueueUrl,
          Entries: bodies.slice(start, start + 10).map((body, i) => ({ Id: String(i), MessageBody: body })),
        }),
      );
    }
    // Settled when nothing is left on the queue, visible or in flight: every message was stored or dead-lettered.
    const settled = await waitFor(async () => (await queueDepth(sqs, outputs.QueueUrl ?? '')) === 0, 60_000);

    // Assess
    expect(settled).toBe(true);
    const stored = await scanOrderIds();
    expect(stored).toHaveLength(900);
    expect(new Set(stored)).toEqual(new Set(Array.from({ length: 900 }, (_, n) => `o-${n}`)));
    const accepted = cloud
      .logs(outputs.FunctionName)
      .filter((event) => event.message.includes('"Order accepted"'));
    expect(accepted).toHaveLength(900);
    const deadLettered = await drain(outputs.DeadLetterQueueUrl);
    expect(new Set(deadLettered.map((message) => message.Body))).toEqual(poison);
    const deliveries = deliveriesByMessageId();
    for (const message of deadLettered) {
      expect(deliveries.get(message.MessageId ?? '')).toBe(MAX_RECEIVE_COUNT);
    }
  }, 90_000);

  /** How many times the worker was handed each message. */
  function deliveriesByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const invocation of cloud.invocations) {
      for (const record of (invocation.event as { Records?: { messageId: string }[] }).Records ?? []) {
        counts.set(record.messageId, (counts.get(record.messageId) ?? 0) + 1);
      }
    }
    return counts;
  }

  async function scanOrderIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of paginateScan({ client: dynamodb }, { TableName: outputs.TableName })) {
      ids.push(...(page.Items ?? []).map((item) => item.orderId?.S ?? ''));
    }
    return ids;
  }

  async function drain(queueUrl: string | undefined) {
    const messages = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 300,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (Messages.length === 0) return messages;
      messages.push(...Messages);
    }
  }
});
