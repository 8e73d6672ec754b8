/**
 * Lambda's poller for shard-based streams (Kinesis Data Streams; DynamoDB Streams next), written once against a
 * small interface (`StreamShards`: list shards, get an iterator, read) so each source only says how to reach its
 * shards and what its records look like.
 *
 * Per shard, with AWS's semantics: batches in order (BatchSize, MaximumBatchingWindowInSeconds, 6 MB); records no
 * filter matches are consumed without an invoke; a failed batch is retried with backoff until
 * MaximumRetryAttempts or MaximumRecordAgeInSeconds runs out (-1: until the record expires), bisected first when
 * BisectBatchOnFunctionError is set (a split is not a retry); ReportBatchItemFailures rewinds to the lowest failed
 * sequence number; what is given up on goes to the on-failure destination as Lambda's record (the records
 * themselves are not in it). A failing batch blocks its shard (its lane, with ParallelizationFactor) and nothing
 * else. TumblingWindowInSeconds carries `state` from one invoke to the next and ends each window with a final
 * invoke. Every wait (backoff, batching window, ages, windows) is on the cloud's clock.
 */
import { createHash, randomUUID } from 'node:crypto';
import { realSleep } from '../clock.ts';
import { messageOf } from '../errors.ts';
import type { Deliver } from '../lambda/index.ts';
import { SYNCHRONOUS_REQUEST_LIMIT } from '../lambda/payload-limits.ts';
import type {
  EventSource,
  EventSourceMappingConfig,
  EventSourceState,
  InvokeResult,
  TriggerServices,
} from '../types.ts';
import { matchesPattern } from './filter.ts';

export type StartingPosition =
  | { readonly type: 'TRIM_HORIZON' | 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestampSeconds: number }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/** One record read from a shard, with what the poller needs to batch, filter, order and report it. */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Orders records within a lane when ParallelizationFactor > 1. */
  readonly partitionKey: string;
  /** When the stream took the record (real epoch ms, as the stream stamps it). */
  readonly arrivalMs: number;
  /** The record as the function gets it in `Records`. */
  readonly eventRecord: unknown;
  /**
   * The record as filter patterns see it: the data key holds the decoded JSON, or `undefined` when the data is not
   * JSON (then a pattern on the data key drops the record, as AWS does).
   */
  readonly filterView: Readonly<Record<string, unknown>>;
}

/** How a poller reaches a stream's shards: the seam a new shard-based source implements. */
export interface StreamShards {
  listShards(): Promise<readonly string[]>;
  /** An iterator at the position, or undefined when the shard is gone. */
  iterator(shardId: string, position: StartingPosition): Promise<string | undefined>;
  /** Up to `limit` records; `next` is undefined once a closed shard is read to its end. */
  read(
    shardId: string,
    iterator: string,
    limit: number,
  ): Promise<{ readonly records: readonly StreamRecord[]; readonly next?: string }>;
  /** true when an error means the iterator expired (read again from the last record). */
  isExpiredIterator(error: unknown): boolean;
  destroy?(): void;
}

/** What differs between stream sources in the event and the on-failure record. */
export interface StreamKind {
  /** As records name it: 'aws:kinesis'. */
  readonly eventSource: string;
  /** The key of the batch info in the on-failure record: 'KinesisBatchInfo', 'DDBStreamBatchInfo'. */
  readonly batchInfoKey: string;
  /** The key the record's payload has in filter patterns: 'data' (Kinesis), 'dynamodb'. */
  readonly dataKey: string;
  /** How the batch info names the stream: `streamArn`. */
  readonly streamArnKey: string;
}

/** A stream mapping: the base, plus what only stream sources have. */
export interface StreamEventSourceConfig extends EventSourceMappingConfig {
  readonly functionArn: string;
  readonly startingPosition: StartingPosition;
  /** -1: retry until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1: until the stream's retention drops it. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly parallelizationFactor: number;
  /** 0: no tumbling windows. */
  readonly tumblingWindowSeconds: number;
  readonly onFailureDestination?: string;
  /** How long the stream keeps records; they expire (and are given up on) after it. */
  readonly retentionHours: number;
}

