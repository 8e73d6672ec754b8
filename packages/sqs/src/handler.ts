import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { powertools, readEnvironment } from '@triggers/kit/runtime';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SettingsSchema } from './contract.ts';
import { type AcceptedOrder, InvalidOrderError, orderTotal, parseOrder } from './order.ts';

// Created once per execution environment, reused by every invocation it serves. A missing or malformed table
// name fails the cold start here, with one line naming it.
const { ORDERS_TABLE_NAME: tableName } = readEnvironment(SettingsSchema);
const { logger, metrics } = powertools();
const processor = new BatchProcessor(EventType.SQS);
const orders = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/**
 * Stores one order. SQS delivers at least once, so the same message (or a producer's retry with a new message id)
 * can arrive twice: the write is conditional on the order id being new, which makes the second delivery a no-op.
 */
async function acceptOrder(record: SQSRecord): Promise<void> {
  const { messageId } = record;
  let order: ReturnType<typeof parseOrder>;
  try {
    order = parseOrder(record.body);
  } catch (error) {
    if (error instanceof InvalidOrderError) {
      logger.warn('Rejected message', { messageId, reason: error.message });
      metrics.addMetric('OrdersRejected', MetricUnit.Count, 1);
    }
    throw error; // reported as a batch item failure: retried, then dead-lettered
  }

  const item: AcceptedOrder = {
    ...order,
    total: orderTotal(order),
    messageId,
    acceptedAt: new Date().toISOString(),
  };
  try {
    await orders.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(orderId)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      logger.info('Duplicate order ignored', { messageId, orderId: order.orderId });
      metrics.addMetric('OrdersDuplicate', MetricUnit.Count, 1);
      return;
    }
    logger.error('Could not store order', { messageId, orderId: order.orderId, error });
    throw error; // transient: the message becomes visible again and is retried
  }
  logger.info('Order accepted', { messageId, orderId: order.orderId, total: item.total });
  metrics.addMetric('OrdersAccepted', MetricUnit.Count, 1);
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  try {
    const response = await processPartialResponse(event, acceptOrder, processor, { context });
    metrics.addMetric('OrdersFailed', MetricUnit.Count, response.batchItemFailures.length);
    return response;
  } catch (error) {
    // Every record failed (FullBatchFailureError) or the batch could not be processed: all of it comes back.
    metrics.addMetric('OrdersFailed', MetricUnit.Count, event.Records.length);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}
