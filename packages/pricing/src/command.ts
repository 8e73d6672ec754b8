/**
 * `pnpm cost`: the argument parsing and output of the CLI, as a function of argv so that tests run it in-process.
 *
 * The parser is our own (a few lines) rather than node:util parseArgs, because parseArgs rejects `--events -5`
 * as an "ambiguous" option before we can say what is wrong with it, in several sentences.
 */
import leven from 'leven';
import { estimate } from './estimate.ts';
import {
  estimateJson,
  formatEstimate,
  formatLambdaEstimate,
  LAMBDA_TITLE,
  lambdaEstimateJson,
  textTable,
} from './format.ts';
import { findIntegration, integrationNames, integrations, renamedTo } from './integrations.ts';
import { FREE_EPHEMERAL_MB, HOURS_PER_MONTH, MAX_MEMORY_MB, MIN_MEMORY_MB } from './lambda.ts';
import { type LambdaWorkload, lambdaDefaults, lambdaEstimate } from './lambda-estimate.ts';
import { PricingInputError } from './line-item.ts';
import { formatCount, formatUsd } from './money.ts';
import { isBuilt, repositoryRoot } from './packages.ts';
import type { Architecture } from './prices/types.ts';
import { optionSpecs, type WorkloadInput } from './workload.ts';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

class UsageError extends Error {}

const FLAGS = {
  '--events': 'value',
  '--duration': 'value',
  '--memory': 'value',
  '--arch': 'value',
  '--batch-size': 'value',
  '--set': 'value',
  '--requests': 'value',
  '--ephemeral-storage': 'value',
  '--provisioned': 'value',
  '--free-tier': 'switch',
  '--json': 'switch',
  '--all': 'switch',
  '--help': 'switch',
  '-h': 'switch',
} as const;
type Flag = keyof typeof FLAGS;

/** What only the bare function takes, and what only the integrations take. */
const LAMBDA_ONLY = ['--requests', '--ephemeral-storage', '--provisioned'] as const;
const INTEGRATION_ONLY = ['--events', '--batch-size', '--set'] as const;

export const usage = `Usage: pnpm cost <integration> [options]
       pnpm cost lambda [options]
       pnpm cost --all [--free-tier] [--json]

The monthly AWS bill of an integration, line by line (us-east-1), and what the same work costs at a naive
configuration (x86_64, 1,024 MB, one record per invocation); or of one Lambda function on its own
(pnpm cost lambda --help).

Integrations: ${integrationNames.join(', ')}

Options:
  --events N         events a month: 10M, 1.5k, 2B, 250000
  --duration D       average duration of one invocation: 120ms, 1.2s (a bare number is ms)
  --memory MB        function memory, ${MIN_MEMORY_MB}–${MAX_MEMORY_MB.toLocaleString('en-US')} MB (512, 512MB, 2GB)
  --arch A           arm64 or x86_64
  --batch-size N     records per invocation, where the trigger batches (sqs, kinesis, dynamodb-streams)
  --set KEY=VALUE    a workload figure of the integration (see pnpm cost <integration> --help); repeatable
  --free-tier        apply the monthly free tiers that never expire
  --json             machine-readable output (exact decimal strings)
  --all              every integration at its default workload
  --help             this text; after an integration, its workload figures`;

const lambdaUsage = `pnpm cost lambda — ${LAMBDA_TITLE}: requests, duration in GB-s, the free tier, arm64 against x86_64,
ephemeral storage and provisioned concurrency (us-east-1). Beside the bill, the same function on x86_64 at the same
memory. INIT (cold starts) is not added: give an average duration that includes it.

Options:
  --requests N             requests a month: 3M, 1.5k, 250000 (default ${formatCount(lambdaDefaults.requests)})
  --duration D             average duration of one invocation: 120ms, 1s (default ${lambdaDefaults.durationMs} ms; billed per 1 ms, at least 1)
  --memory MB              ${MIN_MEMORY_MB}–${MAX_MEMORY_MB.toLocaleString('en-US')} MB: 512, 2GB (default ${lambdaDefaults.memoryMB})
  --arch A                 arm64 (default) or x86_64
  --ephemeral-storage MB   /tmp, ${FREE_EPHEMERAL_MB}–${MAX_MEMORY_MB.toLocaleString('en-US')} MB: 2048, 2GB (default ${FREE_EPHEMERAL_MB}, free; above it priced per GB-s)
  --provisioned N          environments of provisioned concurrency kept ready all month (${HOURS_PER_MONTH} h); every request runs on them
  --free-tier              1 M requests and 400,000 GB-s a month (AWS gives none with provisioned concurrency)
  --json                   machine-readable output (exact decimal strings)`;