export interface StreamPollerDeps {
  readonly triggers: TriggerServices;
  readonly shards: StreamShards;
  readonly kind: StreamKind;
  /** Sends the on-failure record (destinations.ts). */
  readonly deliver: Deliver;
  /** For the description: the stream's name. */
  readonly sourceName: string;
}

/** What `state()` adds for a stream mapping: every retry and every discard is counted. */
export interface StreamEventSourceState extends EventSourceState {
  readonly shards: number;
  /** Failed invokes retried (bisections included). */
  readonly retries: number;
  /** Records given up on (sent to the on-failure destination, or dropped without one). */
  readonly discarded: number;
  /** Records no filter matched (consumed without an invoke). */
  readonly filteredOut: number;
  /**
   * How far behind the poller is, as Lambda's IteratorAge metric says it: the age (emulated ms) of the oldest
   * record read but not yet done with, on any shard; 0 when it has caught up.
   */
  readonly iteratorAgeMs: number;
}

/** Lambda polls a shard about once a second when it has nothing new. */
const POLL_INTERVAL_MS = 1000;
const MIN_REAL_POLL_MS = 5;
/** Backoff between retries of a failed batch: 1 s doubling to 60 s (emulated). */
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;
/** GetRecords returns at most 10,000 records. */
const MAX_READ = 10_000;
/** Window state above 1 MB ends the window early. */
const MAX_STATE_BYTES = 1024 * 1024;
/** What a batch event adds around its records (brackets, commas, window fields): kept free under 6 MB. */
const EVENT_OVERHEAD_BYTES = 2048;

export class StreamPoller implements EventSource {
  readonly config: StreamEventSourceConfig;
  readonly description: string;
  readonly #deps: StreamPollerDeps;
  #abort = new AbortController();
  #running = false;
  #stopped = false;
  #consumers: ShardConsumer[] = [];
  #work: Promise<void> | undefined;
  readonly counts = { invocations: 0, retries: 0, discarded: 0, filteredOut: 0 };
  #lastProblem: string | undefined;

  constructor(config: StreamEventSourceConfig, deps: StreamPollerDeps) {
    this.config = config;
    this.#deps = deps;
    this.description = `${deps.kind.eventSource === 'aws:kinesis' ? 'Kinesis' : deps.kind.eventSource} mapping ${deps.sourceName} → ${config.functionName}`;
  }

