/**
 * Asynchronous (Event) invocations, as Lambda runs them: queued, retried on function errors per the function's
 * EventInvokeConfig, dropped once older than the maximum event age, and their outcome sent to the on-success /
 * on-failure destination (an invocation record) or, for failures without a destination, to the dead-letter queue.
 */
import type { AsyncInvokeConfig } from '../types.ts';

export interface AsyncEvent {
  readonly requestId: string;
  /** The function ARN as invoked (unqualified, or with its alias or version). */
  readonly invokedArn: string;
  /** The version-qualified ARN destination records name. */
  readonly functionArn: string;
  /** Who invoked: 'Event', or the trigger ('aws:s3', 'aws:sns', …). */
  readonly source: string;
  readonly payload: string;
  readonly event: unknown;
  readonly enqueuedAt: number;
}

export interface AttemptResult {
  readonly statusCode: number;
  readonly executedVersion: string;
  readonly payload: string;
  readonly functionError?: 'Unhandled';
}

export interface AsyncTarget {
  readonly config: AsyncInvokeConfig;
  readonly deadLetterTargetArn?: string;
}

export interface AsyncInvokerOptions {
  /** Runs one attempt (waiting for a concurrency slot); throws when the function is gone or the service stops. */
  readonly attempt: (event: AsyncEvent) => Promise<AttemptResult>;
  /** The function's current async settings, read at each step (they may change while an event waits). */
  readonly target: (event: AsyncEvent) => AsyncTarget | undefined;
  readonly deliver: (destinationArn: string, payload: unknown) => Promise<void>;
  readonly retryDelaysMs: readonly number[];
}

type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

export class AsyncInvoker {
  readonly #options: AsyncInvokerOptions;
  readonly #running = new Set<Promise<void>>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #stopped = false;

  constructor(options: AsyncInvokerOptions) {
    this.#options = options;
  }

  enqueue(event: AsyncEvent): void {
    const run = this.#process(event).catch(() => {
      // The function was deleted or the service stopped: the event is dropped, as Lambda drops it.
    });
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  /** Drops queued retries and waits for attempts under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const { timer, resolve } of this.#timers) {
      clearTimeout(timer);
      resolve();
    }
    this.#timers.clear();
    await Promise.allSettled([...this.#running]);
  }

  async #process(event: AsyncEvent): Promise<void> {
    let last: AttemptResult | undefined;
    for (let attempts = 0; !this.#stopped; ) {
      const target = this.#options.target(event);
      if (!target) return;
      if (Date.now() - event.enqueuedAt > target.config.maximumEventAgeSeconds * 1000) {
        await this.#failed(event, target, 'EventAgeExceeded', attempts, last);
        return;
      }
      last = await this.#options.attempt(event);
      attempts += 1;
      if (!last.functionError) {
        if (target.config.onSuccess) {
          await this.#send(target.config.onSuccess, destinationRecord(event, 'Success', attempts, last));
        }
        return;
      }
      if (attempts > target.config.maximumRetryAttempts) {
        await this.#failed(event, target, 'RetriesExhausted', attempts, last);
        return;
      }
      const delays = this.#options.retryDelaysMs;
      await this.#sleep(delays[Math.min(attempts - 1, delays.length - 1)] ?? 0);
    }
  }

  async #failed(
    event: AsyncEvent,
    target: AsyncTarget,
    condition: Condition,
    attempts: number,
    last: AttemptResult | undefined,
  ): Promise<void> {
    if (target.config.onFailure) {
      await this.#send(target.config.onFailure, destinationRecord(event, condition, attempts, last));
    } else if (target.deadLetterTargetArn) {
      // A dead-letter queue gets the event itself, not an invocation record.
      await this.#send(target.deadLetterTargetArn, event.event);
    }
  }

  async #send(destinationArn: string, payload: unknown): Promise<void> {
    try {
      await this.#options.deliver(destinationArn, payload);
    } catch {
      // Lambda counts failed deliveries (DestinationDeliveryFailures) and moves on; so do we.
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(entry);
    });
  }
}

/** The invocation record Lambda sends to a destination. */
function destinationRecord(
  event: AsyncEvent,
  condition: Condition,
  approximateInvokeCount: number,
  last: AttemptResult | undefined,
): unknown {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: event.requestId,
      functionArn: event.functionArn,
      condition,
      approximateInvokeCount,
    },
    requestPayload: event.event,
    ...(last
      ? {
          responseContext: {
            statusCode: last.statusCode,
            executedVersion: last.executedVersion,
            ...(last.functionError ? { functionError: last.functionError } : {}),
          },
          responsePayload: parseJson(last.payload),
        }
      : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
