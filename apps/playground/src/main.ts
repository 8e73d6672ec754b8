/**
 * `pnpm start`: synthesizes the shared CDK app offline (the same templates and bundles `cdk deploy` ships), then
 * runs it in the local cloud with a ready-to-paste command list per integration, until Ctrl-C.
 *
 *   pnpm start                    every integration
 *   pnpm start -- --stack sqs     one (repeat --stack for more)
 *   pnpm start -- --port 4567     another endpoint port
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { integrationOfStack } from '@triggers/infra';
import { type LocalCloud, parseCommandLine, serve } from '@triggers/local-cloud';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const assembly = fileURLToPath(new URL('../../../infra/cdk.out', import.meta.url));

const USAGE = `Usage: pnpm start [-- --stack NAME ...] [--port N]

Synthesizes infra/ and runs every stack (or the ones named: sqs or Triggers-Sqs) in the local cloud.`;

/** The commands to try each deployed integration, pointed at the local endpoint. */
function tryIt(cloud: LocalCloud): string[] {
  const aws = `aws --endpoint-url ${cloud.endpoint}`;
  return cloud.stacks.flatMap((stack) => {
    const integration = integrationOfStack(stack.stackName);
    if (!integration) return [];
    const commands = integration.tryIt(stack.outputs).map((line) => line.replace(/^aws /, `${aws} `));
    return [`Try ${stack.stackName} (AWS CLI; credentials and region from the export above):`, ...commands.map((c) => `  ${c}`)];
  });
}

function synth(): boolean {
  console.log('… Synthesizing infra (cdk synth, offline; cached by turbo when nothing changed)');
  const turbo = spawnSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'synth', '--filter=@triggers/infra', '--output-logs=errors-only'],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
  );
  if (turbo.error || turbo.status !== 0) {
    console.error(`error: cdk synth failed${turbo.error ? ` (${turbo.error.message})` : ''}: see the messages above.`);
    return false;
  }
  return true;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options: ReturnType<typeof parseCommandLine>;
  try {
    // pnpm passes a literal `--` through; local-cloud's parser knows the rest (`--stack`, `--port`).
    options = parseCommandLine(['up', '--assembly', assembly, ...args.filter((arg) => arg !== '--')]);
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help || !synth()) return options.help ? 0 : 1;
  return serve({ ...options, describe: tryIt });
}

// Exit explicitly: kept-alive sockets must not hold the process open after the cloud has stopped.
process.exit(await main(process.argv.slice(2)));
