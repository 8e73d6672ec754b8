/**
 * Asynchronous (Event) invocations, as Lambda runs them: queued, retried on function errors per the function's
 * EventInvokeConfig, dropped once older than the maximum event age, and their outcome sent to the on-success /
 * on-failure destination (an invocation record) and, for failures, to the dead-letter queue as well.
 */
import type { Clock } from '../clock.ts';
import type { AsyncInvokeConfig, TriggerNotice } from '../types.ts';
import { LambdaApiError } from './errors.ts';
import { parseJsonOrText } from './helpers.ts';

export interface AsyncEvent {
  readonly requestId: string;
  /** The function ARN as invoked (unqualified, or with its alias or version). */
  readonly invokedArn: string;
  /** The version-qualified ARN destination records name. */
  readonly functionArn: string;
  /** The version the invoked ARN pointed at when the event was queued. */
  readonly version: string;
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

/** SQS/SNS message attributes, in the SDK's MessageAttributeValue shape. */
export type MessageAttributes = Readonly<
  Record<string, { readonly DataType: 'String' | 'Number'; readonly StringValue: string }>
>;

/** Sends a destination record, or a dead-lettered event with Lambda's DLQ message attributes. */
export type Deliver = (
  destinationArn: string,
  payload: unknown,
  attributes?: MessageAttributes,
) => Promise<void>;

export interface AsyncInvokerOptions {
  /**
   * Runs one attempt (waiting for a concurrency slot); throws when the function is gone or the service stops.
   * Any other exception (an environment that cannot start) counts as a failed attempt.
   */
  readonly attempt: (event: AsyncEvent) => Promise<AttemptResult>;
  /** The function's current async settings, read at each step (they may change while an event waits). */
  readonly target: (event: AsyncEvent) => AsyncTarget | undefined;
  readonly deliver: Deliver;
  /** Emulated waits before the first and second retry: Lambda's are about one minute, then about two. */
  readonly retryDelaysMs?: readonly number[];
  /** Retry delays and event ages are read on it (a test scales it). */
  readonly clock: Clock;
  /** Told of each failed attempt that will be retried and of where a failed event went, one short line each. */
  readonly notice?: (notice: TriggerNotice) => void;
}

const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000];

type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

// Lambda truncates the ErrorMessage attribute of a dead-lettered event to 1 KB.
const DLQ_ERROR_MESSAGE_LIMIT = 1024;

export class AsyncInvoker {
  readonly #options: AsyncInvokerOptions;
  readonly #running = new Set<Promise<void>>();
  /** Aborted by stop(): ends every retry wait at once. */
  readonly #stopping = new AbortController();
  #stopped = false;

  constructor(options: AsyncInvokerOptions) {
    this.#options = options;
  }

