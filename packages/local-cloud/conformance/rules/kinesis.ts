/**
 * Kinesis → Lambda (a stream event source mapping) rules. The stream has one shard and its mapping reports batch
 * item failures, retries a failed batch once and sends what it gives up on to the StreamFailures queue. Each rule
 * puts its records in one PutRecords (so the batching window hands them to one invocation) and waits until they
 * are done with, so the shard is free for the next rule.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { expect } from 'vitest';
import type { Invocation, Rule, RuleContext, StreamFailureRecord } from '../rule.ts';
import { STREAM_RETRY_ATTEMPTS, WANTED_KIND } from '../stack.ts';

const PARTIAL_BATCH =
  'https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html';
const ON_FAILURE = 'https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html';
const FILTERING = 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html';
/** Polling, the one-second batching window, an invoke, its retry and the on-failure send, with room to spare. */
const DONE_MS = 120_000;

export const kinesisRules: Rule[] = [
  {
    id: 'kinesis.partial-batch-rewind',
    title:
      'with ReportBatchItemFailures, Lambda retries from the reported sequence number: the records after it come again, those before it do not',
    source: PARTIAL_BATCH,
    async check(context) {
      // Prepare: the second of three records reports itself failed, every time
      const [first, failing, last] = await put(context, context.outputs.StreamName, [
        { n: 1 },
        { n: 2, respond: { batchItemFailures: [{ itemIdentifier: '$sequenceNumber' }] } },
        { n: 3 },
      ]);

      // Act
      const given = await context.waitFor(() => failuresOf(context, failing).length > 0, DONE_MS);

      // Assess: the retry starts at the failed record; then the rest is given up on, as one batch
      expect(given).toBe(true);
      expect(batches(context)).toEqual([[first, failing, last], ...retries([failing, last])]);
      expect(failuresOf(context, failing)[0]?.KinesisBatchInfo).toMatchObject({
        startSequenceNumber: failing,
        endSequenceNumber: last,
        batchSize: 2,
      });
    },
  },
  {
    id: 'kinesis.empty-item-identifier',
    title: 'an empty itemIdentifier fails the whole batch: it is retried from its first record',
    source: PARTIAL_BATCH,
    async check(context) {
      // Prepare
      const [first, second] = await put(context, context.outputs.StreamName, [
        { n: 1 },
        { n: 2, respond: { batchItemFailures: [{ itemIdentifier: '' }] } },
      ]);

      // Act
      const given = await context.waitFor(() => failuresOf(context, first).length > 0, DONE_MS);

      // Assess
      expect(given).toBe(true);
      expect(batches(context)).toEqual([[first, second], ...retries([first, second])]);
    },
  },
  {
    id: 'kinesis.retries-then-on-failure',
    title:
      'a batch that keeps failing is retried MaximumRetryAttempts times, then Lambda sends its batch info (not the records) to the on-failure destination and moves on',
    source: ON_FAILURE,
    async check(context) {
      // Prepare
      const [poison] = await put(context, context.outputs.StreamName, [{ throw: true }]);

      // Act
      const given = await context.waitFor(() => failuresOf(context, poison).length > 0, DONE_MS);

      // Assess
      expect(given).toBe(true);
      expect(batches(context)).toEqual([[poison], ...retries([poison])]);
      const [record] = failuresOf(context, poison);
      expect(record?.requestContext).toMatchObject({
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 1 + STREAM_RETRY_ATTEMPTS,
      });
      expect(record?.KinesisBatchInfo).toMatchObject({
        shardId: 'shardId-000000000000',
        endSequenceNumber: poison,
        batchSize: 1,
        streamArn: expect.stringMatching(new RegExp(`:stream/${context.outputs.StreamName}$`)),
      });
      expect(JSON.stringify(record)).not.toContain(context.token);
    },
  },
  {
    id: 'kinesis.filter-drops-non-json-data',
    title:
      'records no filter matches are not invoked, and a record whose data is not JSON never matches a data filter',
    source: FILTERING,
    async check(context) {
      // Prepare
      const name = context.outputs.FilteredStreamName;
      const [other, plain, wanted] = await put(context, name, [
        { kind: 'other' },
        `${context.token} is not JSON`,
        { kind: WANTED_KIND },
      ]);

      // Act: the wanted record last, then time for the others to show if they were passed on
      const delivered = await context.waitFor(
        () =>
          batches(context)
            .flat()
            .includes(wanted ?? ''),
        DONE_MS,
      );
      await context.elapse(10_000);

      // Assess
      expect(delivered).toBe(true);
      expect(batches(context).flat()).toEqual([wanted]);
      expect(batches(context).flat()).not.toContain(other);
      expect(batches(context).flat()).not.toContain(plain);
    },
  },
];

/** Puts the records (objects as JSON carrying the token, text as it is) in one call; their sequence numbers. */
async function put(
  context: RuleContext,
  streamName: string,
  records: readonly (object | string)[],
): Promise<string[]> {
  const { Records = [], FailedRecordCount } = await context.kinesis.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: records.map((record) => ({
        PartitionKey: context.token,
        Data: Buffer.from(
          typeof record === 'string' ? record : JSON.stringify({ token: context.token, ...record }),
        ),
      })),
    }),
  );
  expect(FailedRecordCount ?? 0).toBe(0);
  return Records.map((record) => record.SequenceNumber ?? '');
}

/** The sequence numbers of each invocation that saw this rule's records, in order. */
function batches(context: RuleContext): string[][] {
  return context
    .invocations()
    .map((invocation: Invocation) => invocation.records.map((record) => record.sequenceNumber ?? ''));
}

/** The same batch once per retry. */
function retries(batch: readonly (string | undefined)[]): (string | undefined)[][] {
  return Array.from({ length: STREAM_RETRY_ATTEMPTS }, () => [...batch]);
}

/** The on-failure records whose batch holds `sequenceNumber`. */
function failuresOf(context: RuleContext, sequenceNumber: string | undefined): StreamFailureRecord[] {
  if (!sequenceNumber) return [];
  const wanted = BigInt(sequenceNumber);
  return context.streamFailures().filter((record) => {
    const { startSequenceNumber, endSequenceNumber } = record.KinesisBatchInfo;
    return BigInt(startSequenceNumber) <= wanted && wanted <= BigInt(endSequenceNumber);
  });
}