const SUFFIXES: Record<string, number> = { k: 1e3, K: 1e3, m: 1e6, M: 1e6, b: 1e9, B: 1e9 };

/** `10M`, `1.5k`, `2B`, `250000`, `1_000_000`, `1,000,000` → a number of events. */
export function parseQuantity(text: string, what = 'A quantity'): number {
  const match = /^([+-]?(?:\d[\d_,]*)?(?:\.\d+)?)([kKmMbB]?)$/.exec(text.trim());
  if (!match?.[1] || match[1] === '+' || match[1] === '-') {
    throw new UsageError(`${what} must be a number such as 250000, 1.5k, 10M or 2B, not "${text}".`);
  }
  const value = Number(match[1].replace(/[_,]/g, '')) * (SUFFIXES[match[2] ?? ''] ?? 1);
  if (!Number.isFinite(value)) throw new UsageError(`${what} must be a number, not "${text}".`);
  if (value < 0) throw new UsageError(`${what} must be zero or more, not "${text}".`);
  return Math.round(value * 1e6) / 1e6;
}

/** `120ms`, `1.2s`, `120` (ms) → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?$/.exec(text.trim());
  if (!match?.[1]) {
    if (/^-/.test(text.trim())) throw new UsageError(`The duration must be more than 0 ms, not "${text}".`);
    throw new UsageError(`The duration must look like 120ms or 1.2s, not "${text}".`);
  }
  const value = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  return Math.round(value * 1e6) / 1e6;
}

/** `512`, `512MB`, `2GB` → whole MB. */
function parseMegabytes(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(MB|GB)?$/i.exec(text.trim());
  if (!match?.[1]) throw new UsageError(`${what} must be a number of MB such as 512 or 2GB, not "${text}".`);
  const mb = Number(match[1]) * (match[2]?.toUpperCase() === 'GB' ? 1024 : 1);
  if (!Number.isInteger(mb)) throw new UsageError(`${what} must be a whole number of MB, not "${text}".`);
  return mb;
}

/** `512`, `512MB`, `2GB` → whole MB within Lambda's limits. */
export function parseMemory(text: string): number {
  const mb = parseMegabytes(text, 'Memory');
  if (mb < MIN_MEMORY_MB || mb > MAX_MEMORY_MB) {
    throw new UsageError(
      `Memory must be from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB.toLocaleString('en-US')} MB (Lambda's limits), not ${mb} MB.`,
    );
  }
  return mb;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = leven(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Suggest only what is plausibly a typo: up to a third of the word changed.
  return best !== undefined && bestDistance <= Math.max(2, Math.ceil(word.length / 3)) ? best : undefined;
}

interface Parsed {
  readonly positionals: string[];
  readonly values: Partial<Record<Flag, string[]>>;
}

function parse(argv: readonly string[]): Parsed {
  const positionals: string[] = [];
  const values: Partial<Record<Flag, string[]>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') continue; // pnpm passes a literal `--` through
    if (!arg.startsWith('-') || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(name in FLAGS)) {
      const hint = closest(name, Object.keys(FLAGS));
      throw new UsageError(`Unknown option ${name}${hint ? `; did you mean ${hint}?` : '.'}`);
    }
    const flag = name as Flag;
    if (FLAGS[flag] === 'switch') {
      if (eq > 0) throw new UsageError(`${flag} takes no value.`);
      values[flag] = ['true'];
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value !== '--')) {
        throw new UsageError(`${flag} needs a value.`);
      }
      i++;
    }
    values[flag] = [...(values[flag] ?? []), value];
  }
  return { positionals, values };
}

function single(parsed: Parsed, flag: Flag): string | undefined {
  const list = parsed.values[flag];
  if (list && list.length > 1) throw new UsageError(`${flag} was given more than once.`);
  return list?.[0];
}

