/**
 * S3 → Lambda (event notifications, an asynchronous invoke) rules. The bucket notifies the S3 recorder of objects
 * created under S3_PREFIX with S3_SUFFIX; the recorder fails for keys under S3_FAIL_PREFIX.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { Rule, RuleContext } from '../rule.ts';
import { ASYNC_RETRY_ATTEMPTS, S3_FAIL_PREFIX, S3_PREFIX, S3_SUFFIX } from '../stack.ts';

/** S3 delivers "typically in seconds", sometimes a minute or more: how long a rule waits for an event to arrive. */
const DELIVERY_MS = 60_000;
/** Lambda waits one minute before the first async retry and two before the second. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

export const s3Rules: Rule[] = [
  {
    id: 's3.key-url-encoded',
    title: 'the object key in the event is URL-encoded: a space arrives as "+"',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html',
    async check(context) {
      // Prepare
      const key = `${S3_PREFIX}${context.token} red flower${S3_SUFFIX}`;

      // Act
      await put(context, key);
      const delivered = await context.waitFor(() => observedKeys(context).length > 0, DELIVERY_MS);

      // Assess
      expect(delivered).toBe(true);
      expect(observedKeys(context)).toEqual([`${S3_PREFIX}${context.token}+red+flower${S3_SUFFIX}`]);
    },
  },
  {
    id: 's3.key-filter',
    title: 'a notification with prefix and suffix filter rules sends only the keys that match both',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html',
    async check(context) {
      // Prepare
      const matching = `${S3_PREFIX}${context.token}-match${S3_SUFFIX}`;
      const wrongSuffix = `${S3_PREFIX}${context.token}-wrong-suffix.csv`;
      const wrongPrefix = `elsewhere/${context.token}-wrong-prefix${S3_SUFFIX}`;

      // Act: the matching key last, then time for a late event of the others
      for (const key of [wrongSuffix, wrongPrefix, matching]) await put(context, key);
      const delivered = await context.waitFor(() => observedKeys(context).length > 0, DELIVERY_MS);
      await context.elapse(DELIVERY_MS);

      // Assess
      expect(delivered).toBe(true);
      expect(observedKeys(context)).toEqual([matching]);
    },
  },
  {
    id: 's3.async-retries-then-on-failure',
    title:
      'a function that keeps failing is invoked 3 times in all (2 retries), then the event goes to the on-failure destination',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html',
    async check(context) {
      // Prepare
      const key = `${S3_FAIL_PREFIX}${context.token}${S3_SUFFIX}`;

      // Act
      await put(context, key);
      const failed = await context.waitFor(
        () => context.s3Failures().length > 0,
        DELIVERY_MS + ASYNC_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0),
      );

      // Assess: every attempt saw the same event; the destination got Lambda's record of it
      expect(failed).toBe(true);
      expect(observedKeys(context)).toEqual(Array.from({ length: 1 + ASYNC_RETRY_ATTEMPTS }, () => key));
      const [record] = context.s3Failures();
      expect(record?.requestContext).toMatchObject({
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1 + ASYNC_RETRY_ATTEMPTS,
      });
      expect(record?.requestPayload.Records.map((event) => event.s3.object.key)).toEqual([key]);
    },
  },
];

async function put(context: RuleContext, key: string): Promise<void> {
  await context.s3.send(
    new PutObjectCommand({ Bucket: context.outputs.BucketName, Key: key, Body: 'conformance' }),
  );
}

/** Each key the S3 recorder was invoked with, once per invocation, as it arrived (URL-encoded). */
function observedKeys(context: RuleContext): string[] {
  return context.invocations().flatMap((invocation) => invocation.records.map((record) => record.key ?? ''));
}
