/**
 * What an integration would cost a month at a volume the learner picks: `@triggers/pricing`'s estimate, fed with
 * the billed durations and memory measured in this run, beside the naive configuration (x86_64, 1,024 MB, one
 * record per invocation).
 */

import type { InvocationRecord } from '@triggers/local-cloud';
import { estimate, formatCount, formatUsd, PricingInputError } from '@triggers/pricing';

export interface CostView {
  readonly integration: string;
  readonly events: number;
  readonly eventUnit: string;
  readonly total: string;
  readonly naive: string;
  readonly savings: string;
  readonly lines: readonly { readonly service: string; readonly item: string; readonly cost: string }[];
  /** What this run measured and the estimate used; absent before the first invocation (the defaults are used). */
  readonly measured?: { readonly invocations: number; readonly billedMs: number; readonly memoryMB: number };
  readonly description: string;
}

/** Most invocations a month the page prices: far beyond any one function, still exact. */
export const MAX_EVENTS = 1e12;

export function costView(
  integration: string,
  events: number,
  invocations: readonly InvocationRecord[],
): CostView {
  if (!Number.isInteger(events) || events < 0 || events > MAX_EVENTS) {
    throw new PricingInputError(
      `The volume must be a whole number from 0 to ${formatCount(MAX_EVENTS)} a month.`,
    );
  }
  const measured = measure(invocations);
  const result = estimate(integration, {
    events,
    ...(measured ? { durationMs: measured.billedMs, memoryMB: measured.memoryMB } : {}),
  });
  return {
    integration,
    events,
    eventUnit: result.integration.eventUnit,
    total: formatUsd(result.total),
    naive: formatUsd(result.naive.total),
    savings: formatUsd(result.savings),
    lines: result.lines.map((line) => ({
      service: line.service,
      item: line.item,
      cost: formatUsd(line.cost),
    })),
    ...(measured ? { measured } : {}),
    description: result.integration.describe(result.workload),
  };
}

/** The average billed duration (warm invocations where there are any) and the memory of the last invocation. */
function measure(invocations: readonly InvocationRecord[]): CostView['measured'] {
  const last = invocations.at(-1);
  if (!last) return undefined;
  const warm = invocations.filter((record) => record.initDurationMs === undefined);
  const sample = warm.length > 0 ? warm : invocations;
  const billedMs = Math.max(
    1,
    Math.round(sample.reduce((sum, record) => sum + record.billedDurationMs, 0) / sample.length),
  );
  return { invocations: invocations.length, billedMs, memoryMB: last.memorySizeMB };
}
