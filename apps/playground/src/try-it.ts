import { integrationOfStack } from '@triggers/infra';
import { tryItCommands } from '@triggers/kit';
import type { LocalCloud } from '@triggers/local-cloud';

/** An `aws` command at the start of a line or of a `$(…)` substitution, e.g. `TOKEN=$(aws cognito-idp …)`. */
const AWS_COMMAND = /(^|\$\()aws /g;

/**
 * Ready-to-paste AWS CLI commands for each deployed integration, pointed at the local endpoint with
 * `--endpoint-url` (so they also work with CLIs older than 2.13, which ignore AWS_ENDPOINT_URL).
 */
export function tryIt(cloud: Pick<LocalCloud, 'endpoint' | 'stacks'>): string[] {
  return cloud.stacks.flatMap((stack) => {
    const integration = integrationOfStack(stack.stackName);
    if (!integration) return [];
    const commands = tryItCommands(integration, stack.outputs).map((line) =>
      pointAtEndpoint(line, cloud.endpoint),
    );
    return [
      `Try ${stack.stackName} (AWS CLI; credentials and region from the export above):`,
      ...commands.map((command) => `  ${command}`),
    ];
  });
}

/** Adds `--endpoint-url` to every `aws` command in a shell line. */
export function pointAtEndpoint(line: string, endpoint: string): string {
  return line.replace(AWS_COMMAND, `$1aws --endpoint-url ${endpoint} `);
}
