import { SqsStack } from '@triggers/sqs';
import type { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface Integration {
  /** The CloudFormation stack name, `Triggers-<Name>`. */
  readonly stackId: string;
  readonly create: (scope: Construct, stackId: string) => Stack;
}

/** Every integration the app deploys, by the short name learners type: `pnpm run deploy sqs`. */
export const integrations = {
  sqs: { stackId: 'Triggers-Sqs', create: (scope, id) => new SqsStack(scope, id) },
} satisfies Record<string, Integration>;

export type IntegrationName = keyof typeof integrations;

export function findIntegration(name: string): Integration | undefined {
  return Object.hasOwn(integrations, name) ? integrations[name as IntegrationName] : undefined;
}
