import { findIntegration, integrationNames } from './integrations.ts';
import { type LineItem, PricingInputError, total } from './line-item.ts';
import type { Dec } from './money.ts';
import type { PriceList } from './prices/types.ts';
import { usEast1 } from './prices/us-east-1.ts';
import {
  type Integration,
  naiveWorkload,
  resolveWorkload,
  type Workload,
  type WorkloadInput,
} from './workload.ts';

export interface Bill {
  readonly workload: Workload;
  readonly lines: readonly LineItem[];
  /** The exact sum of the lines. */
  readonly total: Dec;
}

export interface Estimate extends Bill {
  readonly integration: Integration;
  /** The same work at x86_64, 1,024 MB and one record per invocation. */
  readonly naive: Bill;
  /** What the project's defaults save against the naive configuration (negative if they cost more). */
  readonly savings: Dec;
  readonly region: string;
  readonly pricesRead: string;
}

export function bill(integration: Integration, workload: Workload, prices: PriceList = usEast1): Bill {
  const lines = integration.lines(workload, prices);
  return { workload, lines, total: total(lines) };
}

/** The monthly cost of one integration at a workload (defaults for anything not given), and at the naive setup. */
export function estimate(name: string, input: WorkloadInput = {}, prices: PriceList = usEast1): Estimate {
  const integration = findIntegration(name);
  if (!integration) {
    throw new PricingInputError(`There is no integration "${name}"; known: ${integrationNames.join(', ')}.`);
  }
  const workload = resolveWorkload(integration, input);
  const actual = bill(integration, workload, prices);
  const naive = bill(integration, naiveWorkload(integration, workload), prices);
  return {
    ...actual,
    integration,
    naive,
    savings: naive.total.sub(actual.total),
    region: prices.region,
    pricesRead: prices.read,
  };
}
