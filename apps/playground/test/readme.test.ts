/**
 * The root README's "Start here" and prerequisites, checked against what the code does: the three invocation
 * models, which integration to try first, a diagram of the local cloud, a key to `pnpm start`'s output in the words
 * it prints, and the AWS CLI version from which AWS_ENDPOINT_URL works.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { integrations } from '@triggers/infra';
import { formatLogEvent, honoursEndpointUrl } from '@triggers/local-cloud';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) return '';
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('the root README', () => {
  const startHere = section('Start here');

  it('explains the three invocation models with their triggers and what a failure means in each', () => {
    // Assess
    const rows = startHere.split('\n').filter((line) => line.startsWith('| **'));
    expect(rows).toEqual([
      expect.stringMatching(
        /^\| \*\*Synchronous\*\* +\| API Gateway, CloudFront Lambda@Edge, Cognito +\|.*retries/,
      ),
      expect.stringMatching(
        /^\| \*\*Asynchronous\*\* +\| S3, SNS, EventBridge, CloudWatch Logs +\|.*retries twice.*DLQ/,
      ),
      expect.stringMatching(
        /^\| \*\*Polled\*\* +\| SQS, Kinesis, DynamoDB Streams +\|.*visibility timeout.*DLQ/,
      ),
    ]);
  });

  it('says which integration to try first, and it exists', () => {
    // Assess
    const first = /\*\*Which to try first:\*\* \[`([a-z0-9-]+)`\]\(packages\/\1\)/.exec(startHere)?.[1];
    expect(first).toBeDefined();
    expect(Object.keys(integrations)).toContain(first);
    expect(existsSync(`${root}packages/${first}`)).toBe(true);
  });

  it('draws the local cloud as a mermaid diagram: the endpoint, the emulators and the Lambda service', () => {
    // Assess
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(startHere)?.[1] ?? '';
    expect(diagram).toMatch(/^flowchart /);
    expect(diagram).toMatch(/Endpoint 127\.0\.0\.1:4566/);
    expect(diagram).toMatch(/fauxqs/);
    expect(diagram).toMatch(/Lambda service/);
  });

  it("keys pnpm start's output in the words it prints: states, REPORT and METRICS lines, notices, IAM", () => {
    // Prepare: a METRICS line as the terminal shows it
    const metrics = formatLogEvent('worker', {
      timestamp: 0,
      message: JSON.stringify({
        _aws: {
          CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [], Metrics: [{ Name: 'OrdersAccepted' }] }],
        },
        OrdersAccepted: 1,
      }),
    });

    // Assess
    for (const word of [
      '`running`',
      '`recorded`',
      '`not run locally`',
      '`REPORT`',
      '`METRICS`',
      '--verbose',
    ]) {
      expect(startHere).toContain(word);
    }
    expect(metrics).toMatch(/ METRICS OrdersAccepted=1$/);
    expect(startHere).toMatch(/IAM is not enforced locally/);
    expect(startHere).toMatch(/^ {2}sqs +running {2}aws --endpoint-url \S+ sqs send-message \\$/m);
    expect(startHere).toContain('`aws:sqs receive 2 of 5 failed: visible again in 60 s`');
    expect(startHere).toMatch(/poison SQS message after 5 receives, .*\n?.*about 5 minutes/);
    expect(startHere).toMatch(/Ctrl-C stops\s+everything \(exit status 0\)/);
  });

  it('names the first AWS CLI version that reads AWS_ENDPOINT_URL, the one the terminal checks against', () => {
    // Prepare
    const minor = Number(/\*\*AWS CLI v2\.(\d+) or newer\*\*/.exec(section('Prerequisites'))?.[1]);

    // Assess
    expect(honoursEndpointUrl(`2.${minor}.0`)).toBe(true);
    expect(honoursEndpointUrl(`2.${minor - 1}.99`)).toBe(false);
  });
});
