/**
 * What the page sees live: invocations, function logs, trigger notices and deliveries to failure destinations, pushed
 * to every open page as server-sent events. Memory stays bounded however fast the cloud runs: each channel keeps a
 * fixed backlog for pages that open later, events are sent in batches (a few per second, not one write per event),
 * and a page that reads slower than the cloud runs is skipped ahead (told how many it missed) instead of buffered.
 */
import type { ServerResponse } from 'node:http';

export type Channel = 'invocation' | 'log' | 'notice' | 'delivery';

export interface LiveOptions {
  /** Items kept per channel for a page that opens later (200 by default). */
  readonly backlog?: number;
  /** Items waiting for the next batch, beyond which the oldest are dropped (2,000 by default). */
  readonly maxPending?: number;
  /** Bytes a page's connection may hold unsent before it is skipped ahead (1 MiB by default). */
  readonly maxUnsentBytes?: number;
  /** How often a batch is sent, in ms (100 by default). */
  readonly intervalMs?: number;
}

interface Client {
  readonly response: ServerResponse;
  /** Items this page missed since its last batch. */
  missed: number;
}

export class LiveFeed {
  readonly #backlog = new Map<Channel, unknown[]>();
  #pending: { channel: Channel; item: unknown }[] = [];
  #dropped = 0;
  readonly #clients = new Set<Client>();
  readonly #options: Required<LiveOptions>;
  readonly #timer: NodeJS.Timeout;

  constructor(options: LiveOptions = {}) {
    this.#options = {
      backlog: 200,
      maxPending: 2000,
      maxUnsentBytes: 1024 * 1024,
      intervalMs: 100,
      ...options,
    };
    this.#timer = setInterval(() => this.#flush(), this.#options.intervalMs);
    this.#timer.unref();
  }

  publish(channel: Channel, item: unknown): void {
    const backlog = this.#backlog.get(channel) ?? [];
    this.#backlog.set(channel, backlog);
    backlog.push(item);
    if (backlog.length > this.#options.backlog * 1.5)
      backlog.splice(0, backlog.length - this.#options.backlog);
    if (this.#clients.size === 0) return;
    this.#pending.push({ channel, item });
    const excess = this.#pending.length - this.#options.maxPending;
    if (excess > 0) {
      this.#pending.splice(0, excess);
      this.#dropped += excess;
    }
  }

  /** Streams to `response` from now on: the backlog first, then batches. */
  attach(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const client: Client = { response, missed: 0 };
    const backlog = [...this.#backlog].flatMap(([channel, items]) =>
      items.slice(-this.#options.backlog).map((item) => ({ channel, item })),
    );
    response.write(frame({ items: backlog, missed: 0 }));
    this.#clients.add(client);
    response.on('close', () => this.#clients.delete(client));
  }

  /** What the feed holds now: for the test that shows memory stays bounded. */
  stats(): { readonly backlog: number; readonly pending: number; readonly clients: number } {
    let backlog = 0;
    for (const items of this.#backlog.values()) backlog += items.length;
    return { backlog, pending: this.#pending.length, clients: this.#clients.size };
  }

  stop(): void {
    clearInterval(this.#timer);
    for (const client of this.#clients) client.response.end();
    this.#clients.clear();
  }

  #flush(): void {
    if (this.#pending.length === 0 && this.#dropped === 0) return;
    const items = this.#pending;
    const dropped = this.#dropped;
    this.#pending = [];
    this.#dropped = 0;
    for (const client of this.#clients) {
      // A page that has not read what it was sent misses this batch rather than piling it up in memory.
      if (client.response.writableLength > this.#options.maxUnsentBytes) {
        client.missed += items.length + dropped;
        continue;
      }
      client.response.write(frame({ items, missed: client.missed + dropped }));
      client.missed = 0;
    }
  }
}

function frame(batch: { items: readonly { channel: Channel; item: unknown }[]; missed: number }): string {
  return `event: batch\ndata: ${JSON.stringify(batch)}\n\n`;
}
