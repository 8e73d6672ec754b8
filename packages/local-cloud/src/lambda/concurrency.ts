/**
 * Concurrent executions: per function (reserved concurrency) and for the whole account. A synchronous caller
 * over the limit is throttled; asynchronous events and event source pollers queue until a slot frees.
 */
export type ThrottleReason =
  | 'ReservedFunctionConcurrentInvocationLimitExceeded'
  | 'ConcurrentInvocationLimitExceeded';

interface Waiter {
  readonly functionName: string;
  readonly reserved: number | undefined;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class ConcurrencyLimiter {
  readonly #max: number;
  readonly #active = new Map<string, number>();
  #total = 0;
  #waiters: Waiter[] = [];

  constructor(max: number) {
    this.#max = max;
  }

  active(functionName: string): number {
    return this.#active.get(functionName) ?? 0;
  }

  /** Takes a slot now, or says why not. */
  tryAcquire(functionName: string, reserved: number | undefined): ThrottleReason | undefined {
    const reason = this.#blocked(functionName, reserved);
    if (reason === undefined) this.#take(functionName);
    return reason;
  }

  /** Takes a slot, waiting (first come, first served) while the function or the account is at its limit. */
  acquire(functionName: string, reserved: number | undefined): Promise<void> | undefined {
    const queuedAhead = this.#waiters.some((waiter) => waiter.functionName === functionName);
    if (!queuedAhead && this.tryAcquire(functionName, reserved) === undefined) return undefined;
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ functionName, reserved, resolve, reject });
    });
  }

  release(functionName: string): void {
    this.#active.set(functionName, this.active(functionName) - 1);
    this.#total -= 1;
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.#blocked(waiter.functionName, waiter.reserved) === undefined) {
        this.#take(waiter.functionName);
        waiter.resolve();
      } else {
        still.push(waiter);
      }
    }
    this.#waiters = still;
  }

  /** Fails every queued caller (the service is stopping). */
  rejectAll(error: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  #blocked(functionName: string, reserved: number | undefined): ThrottleReason | undefined {
    if (reserved !== undefined && this.active(functionName) >= reserved) {
      return 'ReservedFunctionConcurrentInvocationLimitExceeded';
    }
    if (this.#total >= this.#max) return 'ConcurrentInvocationLimitExceeded';
    return undefined;
  }

  #take(functionName: string): void {
    this.#active.set(functionName, this.active(functionName) + 1);
    this.#total += 1;
  }
}
