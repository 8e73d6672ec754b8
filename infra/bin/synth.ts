/**
 * `pnpm synth [stack]`: every stack into infra/cdk.out, offline, through turbo (cached when nothing changed); or,
 * given a stack (`Triggers-Sqs` or `sqs`), that stack's template printed — as the CDK's own hint after a synth says:
 * "Supply a stack id (Triggers-Sqs, …) to display its template".
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findIntegration, integrationOfStack, integrations } from '../src/integrations.ts';

const [name, ...extra] = process.argv.slice(2).filter((arg) => arg !== '--');
const root = fileURLToPath(new URL('../..', import.meta.url));
const infraDir = fileURLToPath(new URL('..', import.meta.url));

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const child = spawn(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('error', (error) => {
    console.error(`Could not run ${command} (${error.message}): run \`pnpm install\` first.`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (name === undefined) {
  run('pnpm', ['exec', 'turbo', 'run', 'synth', ...extra], root, { TURBO_TELEMETRY_DISABLED: '1' });
} else {
  const integration = findIntegration(name) ?? integrationOfStack(name);
  if (!integration || extra.length > 0) {
    const ids = Object.values(integrations).map((known) => known.stackId);
    console.error(
      integration
        ? `One stack at a time: pnpm synth ${name}`
        : `Unknown stack "${name}": give a stack id (${ids.join(', ')}) or its short name (${Object.keys(integrations).join(', ')}).`,
    );
    process.exit(2);
  }
  // infra's own CDK CLI, from infra/ (where cdk.json is): the template goes to stdout, the rest to stderr.
  const cdk = fileURLToPath(new URL('../node_modules/.bin/cdk', import.meta.url));
  run(cdk, ['synth', integration.stackId], infraDir, { CDK_DISABLE_VERSION_CHECK: '1' });
}
