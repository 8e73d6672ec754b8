/**
 * The lines Lambda itself writes to a function's log stream, in the function's log format: Text (START / END /
 * REPORT) or JSON (the Telemetry API's platform.* records, as CloudWatch shows them).
 */

export type LogFormat = 'Text' | 'JSON';

// What the runtime reports as its version; the ARN's suffix is a placeholder hash.
export const RUNTIME_VERSION = 'nodejs:24.v20';
const RUNTIME_VERSION_ARN =
  'arn:aws:lambda:{region}::runtime:local0000000000000000000000000000000000000000000000000000000000';

export interface ReportMetrics {
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  readonly initDurationMs?: number;
}

export type InvokeStatus = 'success' | 'error' | 'timeout';

export function initStartLine(
  format: LogFormat,
  region: string,
  functionName: string,
  version: string,
  now: number,
): string {
  const runtimeVersionArn = RUNTIME_VERSION_ARN.replace('{region}', region);
  if (format === 'JSON') {
    return JSON.stringify({
      time: new Date(now).toISOString(),
      type: 'platform.initStart',
      record: {
        initializationType: 'on-demand',
        phase: 'init',
        runtimeVersion: RUNTIME_VERSION,
        runtimeVersionArn,
        functionName,
        functionVersion: version,
      },
    });
  }
  return `INIT_START Runtime Version: ${RUNTIME_VERSION}\tRuntime Version ARN: ${runtimeVersionArn}`;
}

export function startLine(format: LogFormat, requestId: string, version: string, now: number): string {
  if (format === 'JSON') {
    return JSON.stringify({
      time: new Date(now).toISOString(),
      type: 'platform.start',
      record: { requestId, version },
    });
  }
  return `START RequestId: ${requestId} Version: ${version}`;
}

/** Text format only: JSON has no END record in CloudWatch. */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export function reportLine(
  format: LogFormat,
  requestId: string,
  metrics: ReportMetrics,
  status: InvokeStatus,
  errorType: string | undefined,
  now: number,
): string {
  if (format === 'JSON') {
    return JSON.stringify({
      time: new Date(now).toISOString(),
      type: 'platform.report',
      record: {
        requestId,
        metrics: {
          durationMs: round2(metrics.durationMs),
          billedDurationMs: metrics.billedDurationMs,
          memorySizeMB: metrics.memorySizeMB,
          maxMemoryUsedMB: metrics.maxMemoryUsedMB,
          ...(metrics.initDurationMs === undefined ? {} : { initDurationMs: round2(metrics.initDurationMs) }),
        },
        status,
        ...(status === 'error' && errorType ? { errorType } : {}),
      },
    });
  }
  const fields = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${metrics.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${metrics.billedDurationMs} ms`,
    `Memory Size: ${metrics.memorySizeMB} MB`,
    `Max Memory Used: ${metrics.maxMemoryUsedMB} MB`,
  ];
  if (metrics.initDurationMs !== undefined)
    fields.push(`Init Duration: ${metrics.initDurationMs.toFixed(2)} ms`);
  // Lambda adds the status to REPORT only when the invoke did not succeed because the runtime failed or timed out.
  if (status === 'timeout') fields.push('Status: timeout');
  else if (status === 'error' && errorType?.startsWith('Runtime.')) {
    fields.push('Status: error', `Error Type: ${errorType}`);
  }
  return fields.join('\t');
}

/** Lambda's line for a timed-out invoke: `<ISO time> <requestId> Task timed out after 3.00 seconds`. */
export function timeoutLine(requestId: string, timeoutSeconds: number, now: number): string {
  return `${new Date(now).toISOString()} ${requestId} ${timeoutMessage(timeoutSeconds)}`;
}

export function timeoutMessage(timeoutSeconds: number): string {
  return `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