  state(): StreamEventSourceState {
    return {
      state: this.#stopped ? 'Stopped' : this.config.enabled ? 'Enabled' : 'Disabled',
      ...this.counts,
      shards: this.#consumers.length,
      iteratorAgeMs: Math.max(0, ...this.#consumers.map((consumer) => consumer.iteratorAgeMs())),
      ...(this.#lastProblem ? { lastProblem: this.#lastProblem } : {}),
    };
  }

  start(): void {
    if (this.#running || !this.config.enabled) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#work = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#running) {
      this.#running = false;
      this.#abort.abort();
      await this.#work;
    }
    // A disabled mapping never polled, but its stream client was made (and used) all the same.
    this.#deps.shards.destroy?.();
  }

  get running(): boolean {
    return this.#running;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  async #run(): Promise<void> {
    let shardIds: readonly string[] | undefined;
    while (this.#running && !shardIds) {
      try {
        shardIds = await this.#deps.shards.listShards();
      } catch (error) {
        this.problem(`The ${this.description} cannot list the stream's shards: ${messageOf(error)}`);
        await realSleep(1000, this.signal);
      }
    }
    if (!shardIds) return;
    this.#consumers = shardIds.map((shardId) => new ShardConsumer(shardId, this, this.#deps));
    await Promise.all(this.#consumers.map((consumer) => consumer.run()));
  }

  /** A problem worth a line on the terminal, said once until a round works again. */
  problem(message: string): void {
    if (message === this.#lastProblem) return;
    this.#lastProblem = message;
    this.#deps.triggers.warn(message);
  }

  clearProblem(): void {
    this.#lastProblem = undefined;
  }
}

/** A record with the emulated time it arrived, for ages and windows. */
interface Pending {
  readonly record: StreamRecord;
  readonly arrivedAt: number; // emulated epoch ms
  readonly bytes: number;
}

/** Wakes waiters when records arrive or are taken (the reader and the lanes wait on each other). */
class Signal {
  #waiters: (() => void)[] = [];
  notify(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        // A wait that timed out leaves the list (a shard stuck for hours must not pile up waiters).
        const index = this.#waiters.indexOf(done);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }
}

/** One lane of a shard: records of its partition keys, processed one batch at a time, in order. */
interface Lane {
  readonly queue: Pending[];
  /** The batch being invoked (or retried), until it is done with. */
  inFlight?: readonly Pending[];
  /** When the lane's first waiting record came (real ms), for the batching window. */
  firstWaitingAt?: number;
  /** Tumbling windows: the open window and its state. */
  window?: { start: number; end: number; state: Record<string, unknown> };
}

class ShardConsumer {
  readonly #shardId: string;
  readonly #poller: StreamPoller;
  readonly #deps: StreamPollerDeps;
  readonly #config: StreamEventSourceConfig;
  readonly #lanes: Lane[];
  readonly #arrived = new Signal();
  readonly #taken = new Signal();
  /** The reader read the shard to its present end at this emulated time (for closing tumbling windows). */
  #caughtUpAt = 0;
  #readerDone = false;

  constructor(shardId: string, poller: StreamPoller, deps: StreamPollerDeps) {
    this.#shardId = shardId;
    this.#poller = poller;
    this.#deps = deps;
    this.#config = poller.config;
    const lanes = Math.max(1, Math.min(10, poller.config.parallelizationFactor));
    this.#lanes = Array.from({ length: lanes }, () => ({ queue: [] }));
  }

  get #clock() {
    return this.#deps.triggers.clock;
  }

  /** The age of the oldest record this shard has read and not yet done with. */
  iteratorAgeMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const lane of this.#lanes) {
      const head = lane.inFlight?.[0] ?? lane.queue[0];
      if (head) oldest = Math.min(oldest, head.arrivedAt);
    }
    return oldest === Number.POSITIVE_INFINITY ? 0 : Math.max(0, this.#clock.now() - oldest);
  }

  async run(): Promise<void> {
    await Promise.all([this.#read(), ...this.#lanes.map((lane) => this.#consume(lane))]);
  }

  /** Reads the shard into the lanes, a few batches ahead at most. */
  async #read(): Promise<void> {
    const { shards } = this.#deps;
    const signal = this.#poller.signal;
    let iterator: string | undefined;
    let lastSequence: string | undefined;
    const highWater = Math.max(this.#config.batchSize * 2, 100);
    while (this.#poller.running) {
      try {
        if (iterator === undefined) {
          iterator = await shards.iterator(
            this.#shardId,
            lastSequence
              ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastSequence }
              : this.#config.startingPosition,
          );
          if (iterator === undefined) break;
        }
        if (this.#lanes.some((lane) => lane.queue.length >= highWater)) {
          await this.#taken.wait(this.#pollMs(), signal);
          continue;
        }
        const readAt = this.#clock.now();
        const { records, next } = await shards.read(this.#shardId, iterator, MAX_READ);
        iterator = next;
        for (const record of records) {
          lastSequence = record.sequenceNumber;
          this.#accept(record);
        }
        this.#poller.clearProblem();
        if (records.length > 0) this.#arrived.notify();
        if (next === undefined) break; // a closed shard, read to its end
        if (records.length === 0) {
          this.#caughtUpAt = readAt;
          this.#arrived.notify();
          await realSleep(this.#pollMs(), signal);
        }
      } catch (error) {
        if (!this.#poller.running) break;
        if (shards.isExpiredIterator(error)) {
          iterator = undefined; // read on from the last record
          continue;
        }
        this.#poller.problem(
          `The ${this.#poller.description} cannot read ${this.#shardId}: ${messageOf(error)}`,
        );
        await realSleep(1000, signal);
      }
    }
    this.#readerDone = true;
    this.#arrived.notify();
  }

  #pollMs(): number {
    return Math.min(POLL_INTERVAL_MS, Math.max(MIN_REAL_POLL_MS, this.#clock.realMs(POLL_INTERVAL_MS)));
  }

  /** Filters a record and queues it on the lane of its partition key. */
  #accept(record: StreamRecord): void {
    const patterns = this.#config.filterPatterns;
    if (patterns.length > 0 && !patterns.some((pattern) => this.#matches(pattern, record))) {
      this.#poller.counts.filteredOut += 1;
      return;
    }
    const lane = this.#lanes[laneOf(record.partitionKey, this.#lanes.length)] as Lane;
    const clock = this.#clock;
    // Ages and windows are emulated time: map the stream's real arrival stamp onto the cloud's clock.
    const arrivedAt =
      clock.scale > 0 ? clock.now() - (Date.now() - record.arrivalMs) / clock.scale : clock.now();
    lane.queue.push({
      record,
      arrivedAt: Math.min(arrivedAt, clock.now()),
      bytes: Buffer.byteLength(JSON.stringify(record.eventRecord)) + 1,
    });
  }

  /** A pattern on the data key never matches data that is not JSON (AWS drops such records). */
  #matches(pattern: unknown, record: StreamRecord): boolean {
    const dataKey = this.#deps.kind.dataKey;
    const onData =
      typeof pattern === 'object' && pattern !== null && Object.hasOwn(pattern as object, dataKey);
    if (onData && record.filterView[dataKey] === undefined) return false;
    return matchesPattern(pattern, record.filterView);
  }

  async #consume(lane: Lane): Promise<void> {
    while (this.#poller.running) {
      const batch = await this.#gather(lane);
      if (batch === 'closed') break;
      if (batch === 'window-over') {
        await this.#finalInvoke(lane, false);
        continue;
      }
      if (batch.length === 0) continue;
      lane.inFlight = batch;
      try {
        await this.#process(lane, batch);
      } finally {
        lane.inFlight = undefined;
      }
    }
  }

  /**
   * The next batch: up to BatchSize records within 6 MB, once the batching window has passed since the first
   * one waited (or at once without a window). With tumbling windows, one window's records only; 'window-over'
   * when the open window has ended and none of its records remain.
   */
  async #gather(lane: Lane): Promise<Pending[] | 'closed' | 'window-over'> {
    const signal = this.#poller.signal;
    const windowMs = this.#clock.realMs(this.#config.maximumBatchingWindowSeconds * 1000);
    while (this.#poller.running) {
      const tumbling = this.#config.tumblingWindowSeconds > 0;
      if (tumbling && lane.window && this.#windowOver(lane)) return 'window-over';
      if (lane.queue.length === 0) {
        if (this.#readerDone) return 'closed';
        await this.#arrived.wait(this.#pollMs(), signal);
        continue;
      }
      if (tumbling) this.#openWindow(lane);
      const candidates = tumbling ? this.#inWindow(lane) : lane.queue.length;
      const full =
        candidates >= this.#config.batchSize || this.#bytes(lane, candidates) >= this.#payloadBudget(lane);
      // The window must end before the lane's records may go out without filling a batch.
      const windowEnded = tumbling && candidates < lane.queue.length;
      if (!full && !windowEnded && windowMs > 0) {
        lane.firstWaitingAt ??= Date.now();
        const remaining = lane.firstWaitingAt + windowMs - Date.now();
        if (remaining > 0) {
          await this.#arrived.wait(remaining, signal);
          continue;
        }
      }
      if (candidates === 0) return 'window-over';
      lane.firstWaitingAt = undefined;
      const batch = this.#take(lane, candidates);
      this.#taken.notify();
      return batch;
    }
    return 'closed';
  }

  #openWindow(lane: Lane): void {
    if (lane.window) return;
    const first = lane.queue[0];
    if (!first) return;
    const length = this.#config.tumblingWindowSeconds * 1000;
    const start = Math.floor(first.arrivedAt / length) * length;
    lane.window = { start, end: start + length, state: {} };
  }

  /** How many records at the head of the lane belong to its open window. */
  #inWindow(lane: Lane): number {
    const end = lane.window?.end ?? Number.POSITIVE_INFINITY;
    let count = 0;
    while (count < lane.queue.length && (lane.queue[count] as Pending).arrivedAt < end) count += 1;
    return count;
  }

  /** The window is over once a later record waits, or its end has passed and the shard has nothing more. */
  #windowOver(lane: Lane): boolean {
    const window = lane.window;
    if (!window) return false;
    if (this.#inWindow(lane) > 0) return false;
    if (lane.queue.length > 0) return true;
    return this.#caughtUpAt >= window.end || this.#readerDone;
  }

  #payloadBudget(lane: Lane): number {
    const state = lane.window ? Buffer.byteLength(JSON.stringify(lane.window.state)) : 0;
    return SYNCHRONOUS_REQUEST_LIMIT - EVENT_OVERHEAD_BYTES - state;
  }

  #bytes(lane: Lane, count: number): number {
    let bytes = 0;
    for (let index = 0; index < count; index += 1) bytes += (lane.queue[index] as Pending).bytes;
    return bytes;
  }

  /** Takes up to BatchSize of the first `available` records, staying within the payload budget. */
  #take(lane: Lane, available: number): Pending[] {
    const budget = this.#payloadBudget(lane);
    let bytes = 0;
    let count = 0;
    while (count < Math.min(available, this.#config.batchSize)) {
      const next = lane.queue[count] as Pending;
      if (count > 0 && bytes + next.bytes > budget) break;
      bytes += next.bytes;
      count += 1;
    }
    return lane.queue.splice(0, count);
  }

  /**
   * Invokes until the batch is done: success checkpoints it; a reported failure rewinds to the lowest failed
   * sequence number (what precedes it is done); a failure is bisected or retried after a backoff until retries
   * or the records' age run out, and then given up on.
   */
  async #process(lane: Lane, batch: Pending[]): Promise<void> {
    const config = this.#config;
    const pending: Pending[][] = [batch];
    let failedInvokes = 0;
    let last: { result: InvokeResult; requestId: string } | undefined;
    while (pending.length > 0) {
      const current = pending[0] as Pending[];
      lane.inFlight = current;
      const expired = this.#expired(current);
      if (expired > 0) {
        await this.#discard(current.slice(0, expired), 'RecordAgeExceeded', failedInvokes, last?.result);
        current.splice(0, expired);
        if (current.length === 0) {
          pending.shift();
          continue;
        }
      }
      // Stopping: what is unfinished is read again by the next poller, as after a restart on AWS.
      if (!this.#poller.running) return;
      const result = await this.#invoke(lane, current, false);
      // Stopping ended the invoke (Lambda stops alongside): not the records' failure, nothing to give up on.
      if (!this.#poller.running) return;
      const outcome = this.#judge(current, result, lane);
      if (outcome.ok) {
        if (lane.window && outcome.state) await this.#keepState(lane, outcome.state);
        pending.shift();
        failedInvokes = 0;
        last = undefined;
        continue;
      }
      last = { result, requestId: result.requestId };
      const remaining = current.slice(outcome.failedFrom);
      pending[0] = remaining;
      if (config.bisectBatchOnFunctionError && remaining.length > 1) {
        // A split is not a retry: the halves go in order, the first one next.
        this.#poller.counts.retries += 1;
        const half = Math.ceil(remaining.length / 2);
        pending.splice(0, 1, remaining.slice(0, half), remaining.slice(half));
        this.#notice(
          'retry',
          `batch of ${remaining.length} failed (${outcome.reason}); bisected into ${half} + ${remaining.length - half}`,
        );
        continue;
      }
      failedInvokes += 1;
      if (config.maximumRetryAttempts >= 0 && failedInvokes > config.maximumRetryAttempts) {
        await this.#discard(remaining, 'RetryAttemptsExhausted', failedInvokes, result);
        pending.shift();
        failedInvokes = 0;
        last = undefined;
        continue;
      }
      this.#poller.counts.retries += 1;
      const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failedInvokes - 1));
      this.#notice(
        'retry',
        `batch of ${remaining.length} failed (${outcome.reason}); retry ${failedInvokes}${config.maximumRetryAttempts >= 0 ? ` of ${config.maximumRetryAttempts}` : ''} in ${delay / 1000} s`,
      );
      await this.#clock.sleep(delay, this.#poller.signal);
    }
  }

  /** How many records at the head of a batch are past MaximumRecordAgeInSeconds (or the stream's retention). */
  #expired(batch: readonly Pending[]): number {
    const ageSeconds =
      this.#config.maximumRecordAgeSeconds >= 0
        ? this.#config.maximumRecordAgeSeconds
        : this.#config.retentionHours * 3600;
    const oldest = this.#clock.now() - ageSeconds * 1000;
    let count = 0;
    while (count < batch.length && (batch[count] as Pending).arrivedAt < oldest) count += 1;
    return count;
  }

  async #invoke(lane: Lane, batch: readonly Pending[], final: boolean, early = false): Promise<InvokeResult> {
    const records = batch.map((pending) => pending.record.eventRecord);
    const window = lane.window;
    const event = window
      ? {
          Records: records,
          window: { start: isoSeconds(window.start), end: isoSeconds(window.end) },
          state: window.state,
          shardId: this.#shardId,
          eventSourceARN: this.#config.sourceArn,
          isFinalInvokeForWindow: final,
          isWindowTerminatedEarly: early,
        }
      : { Records: records };
    this.#poller.counts.invocations += 1;
    try {
      return await this.#deps.triggers.invoke(this.#config.functionName, JSON.stringify(event), {
        source: this.#deps.kind.eventSource,
        event,
      });
    } catch (error) {
      // The function could not be invoked (deleted, the service stopping): a failure like any other.
      return {
        requestId: randomUUID(),
        statusCode: 500,
        functionError: 'Unhandled',
        payload: JSON.stringify({ errorType: 'ServiceException', errorMessage: messageOf(error) }),
        executedVersion: '$LATEST',
      };
    }
  }

  /**
   * Success, or from which record on the batch failed and why: a function error fails it all; with tumbling
   * windows a response without `state` fails it all; with ReportBatchItemFailures the lowest reported sequence
   * number is where it failed, and an empty, unknown or malformed identifier fails it all.
   */
  #judge(
    batch: readonly Pending[],
    result: InvokeResult,
    lane: Lane,
  ): { ok: true; state?: Record<string, unknown> } | { ok: false; failedFrom: number; reason: string } {
    if (result.functionError) return { ok: false, failedFrom: 0, reason: errorSummary(result.payload) };
    const response = parseJson(result.payload);
    let state: Record<string, unknown> | undefined;
    if (lane.window) {
      const given = isObject(response) ? response.state : undefined;
      if (!isObject(given)) return { ok: false, failedFrom: 0, reason: 'the response has no state' };
      state = given;
    }
    if (!this.#config.reportBatchItemFailures) return { ok: true, ...(state && { state }) };
    const failures = isObject(response) ? response.batchItemFailures : undefined;
    if (response === undefined || response === null || failures === undefined || failures === null)
      return { ok: true, ...(state && { state }) };
    if (!isObject(response) || !Array.isArray(failures))
      return { ok: false, failedFrom: 0, reason: 'batchItemFailures is not a list' };
    if (failures.length === 0) return { ok: true, ...(state && { state }) };
    let lowest: number | undefined;
    for (const failure of failures) {
      const id = isObject(failure) ? failure.itemIdentifier : undefined;
      const index =
        typeof id === 'string' && id !== ''
          ? batch.findIndex((pending) => pending.record.sequenceNumber === id)
          : -1;
      if (index < 0) {
        return {
          ok: false,
          failedFrom: 0,
          reason: `itemIdentifier ${JSON.stringify(id ?? null)} is not a record of the batch`,
        };
      }
      lowest = lowest === undefined ? index : Math.min(lowest, index);
    }
    // Records before the checkpoint are done; their part of the window's state is kept.
    if (state && lane.window) lane.window.state = state;
    return { ok: false, failedFrom: lowest ?? 0, reason: `${failures.length} record(s) reported failed` };
  }

  async #keepState(lane: Lane, state: Record<string, unknown>): Promise<void> {
    if (!lane.window) return;
    lane.window.state = state;
    if (Buffer.byteLength(JSON.stringify(state)) > MAX_STATE_BYTES) await this.#finalInvoke(lane, true);
  }

  /** The window's last invoke: no records, its state, isFinalInvokeForWindow. Retried until it succeeds. */
  async #finalInvoke(lane: Lane, early: boolean): Promise<void> {
    const window = lane.window;
    if (!window) return;
    let failures = 0;
    while (this.#poller.running) {
      const result = await this.#invoke(lane, [], true, early);
      const outcome = this.#judge([], result, lane);
      if (outcome.ok) break;
      failures += 1;
      this.#poller.counts.retries += 1;
      const delay = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (failures - 1));
      this.#notice(
        'retry',
        `final invoke of window ${isoSeconds(window.start)} failed (${outcome.reason}); retry in ${delay / 1000} s`,
      );
      await this.#clock.sleep(delay, this.#poller.signal);
    }
    // An early end keeps the window open with a fresh state; a finished window closes.
    lane.window = early ? { ...window, state: {} } : undefined;
  }

  /** Gives records up: Lambda's on-failure record to the destination, or dropped without one. */
  async #discard(
    records: readonly Pending[],
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    invokes: number,
    result: InvokeResult | undefined,
  ): Promise<void> {
    const first = records[0] as Pending;
    const last = records[records.length - 1] as Pending;
    this.#poller.counts.discarded += records.length;
    const destination = this.#config.onFailureDestination;
    const what = `${records.length} record(s) ${first.record.sequenceNumber}…${last.record.sequenceNumber} of ${this.#shardId}`;
    const why =
      condition === 'RetryAttemptsExhausted' ? 'retries exhausted' : 'older than the maximum record age';
    if (!destination) {
      this.#notice('dropped', `${what} discarded (${why}); no on-failure destination`);
      return;
    }
    const kind = this.#deps.kind;
    const payload = {
      requestContext: {
        requestId: result?.requestId ?? randomUUID(),
        functionArn: this.#config.functionArn,
        condition,
        approximateInvokeCount: invokes,
      },
      ...(result && {
        responseContext: {
          statusCode: result.statusCode,
          executedVersion: result.executedVersion,
          ...(result.functionError && { functionError: result.functionError }),
        },
      }),
      version: '1.0',
      timestamp: new Date(this.#clock.now()).toISOString(),
      [kind.batchInfoKey]: {
        shardId: this.#shardId,
        startSequenceNumber: first.record.sequenceNumber,
        endSequenceNumber: last.record.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(first.record.arrivalMs).toISOString(),
        approximateArrivalOfLastRecord: new Date(last.record.arrivalMs).toISOString(),
        batchSize: records.length,
        [kind.streamArnKey]: this.#config.sourceArn,
      },
    };
    try {
      await this.#deps.deliver(destination, payload);
      this.#notice('dead-letter', `${what} sent to ${destination} (${why})`);
    } catch (error) {
      // Lambda moves on either way; the delivery record says why it failed.
      this.#poller.problem(
        `The ${this.#poller.description} could not send ${what} to ${destination}: ${messageOf(error)}`,
      );
    }
  }

  #notice(kind: 'retry' | 'dead-letter' | 'dropped', message: string): void {
    this.#deps.triggers.notice({
      at: this.#clock.now(),
      functionName: this.#config.functionName,
      source: this.#deps.kind.eventSource,
      kind,
      message: `${this.#shardId}: ${message}`,
    });
  }
}

/** The lane of a partition key: records with one key always share a lane, so they stay in order. */
function laneOf(partitionKey: string, lanes: number): number {
  if (lanes === 1) return 0;
  return createHash('md5').update(partitionKey).digest().readUInt32BE(0) % lanes;
}

/** `2020-12-09T07:04:00Z`: Lambda writes window bounds without milliseconds. */
function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorSummary(payload: string | undefined): string {
  const error = parseJson(payload);
  if (isObject(error) && typeof error.errorMessage === 'string') {
    return `${typeof error.errorType === 'string' ? `${error.errorType}: ` : ''}${error.errorMessage}`.slice(
      0,
      200,
    );
  }
  return 'function error';
}
