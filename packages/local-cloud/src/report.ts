/**
 * Plain-text reports of a running local cloud: what the CLI prints, and what the playground reuses.
 */

import type { HttpApiInfo } from './http-api/index.ts';
import { type InvokeStatus, reportLine, startLine } from './lambda/platform-logs.ts';
import { notificationRules } from './s3/notification-config.ts';
import type { DeployedResource, DeployedStack, LogEvent } from './types.ts';

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

/** How to point the AWS CLI and SDKs at the endpoint. */
export function formatEndpoint(endpoint: string): string {
  return [
    `Endpoint: ${endpoint}`,
    `  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
  ].join('\n');
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

function readable(message: string): string {
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
