/**
 * The playground page in headless Chromium, over one local cloud running every integration the shared app lists.
 * The tests iterate the descriptors: a new integration is covered by adding its package. Each sample is sent from the
 * page through its real trigger and its invocation and effect must show; each poison twin must reach its failure
 * destination; the cost must follow the volume. The server's own answers to bad input are tested without a browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, descriptors } from '@triggers/infra';
import { type LocalCloud, startLocalCloud } from '@triggers/local-cloud';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, startPlayground } from '../../src/web/server.ts';
import { chromiumMissing, launchChromium } from '../support/chromium.ts';

const missing = chromiumMissing();
/** Options for a test that needs Chromium: skipped where it is missing, with the reason the report prints. */
const needsChromium = { skip: missing !== undefined, meta: { skipReason: missing ?? '' }, timeout: 120_000 };

let assembly: string;
let cloud: LocalCloud;
let playground: Playground;
let browser: Browser | undefined;

beforeAll(async () => {
  assembly = mkdtempSync(join(tmpdir(), 'playground-page-'));
  createApp({ outdir: assembly }).synth();
  // A minute of emulated time passes in 0.6 s: SQS visibility timeouts and Lambda's async retries run quickly.
  cloud = await startLocalCloud({ assembly, port: 0, timeScale: 0.01 });
  playground = await startPlayground(cloud, { port: 0 });
  if (!missing) browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await playground?.stop();
  await cloud?.stop();
  rmSync(assembly, { recursive: true, force: true });
});

async function openPage(): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(playground.url);
  await page.locator('body[data-ready]').waitFor();
  return page;
}

/** How much the resource an output names holds, read with the page's own "Look in" button. */
async function lookCount(card: Locator, output: string): Promise<number | undefined> {
  await card.locator(`button[data-look="${output}"]`).click();
  const shown = card.locator(`.look[data-output="${output}"] [data-count]`);
  await shown.waitFor();
  const count = await shown.getAttribute('data-count');
  const isResource =
    (await card.locator(`.look[data-output="${output}"]`).textContent())?.includes('Not a resource') !== true;
  return isResource ? Number(count) : undefined;
}

