import { lambdaCost, MAX_MEMORY_MB, MIN_MEMORY_MB, requireDuration } from './lambda.ts';
import { type LineItem, PricingInputError, requireNonNegative, requireRange } from './line-item.ts';
import { type Dec, formatCount } from './money.ts';
import type { Architecture, PriceList } from './prices/types.ts';
import { logsCost } from './services.ts';

/** More events than anyone runs through one function, and still exact as a double. */
export const MAX_EVENTS = 1e15;

/** The inputs of an integration's estimate. */
export interface Workload {
  /** Events per month, in the integration's own unit (orders, uploads, API requests, …). */
  readonly events: number;
  /** Average duration of one invocation, in ms, at this workload's batch size. */
  readonly durationMs: number;
  readonly memoryMB: number;
  readonly architecture: Architecture;
  /** Records per invocation where the trigger batches (SQS, Kinesis, DynamoDB Streams); 1 otherwise. */
  readonly batchSize: number;
  /** Apply the monthly free tiers that never expire (Lambda, SQS, SNS, Scheduler, CloudWatch, Cognito, …). */
  readonly freeTier: boolean;
  /** The integration's own workload figures (message size, monthly active users, …), by key. */
  readonly options: Readonly<Record<string, number | string>>;
}

export interface WorkloadInput {
  readonly events?: number;
  readonly durationMs?: number;
  readonly memoryMB?: number;
  readonly architecture?: Architecture;
  readonly batchSize?: number;
  readonly freeTier?: boolean;
  readonly options?: Readonly<Record<string, number | string>>;
}

export interface OptionSpec {
  readonly key: string;
  readonly description: string;
  readonly default: number | string;
  /** Allowed values for a choice; numbers are checked against `min`/`max`. */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

/** Options every integration has: the INIT phase that AWS bills since August 2025. */
export const commonOptions: readonly OptionSpec[] = [
  { key: 'initMs', description: 'INIT duration of a cold start, ms', default: 250, min: 0, max: 10_000 },
  {
    key: 'coldStartRatio',
    description: 'share of invocations that are cold starts (AWS: typically under 1 %)',
    default: 0.01,
    min: 0,
    max: 1,
  },
];

export interface Integration {
  /** The trigger source, which is also its package directory name (`sqs`, `s3`, `dynamodb-streams`, …). */
  readonly name: string;
  readonly title: string;
  /** The architecture the estimate prices, in one sentence. */
  readonly architecture: string;
  /** What one event is (`orders`, `uploads`, `requests`, …). */
  readonly eventUnit: string;
  readonly defaults: Omit<Workload, 'options' | 'freeTier'>;
  readonly options: readonly OptionSpec[];
  /**
   * Present where the trigger batches: `perRecordShare` is the part of an invocation's duration that grows with
   * the records in it (the rest is per-invocation overhead); the naive configuration rescales the duration with it.
   */
  readonly batch?: { readonly max: number; readonly perRecordShare: number };
  /**
   * The share of the duration that is CPU-bound. Lambda's CPU grows with memory up to 1,769 MB (one vCPU, all a
   * single-threaded Node.js handler uses), so at another memory size that share of the duration scales inversely.
   * 0 for functions that mostly wait on I/O.
   */
  readonly cpuBoundShare: number;
  /** Set where the platform allows one architecture only (Lambda@Edge: x86_64). */
  readonly fixedArchitecture?: Architecture;
  /** False where the function's INIT phase is not priced (Lambda@Edge has its own prices): no INIT options. */
  readonly billsInit?: boolean;
  /** The workload in words, for READMEs and the CLI. */
  describe(workload: Workload): string;
  /** The bill, line by line. */
  lines(workload: Workload, prices: PriceList): LineItem[];
}

export function numberOption(workload: Workload, key: string): number {
  const value = workload.options[key];
  if (typeof value !== 'number') throw new Error(`Option ${key} is not a number.`);
  return value;
}

export function choiceOption<T extends string>(workload: Workload, key: string): T {
  const value = workload.options[key];
  if (typeof value !== 'string') throw new Error(`Option ${key} is not a choice.`);
  return value as T;
}

/** The workload figures an integration takes: its own, and the INIT options where INIT is priced. */
export function optionSpecs(integration: Integration): readonly OptionSpec[] {
  return integration.billsInit === false ? integration.options : [...integration.options, ...commonOptions];
}

/** Fills in defaults and checks every figure; throws PricingInputError with one sentence for bad input. */
export function resolveWorkload(integration: Integration, input: WorkloadInput = {}): Workload {
  const d = integration.defaults;
  const architecture = input.architecture ?? d.architecture;
  if (integration.fixedArchitecture && architecture !== integration.fixedArchitecture) {
    throw new PricingInputError(
      `${integration.title} runs on ${integration.fixedArchitecture} only, not ${architecture}.`,
    );
  }
  if (architecture !== 'arm64' && architecture !== 'x86_64') {
    throw new PricingInputError(`The architecture must be arm64 or x86_64, not ${String(architecture)}.`);
  }
  const batchSize = input.batchSize ?? d.batchSize;
  if (input.batchSize !== undefined && !integration.batch && input.batchSize !== 1) {
    throw new PricingInputError(
      `${integration.title} does not batch records, so a batch size does not apply.`,
    );
  }
  const specs = optionSpecs(integration);
  const options: Record<string, number | string> = {};
  for (const spec of specs) options[spec.key] = spec.default;
  for (const [key, value] of Object.entries(input.options ?? {})) {
    const spec = specs.find((s) => s.key === key);
    if (!spec) {
      const known = specs.map((s) => s.key).join(', ');
      throw new PricingInputError(`${integration.name} has no option "${key}" (it has: ${known}).`);
    }
    options[key] = checkOption(integration, spec, value);
  }
  const workload: Workload = {
    events: input.events ?? d.events,
    durationMs: input.durationMs ?? d.durationMs,
    memoryMB: input.memoryMB ?? d.memoryMB,
    architecture,
    batchSize,
    freeTier: input.freeTier ?? false,
    options,
  };
  requireNonNegative(`The number of ${integration.eventUnit}`, workload.events);
  // Whole events, and few enough that a double still counts them exactly (2^53 ≈ 9e15).
  if (!Number.isInteger(workload.events) || workload.events > MAX_EVENTS) {
    throw new PricingInputError(
      `The number of ${integration.eventUnit} must be a whole number up to ${MAX_EVENTS.toLocaleString('en-US')} a month, not ${workload.events}.`,
    );
  }
  requireDuration(workload.durationMs);
  requireRange('Memory', workload.memoryMB, MIN_MEMORY_MB, MAX_MEMORY_MB, 'MB');
  if (integration.batch) requireRange('The batch size', workload.batchSize, 1, integration.batch.max);
  return workload;
}

function checkOption(integration: Integration, spec: OptionSpec, value: number | string): number | string {
  if (spec.choices) {
    if (typeof value !== 'string' || !spec.choices.includes(value)) {
      throw new PricingInputError(
        `${integration.name} option ${spec.key} must be one of ${spec.choices.join(', ')}, not ${String(value)}.`,
      );
    }
    return value;
  }
  const number = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && (value.trim() === '' || !Number.isFinite(number))) {
    throw new PricingInputError(`${integration.name} option ${spec.key} must be a number, not "${value}".`);
  }
  requireRange(
    `${integration.name} option ${spec.key}`,
    number,
    spec.min ?? 0,
    spec.max ?? Number.MAX_SAFE_INTEGER,
  );
  return number;
}

