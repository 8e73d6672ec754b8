export { type Bill, bill, type Estimate, estimate } from './estimate.ts';
export { estimateJson, formatEstimate, formatLambdaEstimate, lambdaEstimateJson } from './format.ts';
export { findIntegration, integrationNames, integrations } from './integrations.ts';
export {
  type EdgeUsage,
  gbSeconds,
  HOURS_PER_MONTH,
  type LambdaUsage,
  lambdaCost,
  lambdaEdgeCost,
  MAX_MEMORY_MB,
  MIN_MEMORY_MB,
} from './lambda.ts';
export {
  type LambdaBill,
  type LambdaEstimate,
  type LambdaWorkload,
  lambdaDefaults,
  lambdaEstimate,
} from './lambda-estimate.ts';
export { type LineItem, PricingInputError, total } from './line-item.ts';
export { Dec, dec, formatCount, formatUsd } from './money.ts';
export type { Architecture, PriceList, Rate, TieredRate } from './prices/types.ts';
export { usEast1 } from './prices/us-east-1.ts';
export { type Projection, projectFromReports, type ReportRecord } from './report.ts';
export * from './services.ts';
export { type Integration, naiveWorkload, type Workload, type WorkloadInput } from './workload.ts';