/** Clicks "Look in" until the output's resource holds more than `before`; the count it reached. */
async function waitForMore(
  card: Locator,
  output: string,
  before: number,
  timeoutMs = 60_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = (await lookCount(card, output)) ?? 0;
    if (count > before || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe.each(descriptors.map((descriptor) => [descriptor.name, descriptor] as const))(
  'the page: %s',
  (name, descriptor) => {
    const section = (page: Page) => page.locator(`section[data-integration="${name}"]`);

    it.each(descriptor.samples.map((sample) => [sample.name, sample] as const))(
      'sends the %s sample through its trigger and shows the invocation and its effect',
      needsChromium,
      async (sampleName, sample) => {
        // Prepare
        const page = await openPage();
        const card = section(page).locator(`.card[data-variant="sample"][data-sample="${sampleName}"]`);
        const rows = page.locator(`#timeline tr[data-integration="${name}"]`);
        const invocationsBefore = await rows.count();
        const effectBefore = (await lookCount(card, sample.effect.output)) ?? 0;

        // Act
        await card.locator('button[data-fire="sample"]').click();

        // Assess
        await expect
          .poll(() => card.locator('.result').getAttribute('data-state'), { timeout: 30_000 })
          .toBe('sent');
        await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThan(invocationsBefore);
        expect(await waitForMore(card, sample.effect.output, effectBefore)).toBeGreaterThan(effectBefore);
        await page.close();
      },
    );

    it.each(descriptor.samples.map((sample) => [sample.name, sample] as const))(
      'sends the poison twin of %s and shows it reach its failure destination',
      needsChromium,
      async (sampleName, sample) => {
        // Prepare
        const page = await openPage();
        const card = section(page).locator(`.card[data-variant="poison"][data-sample="${sampleName}"]`);
        const failureBefore = await lookCount(card, sample.poison.failure.output);

        // Act
        await card.locator('button[data-fire="poison"]').click();

        // Assess: a queue (a DLQ, an on-failure destination) receives it, or the synchronous answer is the refusal
        if (failureBefore === undefined) {
          await expect
            .poll(() => card.locator('.result').getAttribute('data-state'), { timeout: 30_000 })
            .toBe('refused');
          expect(
            Number(await card.locator('.result pre').getAttribute('data-status')),
          ).toBeGreaterThanOrEqual(400);
        } else {
          await expect
            .poll(() => card.locator('.result').getAttribute('data-state'), { timeout: 30_000 })
            .toBe('sent');
          expect(
            await waitForMore(card, sample.poison.failure.output, failureBefore, 90_000),
          ).toBeGreaterThan(failureBefore);
        }
        await page.close();
      },
    );

    it('prices a month at the volume the learner picks', needsChromium, async () => {
      // Prepare
      const page = await openPage();
      const panel = section(page).locator('.cost-panel');
      await panel.locator('summary').click();
      const total = panel.locator('.cost-total');
      await total.waitFor();
      const events = panel.locator('input[name="events"]');

      // Act
      await events.fill('1000');
      await events.dispatchEvent('change');
      await expect.poll(() => total.textContent()).not.toBe('');
      const small = await total.textContent();
      await events.fill('500000000');
      await events.dispatchEvent('change');

      // Assess
      await expect.poll(() => total.textContent()).not.toBe(small);
      const dollars = (text: string | null) => Number(text?.replace(/[$,]/g, ''));
      expect(dollars(await total.textContent())).toBeGreaterThan(dollars(small));
      await page.close();
    });
  },
);

describe('the page server, given bad input', () => {
  const fire = (body: unknown) =>
    fetch(`${playground.url}/api/fire`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }).then(async (response) => ({
      status: response.status,
      answer: (await response.json()) as { error?: { code: string; message: string }; summary?: string },
    }));
  const queueSample = () => {
    const descriptor = descriptors.find((candidate) =>
      candidate.samples.some((sample) => sample.input.kind === 'sqs-message'),
    );
    const sample = descriptor?.samples.find((candidate) => candidate.input.kind === 'sqs-message');
    return { integration: descriptor?.name, sample: sample?.name, variant: 'sample' };
  };
  const objectSample = () => {
    const descriptor = descriptors.find((candidate) =>
      candidate.samples.some((sample) => sample.input.kind === 's3-object'),
    );
    const sample = descriptor?.samples.find((candidate) => candidate.input.kind === 's3-object');
    return { integration: descriptor?.name, sample: sample?.name, variant: 'poison' };
  };

  it('answers an empty message body with the error SQS gives the AWS CLI', async () => {
    // Act
    const { status, answer } = await fire({ ...queueSample(), edits: { text: '' } });

    // Assess
    expect(status).toBe(400);
    expect(answer.error?.message).toMatch(
      /^An error occurred \(\w+\) when calling the SendMessage operation: .+/,
    );
  });

  it('answers a 10 MB message body with SQS’s size limit, and keeps serving', async () => {
    // Act
    const { status, answer } = await fire({
      ...queueSample(),
      edits: { text: 'x'.repeat(10 * 1024 * 1024) },
    });
    const after = await fetch(`${playground.url}/api/integrations`);

    // Assess
    expect(status).toBe(400);
    expect(answer.error?.message).toMatch(/SendMessage operation: .*(1,?048,?576|shorter|too long|size)/i);
    expect(after.status).toBe(200);
  });

  it('refuses a request over 12 MB in one sentence, and keeps serving', async () => {
    // Act
    const { status, answer } = await fire(`"${'x'.repeat(13 * 1024 * 1024)}"`);
    const after = await fetch(`${playground.url}/api/integrations`);

    // Assess
    expect(status).toBe(413);
    expect(answer.error?.message).toBe('The request is over 12 MB: the playground takes no more.');
    expect(after.status).toBe(200);
  });

  it('uploads an object whose key has odd characters under exactly that key, and refuses an empty key', async () => {
    // Prepare
    const odd = 'odd keys/a b+c=ü&?#%.txt';

    // Act
    const accepted = await fire({ ...objectSample(), edits: { key: odd } });
    const refused = await fire({ ...objectSample(), edits: { key: '' } });

    // Assess
    expect(accepted.status).toBe(200);
    expect(accepted.answer.summary).toContain(`/${odd} (`);
    expect(refused.status).toBe(400);
    // The AWS CLI's own check, made before anything is sent
    expect(refused.answer.error?.message).toBe(
      'Parameter validation failed:\nInvalid length for parameter Key, value: 0, valid min length: 1',
    );
  });

  it.each([
    ['not JSON', '{', 400, 'The request body is not JSON.'],
    [
      'an unknown integration',
      { integration: 'nope', sample: 'x', variant: 'sample' },
      404,
      /^No integration "nope" runs here; running: /,
    ],
    [
      'an unknown variant',
      {
        ...{ integration: descriptors[0]?.name, sample: descriptors[0]?.samples[0]?.name },
        variant: 'worse',
      },
      400,
      'variant must be "sample" or "poison".',
    ],
    [
      'edits that are not text',
      {
        ...{ integration: descriptors[0]?.name, sample: descriptors[0]?.samples[0]?.name, variant: 'sample' },
        edits: { text: 42 },
      },
      400,
      'edits.text must be a string.',
    ],
  ] as const)('answers %s with one sentence', async (_case, body, expectedStatus, message) => {
    // Act
    const { status, answer } = await fire(body);

    // Assess
    expect(status).toBe(expectedStatus);
    expect(answer.error?.message).toMatch(message);
  });

  it('refuses a volume that is not a whole number, for the cost', async () => {
    // Act
    const response = await fetch(`${playground.url}/api/cost?integration=${descriptors[0]?.name}&events=-5`);

    // Assess
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'events must be a whole number, not "-5".',
    );
  });
});

