/**
 * SQS → Lambda (event source mapping) rules. Each rule sends its messages in one SendMessageBatch, so the mapping's
 * batching window hands them to one invocation, and ends only when its messages are gone from the queue (deleted
 * or dead-lettered), so no leftover shares a later rule's batch.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import type { Invocation, Rule, RuleContext } from '../rule.ts';
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT, WANTED_KIND } from '../stack.ts';

const ERROR_HANDLING = 'https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html';
const PARTIAL_BATCH = `${ERROR_HANDLING}#services-sqs-batchfailurereporting`;
const VISIBILITY_MS = VISIBILITY_TIMEOUT.toMilliseconds();
/** Enough AWS time for a message that keeps failing to be received MAX_RECEIVE_COUNT times and move on. */
const UNTIL_DEAD_LETTERED_MS = (MAX_RECEIVE_COUNT + 1) * VISIBILITY_MS;

export const sqsRules: Rule[] = [
  {
    id: 'sqs.partial-batch-response',
    title: 'with ReportBatchItemFailures, only the messages listed in batchItemFailures return to the queue',
    source: PARTIAL_BATCH,
    async check(context) {
      // Prepare
      const { failing, passing } = await sendPair(context, context.outputs.ReportingQueueUrl, {
        respond: { batchItemFailures: [{ itemIdentifier: '$messageId' }] },
      });

      // Act: the failing message keeps reporting itself until it is dead-lettered
      const deadLettered = await context.waitFor(
        () => context.deadLetters().some((body) => body.includes(failing.tag)),
        UNTIL_DEAD_LETTERED_MS,
      );

      // Assess
      expect(deadLettered).toBe(true);
      expectOneBatch(context, failing.tag, passing.tag);
      expect(receiveCounts(context, failing.tag)).toEqual([1, 2]);
      expect(receiveCounts(context, passing.tag)).toEqual([1]);
      expect(context.deadLetters().filter((body) => body.includes(passing.tag))).toEqual([]);
    },
  },
  {
    id: 'sqs.empty-batch-item-failures',
    title: 'an empty batchItemFailures list is a complete success: the whole batch is deleted',
    source: PARTIAL_BATCH,
    async check(context) {
      await expectWholeBatchDeleted(context, context.outputs.ReportingQueueUrl, {
        respond: { batchItemFailures: [] },
      });
    },
  },
  {
    id: 'sqs.unknown-item-identifier',
    title: 'an itemIdentifier that is not a message of the batch fails the whole batch',
    source: PARTIAL_BATCH,
    async check(context) {
      await expectWholeBatchReturns(context, context.outputs.ReportingQueueUrl, {
        respond: { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] },
      });
    },
  },
  {
    id: 'sqs.empty-item-identifier',
    title: 'an empty itemIdentifier fails the whole batch',
    source: PARTIAL_BATCH,
    async check(context) {
      await expectWholeBatchReturns(context, context.outputs.ReportingQueueUrl, {
        respond: { batchItemFailures: [{ itemIdentifier: '' }] },
      });
    },
  },
  {
    id: 'sqs.report-batch-item-failures-off',
    title:
      'without ReportBatchItemFailures a batchItemFailures response is ignored: the whole batch succeeds',
    source: PARTIAL_BATCH,
    async check(context) {
      await expectWholeBatchDeleted(context, context.outputs.PlainQueueUrl, {
        respond: { batchItemFailures: [{ itemIdentifier: '$messageId' }] },
      });
    },
  },
  {
    id: 'sqs.function-error',
    title: 'a function error returns every message of the batch to the queue',
    source: ERROR_HANDLING,
    async check(context) {
      await expectWholeBatchReturns(context, context.outputs.PlainQueueUrl, { throw: true });
    },
  },
  {
    id: 'sqs.dead-letter-after-max-receive-count',
    title:
      "a message that keeps failing moves to the queue's dead-letter queue after maxReceiveCount receives",
    source:
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html',
    async check(context) {
      // Prepare
      const body = JSON.stringify({ tag: `${context.token}-poison`, throw: true });

      // Act
      await send(context, context.outputs.PlainQueueUrl, [body]);
      const deadLettered = await context.waitFor(
        () => context.deadLetters().length > 0,
        UNTIL_DEAD_LETTERED_MS,
      );

      // Assess: received exactly maxReceiveCount times, then moved as it was sent
      expect(deadLettered).toBe(true);
      expect(receiveCounts(context, context.token)).toEqual(
        Array.from({ length: MAX_RECEIVE_COUNT }, (_, index) => index + 1),
      );
      expect(context.deadLetters()).toEqual([body]);
    },
  },
  {
    id: 'sqs.filtered-out-deleted',
    title: 'a message no filter matches is deleted without invoking the function',
    source:
      'https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-criteria-not-met',
    async check(context) {
      // Prepare
      const wanted = JSON.stringify({ tag: `${context.token}-wanted`, kind: WANTED_KIND });
      const unwanted = JSON.stringify({ tag: `${context.token}-unwanted`, kind: 'unwanted' });

      // Act: once the wanted message is processed, give the unwanted one the time a retry would take
      await send(context, context.outputs.FilteredQueueUrl, [unwanted, wanted]);
      const invoked = await context.waitFor(() => context.invocations().length > 0, 0);
      await context.elapse(VISIBILITY_MS * 1.5);

      // Assess
      expect(invoked).toBe(true);
      expect(
        context.invocations().flatMap((invocation) => invocation.records.map((record) => record.body)),
      ).toEqual([wanted]);
      expect(context.deadLetters()).toEqual([]);
    },
  },
];

