/**
 * `pnpm cost lambda`: one bare function, priced by `lambdaCost` like the function of every integration, and the
 * same function on x86_64 at the same memory (the naive choice) beside it.
 */
import { FREE_EPHEMERAL_MB, HOURS_PER_MONTH, lambdaCost, requireDuration } from './lambda.ts';
import { type LineItem, PricingInputError, total } from './line-item.ts';
import { type Dec, formatCount } from './money.ts';
import type { Architecture, PriceList } from './prices/types.ts';
import { usEast1 } from './prices/us-east-1.ts';
import { MAX_EVENTS } from './workload.ts';

export interface LambdaWorkload {
  /** Invocations a month. */
  readonly requests: number;
  /** Average duration of one invocation, ms (each billed rounded up to the next 1 ms). */
  readonly durationMs: number;
  readonly memoryMB: number;
  readonly architecture: Architecture;
  /** Configured `/tmp`, 512–10,240 MB; above the free 512 MB it is billed per GB-second. */
  readonly ephemeralStorageMB: number;
  /** Environments kept ready all month (0 for none); every request then runs on them. */
  readonly provisionedConcurrency: number;
  readonly freeTier: boolean;
}

/** A function of the size most of this project's integrations use. */
export const lambdaDefaults: LambdaWorkload = {
  requests: 1_000_000,
  durationMs: 100,
  memoryMB: 256,
  architecture: 'arm64',
  ephemeralStorageMB: FREE_EPHEMERAL_MB,
  provisionedConcurrency: 0,
  freeTier: false,
};

export interface LambdaBill {
  readonly workload: LambdaWorkload;
  readonly lines: readonly LineItem[];
  readonly total: Dec;
}

export interface LambdaEstimate extends LambdaBill {
  /** The same function on x86_64 at the same memory. */
  readonly naive: LambdaBill;
  /** What the workload's settings save against the naive ones (0 when they are the naive ones). */
  readonly savings: Dec;
  readonly region: string;
  readonly pricesRead: string;
}

function lambdaBill(workload: LambdaWorkload, prices: PriceList): LambdaBill {
  const lines = lambdaCost(
    {
      invocations: workload.requests,
      durationMs: workload.durationMs,
      memoryMB: workload.memoryMB,
      architecture: workload.architecture,
      ephemeralStorageMB: workload.ephemeralStorageMB,
      ...(workload.provisionedConcurrency > 0
        ? { provisioned: { concurrency: workload.provisionedConcurrency } }
        : {}),
      freeTier: workload.freeTier,
    },
    prices,
  );
  return { workload, lines, total: total(lines) };
}

/** The monthly cost of one function (defaults for anything not given); bad input throws one sentence. */
export function lambdaEstimate(
  input: Partial<LambdaWorkload> = {},
  prices: PriceList = usEast1,
): LambdaEstimate {
  const workload: LambdaWorkload = { ...lambdaDefaults, ...input };
  if (!(Number.isInteger(workload.requests) && workload.requests >= 0 && workload.requests <= MAX_EVENTS)) {
    throw new PricingInputError(
      `The number of requests must be a whole number from 0 to ${MAX_EVENTS.toLocaleString('en-US')} a month, not ${workload.requests}.`,
    );
  }
  requireDuration(workload.durationMs);
  if (!(Number.isInteger(workload.provisionedConcurrency) && workload.provisionedConcurrency >= 0)) {
    throw new PricingInputError(
      `Provisioned concurrency must be a whole number of environments, not ${workload.provisionedConcurrency}.`,
    );
  }
  // Memory, ephemeral storage and the rest are checked by lambdaCost.
  const actual = lambdaBill(workload, prices);
  const naive = lambdaBill({ ...workload, architecture: 'x86_64' }, prices);
  return {
    ...actual,
    naive,
    savings: naive.total.sub(actual.total),
    region: prices.region,
    pricesRead: prices.read,
  };
}

/** The workload in words, for the CLI. */
export function describeLambdaWorkload(w: LambdaWorkload): string {
  const parts = [
    `${formatCount(w.requests)} requests a month, ${formatCount(w.durationMs)} ms at ${formatCount(w.memoryMB)} MB on ${w.architecture}`,
  ];
  if (w.ephemeralStorageMB > FREE_EPHEMERAL_MB) {
    parts.push(`${formatCount(w.ephemeralStorageMB)} MB of ephemeral storage`);
  }
  if (w.provisionedConcurrency > 0) {
    parts.push(
      `${formatCount(w.provisionedConcurrency)} provisioned environments for ${HOURS_PER_MONTH} h, serving every request`,
    );
  }
  if (w.freeTier) {
    // AWS: the free tier does not apply to functions with provisioned concurrency.
    parts.push(w.provisionedConcurrency > 0 ? 'no free tier (provisioned concurrency)' : 'free tier applied');
  }
  return parts.join(', ');
}