/** Platform log lines per invocation (START, END and REPORT in Lambda's JSON log format), bytes. */
export const PLATFORM_LOG_BYTES = 500;

/**
 * The function's own lines: Lambda (requests, duration, INIT) and the CloudWatch Logs it writes
 * (platform lines per invocation + the handler's lines per record).
 */
export function functionLines(
  workload: Workload,
  invocations: Dec,
  records: Dec,
  logBytesPerRecord: number,
  prices: PriceList,
  label?: string,
): LineItem[] {
  const lambda = lambdaCost(
    {
      invocations: invocations.toNumber(),
      durationMs: workload.durationMs,
      memoryMB: workload.memoryMB,
      architecture: workload.architecture,
      init: {
        durationMs: numberOption(workload, 'initMs'),
        coldStartRatio: numberOption(workload, 'coldStartRatio'),
      },
      freeTier: workload.freeTier,
      label,
    },
    prices,
  );
  const logBytes = invocations.mul(PLATFORM_LOG_BYTES).add(records.mul(logBytesPerRecord));
  const logs = logsCost({ bytes: logBytes, lambda: true, freeTier: workload.freeTier }, prices).map((line) =>
    line.item.startsWith('ingestion')
      ? {
          ...line,
          detail: `${formatCount(invocations)} × ${PLATFORM_LOG_BYTES} B platform lines + ${formatCount(records)} × ${logBytesPerRecord} B handler lines`,
        }
      : line,
  );
  return [...lambda, ...logs];
}

/** Lambda's CPU share grows with memory up to 1,769 MB (one vCPU). */
export const FULL_VCPU_MB = 1769;

/**
 * The configuration a newcomer might deploy: x86_64, 1,024 MB, one record per invocation. Its duration is
 * rescaled from the workload's: the per-record part of a batch's duration stays, the per-invocation overhead is
 * paid per record; the CPU-bound share scales with the CPU that the memory buys.
 */
export function naiveWorkload(integration: Integration, workload: Workload): Workload {
  const batchSize = integration.batch ? 1 : workload.batchSize;
  let duration = workload.durationMs;
  if (integration.batch && workload.batchSize > 1) {
    const share = integration.batch.perRecordShare;
    duration = duration * (1 - share + share / workload.batchSize);
  }
  const memoryMB = 1024;
  const cpu = Math.min(workload.memoryMB, FULL_VCPU_MB) / Math.min(memoryMB, FULL_VCPU_MB);
  duration = duration * (1 - integration.cpuBoundShare + integration.cpuBoundShare * cpu);
  return {
    ...workload,
    architecture: integration.fixedArchitecture ?? 'x86_64',
    memoryMB,
    batchSize,
    // Round away float noise (8.000000001 ms must bill as 8 ms, not 9), but never to 0: it still bills 1 ms.
    durationMs: Math.max(Math.round(duration * 1e6) / 1e6, 1e-6),
  };
}

export function describeFunction(workload: Workload, batched: boolean): string {
  const per = batched ? ` per batch of ${formatCount(workload.batchSize)}` : '';
  return `${formatCount(workload.durationMs)} ms${per} at ${formatCount(workload.memoryMB)} MB on ${workload.architecture}`;
}
