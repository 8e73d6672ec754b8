#!/usr/bin/env node
/**
 * `local-cloud up`: starts the local cloud with a cloud assembly's stacks, prints the endpoint, resources and
 * outputs, then streams function logs until Ctrl-C (SIGINT) or SIGTERM, and stops everything it started.
 */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type LocalCloud, startLocalCloud } from './cloud.ts';
import { LocalCloudError, messageOf } from './errors.ts';
import {
  type AwsCli,
  formatEndpoint,
  formatHttpApis,
  formatLogEvent,
  formatNotice,
  formatStack,
  formatStackSummary,
  TimeOrderedLines,
  terminalColumns,
  wrapText,
} from './report.ts';
import type { LogEvent } from './types.ts';

export const USAGE = `Usage: local-cloud up [--assembly DIR] [--stack NAME ...] [--port N] [--api-port N] [--verbose] [--time-scale X] [NAME ...]

Runs a synthesized CDK app (a cloud assembly) on this machine: one endpoint, real emulators, local Lambda.

Options:
  -a, --assembly DIR   the cloud assembly to run (default: ./cdk.out)
  -s, --stack NAME     a stack to deploy, by id or short name (Triggers-Sqs or sqs); repeat for more, or
                       list names after 'up' (default: all stacks)
  -p, --port N         the endpoint's port (default: 4566; 0 picks a free one)
      --api-port N     the first HTTP API's port, the next ones count up (default: 0, free ports)
  -v, --verbose        print every resource of every stack, the HTTP APIs and the outputs too
      --time-scale X   real time per emulated time, from 0.001 to 1 (default: 1, AWS's pace); 0.1 makes
                       visibility timeouts, retry delays, batching and tumbling windows pass 10 times faster
  -h, --help           show this help

Stops with Ctrl-C.`;

export interface UpOptions {
  readonly assembly: string;
  readonly stacks: string[];
  readonly port?: number;
  /** The first HTTP API's port; the next ones count up. Free ports by default. */
  readonly apiPort?: number;
  /** Print every resource, the HTTP APIs and the outputs, not only one line per stack. */
  readonly verbose?: boolean;
  /** Real time per emulated time (1: AWS's pace). */
  readonly timeScale?: number;
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
  const timeScale = timeScaleOption(values['time-scale']);
  return {
    help: false,
    // Relative to where the user typed the command: pnpm runs scripts in the package folder, INIT_CWD is theirs.
    assembly: resolve(process.env.INIT_CWD ?? process.cwd(), values.assembly ?? 'cdk.out'),
    stacks,
    ...(port === undefined ? {} : { port }),
    ...(apiPort === undefined ? {} : { apiPort }),
    ...(values.verbose ? { verbose: true } : {}),
    ...(timeScale === undefined ? {} : { timeScale }),
  };
}

function timeScaleOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const scale = Number(value);
  if (value.trim() === '' || !(scale >= 0.001 && scale <= 1)) {
    throw new LocalCloudError(`--time-scale needs a number from 0.001 to 1, not '${value}'.`);
  }
  return scale;
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
      verbose: { type: 'boolean', short: 'v' },
      'time-scale': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The function (or log group) a log line came from, as the reader knows it. */
function sourceNames(cloud: LocalCloud): (group: string) => string {
  return (group) =>
    cloud.lambda.listFunctions().find((config) => config.logGroupName === group)?.name ?? group;
}

/** How the terminal output is laid out: its width, and whether everything is printed. */
export interface Layout {
  readonly columns: number;
  readonly verbose: boolean;
}

/** Something started over the running cloud (a web page): what it prints first, and how it stops. */
export interface Attachment {
  readonly banner: readonly string[];
  stop(): Promise<void>;
}

export interface ServeOptions extends UpOptions {
  /**
   * What to print about the stacks after the endpoint, in lines no wider than `layout.columns` (e.g. one line per
   * integration with a command to try). Default: one line per stack.
   */
  readonly describe?: (cloud: LocalCloud, layout: Layout) => readonly string[];
  /**
   * Started once the cloud is up; its banner is printed first and it is stopped before the cloud. A rejection is
   * printed as one `error:` line and the cloud stops (exit status 1).
   */
  readonly attach?: (cloud: LocalCloud) => Promise<Attachment>;
  /** The terminal's width; by default the TTY's, else $COLUMNS, else 100. */
  readonly columns?: number;
}

/**
 * The AWS CLI on PATH and its version (`aws --version` prints `aws-cli/2.9.19 Python/…`), or null when there is
 * none; undefined when it answers something else.
 */
