import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  formatEndpoint,
  formatLogEvent,
  formatNotice,
  honoursEndpointUrl,
  TimeOrderedLines,
  terminalColumns,
  wrapCommand,
  wrapText,
} from '../src/report.ts';

const at = Date.UTC(2026, 10, 26, 16, 13, 25, 185);
const show = (message: string) => formatLogEvent('orders-worker', { timestamp: at, message });

describe('formatLogEvent', () => {
  it('shows platform records as the text lines Lambda writes', () => {
    // Prepare
    const report = JSON.stringify({
      time: '2026-11-26T16:13:25.185Z',
      type: 'platform.report',
      record: {
        requestId: 'r-1',
        metrics: {
          durationMs: 12.5,
          billedDurationMs: 13,
          memorySizeMB: 256,
          architecture: 'arm64',
          maxMemoryUsedMB: 80,
          initDurationMs: 150,
        },
        status: 'success',
      },
    });
    const start = JSON.stringify({
      type: 'platform.start',
      record: { requestId: 'r-1', version: '$LATEST' },
    });

    // Act + Assess
    expect(show(start)).toBe('16:13:25.185 orders-worker START RequestId: r-1 Version: $LATEST');
    expect(show(report)).toBe(
      '16:13:25.185 orders-worker REPORT RequestId: r-1\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\tInit Duration: 150.00 ms',
    );
  });

  it('shows structured logs as level, message and the keys that are not context', () => {
    // Prepare
    const line = JSON.stringify({
      level: 'INFO',
      message: 'Order accepted',
      service: 'orders-worker',
      cold_start: true,
      function_request_id: 'r-1',
      orderId: 'o-1001',
      total: 25,
    });

    // Act + Assess
    expect(show(line)).toBe(
      '16:13:25.185 orders-worker INFO  Order accepted {"orderId":"o-1001","total":25}',
    );
  });

  it('shows embedded metrics by name and value', () => {
    // Prepare
    const emf = JSON.stringify({
      _aws: {
        Timestamp: at,
        CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [], Metrics: [{ Name: 'OrdersAccepted' }] }],
      },
      OrdersAccepted: 1,
    });

    // Act + Assess
    expect(show(emf)).toBe('16:13:25.185 orders-worker METRICS OrdersAccepted=1');
  });

  it('leaves plain text and other JSON as written', () => {
    // Act + Assess
    expect(show('hello\n')).toBe('16:13:25.185 orders-worker hello');
    expect(show('{"not":"a log record"}')).toBe('16:13:25.185 orders-worker {"not":"a log record"}');
    expect(show('{broken')).toBe('16:13:25.185 orders-worker {broken');
  });

  it("shows the runtime's error record as one short line, without the stack trace", () => {
    // Prepare: what Powertools' batch processor throws when every record fails, as the runtime logs it
    const stackTrace = Array.from({ length: 30 }, (_, i) => `    at frame${i} (/var/task/index.mjs:${i}:1)`);
    const error = {
      errorType: 'FullBatchFailureError',
      errorMessage: 'All records failed processing. See individual errors below.',
      stackTrace: ['FullBatchFailureError: All records failed processing.', ...stackTrace],
      name: 'FullBatchFailureError',
      recordErrors: [{ name: 'Error', message: 'body is not JSON' }],
    };
    const json = JSON.stringify({
      timestamp: '2026-11-26T16:13:25.185Z',
      level: 'ERROR',
      requestId: 'r-1',
      message: error,
    });
    const text = `2026-11-26T16:13:25.185Z\tr-1\tERROR\tInvoke Error \t${JSON.stringify({ ...error, stackTrace: undefined, trace: stackTrace })}`;

    // Act + Assess
    expect(json.length).toBeGreaterThan(1000);
    expect(show(json)).toBe(
      '16:13:25.185 orders-worker ERROR FullBatchFailureError: All records failed processing. See individual errors below. (stack trace in the log)',
    );
    expect(show(text)).toBe(
      '16:13:25.185 orders-worker ERROR Invoke Error FullBatchFailureError: All records failed processing. See individual errors below. (stack trace in the log)',
    );
  });
});

describe('formatNotice', () => {
  it('shows a trigger notice as time, function, source and message', () => {
    // Act
    const line = formatNotice({
      at,
      functionName: 'orders-worker',
      source: 'aws:sqs',
      kind: 'retry',
      message: 'receive 2 of 5 failed: visible again in 60 s',
    });

    // Assess
    expect(line).toBe('16:13:25.185 orders-worker aws:sqs receive 2 of 5 failed: visible again in 60 s');
  });
});

describe('formatEndpoint', () => {
  it.each([
    ['2.9.19', false],
    ['2.12.7', false],
    ['2.13.0', true],
    ['2.22.1', true],
    ['1.27.0', false],
    ['1.45.11', true],
  ])('knows whether AWS CLI %s reads AWS_ENDPOINT_URL (%s)', (version, honours) => {
    // Act + Assess
    expect(honoursEndpointUrl(version)).toBe(honours);
  });

  it('says beside the export line what the AWS CLI found does with it', () => {
    // Act
    const old = formatEndpoint('http://127.0.0.1:4566', { version: '2.9.19' });
    const recent = formatEndpoint('http://127.0.0.1:4566', { version: '2.22.1' });
    const none = formatEndpoint('http://127.0.0.1:4566', null);

    // Assess
    expect(old).toMatch(/^ {2}export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:4566 /m);
    expect(old).toMatch(
      /^ {2}Your AWS CLI 2\.9\.19 ignores AWS_ENDPOINT_URL \(2\.13\+ reads it\): give every aws command --endpoint-url/m,
    );
    expect(recent).toMatch(/^ {2}Your AWS CLI 2\.22\.1 reads AWS_ENDPOINT_URL/m);
    expect(none).toMatch(/^ {2}No AWS CLI on PATH: install AWS CLI v2\.13 or later/m);
  });
});

