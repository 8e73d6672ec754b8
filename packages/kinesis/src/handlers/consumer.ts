/**
 * The stream consumer: counts page views per page per minute with Lambda's tumbling windows. Each invocation of a
 * window adds its records to the state Lambda carries between invocations; the final one writes the minute to
 * DynamoDB, once per page, window and shard.
 *
 * A malformed record is reported, never thrown on: the handler stops at the first one and returns the state so
 * far with that record's sequence number in `batchItemFailures`. Lambda checkpoints before it and retries from it
 * (a rewind, not SQS's per-message split), so nothing after it is counted in this invocation: counting it now
 * and again on the retry would count it twice. Powertools' BatchProcessor processes every record of a batch and
 * reports each failure, which suits effects that are idempotent per record; a running count is not, so the loop
 * here is written out.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  KinesisDataStreamRecord,
  KinesisDataStreamSchema,
} from '@aws-lambda-powertools/parser/schemas/kinesis';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { powertools, readEnvironment } from '@triggers/kit/runtime';
import type { Context, KinesisStreamBatchItemFailure } from 'aws-lambda';
import * as z from 'zod';
import { ConsumerSettingsSchema } from '../contract.ts';
import { readRecord } from '../page-view.ts';
import {
  type AggregateItem,
  advance,
  aggregatesOf,
  sequenceAfter,
  type WindowState,
  WindowStateSchema,
} from '../window.ts';

const { AGGREGATES_TABLE_NAME: tableName } = readEnvironment(ConsumerSettingsSchema);
const { logger, metrics } = powertools();
const aggregates = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/**
 * Powertools' Kinesis event schema, as a tumbling window delivers it: the window fields are required, the data is
 * kept as base64 (decoded below, record by record, so one bad record cannot fail the whole event), and the
 * final invocation of a window may come without records.
 */
const WindowEventSchema = KinesisDataStreamSchema.extend({
  Records: z.array(
    KinesisDataStreamRecord.extend({
      kinesis: KinesisDataStreamRecord.shape.kinesis.extend({
        data: z.base64(),
        // Compared as numbers (BigInt) to skip records delivered again.
        sequenceNumber: z.string().regex(/^\d+$/, 'not a Kinesis sequence number'),
      }),
    }),
  ),
  window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  state: z.unknown(),
  shardId: z.string(),
  isFinalInvokeForWindow: z.boolean(),
  isWindowTerminatedEarly: z.boolean(),
});
type WindowEvent = z.infer<typeof WindowEventSchema>;

/** Lambda's TimeWindowEventResponse: the state is required (without it the invocation counts as failed). */
export interface WindowResponse {
  readonly state: WindowState | Record<string, never>;
  readonly batchItemFailures: KinesisStreamBatchItemFailure[];
}

/** Not a tumbling-window event from a Kinesis mapping: the deployment is wrong, not a record. */
export class NotAWindowEventError extends Error {
  override readonly name = 'NotAWindowEventError';
}

export async function handler(input: unknown, context: Context): Promise<WindowResponse> {
  logger.addContext(context);
  try {
    const event = parseEvent(input);
    const { state, failure } = aggregate(event);
    if (failure) {
      return { state, batchItemFailures: [{ itemIdentifier: failure }] };
    }
    if (!event.isFinalInvokeForWindow) return { state, batchItemFailures: [] };
    await writeWindow(state, event);
    // The window is done; Lambda drops the state after this invocation.
    return { state: {}, batchItemFailures: [] };
  } finally {
    metrics.publishStoredMetrics();
  }
}

function parseEvent(input: unknown): WindowEvent {
  const result = WindowEventSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new NotAWindowEventError(
      `Not a Kinesis tumbling-window event (${issue?.path.join('.') || 'event'}: ${issue?.message}); ` +
        'the mapping needs TumblingWindowInSeconds.',
    );
  }
  return result.data;
}