interface Sent {
  /** Found in the message's body: what `receiveCounts` and the DLQ are searched for. */
  readonly tag: string;
}

/** A message carrying `directive` and an innocent one, in one SendMessageBatch. */
async function sendPair(
  context: RuleContext,
  queueUrl: string,
  directive: object,
): Promise<{ failing: Sent; passing: Sent }> {
  const failing = { tag: `${context.token}-directive` };
  const passing = { tag: `${context.token}-innocent` };
  await send(context, queueUrl, [
    JSON.stringify({ tag: failing.tag, ...directive }),
    JSON.stringify({ tag: passing.tag }),
  ]);
  return { failing, passing };
}

/** The whole batch fails: the innocent message is received again, and both end in the DLQ (the directive repeats). */
/** Both messages of one batch are received once and deleted: nothing comes back, nothing is dead-lettered. */
async function expectWholeBatchDeleted(
  context: RuleContext,
  queueUrl: string,
  directive: object,
): Promise<void> {
  // Prepare
  const { failing, passing } = await sendPair(context, queueUrl, directive);

  // Act: wait for the batch, then long enough for a returned message to come back
  await context.waitFor(() => context.invocations().length > 0, 0);
  await context.elapse(VISIBILITY_MS * 1.5);

  // Assess
  expectOneBatch(context, failing.tag, passing.tag);
  expect(receiveCounts(context, failing.tag)).toEqual([1]);
  expect(receiveCounts(context, passing.tag)).toEqual([1]);
  expect(context.deadLetters()).toEqual([]);
}

async function expectWholeBatchReturns(
  context: RuleContext,
  queueUrl: string,
  directive: object,
): Promise<void> {
  // Prepare
  const { failing, passing } = await sendPair(context, queueUrl, directive);

  // Act
  const returned = await context.waitFor(
    () => receiveCounts(context, passing.tag).includes(2),
    2 * VISIBILITY_MS,
  );
  await settle(context, failing.tag);

  // Assess
  expect(returned).toBe(true);
  expectOneBatch(context, failing.tag, passing.tag);
  expect(receiveCounts(context, failing.tag)).toEqual([1, 2]);
}

/** Waits until the message with `tag`, failing on every receive, has been dead-lettered. */
async function settle(context: RuleContext, tag: string): Promise<void> {
  await context.waitFor(
    () => context.deadLetters().some((body) => body.includes(tag)),
    UNTIL_DEAD_LETTERED_MS,
  );
}

async function send(context: RuleContext, queueUrl: string, bodies: string[]): Promise<void> {
  const { Failed = [] } = await context.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    }),
  );
  expect(Failed).toEqual([]);
}

/** The receive count of each delivery of the message whose body holds `tag`, in delivery order. */
function receiveCounts(context: RuleContext, tag: string): number[] {
  return context
    .invocations()
    .flatMap((invocation) => invocation.records)
    .filter((record) => record.body?.includes(tag))
    .map((record) => record.receiveCount ?? 0)
    .sort((a, b) => a - b);
}

/** The first delivery held both messages (in any order): what the rule says of "the batch" applies to both. */
function expectOneBatch(context: RuleContext, ...tags: string[]): void {
  const first: Invocation | undefined = context.invocations()[0];
  const tagsSeen = first?.records.map((record) => tags.find((tag) => record.body?.includes(tag)));
  expect(tagsSeen?.sort()).toEqual([...tags].sort());
}
