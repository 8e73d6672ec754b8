import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, it, type TestFunction } from 'vitest';

/** The AWS CLI v2 from Debian's packages, where installed; tests that need it skip with this path as the reason. */
export const AWS_CLI = '/usr/bin/aws';
export const hasAwsCli = existsSync(AWS_CLI);
const NO_AWS_CLI = `the AWS CLI v2 is not installed at ${AWS_CLI} (Debian's awscli package)`;

/**
 * `it.skipIf(condition)` that says why, for the test report (`.ci/skip-reasons.ts` prints the reason):
 * `itSkipIf(process.platform !== 'linux', 'reads /proc')('name', fn, timeout)`.
 */
export function itSkipIf(condition: boolean, reason: string) {
  return (name: string, fn: TestFunction, timeout?: number): void =>
    it(name, { skip: condition, timeout, meta: { skipReason: reason } }, fn);
}

/** A test that runs the CLI: skipped, saying so, where it is missing. */
export const itWithAwsCli = itSkipIf(!hasAwsCli, NO_AWS_CLI);

/** A describe block whose tests run the CLI: skipped, saying so, where it is missing. */
export function describeWithAwsCli(name: string, factory: () => void): void {
  describe(name, { skip: !hasAwsCli, meta: { skipReason: NO_AWS_CLI } }, factory);
}

/**
 * Runs the AWS CLI against `endpoint` as a learner would, with dummy credentials and none of this machine's AWS
 * config: `awsCli(url, ['sqs', 'list-queues'])`. The access key id shows up in S3 events' principalId.
 */
export function awsCli(
  endpoint: string,
  args: readonly string[],
  { accessKeyId = 'test' }: { readonly accessKeyId?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  return promisify(execFile)(AWS_CLI, ['--endpoint-url', endpoint, '--output', 'json', ...args], {
    env,
    timeout: 60_000,
  });
}
