/**
 * `pnpm screenshots`: the pictures of the playground in the root README, made the way a learner would see the page.
 * Synthesizes the shared app, runs it in the local cloud (a minute passes in 0.6 s, so poison reaches its DLQ
 * quickly), sends every integration's sample and poison from the page, and photographs it with headless Chromium.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, descriptors } from '@triggers/infra';
import { startLocalCloud } from '@triggers/local-cloud';
import { startPlayground } from '../src/web/server.ts';
import { chromiumMissing, launchChromium } from '../test/support/chromium.ts';

const OUT = fileURLToPath(new URL('../screenshots/', import.meta.url));
/** The first integration is the one the pictures show up close: the README tells learners to start there. */
const FEATURED = descriptors[0]?.name ?? 'sqs';

async function main(): Promise<number> {
  const missing = chromiumMissing();
  if (missing) {
    console.error(`error: ${missing}.`);
    return 1;
  }
  const assembly = mkdtempSync(join(tmpdir(), 'playground-screenshots-'));
  console.log('… Synthesizing the shared app');
  createApp({ outdir: assembly }).synth();
  const cloud = await startLocalCloud({
    assembly,
    port: 0,
    timeScale: 0.01,
    onProgress: (line) => console.log(`… ${line}`),
  });
  const playground = await startPlayground(cloud, { port: 0 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 860 }, deviceScaleFactor: 1 });
    await page.goto(playground.url);
    await page.locator('body[data-ready]').waitFor();
    for (const { name } of descriptors) {
      const section = page.locator(`section[data-integration="${name}"]`);
      for (const button of await section.locator('button[data-fire]').all()) await button.click();
    }
    await page.waitForTimeout(6000); // retries, DLQ moves, thumbnails
    const featured = page.locator(`section[data-integration="${FEATURED}"]`);
    for (const button of await featured.locator('button[data-look]').all()) await button.click();
    await featured.locator('.cost-panel summary').click();
    await featured.locator('.cost-total').waitFor();
    mkdirSync(OUT, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(OUT, 'overview.png') });
    await featured.screenshot({ path: join(OUT, 'integration.png') });
    await page.locator('#live').screenshot({ path: join(OUT, 'live.png') });
    console.log(`Wrote overview.png, integration.png and live.png to ${OUT}`);
    return 0;
  } finally {
    await browser.close();
    await playground.stop();
    await cloud.stop();
    rmSync(assembly, { recursive: true, force: true });
  }
}

process.exit(await main());