  enqueue(event: AsyncEvent): void {
    const run = this.#process(event).catch(() => {
      // #process handles every failure itself; this only keeps a bug from becoming an unhandled rejection.
    });
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }

  /** Drops queued retries and waits for attempts under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopping.abort();
    await Promise.allSettled([...this.#running]);
  }

  async #process(event: AsyncEvent): Promise<void> {
    let last: AttemptResult | undefined;
    for (let attempts = 0; ; ) {
      const target = this.#options.target(event);
      if (this.#stopped || !target) return;
      if (this.#options.clock.now() - event.enqueuedAt > target.config.maximumEventAgeSeconds * 1000) {
        await this.#failed(event, target, 'EventAgeExceeded', attempts, last);
        return;
      }
      last = await this.#attempt(event);
      // An attempt cut short by stop() is no failure of the function: nothing is retried or delivered.
      if (!last || this.#stopped) return;
      attempts += 1;
      if (succeeded(last)) {
        if (target.config.onSuccess) {
          const record = destinationRecord(event, 'Success', attempts, last, this.#options.clock.now());
          await this.#send(target.config.onSuccess, record);
        }
        return;
      }
      if (attempts > target.config.maximumRetryAttempts) {
        await this.#failed(event, target, 'RetriesExhausted', attempts, last);
        return;
      }
      const delays = this.#options.retryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS;
      const delayMs = delays[Math.min(attempts - 1, delays.length - 1)] ?? 0;
      this.#notice(
        event,
        'retry',
        `attempt ${attempts} of ${target.config.maximumRetryAttempts + 1} failed: retry in ${seconds(delayMs)}`,
      );
      // Once stopped, nothing waits: stop() must not sit out a retry delay.
      await this.#options.clock.sleep(delayMs, this.#stopping.signal);
    }
  }

  /** One attempt's result; undefined when the event is dropped (the function was deleted, the service stopped). */
  async #attempt(event: AsyncEvent): Promise<AttemptResult | undefined> {
    try {
      return await this.#options.attempt(event);
    } catch (error) {
      if (this.#stopped || !this.#options.target(event)) return undefined;
      return serviceFailure(event, error);
    }
  }

  async #failed(
    event: AsyncEvent,
    target: AsyncTarget,
    condition: Condition,
    attempts: number,
    last: AttemptResult | undefined,
  ): Promise<void> {
    // A destination and a dead-letter queue may both be set; Lambda sends to each.
    const sends: Promise<void>[] = [];
    const now = this.#options.clock.now();
    if (target.config.onFailure) {
      sends.push(
        this.#send(target.config.onFailure, destinationRecord(event, condition, attempts, last, now)),
      );
    }
    if (target.deadLetterTargetArn) {
      // A dead-letter queue gets the event itself, not an invocation record; why it failed is in attributes.
      sends.push(
        this.#send(
          target.deadLetterTargetArn,
          event.event,
          deadLetterAttributes(event, target, condition, last),
        ),
      );
    }
    await Promise.all(sends);
    const why =
      condition === 'EventAgeExceeded'
        ? `older than the maximum event age (${target.config.maximumEventAgeSeconds} s) after ${plural(attempts, 'attempt')}`
        : `after ${plural(attempts, 'attempt')}`;
    const where = [
      target.deadLetterTargetArn && `the DLQ ${nameOf(target.deadLetterTargetArn)}`,
      target.config.onFailure && `the on-failure destination ${nameOf(target.config.onFailure)}`,
    ].filter(Boolean);
    if (where.length > 0) this.#notice(event, 'dead-letter', `${why}: sent to ${where.join(' and ')}`);
    else this.#notice(event, 'dropped', `${why}: dropped (no DLQ or on-failure destination)`);
  }

  #notice(event: AsyncEvent, kind: TriggerNotice['kind'], message: string): void {
    this.#options.notice?.({
      at: this.#options.clock.now(),
      // arn:aws:lambda:region:account:function:NAME[:qualifier]
      functionName: event.invokedArn.split(':')[6] ?? event.invokedArn,
      source: event.source,
      kind,
      message,
    });
  }

  async #send(destinationArn: string, payload: unknown, attributes?: MessageAttributes): Promise<void> {
    try {
      await (attributes
        ? this.#options.deliver(destinationArn, payload, attributes)
        : this.#options.deliver(destinationArn, payload));
    } catch {
      // Lambda counts failed deliveries (DestinationDeliveryFailures) and moves on; so do we.
    }
  }
}

/** The name at the end of an ARN (a queue, topic, function or bus). */
function nameOf(arn: string): string {
  return arn.split(/[:/]/).pop() ?? arn;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function succeeded(result: AttemptResult): boolean {
  return result.statusCode < 300 && !result.functionError;
}

/** An attempt that failed before the function ran (its environment could not start), as Lambda's 500 answer. */
function serviceFailure(event: AsyncEvent, error: unknown): AttemptResult {
  const statusCode = error instanceof LambdaApiError ? error.statusCode : 500;
  const errorType = error instanceof LambdaApiError ? error.type : 'ServiceException';
  const errorMessage = error instanceof Error ? error.message : String(error);
  return { statusCode, executedVersion: event.version, payload: JSON.stringify({ errorType, errorMessage }) };
}

/** The invocation record Lambda sends to a destination. */
function destinationRecord(
  event: AsyncEvent,
  condition: Condition,
  approximateInvokeCount: number,
  last: AttemptResult | undefined,
  now: number,
): unknown {
  return {
    version: '1.0',
    timestamp: new Date(now).toISOString(),
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
          responsePayload: parseJsonOrText(last.payload),
        }
      : {}),
  };
}

/** Lambda's DLQ message attributes: RequestID, ErrorCode (the 3-digit HTTP status), ErrorMessage (first 1 KB). */
function deadLetterAttributes(
  event: AsyncEvent,
  target: AsyncTarget,
  condition: Condition,
  last: AttemptResult | undefined,
): MessageAttributes {
  const message = last
    ? errorMessageOf(last.payload)
    : condition === 'EventAgeExceeded'
      ? `The event is older than the maximum event age of ${target.config.maximumEventAgeSeconds} seconds.`
      : '';
  return {
    RequestID: { DataType: 'String', StringValue: event.requestId },
    ...(last ? { ErrorCode: { DataType: 'Number', StringValue: String(last.statusCode) } } : {}),
    ...(message
      ? { ErrorMessage: { DataType: 'String', StringValue: message.slice(0, DLQ_ERROR_MESSAGE_LIMIT) } }
      : {}),
  };
}

function errorMessageOf(payload: string): string {
  const parsed = parseJsonOrText(payload);
  if (
    parsed &&
    typeof parsed === 'object' &&
    'errorMessage' in parsed &&
    typeof parsed.errorMessage === 'string'
  ) {
    return parsed.errorMessage;
  }
  return payload;
}
