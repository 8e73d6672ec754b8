import { describe, expect, it } from 'vitest';
import { manualClock, scaledClock } from '../src/clock.ts';

describe('the emulation clock', () => {
  it('runs emulated time faster by the time scale: a minute passes in 1.2 s at 0.02', async () => {
    // Prepare
    const clock = scaledClock(0.02);
    const realStart = Date.now();
    const emulatedStart = clock.now();

    // Act: sleep two emulated seconds
    await clock.sleep(2000);

    // Assess: about 40 real ms passed, and the emulated clock moved about 2 s
    const real = Date.now() - realStart;
    expect(real).toBeGreaterThanOrEqual(35);
    expect(real).toBeLessThan(1000);
    expect(clock.now() - emulatedStart).toBeGreaterThanOrEqual(1900);
    expect(clock.realMs(60_000)).toBe(1200);
  });

  it('reads real time at scale 1 and refuses a scale that is not a positive number', () => {
    // Prepare, Act
    const clock = scaledClock();

    // Assess
    expect(Math.abs(clock.now() - Date.now())).toBeLessThan(5);
    expect(() => scaledClock(0)).toThrow(/positive/);
    expect(() => scaledClock(Number.NaN)).toThrow(/positive/);
  });

  it('wakes sleepers of a hand-driven clock in deadline order, and only once time reaches them', async () => {
    // Prepare
    const clock = manualClock(0);
    const woke: string[] = [];
    void clock.sleep(120_000).then(() => woke.push('second retry'));
    void clock.sleep(60_000).then(() => woke.push('first retry'));

    // Act
    await clock.advance(59_999);
    const before = [...woke];
    await clock.advance(60_001);

    // Assess
    expect(before).toEqual([]);
    expect(woke).toEqual(['first retry', 'second retry']);
    expect(clock.now()).toBe(120_000);
    expect(clock.pending).toBe(0);
  });

  it('ends a sleep at once when its signal aborts', async () => {
    // Prepare
    const clock = manualClock();
    const abort = new AbortController();
    const sleeping = clock.sleep(3_600_000, abort.signal);

    // Act
    abort.abort();

    // Assess
    await expect(sleeping).resolves.toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('ends a sleep whose signal was aborted before it began, and keeps it off the queue', async () => {
    // Prepare
    const clock = manualClock();
    const abort = new AbortController();
    abort.abort();

    // Act
    const sleeping = clock.sleep(1_000, abort.signal);

    // Assess
    await expect(sleeping).resolves.toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('leaves other sleepers alone when a signal aborts after its own sleep has ended', async () => {
    // Prepare: one sleep wakes normally, another is still waiting
    const clock = manualClock();
    const abort = new AbortController();
    const short = clock.sleep(1_000, abort.signal);
    let longWoke = false;
    void clock.sleep(60_000).then(() => {
      longWoke = true;
    });
    await clock.advance(1_000);
    await short;

    // Act
    abort.abort();
    await clock.advance(59_000);

    // Assess
    expect(longWoke).toBe(true);
    expect(clock.pending).toBe(0);
  });
});
