import { integrationOfStack } from '@triggers/infra';
import type { LocalCloud } from '@triggers/local-cloud';

/**
 * Ready-to-paste AWS CLI commands for each deployed integration, pointed at the local endpoint with
 * `--endpoint-url` (so they also work with CLIs older than 2.13, which ignore AWS_ENDPOINT_URL).
 */
export function tryIt(cloud: Pick<LocalCloud, 'endpoint' | 'stacks'>): string[] {
  const aws = `aws --endpoint-url ${cloud.endpoint}`;
  return cloud.stacks.flatMap((stack) => {
    const integration = integrationOfStack(stack.stackName);
    if (!integration) return [];
    const commands = integration.tryIt(stack.outputs).map((line) => line.replace(/^aws /, `${aws} `));
    return [
      `Try ${stack.stackName} (AWS CLI; credentials and region from the export above):`,
      ...commands.map((command) => `  ${command}`),
    ];
  });
}
