/**
 * The integrations the shared app deploys: each package's descriptor (`src/integration.ts`), one import line each.
 * The stack ids, `pnpm run deploy <name>`, the commands `pnpm start` prints and the tests all come from them.
 */
import { integration as apiGateway } from '@triggers/api-gateway';
import { integration as kinesis } from '@triggers/kinesis';
import type { IntegrationDescriptor } from '@triggers/kit';
import { integration as s3 } from '@triggers/s3';
import { integration as sqs } from '@triggers/sqs';

/** In the order the README lists them. */
export const descriptors: readonly IntegrationDescriptor[] = [sqs, s3, apiGateway, kinesis];

/** By the short name learners type: `pnpm run deploy sqs`. */
export const integrations: Readonly<Record<string, IntegrationDescriptor>> = Object.fromEntries(
  descriptors.map((descriptor) => [descriptor.name, descriptor]),
);

export function findIntegration(name: string): IntegrationDescriptor | undefined {
  return Object.hasOwn(integrations, name) ? integrations[name] : undefined;
}

/** The integration deployed as `stackId`, if it is one of ours. */
export function integrationOfStack(stackId: string): IntegrationDescriptor | undefined {
  return descriptors.find((descriptor) => descriptor.stackId === stackId);
}

/** Names an integration went by before, and its name now. */
export const RENAMED: Readonly<Record<string, string>> = { 's3-thumbnail': 's3' };

/** The one line to say when an old name is given: `"s3-thumbnail" is now called "s3": pnpm run deploy s3`. */
export function renamedHint(name: string, command: (newName: string) => string): string | undefined {
  const now = Object.hasOwn(RENAMED, name) ? RENAMED[name] : undefined;
  return now && `"${name}" is now called "${now}": ${command(now)}`;
}
