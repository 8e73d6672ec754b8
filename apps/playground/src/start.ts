/**
 * What `pnpm start` does (its entry point is main.ts): synthesizes the shared CDK app offline (the same templates and bundles `cdk deploy` ships), runs it
 * in the local cloud, serves the playground page over it, and prints the page, the endpoint and one line per
 * integration with a command to try, then function logs, until Ctrl-C.
 *
 *   pnpm start                          every integration
 *   pnpm start -- --stack sqs           one (repeat --stack for more)
 *   pnpm start -- --port 4570           another endpoint port
 *   pnpm start -- --page-port 0         the page on a free port
 *   pnpm start -- --verbose             every resource, output and command too
 *   pnpm start -- --time-scale 0.1      emulated time 10 times faster: retries, timeouts, windows
 *   pnpm start -- --assembly DIR        run an assembly synthesized elsewhere, without synthesizing
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { integrations, renamedHint } from '@triggers/infra';
import { parseCommandLine, serve, type UpOptions } from '@triggers/local-cloud';
import { tryIt } from './try-it.ts';
import { DEFAULT_PAGE_PORT, startPlayground } from './web/server.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const infraAssembly = fileURLToPath(new URL('../../../infra/cdk.out', import.meta.url));

const USAGE = `Usage: pnpm start [-- --stack NAME ...] [--port N] [--page-port N] [--api-port N] [--verbose] [--time-scale X] [--assembly DIR]

Synthesizes infra/ and runs every stack (or the ones named: sqs or Triggers-Sqs) in the local cloud, with the
playground page over it.
  --stack NAME    a stack to run, by short name or id; repeat for more (default: all)
  --port N        the endpoint's port (default: 4566; 0 picks a free one)
  --page-port N   the playground page's port (default: ${DEFAULT_PAGE_PORT}; 0 picks a free one)
  --api-port N    the first HTTP API's port, the next ones count up (default: free ports)
  --verbose       print every resource, output and command too (the page shows them all)
  --time-scale X  real time per emulated time, 0.001 to 1 (default 1: AWS's pace); 0.1 makes timeouts,
                  retries and windows pass 10 times faster (a poison SQS message reaches its DLQ in 30 s)
  --assembly DIR  run this cloud assembly instead of synthesizing infra/

Integrations: ${Object.keys(integrations).join(', ')}`;

/** Synthesizes infra/: true when it worked, false when it failed (said), 'interrupted' after Ctrl-C. */
function synth(): boolean | 'interrupted' {
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
  // Ctrl-C reaches turbo too (the terminal signals the whole process group): a stop asked for, not a failure.
  if (turbo.signal === 'SIGINT' || turbo.signal === 'SIGTERM' || turbo.status === 130) return 'interrupted';
  if (turbo.error || turbo.status !== 0) {
    if (turbo.stdout) console.error(turbo.stdout.trimEnd());
    const reason = turbo.error ? ` (${turbo.error.message})` : '';
    console.error(`error: cdk synth failed${reason}: see the messages above.`);
    return false;
  }
  return true;
}

/**
 * Runs `pnpm start` with `args`; resolves with the exit code. `stopAsked` tells whether a Ctrl-C came before the
 * cloud's own handling of it starts (the entry point notes it while the modules load).
 */
export async function main(args: readonly string[], stopAsked: () => boolean = () => false): Promise<number> {
  // pnpm passes a literal `--` through.
  const all = args.filter((arg) => arg !== '--');
  let page: { port: number; rest: string[] };
  try {
    page = pagePort(all);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  const given = page.rest;
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
  if (!ownAssembly) {
    const synthesized = synth();
    // A signal that came while spawnSync blocked is handled on the next turn of the event loop: take it first.
    await new Promise((resolve) => setImmediate(resolve));
    // Turbo may finish anyway (restoring its cache): nothing starts once the user has asked to stop.
    if (stopAsked() || synthesized === 'interrupted') return stoppedBeforeStart();
    if (!synthesized) return 1;
  }
  if (stopAsked()) return stoppedBeforeStart();
  return serve({
    ...options,
    describe: tryIt,
    attach: async (cloud) => {
      const playground = await startPlayground(cloud, { port: page.port });
      return {
        banner: [
          `Page:     ${playground.url}  (every stack, resource and command; fire events, watch them run)`,
        ],
        stop: () => playground.stop(),
      };
    },
  });
}

/** `--page-port N` (or `=N`), taken out of the arguments the local cloud reads. */
function pagePort(args: readonly string[]): { port: number; rest: string[] } {
  let value: string | undefined;
  const rest: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--page-port') {
      value = args[index + 1] ?? '';
      index += 1;
    } else if (arg.startsWith('--page-port=')) {
      value = arg.slice('--page-port='.length);
    } else {
      rest.push(arg);
    }
  }
  if (value === undefined) return { port: DEFAULT_PAGE_PORT, rest };
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new Error(`--page-port needs a number from 0 to 65535, not '${value}'.`);
  }
  return { port, rest };
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

function stoppedBeforeStart(): number {
  console.log('Stopped: nothing was started.');
  return 0;
}
