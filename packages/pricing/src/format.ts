import type { Estimate } from './estimate.ts';
import { describeLambdaWorkload, type LambdaEstimate } from './lambda-estimate.ts';
import type { LineItem } from './line-item.ts';
import { type Dec, formatCount, formatUsd } from './money.ts';

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

/** A bill as JSON: exact decimal strings for money and quantities. */
function billJson(bill: {
  readonly workload: object;
  readonly lines: readonly LineItem[];
  readonly total: Dec;
}) {
  return {
    workload: bill.workload,
    lines: bill.lines.map((line) => ({
      service: line.service,
      item: line.item,
      quantity: line.quantity.toFixed(),
      unit: line.unit,
      detail: line.detail,
      usd: line.cost.toFixed(),
    })),
    totalUsd: bill.total.toFixed(),
  };
}

/** The estimate as JSON: exact decimal strings for money and quantities. */
export function estimateJson(estimate: Estimate): Record<string, unknown> {
  return {
    integration: estimate.integration.name,
    title: estimate.integration.title,
    region: estimate.region,
    pricesRead: estimate.pricesRead,
    description: estimate.integration.describe(estimate.workload),
    ...billJson(estimate),
    naive: billJson(estimate.naive),
    savingsUsd: estimate.savings.toFixed(),
  };
}

export const LAMBDA_TITLE = 'a Lambda function on its own';

/** `pnpm cost lambda`: the bill as a table, and the same function on x86_64 at the same memory. */
export function formatLambdaEstimate(estimate: LambdaEstimate): string {
  const body = rows(estimate.lines).map((r) => [r.item, r.quantity, r.cost]);
  body.push(['Total', '', formatUsd(estimate.total)]);
  const naive = `Naive configuration (x86_64 at the same ${formatCount(estimate.workload.memoryMB)} MB)`;
  return [
    `lambda — ${LAMBDA_TITLE}, ${estimate.region}, prices read ${estimate.pricesRead}`,
    `Workload: ${describeLambdaWorkload(estimate.workload)}.`,
    '',
    textTable(['Item', 'Quantity', 'Monthly'], body, [2]),
    '',
    estimate.workload.architecture === 'x86_64'
      ? `${naive}: these settings; --arch arm64 prices the same function on arm64.`
      : `${naive}: ${formatUsd(estimate.naive.total)} a month — ${formatUsd(estimate.savings)} more than these settings.`,
  ].join('\n');
}

/** `pnpm cost lambda --json`: shaped like an integration's estimate, exact decimal strings. */
export function lambdaEstimateJson(estimate: LambdaEstimate): Record<string, unknown> {
  return {
    name: 'lambda',
    title: LAMBDA_TITLE,
    region: estimate.region,
    pricesRead: estimate.pricesRead,
    description: describeLambdaWorkload(estimate.workload),
    ...billJson(estimate),
    naive: billJson(estimate.naive),
    savingsUsd: estimate.savings.toFixed(),
  };
}
