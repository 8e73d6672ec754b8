/**
 * `pnpm start`: synthesizes the shared CDK app offline (the same templates and bundles `cdk deploy` ships), then
 * runs it in the local cloud with ready-to-paste commands per integration, until Ctrl-C.
 *
 *   pnpm start                          every integration
 *   pnpm start -- --stack sqs           one (repeat --stack for more)
 *   pnpm start -- --port 4567           another endpoint port
 *   pnpm start -- --assembly DIR        run an assembly synthesized elsewhere, without synthesizing
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { integrations, renamedHint } from '@triggers/infra';
import { parseCommandLine, serve, type UpOptions } from '@triggers/local-cloud';
import { tryIt } from './try-it.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const infraAssembly = fileURLToPath(new URL('../../../infra/cdk.out', import.meta.url));

const USAGE = `Usage: pnpm start [-- --stack NAME ...] [--port N] [--api-port N] [--assembly DIR]

Synthesizes infra/ and runs every stack (or the ones named: sqs or Triggers-Sqs) in the local cloud.
  --stack NAME    a stack to run, by short name or id; repeat for more (default: all)
  --port N        the endpoint's port (default: 4566; 0 picks a free one)
  --api-port N    the first HTTP API's port, the next ones count up (default: free ports)
  --assembly DIR  run this cloud assembly instead of synthesizing infra/

Integrations: ${Object.keys(integrations).join(', ')}`;

function synth(): boolean {
  console.log('… Synthesizing infra (cdk synth, offline; cached by turbo when nothing changed)');
  // Turbo prints a failing task's output on its stdout: keep it, and show it only when synth fails.
  const turbo = spawnSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'synth', '--filter=@triggers/infra', '--output-logs=errors-only'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    },
  );
  if (turbo.error || turbo.status !== 0) {
    if (turbo.stdout) console.error(turbo.stdout.trimEnd());
    const reason = turbo.error ? ` (${turbo.error.message})` : '';
    console.error(`error: cdk synth failed${reason}: see the messages above.`);
    return false;
  }
  return true;
}

async function main(args: string[]): Promise<number> {
  // pnpm passes a literal `--` through.
  const given = args.filter((arg) => arg !== '--');
  if (given.includes('--help') || given.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const renamed = stackNames(given)
    .map((name) => renamedHint(name, (now) => `pnpm start -- --stack ${now}`))
    .find(Boolean);
  if (renamed) {
    console.error(`error: ${renamed}`);
    return 2;
  }
  const ownAssembly = given.some((arg) => arg === '--assembly' || arg.startsWith('--assembly='));
  let options: UpOptions;
  try {
    const parsed = parseCommandLine(['up', ...(ownAssembly ? [] : ['--assembly', infraAssembly]), ...given]);
    if (parsed.help) return 0; // --help was answered above
    options = parsed;
  } catch (error) {
    console.error(`error: ${(error as Error).message.replace('local-cloud --help', 'pnpm start -- --help')}`);
    return 2;
  }
  // Names are checked before the synth: a typo gets its answer at once, with the names there are.
  const unknown = ownAssembly ? undefined : options.stacks?.find((name) => !knownStack(name));
  if (unknown !== undefined) {
    console.error(
      `error: Unknown integration "${unknown}": choose one of ${Object.keys(integrations).join(', ')} (see pnpm start -- --help).`,
    );
    return 2;
  }
  if (!ownAssembly && !synth()) return 1;
  return serve({ ...options, describe: tryIt });
}

/** A name `--stack` takes: an integration's short name or its stack id, case and hyphens aside. */
function knownStack(name: string): boolean {
  const plain = (text: string) => text.toLowerCase().replaceAll('-', '');
  return Object.values(integrations).some(
    (integration) => plain(integration.name) === plain(name) || plain(integration.stackId) === plain(name),
  );
}

/** The values of `--stack NAME` and `--stack=NAME`. */
function stackNames(args: readonly string[]): string[] {
  return args.flatMap((arg, index) => {
    if (arg === '--stack') return args[index + 1] ?? [];
    return arg.startsWith('--stack=') ? arg.slice('--stack='.length) : [];
  });
}

// Exit explicitly: kept-alive sockets must not hold the process open after the cloud has stopped.
process.exit(await main(process.argv.slice(2)));
