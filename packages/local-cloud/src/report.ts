/**
 * Plain-text reports of a running local cloud: what the CLI prints, and what the playground reuses.
 */

import type { HttpApiInfo } from './http-api/index.ts';
import { type InvokeStatus, reportLine, startLine } from './lambda/platform-logs.ts';
import { notificationRules } from './s3/notification-config.ts';
import type { DeployedResource, DeployedStack, LogEvent, TriggerNotice } from './types.ts';

const STATUS_WORDS: Readonly<Record<DeployedResource['status'], string>> = {
  created: 'running',
  recorded: 'recorded',
  unsupported: 'not run',
};

function table(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) =>
    (
      indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')
    ).trimEnd(),
  );
}

/**
 * A stack: one line per resource (status, type, logical id, physical id), the types that do not run locally
 * with the reason, its buckets (what notifies what, and how to upload with the CLI when `endpoint` is given),
 * then the outputs.
 */
export function formatStack(stack: DeployedStack, options: { readonly endpoint?: string } = {}): string {
  const counts = { created: 0, recorded: 0, unsupported: 0 };
  for (const resource of stack.resources) counts[resource.status] += 1;
  const lines = [
    `${stack.stackName}: ${stack.resources.length} ${stack.resources.length === 1 ? 'resource' : 'resources'} (${counts.created} running, ${counts.recorded} recorded, ${counts.unsupported} not run locally)`,
    ...table(
      stack.resources.map((resource) => [
        STATUS_WORDS[resource.status],
        resource.type,
        resource.logicalId,
        resource.physicalId ?? '',
      ]),
      '  ',
    ),
  ];
  const notRun = stack.resources.filter((resource) => resource.status === 'unsupported');
  if (notRun.length > 0) {
    lines.push('  Not run locally:');
    for (const resource of notRun) {
      lines.push(
        `    ${resource.type} ${resource.logicalId}${resource.detail ? `: ${resource.detail}` : ''}`,
      );
    }
  }
  lines.push(...formatBuckets(stack, options.endpoint));
  const outputs = Object.entries(stack.outputs);
  if (outputs.length > 0) {
    lines.push('  Outputs:');
    lines.push(
      ...table(
        outputs.map(([name, value]) => [name, value]),
        '    ',
      ),
    );
  }
  return lines.join('\n');
}

/** The name after the last `:` or `/` of an ARN. */
function shortName(arn: string): string {
  return arn.split(/[:/]/).pop() ?? arn;
}

/** Each bucket: its name, what it notifies (events, filter → target), and what is not honoured locally. */
function formatBuckets(stack: DeployedStack, endpoint: string | undefined): string[] {
  const buckets = stack.resources.filter(
    (resource) => resource.type === 'AWS::S3::Bucket' && resource.physicalId,
  );
  if (buckets.length === 0) return [];
  const lines = ['  Buckets:'];
  // The upload hint names a bucket (and prefix) that notifies something on creation: uploading there is what
  // starts the pipeline. A prefix ending in `/` takes the file's own name, as `aws s3 cp` does.
  let uploadTo: string | undefined;
  for (const bucket of buckets) {
    lines.push(`    s3://${bucket.physicalId}  (${bucket.logicalId})`);
    const configurations = stack.resources.filter(
      (resource) =>
        (resource.type === 'Custom::S3BucketNotifications' &&
          resource.properties?.BucketName === bucket.physicalId) ||
        resource === bucket,
    );
    for (const configuration of configurations) {
      const properties = configuration.properties ?? {};
      for (const rule of notificationRules(properties.NotificationConfiguration)) {
        const filter = `${rule.prefix ?? ''}*${rule.suffix ?? ''}`;
        const events = rule.events.map((event) => event.replace(/^s3:/, '')).join(', ');
        lines.push(`      ${events} on ${filter} → ${rule.target.kind} ${shortName(rule.target.arn)}`);
        if (rule.events.some((event) => event.startsWith('s3:ObjectCreated:'))) {
          const prefix = rule.prefix ?? '';
          uploadTo ??= `${bucket.physicalId}/${prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}<key>`}`;
        }
      }
    }
    if (bucket.detail) lines.push(`      note: ${bucket.detail}`);
  }
  if (endpoint) {
    lines.push(
      `    Upload with: aws --endpoint-url ${endpoint} s3 cp <file> s3://${uploadTo ?? `${buckets[0]?.physicalId}/`}`,
    );
  }
  return lines;
}

/** One line per stack: its name and how many of its resources run, are recorded, or do not run locally. */
export function formatStackSummary(stack: DeployedStack): string {
  return formatStack(stack).split('\n')[0] ?? stack.stackName;
}

/** The AWS CLI found on PATH: its version (`2.9.19`), or undefined when there is none. */
export interface AwsCli {
  readonly version: string;
}

/**
 * Whether an AWS CLI reads AWS_ENDPOINT_URL: v2 from 2.13.0, v1 from 1.29.0 (both since August 2023). Older ones
 * ignore it and send commands typed without --endpoint-url to real AWS.
 */
export function honoursEndpointUrl(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 13) || (major === 1 && minor >= 29);
}

