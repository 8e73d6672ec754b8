/**
 * What the page shows of the running cloud, built from the descriptors and the cloud's own records only: the page
 * knows nothing of any one integration.
 */
import type { IntegrationDescriptor, Observation, Outputs, TriggerInput } from '@triggers/kit';
import { commandsFor } from '@triggers/kit';
import type { DeployedResource, DeployedStack, InvocationRecord, LocalCloud } from '@triggers/local-cloud';
import { pointAtEndpoint } from '../try-it.ts';
import { type FlowRow, flowOf, readableId } from './diagram.ts';

export interface IntegrationView {
  readonly name: string;
  readonly title: string;
  readonly stackId: string;
  readonly resources: readonly Pick<
    DeployedResource,
    'logicalId' | 'type' | 'physicalId' | 'status' | 'detail'
  >[];
  readonly outputs: Outputs;
  readonly flow: readonly FlowRow[];
  /** Commands to run before the samples' own (signing in), and after them (reading what was made). */
  readonly commandsBefore: readonly string[];
  readonly commandsAfter: readonly string[];
  readonly samples: readonly SampleView[];
}

export interface SampleView {
  readonly name: string;
  readonly description: string;
  readonly input: TriggerInput;
  readonly commands: readonly string[];
  readonly effect: Observation;
  readonly poison: {
    readonly description: string;
    readonly input: TriggerInput;
    readonly commands: readonly string[];
    readonly failure: Observation;
  };
}

/** Each deployed stack that a descriptor describes, as the page shows it. */
export function integrationViews(
  cloud: Pick<LocalCloud, 'endpoint' | 'stacks'>,
  descriptorOf: (stackName: string) => IntegrationDescriptor | undefined,
): IntegrationView[] {
  return cloud.stacks.flatMap((stack) => {
    const descriptor = descriptorOf(stack.stackName);
    return descriptor ? [integrationView(descriptor, stack, cloud.endpoint)] : [];
  });
}

function integrationView(
  descriptor: IntegrationDescriptor,
  stack: DeployedStack,
  endpoint: string,
): IntegrationView {
  const { outputs } = stack;
  const commands = (lines: readonly string[]) => lines.map((line) => pointAtEndpoint(line, endpoint));
  return {
    name: descriptor.name,
    title: descriptor.title,
    stackId: stack.stackName,
    resources: stack.resources.map(({ logicalId, type, physicalId, status, detail }) => ({
      logicalId,
      type,
      status,
      ...(physicalId === undefined ? {} : { physicalId }),
      ...(detail === undefined ? {} : { detail }),
    })),
    outputs,
    flow: flowOf(stack.template),
    commandsBefore: commands(descriptor.commandsBefore?.(outputs) ?? []),
    commandsAfter: commands(descriptor.commandsAfter?.(outputs) ?? []),
    samples: descriptor.samples.map((sample) => ({
      name: sample.name,
      description: sample.description,
      input: sample.input,
      commands: commands(commandsFor(sample.input, outputs)),
      effect: sample.effect,
      poison: { ...sample.poison, commands: commands(commandsFor(sample.poison.input, outputs)) },
    })),
  };
}

/** One invocation as the timeline shows it. */
export interface InvocationView {
  readonly requestId: string;
  readonly functionName: string;
  /** The integration whose stack holds the function. */
  readonly integration?: string;
  /** What invoked it: 'aws:sqs', 'aws:s3', 'aws:apigateway', 'Event', 'RequestResponse'. */
  readonly trigger: string;
  /** Records in the event, where the trigger batches. */
  readonly batchSize?: number;
  /** Earlier deliveries of the same records: SQS's receive count less one. */
  readonly retries?: number;
  readonly at: number;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  readonly cold: boolean;
  readonly status: InvocationRecord['status'];
  readonly error?: string;
}

export function invocationView(record: InvocationRecord, integration: string | undefined): InvocationView {
  const records = (record.event as { Records?: unknown } | undefined)?.Records;
  const batch = Array.isArray(records) ? records : undefined;
  const receives = batch?.map((item) =>
    Number(
      (item as { attributes?: { ApproximateReceiveCount?: string } }).attributes?.ApproximateReceiveCount,
    ),
  );
  const maxReceive = receives?.some(Number.isFinite)
    ? Math.max(...receives.filter(Number.isFinite))
    : undefined;
  return {
    requestId: record.requestId,
    functionName: record.functionName,
    ...(integration === undefined ? {} : { integration }),
    trigger: record.source,
    ...(batch ? { batchSize: batch.length } : {}),
    ...(maxReceive === undefined ? {} : { retries: maxReceive - 1 }),
    at: record.startedAt,
    durationMs: record.durationMs,
    billedDurationMs: record.billedDurationMs,
    memorySizeMB: record.memorySizeMB,
    maxMemoryUsedMB: record.maxMemoryUsedMB,
    cold: record.initDurationMs !== undefined,
    status: record.status,
    ...(record.error ? { error: `${record.error.errorType}: ${record.error.errorMessage}` } : {}),
  };
}

/** Each deployed function, by name: its integration, and its readable name (logical id without CDK's hash). */
export function functionIndex(
  views: readonly IntegrationView[],
): Map<string, { readonly integration: string; readonly label: string }> {
  const index = new Map<string, { integration: string; label: string }>();
  for (const view of views) {
    for (const resource of view.resources) {
      if (resource.type === 'AWS::Lambda::Function' && resource.physicalId) {
        index.set(resource.physicalId, { integration: view.name, label: readableId(resource.logicalId) });
      }
    }
  }
  return index;
}
