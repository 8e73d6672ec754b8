/**
 * One vitest config for every package: generous limits (CDK synthesis and emulators share 2 cores while turbo runs
 * packages side by side), the skip-reasons reporter `.ci/run` reads, and for the integrations their handlers'
 * environment and one worker per core (their end-to-end file waits on the local cloud; vitest's default would
 * leave a core idle). A package's vitest.config.ts is one call.
 */
import { configDefaults, defineConfig } from 'vitest/config';
import SkipReasons from './.ci/skip-reasons.ts';

export interface PackageTestOptions {
  /** Per test and per hook. @default 60 s */
  readonly timeoutMs?: number;
  /** Run one test file per core: for packages whose files mostly wait (emulators, child processes). */
  readonly workerPerCore?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  /** Left out besides vitest's defaults (node_modules, …). */
  readonly exclude?: readonly string[];
}

export function packageTestConfig(options: PackageTestOptions = {}) {
  const timeout = options.timeoutMs ?? 60_000;
  return defineConfig({
    test: {
      testTimeout: timeout,
      hookTimeout: timeout,
      reporters: ['default', new SkipReasons()], // and why each skipped test was skipped
      ...(options.workerPerCore ? { maxWorkers: '100%' } : {}),
      ...(options.env ? { env: { ...options.env } } : {}),
      ...(options.exclude ? { exclude: [...configDefaults.exclude, ...options.exclude] } : {}),
    },
  });
}

/** An integration package: its handler's settings (`{ ORDERS_TABLE_NAME: 'orders' }`), a region, Powertools quiet. */
export function integrationTestConfig(handlerEnv: Readonly<Record<string, string>>) {
  return packageTestConfig({
    workerPerCore: true,
    env: {
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_METRICS_NAMESPACE: 'LambdaTriggers',
      ...handlerEnv,
    },
  });
}
