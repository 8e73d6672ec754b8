import { describe, expect, it } from 'vitest';
import { formatLogEvent } from '../src/report.ts';

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
});
