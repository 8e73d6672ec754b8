#!/usr/bin/env node
/**
 * `local-cloud up`: starts the local cloud with a cloud assembly's stacks, prints the endpoint, resources and
 * outputs, then streams function logs until Ctrl-C (SIGINT) or SIGTERM, and stops everything it started.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type LocalCloud, startLocalCloud } from './cloud.ts';
import { LocalCloudError, messageOf } from './errors.ts';
import { formatEndpoint, formatHttpApis, formatLogEvent, formatStack } from './report.ts';

export const USAGE = `Usage: local-cloud up [--assembly DIR] [--stack NAME ...] [--port N] [--api-port N] [NAME ...]

Runs a synthesized CDK app (a cloud assembly) on this machine: one endpoint, real emulators, local Lambda.

Options:
  -a, --assembly DIR   the cloud assembly to run (default: ./cdk.out)
  -s, --stack NAME     a stack to deploy, by id or short name (Triggers-Sqs or sqs); repeat for more, or
                       list names after 'up' (default: all stacks)
  -p, --port N         the endpoint's port (default: 4566; 0 picks a free one)
      --api-port N     the first HTTP API's port, the next ones count up (default: 0, free ports)
  -h, --help           show this help

Stops with Ctrl-C.`;

export interface UpOptions {
  readonly assembly: string;
  readonly stacks: string[];
  readonly port?: number;
  /** The first HTTP API's port; the next ones count up. Free ports by default. */
  readonly apiPort?: number;
}

/** The command line → what to run; a usage problem is a LocalCloudError. */
export function parseCommandLine(args: readonly string[]): { help: true } | ({ help: false } & UpOptions) {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(args);
  } catch (error) {
    // Node's message goes on about positional arguments after '--': its first sentence is the one that helps.
    const first = messageOf(error).split(/\.(?:\s|$)/)[0] ?? messageOf(error);
    throw new LocalCloudError(`${first}: see local-cloud --help.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const [command, ...extra] = positionals;
  if (command !== 'up') {
    const given = command === undefined ? 'no command' : `'${command}'`;
    throw new LocalCloudError(`Expected the command 'up', got ${given}: see local-cloud --help.`);
  }
  // `--stack a --stack b`, `--stack a,b` and `up a b` all name stacks.
  const stacks = [...(values.stack ?? []), ...extra].flatMap((name) => name.split(',')).filter(Boolean);
  const port = portOption('--port', values.port);
  const apiPort = portOption('--api-port', values['api-port']);
  return {
    help: false,
    // Relative to where the user typed the command: pnpm runs scripts in the package folder, INIT_CWD is theirs.
    assembly: resolve(process.env.INIT_CWD ?? process.cwd(), values.assembly ?? 'cdk.out'),
    stacks,
    ...(port === undefined ? {} : { port }),
    ...(apiPort === undefined ? {} : { apiPort }),
  };
}

function portOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new LocalCloudError(`${flag} needs a number from 0 to 65535, not '${value}'.`);
  }
  return port;
}

function parseOptions(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      assembly: { type: 'string', short: 'a' },
      stack: { type: 'string', short: 's', multiple: true },
      port: { type: 'string', short: 'p' },
      'api-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The function (or log group) a log line came from, as the reader knows it. */
function sourceNames(cloud: LocalCloud): (group: string) => string {
  return (group) =>
    cloud.lambda.listFunctions().find((config) => config.logGroupName === group)?.name ?? group;
}

export interface ServeOptions extends UpOptions {
  /** More to print once the stacks are up (e.g. commands to try them), as lines. */
  readonly describe?: (cloud: LocalCloud) => readonly string[];
}

/**
 * Starts the local cloud, prints the endpoint, stacks and outputs, streams function logs until SIGINT or SIGTERM,
 * then stops everything. Resolves with the exit code: 0 after a requested stop, 1 after an error (printed as one
 * `error: …` line).
 */
export async function serve(options: ServeOptions): Promise<number> {
  let stopRequested: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = (): void => stopRequested?.();
  // Installed before anything starts, so a Ctrl-C while starting still stops what started.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let cloud: LocalCloud | undefined;
  try {
    const starting = startLocalCloud({
      assembly: options.assembly,
      stacks: options.stacks,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.apiPort === undefined ? {} : { apiPort: options.apiPort }),
      onProgress: (message) => console.log(`… ${message}`),
      onWarning: (message) => console.error(`warning: ${message}`),
    });
    const started = await Promise.race([starting, stopSignal.then(() => undefined)]);
    if (!started) {
      // Stopped while starting: wait for the start to finish (or fail), then stop what it started.
      await (await starting.catch(() => undefined))?.stop();
      return 0;
    }
    cloud = started;
    console.log('');
    console.log(formatEndpoint(cloud.endpoint));
    if (cloud.httpApis.length > 0) console.log(['', formatHttpApis(cloud.httpApis)].join('\n'));
    for (const stack of cloud.stacks) {
      console.log('');
      console.log(formatStack(stack, { endpoint: cloud.endpoint }));
    }
    const extra = options.describe?.(cloud) ?? [];
    if (extra.length > 0) console.log(['', ...extra].join('\n'));
    const sourceOf = sourceNames(cloud);
    cloud.logStore.on('events', (group, _stream, events) => {
      for (const event of events) console.log(formatLogEvent(sourceOf(group), event));
    });
    console.log('');
    console.log('Ready. Function logs follow; Ctrl-C stops the local cloud.');
    await stopSignal;
    console.log('Stopping…');
    await cloud.stop();
    console.log('Stopped: every emulator and function process has exited.');
    return 0;
  } catch (error) {
    await cloud?.stop().catch(() => {});
    console.error(`error: ${messageOf(error)}`);
    if (!(error instanceof LocalCloudError) && process.env.LOCAL_CLOUD_DEBUG) console.error(error);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** Runs `local-cloud` with `args`; resolves with the exit code once the cloud has stopped. */
export async function main(args: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(args);
  } catch (error) {
    console.error(`error: ${messageOf(error)}`);
    return 2; // a usage error, as `pnpm start` and most CLIs exit
  }
  if (command.help) {
    console.log(USAGE);
    return 0;
  }
  return serve(command);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Exit explicitly: an SDK's kept-alive socket must not hold the process open after stop.
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
