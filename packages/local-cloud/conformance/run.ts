/**
 * `pnpm conformance [--target local|aws]`: runs the conformance suite against the local cloud (the default), or
 * deploys the throwaway stack to the AWS account the CDK CLI would use, runs the same rules against it, and
 * destroys the stack whatever happened.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findAwsCredentials } from './credentials.ts';

const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));

function fail(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

function parseTarget(): 'local' | 'aws' {
  let target: string | undefined;
  try {
    target = parseArgs({ options: { target: { type: 'string', default: 'local' } } }).values.target;
  } catch (error) {
    fail(`${(error as Error).message}: usage is pnpm conformance [--target local|aws].`, 2);
  }
  if (target !== 'local' && target !== 'aws')
    fail(`Unknown target "${target}": use --target local or aws.`, 2);
  return target;
}

/** Runs the suite's test files with vitest; returns its exit status. */
function runSuite(env: Record<string, string> = {}): number {
  const result = spawnSync('pnpm', ['exec', 'vitest', 'run', 'conformance/'], {
    cwd: PACKAGE_DIRECTORY,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

/** The CDK CLI of the infra package, on a synthesized cloud assembly (`--app <dir>` deploys it as it is). */
function cdk(args: string[]): number {
  const result = spawnSync('pnpm', ['--filter', '@triggers/infra', 'exec', 'cdk', ...args], {
    stdio: 'inherit',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
  });
  return result.status ?? 1;
}

const target = parseTarget();
if (target === 'local') process.exit(runSuite());

const credentials = findAwsCredentials(process.env, homedir());
if (!credentials) {
  fail(
    'No AWS credentials found (no AWS_ACCESS_KEY_ID or AWS_PROFILE, no keys, SSO or role in ~/.aws): run `aws configure` or `aws sso login` and try `pnpm conformance --target aws` again.',
    1,
  );
}
// Loaded only now: aws-cdk-lib takes seconds to import, and the checks above should answer at once.
const { CONFORMANCE_STACK_ID, synthesizeConformanceStack } = await import('./stack.ts');
console.log(
  `Deploying ${CONFORMANCE_STACK_ID} with the credentials of ${credentials}; it is destroyed afterwards.`,
);
const assembly = mkdtempSync(join(tmpdir(), 'conformance-aws-'));
const outputsFile = join(assembly, 'outputs.json');
let status = 1;
try {
  synthesizeConformanceStack(assembly);
  const deployArgs = ['--app', assembly, '--require-approval', 'never', '--outputs-file', outputsFile];
  if (cdk(['deploy', CONFORMANCE_STACK_ID, ...deployArgs]) === 0) {
    status = runSuite({ CONFORMANCE_TARGET: 'aws', CONFORMANCE_OUTPUTS: outputsFile });
  }
} finally {
  if (cdk(['destroy', CONFORMANCE_STACK_ID, '--app', assembly, '--force']) !== 0) {
    console.error(
      `Destroying ${CONFORMANCE_STACK_ID} failed: delete the stack in the CloudFormation console.`,
    );
    status = 1;
  }
  rmSync(assembly, { recursive: true, force: true });
}
process.exit(status);
