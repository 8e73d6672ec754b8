import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../src/web/live.ts';

/** A server whose one route streams the feed; its URL. */
async function serve(feed: LiveFeed): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => feed.attach(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The batches a reader of the stream gets, as they come. */
async function read(url: string, signal: AbortSignal, batches: { items: unknown[]; missed: number }[]) {
  const response = await fetch(url, { signal });
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body ?? []) {
      text += decoder.decode(chunk, { stream: true });
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const data = /^data: (.*)$/m.exec(text.slice(0, end))?.[1];
        if (data) batches.push(JSON.parse(data));
        text = text.slice(end + 2);
      }
    }
  } catch {
    // aborted: the test is done reading
  }
}

describe('LiveFeed', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  /** Serves `feed` to one reader, stopped after the test; the batches the reader gets, as they come. */
  async function readFeed<T>(feed: LiveFeed): Promise<{ items: T[]; missed: number }[]> {
    const { server, url } = await serve(feed);
    const abort = new AbortController();
    stop = async () => {
      abort.abort();
      feed.stop();
      await new Promise((resolve) => server.close(resolve));
    };
    const batches: { items: T[]; missed: number }[] = [];
    void read(url, abort.signal, batches as never);
    return batches;
  }

  it('gives a page that opens late the backlog of each channel, no more than the backlog', async () => {
    // Prepare
    const feed = new LiveFeed({ backlog: 5, intervalMs: 10 });
    for (let i = 0; i < 100; i++) feed.publish('invocation', { n: i });
    feed.publish('log', { n: 'only' });
    const batches = await readFeed<{ channel: string; item: { n: unknown } }>(feed);

    // Act
    await expect.poll(() => batches.length).toBeGreaterThan(0);

    // Assess
    expect(batches[0]?.items.map(({ channel, item }) => `${channel}:${item.n}`)).toEqual([
      'invocation:95',
      'invocation:96',
      'invocation:97',
      'invocation:98',
      'invocation:99',
      'log:only',
    ]);
    expect(feed.stats().backlog).toBeLessThanOrEqual(5 * 1.5 + 1);
  });

  it('sends what happens in batches, every item once, and keeps nothing pending afterwards', async () => {
    // Prepare
    const feed = new LiveFeed({ intervalMs: 20 });
    const batches = await readFeed<{ item: number }>(feed);
    await expect.poll(() => feed.stats().clients).toBe(1);

    // Act
    for (let i = 0; i < 1000; i++) feed.publish('invocation', i);

    // Assess
    await expect.poll(() => batches.flatMap((batch) => batch.items).length).toBe(1000);
    expect(batches.flatMap((batch) => batch.items.map(({ item }) => item))).toEqual([...Array(1000).keys()]);
    expect(batches.length).toBeLessThan(100); // batched, not one write per item
    expect(feed.stats().pending).toBe(0);
  });

  it('drops the oldest items beyond the pending bound and tells the page how many it missed', async () => {
    // Prepare: a long interval, so everything published waits
    const feed = new LiveFeed({ intervalMs: 200, maxPending: 100 });
    const batches = await readFeed<{ item: number }>(feed);
    await expect.poll(() => feed.stats().clients).toBe(1);

    // Act
    for (let i = 0; i < 10_000; i++) feed.publish('log', i);

    // Assess
    expect(feed.stats().pending).toBe(100);
    await expect.poll(() => batches.some((batch) => batch.missed > 0)).toBe(true);
    const last = batches.find((batch) => batch.missed > 0);
    expect(last?.missed).toBe(9_900);
    expect(last?.items.map(({ item }) => item)).toEqual([...Array(100).keys()].map((i) => 9_900 + i));
  });
});