/**
 * How to point the AWS CLI and SDKs at the endpoint, and whether the AWS CLI found on PATH (`cli`: null when
 * none was found, undefined when not looked for) reads that export. AWS_DEFAULT_REGION is for CLI v1, which
 * ignores AWS_REGION.
 */
export function formatEndpoint(
  endpoint: string,
  cli?: AwsCli | null,
  columns = Number.POSITIVE_INFINITY,
): string {
  const lines = [
    ...wrapText(`Endpoint: ${endpoint}`, columns),
    ...wrapCommand(
      `export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
      columns,
      '  ',
    ),
  ];
  const note = (text: string) => lines.push(...wrapText(`  ${text}`, columns));
  if (cli === null) {
    note('No AWS CLI on PATH: install AWS CLI v2.13 or later to paste the aws commands.');
  } else if (cli) {
    note(
      honoursEndpointUrl(cli.version)
        ? `Your AWS CLI ${cli.version} reads AWS_ENDPOINT_URL: after this export, aws commands go to the endpoint.`
        : `Your AWS CLI ${cli.version} ignores AWS_ENDPOINT_URL (2.13+ reads it): give every aws command --endpoint-url, as the printed ones do, or it goes to real AWS.`,
    );
  }
  return lines.join('\n');
}

/** How wide the terminal is: the TTY's width, else $COLUMNS, else 100. */
export function terminalColumns(
  stream: { readonly isTTY?: boolean; readonly columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 100;
}

/**
 * A line of text (a log line, a message) as lines no wider than `width`: broken at spaces where it can be, else
 * cut; continuation lines start with `indent`. Tabs show as two spaces (their width in a terminal varies).
 */
export function wrapText(text: string, width: number, indent = '    '): string[] {
  const lines: string[] = [];
  let rest = text.replaceAll('\t', '  ');
  let prefix = '';
  while (prefix.length + rest.length > width) {
    const room = width - prefix.length;
    const space = rest.lastIndexOf(' ', room);
    const cut = space > 0 ? space : room;
    lines.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    prefix = indent;
  }
  lines.push(prefix + rest);
  return lines;
}

type QuoteState = 'none' | 'single' | 'double';

/** The units of a shell word: an escaped character stays with its backslash; each unit with the quote state it ends in. */
function shellUnits(text: string): { unit: string; state: QuoteState }[] {
  const units: { unit: string; state: QuoteState }[] = [];
  let state: QuoteState = 'none';
  for (let i = 0; i < text.length; i++) {
    let unit = text[i] ?? '';
    if (unit === '\\' && state !== 'single' && i + 1 < text.length) {
      i += 1;
      unit += text[i];
    } else if (unit === "'" && state !== 'double') {
      state = state === 'single' ? 'none' : 'single';
    } else if (unit === '"' && state !== 'single') {
      state = state === 'double' ? 'none' : 'double';
    }
    units.push({ unit, state });
  }
  return units;
}

/** A shell line split at the spaces outside quotes (operators such as `|` and `>` are words too). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  for (const { unit, state } of shellUnits(command)) {
    if (unit === ' ' && state === 'none') {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += unit;
    }
  }
  if (word !== '') words.push(word);
  return words;
}

/**
 * A shell command as lines no wider than `width` that the shell reads back as the same command: broken between
 * words with ` \` (the next line indented), and a word too long for a line cut with a line continuation — inside
 * single quotes the quote is closed first and reopened on the next line, which then starts in column 0, because
 * spaces there would split the word. `first` goes before the command on its first line.
 */
export function wrapCommand(command: string, width: number, first = '', indent = '    '): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const groups = optionGroups(shellWords(command));
  groups.forEach((group, groupIndex) => {
    // An option and its value stay on one line when they fit on one.
    const together = group.join(' ');
    const lastGroup = groupIndex === groups.length - 1;
    if (!empty && line.length + 1 + together.length + (lastGroup ? 0 : 2) > width) {
      lines.push(`${line} \\`);
      line = indent;
      empty = true;
    }
    group.forEach((word, wordIndex) => {
      const last = lastGroup && wordIndex === group.length - 1;
      const reserve = last ? 0 : 2; // room for ' \'
      if (!empty && line.length + 1 + word.length + reserve > width) {
        lines.push(`${line} \\`);
        line = indent;
        empty = true;
      }
      const start = empty ? line : `${line} `;
      line =
        start.length + word.length + reserve <= width ? start + word : cutWord(word, start, width, lines);
      empty = false;
    });
  });
  lines.push(line);
  return lines;
}

/** `--queue-url URL` as one group, every other word alone. */
function optionGroups(words: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? '';
    const next = words[index + 1];
    if (word.startsWith('-') && next !== undefined && !next.startsWith('-') && !/^[|&;<>]/.test(next)) {
      groups.push([word, next]);
      index += 1;
    } else {
      groups.push([word]);
    }
  }
  return groups;
}

/**
 * A word too long for any line, cut with line continuations (`\` or, inside single quotes, `'\` and a reopening
 * `'`), two characters kept for them; full lines go to `lines`, the rest is returned.
 */
function cutWord(word: string, start: string, width: number, lines: string[]): string {
  let current = start;
  let inside: QuoteState = 'none'; // the quote state after the last unit on the line
  for (const { unit, state } of shellUnits(word)) {
    if (current.length + unit.length + 2 > width && current.trim() !== '') {
      lines.push(inside === 'single' ? `${current}'\\` : `${current}\\`);
      current = inside === 'single' ? "'" : '';
    }
    current += unit;
    inside = state;
  }
  return current;
}

/** A trigger notice as the terminal shows it: `HH:MM:SS.mmm <function> <source> <message>`. */
export function formatNotice(notice: TriggerNotice): string {
  return `${clock(notice.at)} ${notice.functionName} ${notice.source} ${notice.message}`;
}

/**
 * Prints lines in timestamp order although they arrive out of it (log lines from different execution
 * environments come through different pipes): each waits `holdMs`, then it and everything older goes out sorted.
 */
export class TimeOrderedLines {
  readonly #print: (line: string) => void;
  readonly #holdMs: number;
  #held: { at: number; arrived: number; order: number; line: string }[] = [];
  #order = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(print: (line: string) => void, holdMs = 200) {
    this.#print = print;
    this.#holdMs = holdMs;
  }

  push(at: number, line: string): void {
    this.#held.push({ at, arrived: Date.now(), order: this.#order++, line });
    this.#schedule();
  }

  /** Prints what has waited long enough, with anything stamped earlier than it; `all` prints everything. */
  flush(all = false): void {
    this.#timer = undefined;
    const due = Date.now() - this.#holdMs;
    let upTo = Number.NEGATIVE_INFINITY;
    for (const entry of this.#held) if (all || entry.arrived <= due) upTo = Math.max(upTo, entry.at);
    const out = this.#held.filter((entry) => entry.at <= upTo);
    this.#held = this.#held.filter((entry) => entry.at > upTo);
    out.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const entry of out) this.#print(entry.line);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#held.length === 0) return;
    const next = Math.min(...this.#held.map((entry) => entry.arrived)) + this.#holdMs;
    this.#timer = setTimeout(() => this.flush(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }
}

function clock(timestamp: number): string {
  return new Date(timestamp).toISOString().slice(11, 23);
}

/**
 * One log event as `HH:MM:SS.mmm <source> <message>`; `source` is the function (or log group) it came from.
 * JSON lines are shown the way a person reads them: platform records as Lambda's text lines (START, REPORT),
 * Powertools and other structured logs as `LEVEL message {other keys}`, metrics as `METRICS name=value`.
 * The log store keeps every line exactly as the function wrote it.
 */
export function formatLogEvent(source: string, event: LogEvent): string {
  return `${clock(event.timestamp)} ${source} ${readable(event.message.replace(/\n+$/, ''))}`;
}

/** Keys every Powertools log line carries: noise in a terminal. */
const CONTEXT_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'requestId',
]);

/**
 * An error as the runtime logs it (`console.error(error)`: errorType, errorMessage and a stack trace, often
 * thousands of characters) as `Type: message`; the log store keeps the whole record.
 */
function shortError(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { errorType, errorMessage, stackTrace, trace, stack } = value as Record<string, unknown>;
  if (typeof errorType !== 'string' || typeof errorMessage !== 'string') return undefined;
  const hasStack = [stackTrace, trace, stack].some((lines) => lines !== undefined);
  return `${errorType}: ${errorMessage}${hasStack ? ' (stack trace in the log)' : ''}`;
}

/** The runtime's Text-format error line: `<time>\t<request id>\tERROR\tInvoke Error \t{"errorType":…}`. */
const TEXT_ERROR_LINE = /^\S+\t\S+\t(ERROR|WARN|INFO|DEBUG|TRACE|FATAL)\t([^\t]*?)\s*\t(\{.*\})$/s;

function readable(message: string): string {
  const textError = TEXT_ERROR_LINE.exec(message);
  if (textError) {
    const [, level = '', label = '', body = ''] = textError;
    let error: string | undefined;
    try {
      error = shortError(JSON.parse(body));
    } catch {
      error = undefined;
    }
    if (error) return `${level.padEnd(5)} ${label ? `${label} ` : ''}${error}`;
  }
  if (!message.startsWith('{')) return message;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return message;
  }
  const record = json.record as Record<string, unknown> | undefined;
  if (json.type === 'platform.initStart')
    return `INIT_START Runtime Version: ${String(record?.runtimeVersion)}`;
  if (json.type === 'platform.start' && record) {
    return startLine('Text', String(record.requestId), String(record.version), 0);
  }
  if (json.type === 'platform.report' && record) {
    const metrics = record.metrics as Parameters<typeof reportLine>[2];
    return reportLine(
      'Text',
      String(record.requestId),
      metrics,
      record.status as InvokeStatus,
      String(record.errorType),
      0,
    );
  }
  const aws = json._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined;
  if (aws?.CloudWatchMetrics) {
    const names = aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.map((metric) => metric.Name),
    );
    return `METRICS ${names.map((name) => `${name}=${JSON.stringify(json[name])}`).join(' ')}`;
  }
  const error = typeof json.level === 'string' ? shortError(json.message) : undefined;
  if (error) return `${String(json.level).padEnd(5)} ${error}`;
  if (typeof json.level === 'string' && 'message' in json) {
    const extra = Object.fromEntries(Object.entries(json).filter(([key]) => !CONTEXT_KEYS.has(key)));
    const rest = Object.keys(extra).length > 0 ? ` ${JSON.stringify(extra)}` : '';
    return `${json.level.padEnd(5)} ${typeof json.message === 'string' ? json.message : JSON.stringify(json.message)}${rest}`;
  }
  return message;
}

/** The HTTP APIs, each on its own port: one line per API and stage, with the URL to call. */
export function formatHttpApis(apis: readonly HttpApiInfo[]): string {
  const rows = apis.flatMap((api) => {
    const stages = api.stages.length > 0 ? api.stages : [undefined];
    return stages.map((stage) => [
      api.stackName,
      `${api.name} (${api.apiId})`,
      stage === undefined
        ? `${api.url}  (no stage: every request is 404)`
        : stage === '$default'
          ? `${api.url}/`
          : `${api.url}/${stage}/`,
    ]);
  });
  return ['HTTP APIs (each on its own port):', ...table(rows, '  ')].join('\n');
}