describe('the page under a burst', () => {
  it(
    'keeps up with 10,000 invocations while the tab and the server stay in bounded memory',
    needsChromium,
    async () => {
      // Prepare: a page open on the live view, its heap measured after a garbage collection
      const page = await openPage();
      const devtools = await page.context().newCDPSession(page);
      const heap = async () => {
        await devtools.send('HeapProfiler.collectGarbage');
        return (await devtools.send('Runtime.getHeapUsage')).usedSize;
      };
      const received = () =>
        page.evaluate(
          () =>
            (globalThis as unknown as { liveReceived: { invocation: number; missed: number } }).liveReceived,
        );
      const worker = cloud.invocations.at(-1)?.functionName ?? cloud.lambda.listFunctions()[0]?.name ?? '';
      const burst = async (count: number) => {
        let next = 0;
        const lane = async () => {
          while (next < count) {
            next += 1;
            await cloud.invoke(worker, { Records: [] });
          }
        };
        await Promise.all(Array.from({ length: 16 }, lane));
      };
      await burst(500); // warm environments and the page's first rows
      const start = await received();
      const heapBefore = await heap();
      let serverPeak = { backlog: 0, pending: 0 };
      const sampling = setInterval(() => {
        const stats = playground.live.stats();
        serverPeak = {
          backlog: Math.max(serverPeak.backlog, stats.backlog),
          pending: Math.max(serverPeak.pending, stats.pending),
        };
      }, 20);

      // Act
      await burst(10_000);
      // At least: other integrations' retries and windows may still be running beside the burst.
      await expect
        .poll(async () => (await received()).invocation - start.invocation, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(10_000);
      clearInterval(sampling);

      // Assess: every invocation reached the page, which shows only the last rows; both sides stayed bounded
      const end = await received();
      expect(end.missed - start.missed).toBe(0);
      expect(await page.locator('#timeline tbody tr').count()).toBeLessThanOrEqual(200);
      expect(await page.locator('#logs span').count()).toBeLessThanOrEqual(500);
      const grown = (await heap()) - heapBefore;
      console.log(
        `burst of 10,000: tab heap ${(grown / 1024 / 1024).toFixed(1)} MB more; server feed peak ${JSON.stringify(serverPeak)}`,
      );
      expect(grown).toBeLessThan(10 * 1024 * 1024);
      expect(serverPeak.backlog).toBeLessThanOrEqual(4 * 300);
      expect(serverPeak.pending).toBeLessThanOrEqual(2000);
      await page.close();
    },
  );
});
