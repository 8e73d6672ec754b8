import { type LineItem, lineItem, PricingInputError, requireNonNegative, requireRange } from './line-item.ts';
import { Dec, dec, flatCost, formatCount, positive, tieredCost, ZERO } from './money.ts';
import type { Architecture, PriceList, TieredRate } from './prices/types.ts';
import { usEast1 } from './prices/us-east-1.ts';

export const MIN_MEMORY_MB = 128;
export const MAX_MEMORY_MB = 10_240;
export const FREE_EPHEMERAL_MB = 512;
/** Lambda's longest timeout, 15 minutes. */
export const MAX_DURATION_MS = 900_000;
/** AWS's month for hourly charges (and ours for anything per second). */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

export interface LambdaUsage {
  /** Invocations (requests) per month. */
  readonly invocations: number;
  /** Average duration of one invocation in ms; each invocation is billed rounded up to the next 1 ms. */
  readonly durationMs: number;
  /** Configured memory, 128–10,240 MB. */
  readonly memoryMB: number;
  /** Default `arm64`, as in this project. */
  readonly architecture?: Architecture;
  /** Configured ephemeral storage (`/tmp`), 512–10,240 MB; above 512 MB it is billed per GB-second. */
  readonly ephemeralStorageMB?: number;
  /**
   * The INIT phase of cold starts. Since 1 August 2025 AWS bills INIT like invoke duration for on-demand functions
   * on managed runtimes packaged as ZIP (it already did for container images, custom runtimes and provisioned
   * concurrency). `coldStartRatio` is the share of invocations that start a new environment (AWS: typically
   * under 1 %).
   */
  readonly init?: { readonly durationMs: number; readonly coldStartRatio: number };
  /**
   * Provisioned concurrency: `concurrency` environments kept ready for `hours` a month (default all 730), serving
   * `share` of the invocations (default 1) at the lower provisioned duration rate. The rest run on demand.
   */
  readonly provisioned?: { readonly concurrency: number; readonly hours?: number; readonly share?: number };
  /**
   * Apply the monthly free tier (1 M requests, 400,000 GB-s) that every account has. AWS does not apply it to
   * functions with provisioned concurrency, so it is ignored when `provisioned` is set.
   */
  readonly freeTier?: boolean;
  /** Names the function in line items when an architecture has more than one (`Lambda (resizer)`). */
  readonly label?: string;
}

/** GB-seconds of `count` invocations of `durationMs` each (billed per 1 ms, rounded up) at `memoryMB`. */
export function gbSeconds(count: Dec | number, durationMs: number, memoryMB: number): Dec {
  return dec(count).mul(Math.ceil(durationMs)).div(1000).mul(memoryMB).div(1024);
}

/**
 * Costs of consecutive slices of one month's usage at a tiered rate, in order, with `free` units taken off the
 * bottom. The slices share the tiers (Lambda's tiers count all on-demand duration of an architecture, INIT
 * included), so their costs add up exactly to the cost of the whole.
 */
export function sliceTiered(rate: TieredRate, slices: readonly Dec[], free: Dec | number = 0): Dec[] {
  let start = ZERO;
  return slices.map((slice) => {
    const end = start.add(slice);
    const from = Dec.max(start, dec(free));
    const cost = end.gt(from) ? tieredCost(rate, end, from) : ZERO;
    start = end;
    return cost;
  });
}

/**
 * A duration someone gives: an invocation bills at least 1 ms, so 0 ms is no invocation at all; and Lambda stops a
 * function at 15 minutes.
 */
export function requireDuration(durationMs: number): void {
  if (!(durationMs > 0 && durationMs <= MAX_DURATION_MS)) {
    throw new PricingInputError(
      `The duration must be more than 0 and at most 900,000 ms (Lambda bills at least 1 ms and stops a function at 15 minutes), not ${durationMs} ms.`,
    );
  }
}

/**
 * The duration the model prices: more than 0 ms. No 15-minute bound, because a naive configuration's rescaled
 * duration may pass it and is still priced.
 */
function requireBilledDuration(durationMs: number): void {
  if (!(durationMs > 0)) {
    throw new PricingInputError(
      `The duration must be more than 0 ms (Lambda bills at least 1 ms), not ${durationMs} ms.`,
    );
  }
}

export function validateLambda(usage: LambdaUsage): void {
  requireNonNegative('The number of invocations', usage.invocations);
  requireBilledDuration(usage.durationMs);
  requireRange('Memory', usage.memoryMB, MIN_MEMORY_MB, MAX_MEMORY_MB, 'MB');
  if (usage.ephemeralStorageMB !== undefined) {
    requireRange('Ephemeral storage', usage.ephemeralStorageMB, FREE_EPHEMERAL_MB, MAX_MEMORY_MB, 'MB');
  }
  if (usage.init) {
    requireNonNegative('The INIT duration', usage.init.durationMs);
    requireRange('The cold-start ratio', usage.init.coldStartRatio, 0, 1);
  }
  if (usage.provisioned) {
    requireNonNegative('Provisioned concurrency', usage.provisioned.concurrency);
    requireRange('Provisioned hours', usage.provisioned.hours ?? HOURS_PER_MONTH, 0, HOURS_PER_MONTH);
    requireRange('The share of invocations on provisioned concurrency', usage.provisioned.share ?? 1, 0, 1);
  }
}

