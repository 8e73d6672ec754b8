/**
 * @triggers/kit/runtime: what every handler sets up the same way, with no CDK import (it is bundled into the
 * function). Logger and Metrics under one namespace, and the function's settings read from its environment
 * through the package's contract, failing the cold start with one line when one is wrong.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod/mini';

/** Every integration's metrics land in one namespace, told apart by their `service` dimension. */
export const METRICS_NAMESPACE = 'LambdaTriggers';

/**
 * Logger and Metrics for a handler, made once per execution environment (module scope). The service name comes
 * from POWERTOOLS_SERVICE_NAME, which the construct sets.
 */
export function powertools(): { readonly logger: Logger; readonly metrics: Metrics } {
  return { logger: new Logger(), metrics: new Metrics({ namespace: METRICS_NAMESPACE }) };
}

/** A setting the function was deployed with is missing or wrong: the function cannot start. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * The function's settings, parsed from its environment with the contract's schema (`src/contract.ts`). A missing
 * or invalid variable throws at init, so Lambda reports one line naming it instead of failing every invoke later.
 */
export function readEnvironment<Schema extends z.ZodMiniType>(
  schema: Schema,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<Schema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data as z.infer<Schema>;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || 'environment';
    const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
    return `${name} ${value === undefined ? 'is not set' : `is "${value}"`}: ${issue.message}`;
  });
  throw new ConfigurationError(
    `${problems.join('; ')} (the construct sets it; see the package's src/contract.ts).`,
  );
}
