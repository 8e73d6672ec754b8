/**
 * The cost sections of the READMEs, generated from the model: in each `packages/<integration>/README.md` the text
 * between `<!-- cost:start -->` and `<!-- cost:end -->`, and in the root README the one-table summary between
 * `<!-- cost-summary:start -->` and `<!-- cost-summary:end -->`. Tables come out already in the layout Biome's
 * markdown formatter gives them, so `pnpm format` leaves them alone.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Estimate, estimate } from './estimate.ts';
import { findIntegration, integrations, renamedTo } from './integrations.ts';
import { formatCount, formatUsd } from './money.ts';
import { isBuilt, packagePath } from './packages.ts';
import type { PriceList, Rate, TieredRate } from './prices/types.ts';
import { usEast1 } from './prices/us-east-1.ts';

export const COST_MARKERS = { start: '<!-- cost:start -->', end: '<!-- cost:end -->' } as const;
export const SUMMARY_MARKERS = {
  start: '<!-- cost-summary:start -->',
  end: '<!-- cost-summary:end -->',
} as const;
export const PRICES_MARKERS = { start: '<!-- prices:start -->', end: '<!-- prices:end -->' } as const;
export const MODELS_MARKERS = {
  start: '<!-- integrations:start -->',
  end: '<!-- integrations:end -->',
} as const;
const GENERATED =
  '<!-- Generated from @triggers/pricing by `pnpm cost:readmes`: change the model, not this text. -->';

/** A markdown table padded the way Biome formats one (`align` per column: left or right). */
export function markdownTable(
  header: readonly string[],
  body: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[],
): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((row) => (row[i] ?? '').length)));
  const cell = (text: string, i: number) =>
    align[i] === 'right' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const row = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [row(header), rule, ...body.map(row)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The generated body of an integration README's cost section (between the markers, markers excluded). */
export function costSection(name: string, prices: PriceList = usEast1): string {
  const result = estimate(name, {}, prices);
  const body = result.lines.map((line) => [
    escapeCell(`${line.service}: ${line.item}`),
    escapeCell(`${formatCount(line.quantity)} ${line.unit}${line.detail ? ` (${line.detail})` : ''}`),
    formatUsd(line.cost),
  ]);
  body.push(['**Total**', '', `**${formatUsd(result.total)}**`]);
  return [
    GENERATED,
    '',
    `What this integration costs a month in ${prices.region}, at prices read on ${prices.read} from the AWS pricing ` +
      `pages (sources and assumptions: [\`@triggers/pricing\`](../pricing)), free tiers left out.`,
    '',
    `**Workload:** ${result.integration.describe(result.workload)}.`,
    '',
    markdownTable(['Item', 'Quantity', 'Monthly'], body, ['left', 'left', 'right']),
    '',
    naiveSentence(result),
    '',
    `Your own figures: \`pnpm cost ${name} --events 10M --duration 120ms --memory 512\` (\`pnpm cost ${name} --help\` ` +
      'lists the workload figures you can change).',
  ].join('\n');
}

function naiveSentence(result: Estimate): string {
  const naive = result.naive.workload;
  const setup = `${naive.architecture}, ${formatCount(naive.memoryMB)} MB${result.integration.batch ? ', one record per invocation' : ''}`;
  const difference = result.savings.isNegative()
    ? `${formatUsd(result.savings.neg())} less than`
    : `${formatUsd(result.savings)} more than`;
  return (
    `The same work at a naive configuration (${setup}, so ${formatCount(naive.durationMs)} ms per invocation) costs ` +
    `**${formatUsd(result.naive.total)}** a month: ${difference} the project's defaults.`
  );
}

/** The generated body of the root README's summary, for the integrations that are built. */
export function summarySection(built: readonly string[], prices: PriceList = usEast1): string {
  const body = integrations
    .filter((i) => built.includes(i.name))
    .map((i) => {
      const result = estimate(i.name, {}, prices);
      return [
        `[${i.name}](${packagePath(i.name)}#cost)`,
        escapeCell(i.describe(result.workload)),
        formatUsd(result.total),
        formatUsd(result.naive.total),
      ];
    });
  return [
    GENERATED,
    '',
    `A month in ${prices.region} at each integration's default workload, prices read on ${prices.read}, free tiers ` +
      'left out; "Naive" is the same work on x86_64 at 1,024 MB, one record per invocation. `pnpm cost --all` ' +
      'shows every line.',
    '',
    markdownTable(['Integration', 'Workload', 'Monthly', 'Naive'], body, ['left', 'left', 'right', 'right']),
  ].join('\n');
}

/** Where a marker stands on a line of its own (so prose that quotes a marker is not mistaken for one), or -1. */
function markerAt(text: string, marker: string): number {
  return new RegExp(`^${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(text)?.index ?? -1;
}

export function hasMarker(text: string, marker: string): boolean {
  return markerAt(text, marker) >= 0;
}

/** `text` with the content between the markers replaced, or undefined when it has no (complete) markers. */
export function replaceBetween(
  text: string,
  markers: { readonly start: string; readonly end: string },
  content: string,
): string | undefined {
  const start = markerAt(text, markers.start);
  const end = markerAt(text, markers.end);
  if (start < 0 || end < start) return undefined;
  return `${text.slice(0, start + markers.start.length)}\n${content}\n${text.slice(end)}`;
}

function isRate(value: unknown): value is Rate {
  return typeof value === 'object' && value !== null && 'usd' in value && 'source' in value;
}

function isTiered(value: unknown): value is TieredRate {
  return typeof value === 'object' && value !== null && 'tiers' in value && 'source' in value;
}

function per(count: number, unit: string): string {
  if (count !== 1) return `${formatCount(count)} ${unit}`;
  return unit.endsWith('-s') ? unit : unit.replace(/ies$/, 'y').replace(/s$/, '');
}

/** What each integration's estimate prices, and its default workload, for the pricing README. */
export function integrationsSection(): string {
  const body = integrations.map((i) => {
    const result = estimate(i.name);
    return [`\`${i.name}\``, escapeCell(i.architecture), escapeCell(i.describe(result.workload))];
  });
  return [
    GENERATED,
    '',
    markdownTable(['Name', 'What is priced', 'Default workload'], body, ['left', 'left', 'left']),
  ].join('\n');
}

