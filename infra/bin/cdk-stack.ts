/**
 * `pnpm run deploy <integration>` / `pnpm run destroy <integration>`: runs `cdk deploy|destroy Triggers-<Name>`
 * for one integration, after checking that AWS credentials exist, so a learner gets one clear sentence instead of
 * a CDK stack trace.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { findAwsCredentials } from '@triggers/kit/credentials';
import { findIntegration, integrations, renamedHint } from '../src/integrations.ts';

const [action, name, ...cdkArgs] = process.argv.slice(2);
const known = Object.keys(integrations).join(', ');

function fail(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

if (action !== 'deploy' && action !== 'destroy') {
  fail(`Unknown action "${action ?? ''}": use deploy or destroy.`, 2);
}
const integration = name === undefined ? undefined : findIntegration(name);
const renamed = name && renamedHint(name, (now) => `pnpm run ${action} ${now}`);
if (renamed) fail(renamed, 2);
if (!integration) {
  fail(
    name === undefined
      ? `Which integration? Usage: pnpm run ${action} <integration>, one of: ${known}.`
      : `Unknown integration "${name}": choose one of ${known}.`,
    2,
  );
}

// Read from the environment and ~/.aws alone: the SDK's provider chain would first spend seconds probing the
// EC2 instance metadata address before failing.
if (!findAwsCredentials(process.env, homedir())) {
  fail(
    `No AWS credentials found: run \`aws configure\` or \`aws sso login\` (or set AWS_PROFILE) and try \`pnpm run ${action} ${name}\` again.`,
    1,
  );
}

// Run from infra/ (where cdk.json is) with infra's own CDK CLI, wherever this script was started from.
const infraDir = fileURLToPath(new URL('..', import.meta.url));
const cdkBin = fileURLToPath(new URL('../node_modules/.bin/cdk', import.meta.url));
const cdk = spawn(cdkBin, [action, integration.stackId, ...cdkArgs], {
  cwd: infraDir,
  stdio: 'inherit',
  env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
});
cdk.on('error', (error) =>
  fail(`Could not run the CDK CLI (${error.message}): run \`pnpm install\` first.`, 1),
);
cdk.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
