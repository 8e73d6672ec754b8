import { describe, expect, it } from 'vitest';
import { manualClock } from '../src/clock.ts';
import { type AsyncEvent, AsyncInvoker } from '../src/lambda/async-invoke.ts';
import type { TriggerNotice } from '../src/types.ts';

const event: AsyncEvent = {
  requestId: 'req-1',
  invokedArn: 'arn:aws:lambda:us-east-1:000000000000:function:thumbnailer',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:thumbnailer:$LATEST',
  version: '$LATEST',
  source: 'aws:s3',
  payload: '{"Records":[]}',
  event: { Records: [] },
  enqueuedAt: Date.UTC(2026, 0, 1),
};

const failure = {
  statusCode: 200,
  executedVersion: '$LATEST',
  functionError: 'Unhandled' as const,
  payload: '{"errorType":"Error","errorMessage":"corrupt image"}',
};

describe('asynchronous invocation on the emulation clock', () => {
  it("retries a failing event after Lambda's one and two minutes, then dead-letters it", async () => {
    // Prepare
    const clock = manualClock(event.enqueuedAt);
    const attempts: number[] = [];
    const delivered: { arn: string; attributes: unknown }[] = [];
    const invoker = new AsyncInvoker({
      clock,
      attempt: async () => {
        attempts.push(clock.now() - event.enqueuedAt);
        return failure;
      },
      target: () => ({
        config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
        deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
      }),
      deliver: async (arn, _payload, attributes) => {
        delivered.push({ arn, attributes });
      },
    });

    // Act
    invoker.enqueue(event);
    await clock.advance(59_000);
    const beforeFirstRetry = attempts.length;
    await clock.advance(1_000 + 120_000);
    await invoker.stop();

    // Assess
    expect(beforeFirstRetry).toBe(1);
    expect(attempts).toEqual([0, 60_000, 180_000]);
    expect(delivered).toEqual([
      {
        arn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
        attributes: expect.objectContaining({
          ErrorMessage: { DataType: 'String', StringValue: 'corrupt image' },
        }),
      },
    ]);
  });

  it('drops an event older than the maximum event age before retrying it, to the on-failure destination', async () => {
    // Prepare: the minimum maximum age (60 s), and a first retry that waits longer than that
    const clock = manualClock(event.enqueuedAt);
    const records: unknown[] = [];
    const invoker = new AsyncInvoker({
      clock,
      retryDelaysMs: [90_000, 120_000],
      attempt: async () => failure,
      target: () => ({
        config: {
          maximumRetryAttempts: 2,
          maximumEventAgeSeconds: 60,
          onFailure: 'arn:aws:sqs:us-east-1:000000000000:failures',
        },
      }),
      deliver: async (_arn, payload) => {
        records.push(payload);
      },
    });

    // Act
    invoker.enqueue(event);
    await clock.advance(90_000);
    await invoker.stop();

    // Assess
    expect(records).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'EventAgeExceeded', approximateInvokeCount: 1 }),
      }),
    ]);
  });

  it('tells of each failed attempt with its retry delay, then of the move to the DLQ and the on-failure destination', async () => {
    // Prepare
    const clock = manualClock(event.enqueuedAt);
    const notices: TriggerNotice[] = [];
    const invoker = new AsyncInvoker({
      clock,
      attempt: async () => failure,
      target: () => ({
        config: {
          maximumRetryAttempts: 2,
          maximumEventAgeSeconds: 21_600,
          onFailure: 'arn:aws:sqs:us-east-1:000000000000:failures',
        },
        deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:thumbnail-dlq',
      }),
      deliver: async () => {},
      notice: (notice) => notices.push(notice),
    });

    // Act
    invoker.enqueue(event);
    await clock.advance(60_000);
    const afterFirst = notices.length;
    await clock.advance(120_000);
    await invoker.stop();

    // Assess: one line per failed attempt that will be retried, then one for where the event went
    expect(afterFirst).toBe(2);
    expect(notices.map(({ kind, message }) => ({ kind, message }))).toEqual([
      { kind: 'retry', message: 'attempt 1 of 3 failed: retry in 60 s' },
      { kind: 'retry', message: 'attempt 2 of 3 failed: retry in 120 s' },
      {
        kind: 'dead-letter',
        message: 'after 3 attempts: sent to the DLQ thumbnail-dlq and the on-failure destination failures',
      },
    ]);
    expect(notices[0]).toMatchObject({ functionName: 'thumbnailer', source: 'aws:s3', at: event.enqueuedAt });
    expect(notices[2]?.at).toBe(event.enqueuedAt + 180_000);
  });

  it('says an event is dropped when it has nowhere to go', async () => {
    // Prepare: no retries, no DLQ, no destination
    const clock = manualClock(event.enqueuedAt);
    const notices: TriggerNotice[] = [];
    const invoker = new AsyncInvoker({
      clock,
      attempt: async () => failure,
      target: () => ({ config: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21_600 } }),
      deliver: async () => {},
      notice: (notice) => notices.push(notice),
    });

    // Act
    invoker.enqueue(event);
    await clock.advance(1_000);
    await invoker.stop();

    // Assess
    expect(notices.map(({ kind, message }) => ({ kind, message }))).toEqual([
      { kind: 'dropped', message: 'after 1 attempt: dropped (no DLQ or on-failure destination)' },
    ]);
  });
});