export function findAwsCli(env: NodeJS.ProcessEnv = process.env): Promise<AwsCli | null | undefined> {
  return new Promise((resolve) => {
    execFile('aws', ['--version'], { env, timeout: 10_000 }, (error, stdout, stderr) => {
      const version = /aws-cli\/(\d+\.\d+\.\d+)/.exec(`${stdout}${stderr}`)?.[1];
      if (version) resolve({ version });
      else if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolve(null);
      // A shim with no CLI behind it (pyenv's) exits 127: none either.
      else resolve(error?.code === 127 ? null : undefined);
    });
  });
}

/** Signals this close together are one Ctrl-C: the terminal's copy and the one pnpm passes on. */
const REPEAT_SIGNAL_MS = 1000;

/**
 * Starts the local cloud, prints the endpoint and a line per stack (or what `describe` says; everything with
 * `verbose`), streams function logs and trigger notices in time order until SIGINT or SIGTERM, then stops
 * everything. Resolves with the exit code: 0 after a requested stop, 1 after an error (one `error: …` line).
 */
export async function serve(options: ServeOptions): Promise<number> {
  const columns = options.columns ?? terminalColumns();
  const layout: Layout = { columns, verbose: options.verbose ?? false };
  const say = (text: string) => {
    for (const line of text.split('\n')) for (const part of wrapText(line, columns)) console.log(part);
  };
  let stopRequested: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  // The terminal sends Ctrl-C to the whole foreground process group, and pnpm passes its copy on as well: every
  // signal is handled for as long as this runs, since an unhandled second one would kill the process mid-stop
  // (and pnpm would then report `[ELIFECYCLE] Command failed.`). A later Ctrl-C offers a way out; a third takes it.
  // One Ctrl-C arrives twice (the terminal's and pnpm's copy): signals within REPEAT_SIGNAL_MS count as one.
  let lastCountedAt = Number.NEGATIVE_INFINITY;
  let presses = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (Date.now() - lastCountedAt < REPEAT_SIGNAL_MS) return;
    lastCountedAt = Date.now();
    presses += 1;
    if (presses === 1) stopRequested?.();
    else if (presses === 2)
      console.log('Still stopping: Ctrl-C once more quits at once, leaving processes behind.');
    else process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  // Installed before anything starts, so a Ctrl-C while starting still stops what started.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const awsCli = findAwsCli();
  let cloud: LocalCloud | undefined;
  let attachment: Attachment | undefined;
  const stopAll = async () => {
    await attachment?.stop().catch(() => {});
    await cloud?.stop();
  };
  try {
    const starting = startLocalCloud({
      assembly: options.assembly,
      stacks: options.stacks,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.apiPort === undefined ? {} : { apiPort: options.apiPort }),
      ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
      onProgress: (message) => say(`… ${message}`),
      onWarning: (message) => {
        for (const line of wrapText(`warning: ${message}`, columns)) console.error(line);
      },
    });
    const started = await Promise.race([starting, stopSignal.then(() => undefined)]);
    if (!started) {
      // Stopped while starting: wait for the start to finish (or fail), then stop what it started.
      await (await starting.catch(() => undefined))?.stop();
      return 0;
    }
    cloud = started;
    const running = cloud;
    if (options.attach) {
      const attaching = options.attach(running);
      const attached = await Promise.race([attaching, stopSignal.then(() => undefined)]);
      attachment = attached ?? (await attaching.catch(() => undefined));
      if (!attached) {
        await stopAll();
        return 0;
      }
    }
    console.log('');
    for (const line of attachment?.banner ?? []) say(line);
    for (const line of formatEndpoint(running.endpoint, await awsCli, columns).split('\n')) console.log(line);
    if (layout.verbose) {
      if (running.httpApis.length > 0) say(['', formatHttpApis(running.httpApis)].join('\n'));
      for (const stack of running.stacks)
        say(['', formatStack(stack, { endpoint: running.endpoint })].join('\n'));
    }
    const described = options.describe?.(running, layout) ?? running.stacks.map(formatStackSummary);
    if (described.length > 0) console.log(['', ...described].join('\n'));
    const printer = new TimeOrderedLines(say);
    const sourceOf = sourceNames(running);
    const onEvents = (group: string, _stream: string, events: readonly LogEvent[]) => {
      for (const event of events) printer.push(event.timestamp, formatLogEvent(sourceOf(group), event));
    };
    running.logStore.on('events', onEvents);
    const unwatch = running.watch({ notice: (notice) => printer.push(notice.at, formatNotice(notice)) });
    console.log('');
    say('Ready. Function logs follow; Ctrl-C stops the local cloud.');
    await stopSignal;
    printer.flush(true);
    console.log('Stopping…');
    unwatch();
    running.logStore.off('events', onEvents);
    await stopAll();
    console.log('Stopped: every emulator and function process has exited.');
    return 0;
  } catch (error) {
    await stopAll().catch(() => {});
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