/** The monthly cost of one Lambda function, line by line. */
export function lambdaCost(usage: LambdaUsage, prices: PriceList = usEast1): LineItem[] {
  validateLambda(usage);
  const arch = usage.architecture ?? 'arm64';
  const service = usage.label ? `Lambda (${usage.label})` : 'Lambda';
  const p = prices.lambda;
  const free = usage.freeTier === true && usage.provisioned === undefined;
  const invocations = dec(usage.invocations);
  const billedMs = Math.ceil(usage.durationMs);
  const lines: LineItem[] = [];

  const requestCost = free
    ? flatCost(p.requests, positive(invocations.sub(p.freeTier.requests)))
    : flatCost(p.requests, invocations);
  lines.push(
    lineItem(
      service,
      'requests',
      invocations,
      'requests',
      requestCost,
      free ? `${formatCount(invocations)} requests, first ${formatCount(p.freeTier.requests)} free` : '',
    ),
  );

  const provisionedShare = usage.provisioned ? (usage.provisioned.share ?? 1) : 0;
  const onProvisioned = invocations.mul(provisionedShare);
  const onDemand = invocations.sub(onProvisioned);
  const invokeGBs = gbSeconds(onDemand, billedMs, usage.memoryMB);
  const coldStarts = usage.init ? onDemand.mul(usage.init.coldStartRatio).ceil() : ZERO;
  const initMs = usage.init ? Math.ceil(usage.init.durationMs) : 0;
  const initGBs = gbSeconds(coldStarts, initMs, usage.memoryMB);
  const [invokeCost = ZERO, initCost = ZERO] = sliceTiered(
    p.duration[arch],
    [invokeGBs, initGBs],
    free ? p.freeTier.gbSeconds : 0,
  );
  const memory = `${formatCount(usage.memoryMB)} MB ${arch}`;
  lines.push(
    lineItem(
      service,
      'duration',
      invokeGBs,
      'GB-s',
      invokeCost,
      `${formatCount(onDemand)} × ${billedMs} ms × ${memory}${free ? `, first ${formatCount(p.freeTier.gbSeconds)} GB-s free` : ''}`,
    ),
  );
  if (usage.init) {
    lines.push(
      lineItem(
        service,
        'INIT duration (cold starts)',
        initGBs,
        'GB-s',
        initCost,
        `${formatCount(coldStarts)} cold starts, ${formatCount(usage.init.coldStartRatio * 100)} % of invocations, × ${initMs} ms × ${memory}`,
      ),
    );
  }

  const storageMB = usage.ephemeralStorageMB ?? FREE_EPHEMERAL_MB;
  if (storageMB > FREE_EPHEMERAL_MB) {
    const seconds = onDemand
      .mul(billedMs)
      .add(coldStarts.mul(initMs))
      .add(onProvisioned.mul(billedMs))
      .div(1000);
    const storageGBs = seconds.mul(storageMB - FREE_EPHEMERAL_MB).div(1024);
    lines.push(
      lineItem(
        service,
        'ephemeral storage',
        storageGBs,
        'GB-s',
        flatCost(p.ephemeralStorage, storageGBs),
        `${formatCount(storageMB - FREE_EPHEMERAL_MB)} MB above the free 512 MB, for every billed second`,
      ),
    );
  }

  if (usage.provisioned) {
    const hours = usage.provisioned.hours ?? HOURS_PER_MONTH;
    const readyGBs = dec(usage.provisioned.concurrency)
      .mul(hours * 3600)
      .mul(usage.memoryMB)
      .div(1024);
    lines.push(
      lineItem(
        service,
        'provisioned concurrency',
        readyGBs,
        'GB-s',
        flatCost(p.provisionedConcurrency[arch], readyGBs),
        `${formatCount(usage.provisioned.concurrency)} environments × ${formatCount(hours)} h × ${memory}`,
      ),
    );
    const provisionedGBs = gbSeconds(onProvisioned, billedMs, usage.memoryMB);
    lines.push(
      lineItem(
        service,
        'duration on provisioned concurrency',
        provisionedGBs,
        'GB-s',
        flatCost(p.provisionedDuration[arch], provisionedGBs),
        `${formatCount(onProvisioned)} × ${billedMs} ms × ${memory}`,
      ),
    );
  }
  return lines;
}

export interface EdgeUsage {
  readonly invocations: number;
  readonly durationMs: number;
  /** Viewer triggers allow 128 MB only; origin triggers up to 10,240 MB. */
  readonly memoryMB: number;
}

/** Lambda@Edge: its own request and GB-second prices, per 1 ms, x86 only, no free tier. */
export function lambdaEdgeCost(usage: EdgeUsage, prices: PriceList = usEast1): LineItem[] {
  requireNonNegative('The number of invocations', usage.invocations);
  requireBilledDuration(usage.durationMs);
  requireRange('Memory', usage.memoryMB, MIN_MEMORY_MB, MAX_MEMORY_MB, 'MB');
  const billedMs = Math.ceil(usage.durationMs);
  const gbs = gbSeconds(usage.invocations, billedMs, usage.memoryMB);
  return [
    lineItem(
      'Lambda@Edge',
      'requests',
      usage.invocations,
      'requests',
      flatCost(prices.lambdaEdge.requests, usage.invocations),
      'no free tier',
    ),
    lineItem(
      'Lambda@Edge',
      'duration',
      gbs,
      'GB-s',
      flatCost(prices.lambdaEdge.duration, gbs),
      `${formatCount(usage.invocations)} × ${billedMs} ms × ${formatCount(usage.memoryMB)} MB x86_64`,
    ),
  ];
}