function architecture(parsed: Parsed): Architecture | undefined {
  const arch = single(parsed, '--arch');
  if (arch !== undefined && arch !== 'arm64' && arch !== 'x86_64') {
    const hint = closest(arch, ['arm64', 'x86_64']);
    throw new UsageError(
      `--arch must be arm64 or x86_64, not "${arch}"${hint ? `; did you mean ${hint}?` : '.'}`,
    );
  }
  return arch;
}

/** Refuses the options that belong to the other kind of estimate, naming what to use instead. */
function refuse(parsed: Parsed, flags: readonly Flag[], reason: (flag: Flag) => string): void {
  const flag = flags.find((f) => parsed.values[f]);
  if (flag) throw new UsageError(reason(flag));
}

function workloadInput(parsed: Parsed): WorkloadInput {
  refuse(parsed, LAMBDA_ONLY, (flag) =>
    flag === '--requests'
      ? 'An integration counts --events, not --requests (that is pnpm cost lambda).'
      : `${flag} applies to pnpm cost lambda only.`,
  );
  const events = single(parsed, '--events');
  const duration = single(parsed, '--duration');
  const memory = single(parsed, '--memory');
  const arch = architecture(parsed);
  const batch = single(parsed, '--batch-size');
  let batchSize: number | undefined;
  if (batch !== undefined) {
    batchSize = parseQuantity(batch, 'The batch size');
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UsageError(`The batch size must be a whole number from 1, not "${batch}".`);
    }
  }
  const options: Record<string, string> = {};
  for (const pair of parsed.values['--set'] ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--set takes KEY=VALUE, not "${pair}".`);
    options[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    ...(events !== undefined ? { events: parseQuantity(events, 'The number of events') } : {}),
    ...(duration !== undefined ? { durationMs: parseDuration(duration) } : {}),
    ...(memory !== undefined ? { memoryMB: parseMemory(memory) } : {}),
    ...(arch !== undefined ? { architecture: arch } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    freeTier: parsed.values['--free-tier'] !== undefined,
    options: convertOptions(options),
  };
}

function lambdaInput(parsed: Parsed): Partial<LambdaWorkload> {
  refuse(parsed, INTEGRATION_ONLY, (flag) =>
    flag === '--events'
      ? 'pnpm cost lambda counts --requests, not --events.'
      : `${flag} applies to integrations, not to pnpm cost lambda.`,
  );
  const requests = single(parsed, '--requests');
  const duration = single(parsed, '--duration');
  const memory = single(parsed, '--memory');
  const arch = architecture(parsed);
  const storage = single(parsed, '--ephemeral-storage');
  const provisioned = single(parsed, '--provisioned');
  return {
    ...(requests !== undefined ? { requests: parseQuantity(requests, 'The number of requests') } : {}),
    ...(duration !== undefined ? { durationMs: parseDuration(duration) } : {}),
    ...(memory !== undefined ? { memoryMB: parseMemory(memory) } : {}),
    ...(arch !== undefined ? { architecture: arch } : {}),
    ...(storage !== undefined ? { ephemeralStorageMB: parseMegabytes(storage, 'Ephemeral storage') } : {}),
    ...(provisioned !== undefined
      ? { provisionedConcurrency: parseQuantity(provisioned, 'Provisioned concurrency') }
      : {}),
    freeTier: parsed.values['--free-tier'] !== undefined,
  };
}

/** `--set` values arrive as text; numeric options accept the same suffixes as --events (`mau=50k`). */
function convertOptions(options: Record<string, string>): Record<string, number | string> {
  const converted: Record<string, number | string> = {};
  for (const [key, text] of Object.entries(options)) {
    converted[key] = /^[+-]?[\d.]/.test(text) ? parseQuantity(text, `--set ${key}`) : text;
  }
  return converted;
}

function integrationHelp(name: string): string {
  const integration = findIntegration(name);
  if (!integration) return usage;
  const workload = estimate(name).workload;
  const rows = optionSpecs(integration).map((o) => [
    `${o.key}=${o.default}`,
    o.choices ? `${o.description} (${o.choices.join(' | ')})` : o.description,
  ]);
  return [
    `pnpm cost ${name} — ${integration.title}`,
    '',
    integration.architecture,
    '',
    `Default workload: ${integration.describe(workload)}.`,
    integration.batch ? '' : 'The trigger does not batch, so --batch-size does not apply.',
    'Workload figures (--set KEY=VALUE):',
    textTable(['KEY=default', 'what it is'], rows, []),
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
}

/** A word as a POSIX shell reads it back: bare when it is safe, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The same command under an integration's new name, for the hint to a former one. */
function renamedCommand(argv: readonly string[], formerName: string, name: string): string {
  const at = argv.indexOf(formerName);
  const words = argv.map((arg, i) => (i === at ? name : arg)).filter((arg) => arg !== '--');
  return ['pnpm cost', ...words.map(shellWord)].join(' ');
}

/**
 * Runs the CLI; returns the exit code (0 done, 2 bad usage). `root` is the repository whose `packages/` says which
 * integrations are built.
 */
export function run(argv: readonly string[], io: Io, root: string = repositoryRoot): number {
  try {
    const parsed = parse(argv);
    const json = parsed.values['--json'] !== undefined;
    const [name, ...extra] = parsed.positionals;
    const renamed = name === undefined ? undefined : renamedTo(name);
    if (name !== undefined && renamed !== undefined) {
      throw new UsageError(`"${name}" is now called "${renamed}": ${renamedCommand(argv, name, renamed)}`);
    }
    if (parsed.values['--help'] || parsed.values['-h']) {
      io.out(name === 'lambda' ? lambdaUsage : name ? integrationHelp(name) : usage);
      return 0;
    }
    if (extra.length > 0)
      throw new UsageError(`Unexpected argument "${extra[0]}"; give one integration at a time.`);
    if (parsed.values['--all']) {
      if (name !== undefined) throw new UsageError('--all prints every integration; leave out the name.');
      const tuning = (
        ['--events', '--duration', '--memory', '--arch', '--batch-size', '--set', ...LAMBDA_ONLY] as const
      ).find((flag) => parsed.values[flag]);
      if (tuning)
        throw new UsageError(`--all uses each integration's default workload, so ${tuning} does not apply.`);
      const freeTier = parsed.values['--free-tier'] !== undefined;
      const all = integrations.map((i) => ({
        result: estimate(i.name, { freeTier }),
        built: isBuilt(i.name, root),
      }));
      if (json) {
        io.out(
          JSON.stringify(
            all.map((e) => ({ ...estimateJson(e.result), built: e.built })),
            null,
            2,
          ),
        );
        return 0;
      }
      const summary = all.map(({ result, built }) => [
        result.integration.name,
        built ? 'built' : 'planned',
        formatUsd(result.total),
        formatUsd(result.naive.total),
        result.integration.describe(result.workload),
      ]);
      io.out(
        [
          ...all.flatMap(({ result, built }) => [formatEstimate(result, { planned: !built }), '']),
          'Summary (a month, us-east-1; "planned": its package is not written yet, the estimate prices its plan)',
          textTable(['Integration', 'Package', 'Defaults', 'Naive', 'Workload'], summary, [2, 3]),
        ].join('\n'),
      );
      return 0;
    }
    if (name === undefined) {
      io.err(`Name an integration or lambda, or use --all.\n\n${usage}`);
      return 2;
    }
    if (name === 'lambda') {
      const result = lambdaEstimate(lambdaInput(parsed));
      io.out(json ? JSON.stringify(lambdaEstimateJson(result), null, 2) : formatLambdaEstimate(result));
      return 0;
    }
    if (!findIntegration(name)) {
      const hint = closest(name, [...integrationNames, 'lambda']);
      throw new UsageError(
        `Unknown integration "${name}"${hint ? `; did you mean ${hint}?` : `; known: ${integrationNames.join(', ')}, and lambda.`}`,
      );
    }
    const result = estimate(name, workloadInput(parsed));
    io.out(
      json
        ? JSON.stringify(estimateJson(result), null, 2)
        : formatEstimate(result, { planned: !isBuilt(name, root) }),
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof PricingInputError) {
      io.err(error.message);
      return 2;
    }
    throw error;
  }
}
