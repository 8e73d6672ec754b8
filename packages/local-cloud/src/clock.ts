/**
 * The emulation's one clock. Every wait the local cloud owns on AWS's behalf — async retry delays, the visibility a
 * failed SQS record gets back, batching windows, record and event ages, schedules — reads it, so a test can run
 * AWS's minutes in seconds (`timeScale: 0.02` makes Lambda's one-minute retry wait 1.2 s) or drive time by hand.
 * What really runs is not scaled: a function's own timeout, HTTP timeouts, the emulators' clocks.
 */

export interface Clock {
  /** Real milliseconds per emulated millisecond: 1 at real time, 0.02 when a minute passes in 1.2 s. */
  readonly scale: number;
  /** Emulated epoch milliseconds: what `Date.now()` would read in the emulated world. */
  now(): number;
  /** Resolves once `ms` of emulated time have passed, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** How long `ms` of emulated time lasts in real milliseconds (for waits done elsewhere, like a long poll). */
  realMs(ms: number): number;
}

/** The clock of a local cloud: real time, or real time sped up (`timeScale` < 1) from the moment it is made. */
export function scaledClock(timeScale = 1): Clock {
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError(`timeScale must be a positive number, not ${timeScale}`);
  }
  const origin = Date.now();
  return {
    scale: timeScale,
    now: () => (timeScale === 1 ? Date.now() : origin + Math.round((Date.now() - origin) / timeScale)),
    sleep: (ms, signal) => realSleep(ms * timeScale, signal),
    realMs: (ms) => ms * timeScale,
  };
}

/** A clock that moves only when told (`advance`), for unit tests of time-driven rules. */
export interface ManualClock extends Clock {
  /** Moves time forward and wakes every sleeper whose wait is over, in deadline order. */
  advance(ms: number): Promise<void>;
  /** Sleepers still waiting. */
  readonly pending: number;
}

export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  const sleepers: { until: number; wake: () => void }[] = [];
  return {
    scale: 0,
    now: () => now,
    realMs: () => 0,
    get pending() {
      return sleepers.length;
    },
    sleep(ms, signal) {
      return new Promise<void>((resolve) => {
        // As realSleep: an aborted wait ends at once, and its abort listener goes when it wakes.
        if (signal?.aborted) return resolve();
        const abort = () => {
          const index = sleepers.indexOf(sleeper);
          if (index >= 0) sleepers.splice(index, 1);
          resolve();
        };
        const sleeper = {
          until: now + Math.max(0, ms),
          wake: () => {
            signal?.removeEventListener('abort', abort);
            resolve();
          },
        };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', abort, { once: true });
      });
    },
    async advance(ms) {
      const target = now + ms;
      // Work already under way (an attempt about to fail and sleep) gets to reach its sleep first.
      await new Promise((resolve) => setImmediate(resolve));
      for (;;) {
        sleepers.sort((a, b) => a.until - b.until);
        const next = sleepers[0];
        if (!next || next.until > target) break;
        sleepers.shift();
        now = next.until;
        next.wake();
        // Let the woken code run (and perhaps sleep again) before time moves on.
        await new Promise((resolve) => setImmediate(resolve));
      }
      now = target;
    },
  };
}

/** A real-time wait that an abort ends early. */
export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