/** The window's state after this invocation's records, up to the first malformed one (whose number it returns). */
function aggregate(event: WindowEvent): { state: WindowState; failure?: string } {
  const parsed = WindowStateSchema.safeParse(event.state ?? {});
  if (!parsed.success) {
    // Only this function writes the state, so this is a bug or a hand-made event: fail loudly, lose nothing.
    throw new NotAWindowEventError(
      `The window state is not this function's: ${parsed.error.issues[0]?.message}.`,
    );
  }
  let state = parsed.data;
  const counts = { views: 0, bots: 0, heartbeats: 0, repeats: 0 };
  let failure: string | undefined;
  for (const { kinesis } of event.Records) {
    const { sequenceNumber } = kinesis;
    if (!sequenceAfter(sequenceNumber, state.last)) {
      counts.repeats++; // delivered again after a partial failure: the state has it already
      continue;
    }
    const reading = readRecord(Buffer.from(kinesis.data, 'base64'));
    if (reading.kind === 'malformed') {
      logger.warn('Rejected record', {
        shardId: event.shardId,
        sequenceNumber,
        partitionKey: kinesis.partitionKey,
        reason: reading.reason,
      });
      failure = sequenceNumber;
      break;
    }
    if (reading.kind === 'view') counts.views++;
    else if (reading.kind === 'bot') counts.bots++;
    else counts.heartbeats++; // the mapping's filter should have kept it out
    state = advance(state, sequenceNumber, reading.kind === 'view' ? reading.view.page : undefined);
  }
  metrics.addMetric('ViewsCounted', MetricUnit.Count, counts.views);
  metrics.addMetric('BotViewsSkipped', MetricUnit.Count, counts.bots);
  metrics.addMetric('RecordsRejected', MetricUnit.Count, failure ? 1 : 0);
  if (counts.heartbeats > 0) {
    logger.warn('Heartbeats reached the function: is the mapping filter set?', { count: counts.heartbeats });
  }
  if (counts.repeats > 0) logger.info('Records delivered again were skipped', { count: counts.repeats });
  return failure === undefined ? { state } : { state, failure };
}

/**
 * Writes the window's count of each page, each only if it is not there yet: a final invocation retried after a
 * failed write rewrites nothing that made it. Any other error fails the invocation, which Lambda retries.
 */
async function writeWindow(state: WindowState, event: WindowEvent): Promise<void> {
  const items = aggregatesOf(state, event.window, event.shardId);
  if (event.isWindowTerminatedEarly) {
    logger.warn('Window ended early (its state reached 1 MB); the rest of the minute is a new part', {
      window: event.window,
      shardId: event.shardId,
    });
  }
  const outcomes = { written: 0, duplicate: 0 };
  const errors: unknown[] = [];
  // 25 writes at a time: a window of many pages must not open hundreds of connections at once.
  for (let start = 0; start < items.length; start += 25) {
    const settled = await Promise.allSettled(items.slice(start, start + 25).map(putOnce));
    for (const result of settled) {
      if (result.status === 'fulfilled') outcomes[result.value]++;
      else errors.push(result.reason);
    }
  }
  metrics.addMetric('AggregatesWritten', MetricUnit.Count, outcomes.written);
  metrics.addMetric('AggregatesDuplicate', MetricUnit.Count, outcomes.duplicate);
  if (errors.length > 0) {
    logger.error('Could not write the window', {
      window: event.window,
      shardId: event.shardId,
      error: errors[0],
    });
    throw errors[0];
  }
  logger.info('Window written', {
    window: event.window,
    shardId: event.shardId,
    pages: items.length,
    views: items.reduce((sum, item) => sum + item.views, 0),
    ...outcomes,
  });
}

async function putOnce(item: AggregateItem): Promise<'written' | 'duplicate'> {
  try {
    await aggregates.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...item, writtenAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(pagePath)',
      }),
    );
    return 'written';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'duplicate';
    throw error;
  }
}
