/**
 * The hook for the local cloud and the playground: REPORT records of real invocations in, a projected monthly
 * Lambda cost out. It takes plain records so that this package never depends on @triggers/local-cloud.
 */
import { MAX_MEMORY_MB, MIN_MEMORY_MB, sliceTiered } from './lambda.ts';
import { type LineItem, lineItem, PricingInputError, requireNonNegative, total } from './line-item.ts';
import { type Dec, dec, flatCost, formatCount, positive, ZERO } from './money.ts';
import type { Architecture, PriceList } from './prices/types.ts';
import { usEast1 } from './prices/us-east-1.ts';

/** What a REPORT line says about one invocation (the fields the local cloud records). */
export interface ReportRecord {
  readonly billedDurationMs: number;
  readonly memorySizeMB: number;
  /** Present on a cold start. */
  readonly initDurationMs?: number;
  /** Default arm64, as in this project. */
  readonly architecture?: Architecture;
}

export interface Projection {
  readonly lines: readonly LineItem[];
  readonly total: Dec;
  /** The sample behind the projection. */
  readonly sample: { readonly invocations: number; readonly coldStarts: number; readonly gbSeconds: Dec };
}

/**
 * Projects a month of `monthlyInvocations` from a sample of REPORT records: the sample's mix of memory sizes,
 * architectures, billed durations and cold starts is scaled to the month. The billed duration in a REPORT line
 * already includes INIT on a cold start (as AWS bills it since August 2025), so INIT is not added again.
 */
export function projectFromReports(
  records: readonly ReportRecord[],
  monthlyInvocations: number,
  options: { readonly freeTier?: boolean } = {},
  prices: PriceList = usEast1,
): Projection {
  requireNonNegative('The monthly invocation count', monthlyInvocations);
  if (records.length === 0) throw new PricingInputError('A projection needs at least one REPORT record.');
  const p = prices.lambda;
  const sampleGBs: Record<Architecture, Dec> = { arm64: ZERO, x86_64: ZERO };
  let coldStarts = 0;
  for (const record of records) {
    requireNonNegative('A billed duration', record.billedDurationMs);
    if (!(record.memorySizeMB >= MIN_MEMORY_MB && record.memorySizeMB <= MAX_MEMORY_MB)) {
      throw new PricingInputError(
        `A REPORT record's memory must be from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB} MB, not ${record.memorySizeMB}.`,
      );
    }
    if (record.initDurationMs !== undefined) coldStarts++;
    const arch = record.architecture ?? 'arm64';
    const gbs = dec(Math.ceil(record.billedDurationMs)).div(1000).mul(record.memorySizeMB).div(1024);
    sampleGBs[arch] = sampleGBs[arch].add(gbs);
  }
  const scale = dec(monthlyInvocations).div(records.length);
  const invocations = dec(monthlyInvocations);
  const free = options.freeTier === true;
  const lines: LineItem[] = [
    lineItem(
      'Lambda',
      'requests',
      invocations,
      'requests',
      flatCost(p.requests, free ? positive(invocations.sub(p.freeTier.requests)) : invocations),
    ),
  ];
  // The free GB-seconds are one allowance across both architectures; each architecture has its own tiers.
  let freeLeft = dec(free ? p.freeTier.gbSeconds : 0);
  for (const arch of ['arm64', 'x86_64'] as const) {
    if (sampleGBs[arch].isZero()) continue;
    const gbs = sampleGBs[arch].mul(scale);
    const [cost = ZERO] = sliceTiered(p.duration[arch], [gbs], freeLeft);
    freeLeft = positive(freeLeft.sub(gbs));
    lines.push(
      lineItem(
        'Lambda',
        `duration (${arch})`,
        gbs,
        'GB-s',
        cost,
        `${formatCount(sampleGBs[arch], 4)} GB-s in ${records.length} sampled invocations, scaled to ${formatCount(invocations)}`,
      ),
    );
  }
  return {
    lines,
    total: total(lines),
    sample: { invocations: records.length, coldStarts, gbSeconds: sampleGBs.arm64.add(sampleGBs.x86_64) },
  };
}