/** Every figure of the price list with its source and whether it was re-confirmed, for the pricing README. */
export function pricesSection(prices: PriceList = usEast1): string {
  const body: string[][] = [];
  const walk = (value: unknown, path: string) => {
    if (isRate(value)) {
      body.push([
        `\`${path}\``,
        `$${value.usd} per ${per(value.per, value.unit)}`,
        value.confirmed ? 'yes' : 'no',
        value.source,
      ]);
    } else if (isTiered(value)) {
      let from = 0;
      for (const tier of value.tiers) {
        const band =
          tier.upTo === null
            ? from === 0
              ? ''
              : `, over ${formatCount(from)} ${value.unit}`
            : from === 0
              ? `, first ${formatCount(tier.upTo)} ${value.unit}`
              : `, ${formatCount(from)}–${formatCount(tier.upTo)} ${value.unit}`;
        body.push([
          `\`${path}\``,
          `$${tier.usd} per ${per(value.per, value.unit)}${band}`,
          (tier.confirmed ?? value.confirmed) ? 'yes' : 'no',
          value.source,
        ]);
        from = tier.upTo ?? from;
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    }
  };
  walk(prices, '');
  return [
    GENERATED,
    '',
    `${prices.region}, read on ${prices.read}. "Confirmed" says whether a stored copy of a public page stated the figure ` +
      'on that day (see the comment at the top of the data file).',
    '',
    markdownTable(['Figure', 'Price', 'Confirmed', 'Source'], body, ['left', 'left', 'left', 'left']),
  ].join('\n');
}

export interface ReadmeFile {
  /** Path relative to the repository root. */
  readonly path: string;
  readonly current: string;
  readonly expected: string;
}

/** Every README with cost markers, with its current and generated text. */
export function readmes(root: string, prices: PriceList = usEast1): ReadmeFile[] {
  const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const files: ReadmeFile[] = [];
  for (const name of packages) {
    const path = `${packagePath(name)}/README.md`;
    if (!existsSync(join(root, path))) continue;
    const current = readFileSync(join(root, path), 'utf8');
    if (hasMarker(current, PRICES_MARKERS.start)) {
      const withPrices = replaceBetween(current, PRICES_MARKERS, pricesSection(prices));
      const expected = withPrices && replaceBetween(withPrices, MODELS_MARKERS, integrationsSection());
      if (expected === undefined)
        throw new Error(`${path} lacks the end of its prices or integrations markers.`);
      files.push({ path, current, expected });
      continue;
    }
    if (!hasMarker(current, COST_MARKERS.start)) continue;
    // A package still in its folder of before the rename (packages/s3-thumbnail on its way to packages/s3): its
    // section is written once it is at packages/<new name>.
    if (renamedTo(name) !== undefined) continue;
    if (!findIntegration(name)) {
      throw new Error(`${path} has cost markers but @triggers/pricing has no estimate named "${name}".`);
    }
    const expected = replaceBetween(current, COST_MARKERS, costSection(name, prices));
    if (expected === undefined)
      throw new Error(`${path} has ${COST_MARKERS.start} without ${COST_MARKERS.end} after it.`);
    files.push({ path, current, expected });
  }
  const rootPath = 'README.md';
  const rootText = readFileSync(join(root, rootPath), 'utf8');
  if (hasMarker(rootText, SUMMARY_MARKERS.start)) {
    const built = integrations.map((i) => i.name).filter((name) => isBuilt(name, root));
    const expected = replaceBetween(rootText, SUMMARY_MARKERS, summarySection(built, prices));
    if (expected === undefined)
      throw new Error(`README.md has ${SUMMARY_MARKERS.start} without its end marker.`);
    files.push({ path: rootPath, current: rootText, expected });
  }
  return files;
}

/** Rewrites the READMEs that are out of date; returns their paths. */
export function writeReadmes(root: string, prices: PriceList = usEast1): string[] {
  const stale = readmes(root, prices).filter((file) => file.current !== file.expected);
  for (const file of stale) writeFileSync(join(root, file.path), file.expected);
  return stale.map((file) => file.path);
}