describe('terminal width', () => {
  it("is the terminal's, else $COLUMNS, else 100", () => {
    // Act + Assess
    expect(terminalColumns({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(terminalColumns({ isTTY: false }, { COLUMNS: '160' })).toBe(160);
    expect(terminalColumns({ isTTY: false }, {})).toBe(100);
    expect(terminalColumns({ isTTY: false }, { COLUMNS: 'wide' })).toBe(100);
  });

  it('wraps text at spaces, cuts what has none, and shows tabs as two spaces', () => {
    // Act
    const lines = wrapText(
      `REPORT RequestId: r-1\tDuration: 12.50 ms\tBilled Duration: 13 ms ${'x'.repeat(50)}`,
      30,
    );

    // Assess
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    expect(lines[0]).toBe('REPORT RequestId: r-1');
    expect(lines.slice(1).every((line) => line.startsWith('    '))).toBe(true);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('Billed Duration: 13 ms');
  });
});

/**
 * What bash runs for a command, without running it: every program it calls prints its arguments instead (bash's
 * trace quotes each word one way only), and the files its redirections create are listed. Equal for two
 * commands that do the same.
 */
function tracedByBash(command: string): string {
  const work = mkdtempSync(join(tmpdir(), 'wrap-'));
  try {
    const result = spawnSync(
      'bash',
      ['-c', `aws() { :; }; curl() { :; }; base64() { :; }\nset -x\n${command}\nset +x\nls -A`],
      { cwd: work, encoding: 'utf8' },
    );
    // Sorted: the two sides of a pipe run at once.
    return `${result.stderr.split('\n').sort().join('\n')}\n${result.stdout}\nstatus ${result.status}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('wrapCommand', () => {
  const endpoint = 'http://127.0.0.1:4566';
  const queue = `${endpoint}/000000000000/Triggers-Sqs-OrdersQueueC538DD4C-5UHZF9KU11EY`;
  const commands = [
    `aws --endpoint-url ${endpoint} sqs send-message --queue-url ${queue} --message-body '{"orderId":"o-1001","customerId":"c-42","currency":"EUR","items":[{"sku":"book-1","quantity":2,"unitPrice":12.5}]}'`,
    `echo ${'iVBORw0KGgoAAAANSUhEUgAAAUAAAADw'.repeat(8)} | base64 -d > 'photo.png'`,
    `TOKEN=$(aws --endpoint-url ${endpoint} cognito-idp initiate-auth --client-id abc --auth-flow USER_PASSWORD_AUTH --auth-parameters 'USERNAME=alice,PASSWORD=Corr3ct-h0rse!' --query AuthenticationResult.IdToken --output text)`,
    `curl -s -X PUT ${endpoint}/notes/groceries -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -H 'If-Match: "1"' -d '{"title":"Groceries","body":"milk, eggs and a long list of other things to buy on the way home"}'`,
    String.raw`printf '%s' 'it'\''s not a photo, it is a few words of text' > 'notes.txt'`,
  ];

  it.each(commands)(
    'keeps %s the same command for the shell, in lines no wider than the width',
    (command) => {
      // Act
      const lines = wrapCommand(command, 60, '  sqs  running  ', '      ');

      // Assess
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
      expect(lines[0]?.startsWith('  sqs  running  ')).toBe(true);
      const printed = lines.join('\n').slice('  sqs  running  '.length);
      expect(tracedByBash(printed)).toBe(tracedByBash(command));
      expect(tracedByBash(command)).toMatch(/status 0$/);
    },
  );

  it('leaves a command that fits on one line', () => {
    // Act + Assess
    expect(wrapCommand('aws sqs list-queues', 60, '  ')).toEqual(['  aws sqs list-queues']);
  });
});

describe('TimeOrderedLines', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints lines that arrive out of order in timestamp order, after holding them briefly', () => {
    // Prepare
    vi.useFakeTimers({ now: at });
    const printed: string[] = [];
    const lines = new TimeOrderedLines((line) => printed.push(line), 200);

    // Act: the function's own lines come through one pipe, the platform's START and REPORT through another
    lines.push(at + 10, 'START');
    lines.push(at + 30, 'METRICS');
    lines.push(at + 20, 'ERROR');
    lines.push(at + 40, 'REPORT');
    const beforeHold = printed.length;
    vi.advanceTimersByTime(200);
    lines.push(at + 35, 'late, but stamped before REPORT was printed');
    vi.advanceTimersByTime(200);

    // Assess
    expect(beforeHold).toBe(0);
    expect(printed).toEqual([
      'START',
      'ERROR',
      'METRICS',
      'REPORT',
      'late, but stamped before REPORT was printed',
    ]);
  });

  it('prints everything held at once when flushed', () => {
    // Prepare
    const printed: string[] = [];
    const lines = new TimeOrderedLines((line) => printed.push(line), 10_000);
    lines.push(2, 'second');
    lines.push(1, 'first');

    // Act
    lines.flush(true);

    // Assess
    expect(printed).toEqual(['first', 'second']);
  });
});
