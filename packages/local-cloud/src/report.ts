/**
 * Plain-text reports of a running local cloud: what the CLI prints, and what the playground reuses.
 */
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
 * with the reason, then the outputs.
 */
export function formatStack(stack: DeployedStack): string {
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

/** One log event as `HH:MM:SS.mmm <source> <message>`; `source` is the function (or log group) it came from. */
export function formatLogEvent(source: string, event: LogEvent): string {
  return `${clock(event.timestamp)} ${source} ${event.message.replace(/\n+$/, '')}`;
}
