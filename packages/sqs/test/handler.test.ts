import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { sqsEvent } from '@triggers/events';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../src/handler.ts';
import type { Order } from '../src/order.ts';

const context = { functionName: 'orders-worker', awsRequestId: 'request-1' } as Context;
const dynamo = mockClient(DynamoDBDocumentClient);

const order = (orderId: string): Order => ({
  orderId,
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'book', quantity: 2, unitPrice: 12.5 }],
});

/**
 * A DynamoDB table in memory that honours the handler's `attribute_not_exists(orderId)` condition.
 * Writes of the orders in `throttled` fail once, as a throttled request would.
 */
function fakeOrdersTable(throttled: string[] = []) {
  const items = new Map<string, Record<string, unknown>>();
  const pendingThrottles = new Set(throttled);
  dynamo.on(PutCommand).callsFake((input: PutCommandInput) => {
    const orderId = String(input.Item?.orderId);
    if (pendingThrottles.delete(orderId)) {
      throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    }
    if (input.ConditionExpression === 'attribute_not_exists(orderId)' && items.has(orderId)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    items.set(orderId, input.Item ?? {});
    return {};
  });
  return items;
}

describe('orders worker', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('stores every order of a valid batch and reports no failures', async () => {
    // Prepare
    const table = fakeOrdersTable();
    const event = sqsEvent([order('o-1'), order('o-2'), order('o-3')]);

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect([...table.keys()]).toEqual(['o-1', 'o-2', 'o-3']);
    expect(table.get('o-1')).toMatchObject({
      total: 25,
      currency: 'EUR',
      messageId: event.Records[0]?.messageId,
    });
  });

  it.each([
    ['not JSON', '{"orderId": '],
    ['not an order', '{"hello":"world"}'],
    ['an order with no items', JSON.stringify({ ...order('o-x'), items: [] })],
    [
      'an order with a fractional quantity',
      JSON.stringify({ ...order('o-x'), items: [{ sku: 'a', quantity: 1.5, unitPrice: 1 }] }),
    ],
  ])('reports exactly the poison message (%s) and stores the rest', async (_, poison) => {
    // Prepare
    const table = fakeOrdersTable();
    const event = sqsEvent([order('o-1'), poison, order('o-2'), poison]);
    const poisonIds = [event.Records[1]?.messageId, event.Records[3]?.messageId];

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(poisonIds);
    expect([...table.keys()]).toEqual(['o-1', 'o-2']);
  });

  it('stores a twice-delivered order once and counts the repeat as done', async () => {
    // Prepare: the same message delivered twice, and a producer retry with a new message id
    const table = fakeOrdersTable();
    const first = sqsEvent([order('o-1')]);
    const redelivery = {
      Records: [
        {
          ...first.Records[0],
          attributes: { ...first.Records[0]?.attributes, ApproximateReceiveCount: '2' },
        },
      ],
    };
    const producerRetry = sqsEvent([order('o-1')]);

    // Act
    const responses = [
      await handler(first, context),
      await handler(redelivery as typeof first, context),
      await handler(producerRetry, context),
    ];

    // Assess
    expect(responses.map((response) => response.batchItemFailures)).toEqual([[], [], []]);
    expect(table.size).toBe(1);
    expect(table.get('o-1')?.messageId).toBe(first.Records[0]?.messageId);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(3);
  });

  it('hands a message back to the queue when DynamoDB fails, so it is retried and not lost', async () => {
    // Prepare
    const table = fakeOrdersTable(['o-2']);
    const event = sqsEvent([order('o-1'), order('o-2')]);

    // Act: the first delivery, then the redelivery of what it reported
    const response = await handler(event, context);
    const retried = event.Records.filter((record) =>
      response.batchItemFailures.some((failure) => failure.itemIdentifier === record.messageId),
    );
    const retryResponse = await handler({ Records: retried }, context);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]?.messageId }]);
    expect(retryResponse.batchItemFailures).toEqual([]);
    expect([...table.keys()]).toEqual(['o-1', 'o-2']);
  });

  it('fails the invocation when every message fails, so the whole batch is retried', async () => {
    // Prepare
    dynamo
      .on(PutCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const event = sqsEvent([order('o-1'), order('o-2')]);

    // Act
    const invocation = handler(event, context);

    // Assess
    await expect(invocation).rejects.toBeInstanceOf(FullBatchFailureError);
  });
});

describe('orders function settings', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['missing', undefined, /^ORDERS_TABLE_NAME is not set: the orders table name is required \(/],
    ['empty', '', /^ORDERS_TABLE_NAME is "": a DynamoDB table name is 3–255 letters/],
    ['not a table name', 'orders table', /^ORDERS_TABLE_NAME is "orders table": a DynamoDB table name/],
  ])('fails the cold start with one line naming ORDERS_TABLE_NAME when it is %s', async (_, value, line) => {
    // Prepare: a fresh execution environment whose table name is wrong
    vi.resetModules();
    vi.stubEnv('ORDERS_TABLE_NAME', value);

    // Act
    const coldStart = import('../src/handler.ts');

    // Assess
    await expect(coldStart).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringMatching(line),
    });
    await expect(coldStart).rejects.not.toThrow(/\n/);
  });
});
