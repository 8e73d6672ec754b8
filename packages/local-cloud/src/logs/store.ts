import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiHandler, AwsContext, LogEvent } from '../types.ts';
import { handleLogsApi, type LogsApiBackend } from './api.ts';
import { compileFilterPattern } from './filter-pattern.ts';
import type { LogQuery, StoredLogEvent, StoredLogGroup, StoredLogStream } from './stored-logs.ts';

export interface LogStoreOptions {
  /** Region and account for the ARNs the API returns; us-east-1 / 000000000000 by default. */
  readonly aws?: Pick<AwsContext, 'region' | 'accountId'>;
  /** Oldest events are dropped past this many per stream, so a long session does not grow without bound. */
  readonly maxEventsPerStream?: number;
}

export interface LogStoreEvents {
  events: [group: string, stream: string, events: LogEvent[]];
}

/** In-memory CloudWatch Logs: log groups of streams of time-ordered events, with the Logs JSON API on top. */
export class LogStore extends EventEmitter<LogStoreEvents> implements ApiHandler, LogsApiBackend {
  readonly region: string;
  readonly accountId: string;
  readonly #groups = new Map<string, StoredLogGroup>();
  readonly #maxEventsPerStream: number;
  #sequence = 0;

  constructor(options: LogStoreOptions = {}) {
    super();
    this.region = options.aws?.region ?? 'us-east-1';
    this.accountId = options.aws?.accountId ?? '000000000000';
    this.#maxEventsPerStream = options.maxEventsPerStream ?? 50_000;
  }

  /** Idempotent: an existing group keeps its streams (and gets the retention, when one is given). */
  createLogGroup(name: string, retentionDays?: number): void {
    const existing = this.#groups.get(name);
    if (existing) {
      if (retentionDays !== undefined) existing.retentionInDays = retentionDays;
      return;
    }
    this.#groups.set(name, {
      name,
      creationTime: Date.now(),
      retentionInDays: retentionDays,
      streams: new Map(),
    });
  }

  deleteLogGroup(name: string): boolean {
    return this.#groups.delete(name);
  }

  /** Idempotent; creates the group too when needed. */
  createLogStream(group: string, stream: string): StoredLogStream {
    this.createLogGroup(group);
    const streams = (this.#groups.get(group) as StoredLogGroup).streams;
    let existing = streams.get(stream);
    if (!existing) {
      existing = { name: stream, creationTime: Date.now(), events: [] };
      streams.set(stream, existing);
    }
    return existing;
  }

  /** Adds events (any order) to a stream, creating the group and stream as needed. */
  putLogEvents(group: string, stream: string, events: LogEvent[]): void {
    if (events.length === 0) return;
    const target = this.createLogStream(group, stream);
    const now = Date.now();
    for (const event of events) {
      insertInTimeOrder(target.events, {
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: now,
        sequence: ++this.#sequence,
      });
    }
    target.lastIngestionTime = now;
    const excess = target.events.length - this.#maxEventsPerStream;
    // Trim in chunks: one splice per many puts, not one per event.
    if (excess > this.#maxEventsPerStream / 10) target.events.splice(0, excess);
    this.emit('events', group, stream, events);
  }

  /** Events of a group across its streams, in time order; `filter` is a CloudWatch filter pattern. */
  getLogEvents(
    group: string,
    options: { streamPrefix?: string; startTime?: number; endTime?: number; filter?: string } = {},
  ): Array<LogEvent & { logStreamName: string }> {
    return this.query(group, options).map(({ event, logStreamName }) => ({
      timestamp: event.timestamp,
      message: event.message,
      logStreamName,
    }));
  }

  logGroupNames(): string[] {
    return [...this.#groups.keys()].sort();
  }

  group(name: string): StoredLogGroup | undefined {
    return this.#groups.get(name);
  }

  groups(): IterableIterator<StoredLogGroup> {
    return this.#groups.values();
  }

  logGroupArn(name: string): string {
    return `arn:aws:logs:${this.region}:${this.accountId}:log-group:${name}`;
  }

  /** Matching events with their stream, ordered by time then arrival. */
  query(group: string, options: LogQuery): Array<{ event: StoredLogEvent; logStreamName: string }> {
    const found = this.#groups.get(group);
    if (!found) return [];
    const matches = compileFilterPattern(options.filter);
    const results: Array<{ event: StoredLogEvent; logStreamName: string }> = [];
    for (const stream of found.streams.values()) {
      if (options.streamPrefix !== undefined && !stream.name.startsWith(options.streamPrefix)) continue;
      if (options.streamNames && !options.streamNames.includes(stream.name)) continue;
      for (const event of stream.events) {
        if (options.startTime !== undefined && event.timestamp < options.startTime) continue;
        if (options.endTime !== undefined && event.timestamp >= options.endTime) continue;
        if (matches(event.message)) results.push({ event, logStreamName: stream.name });
      }
    }
    return results.sort((a, b) => compareEvents(a.event, b.event));
  }

  handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    return handleLogsApi(this, request, response, body);
  }
}

export function compareEvents(a: StoredLogEvent, b: StoredLogEvent): number {
  return a.timestamp - b.timestamp || a.sequence - b.sequence;
}

function insertInTimeOrder(events: StoredLogEvent[], event: StoredLogEvent): void {
  const last = events[events.length - 1];
  if (!last || last.timestamp <= event.timestamp) {
    events.push(event);
    return;
  }
  // Late arrival (stdout read after a platform line, say): place it after every event not later than it.
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle] as StoredLogEvent).timestamp <= event.timestamp) low = middle + 1;
    else high = middle;
  }
  events.splice(low, 0, event);
}
