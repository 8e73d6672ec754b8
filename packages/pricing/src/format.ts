import type { Estimate } from './estimate.ts';
import type { LineItem } from './line-item.ts';
import { formatCount, formatUsd } from './money.ts';

export interface Row {
  readonly item: string;
  readonly quantity: string;
  readonly cost: string;
}

export function rows(lines: readonly LineItem[]): Row[] {
  return lines.map((line) => ({
    item: `${line.service}: ${line.item}`,
    quantity: `${formatCount(line.quantity)} ${line.unit}${line.detail ? ` (${line.detail})` : ''}`,
    cost: formatUsd(line.cost),
  }));
}

/** A plain-text table for the terminal. */
export function textTable(
  header: readonly string[],
  body: readonly (readonly string[])[],
  rightAlign: number[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const cell = (text: string, i: number) =>
    rightAlign.includes(i) ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const line = (row: readonly string[]) =>
    row
      .map((text, i) => cell(text, i))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** `planned` marks an integration whose package is not written yet: the estimate prices what its issue plans. */
export function formatEstimate(estimate: Estimate, options: { readonly planned?: boolean } = {}): string {
  const { integration } = estimate;
  const body = rows(estimate.lines).map((r) => [r.item, r.quantity, r.cost]);
  body.push(['Total', '', formatUsd(estimate.total)]);
  const naive = estimate.naive.workload;
  return [
    `${integration.name}${options.planned ? ' (planned)' : ''} — ${integration.title}, ${estimate.region}, prices read ${estimate.pricesRead}`,
    `Workload: ${integration.describe(estimate.workload)}${estimate.workload.freeTier ? ', free tier applied' : ''}.`,
    '',
    textTable(['Item', 'Quantity', 'Monthly'], body, [2]),
    '',
    `Naive configuration (${naive.architecture}, ${formatCount(naive.memoryMB)} MB${integration.batch ? ', batch size 1' : ''}, ` +
      `${formatCount(naive.durationMs)} ms): ${formatUsd(estimate.naive.total)} a month — ` +
      `${estimate.savings.isNegative() ? `${formatUsd(estimate.savings.neg())} less than` : `${formatUsd(estimate.savings)} more than`} these settings.`,
  ].join('\n');
}

/** The estimate as JSON: exact decimal strings for money and quantities. */
export function estimateJson(estimate: Estimate): Record<string, unknown> {
  const bill = (b: Pick<Estimate, 'workload' | 'lines' | 'total'>) => ({
    workload: b.workload,
    lines: b.lines.map((line) => ({
      service: line.service,
      item: line.item,
      quantity: line.quantity.toFixed(),
      unit: line.unit,
      detail: line.detail,
      usd: line.cost.toFixed(),
    })),
    totalUsd: b.total.toFixed(),
  });
  return {
    integration: estimate.integration.name,
    title: estimate.integration.title,
    region: estimate.region,
    pricesRead: estimate.pricesRead,
    description: estimate.integration.describe(estimate.workload),
    ...bill(estimate),
    naive: bill(estimate.naive),
    savingsUsd: estimate.savings.toFixed(),
  };
}
