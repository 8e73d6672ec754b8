/**
 * The composition root of the local cloud: the gateway, the emulators behind it, the in-process services
 * (Lambda, CloudWatch Logs), and the stacks of a cloud assembly deployed into them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAssembly, selectStacks } from './assembly.ts';
import { type Clock, scaledClock } from './clock.ts';
import { deployStack } from './deploy/deployer.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './deploy/intrinsics.ts';
import type { Delivery } from './destinations.ts';
import {
  COGNITO_LOCAL,
  DYNAMODB_LOCAL,
  type EmulatorChoice,
  Emulators,
  KINESALITE,
} from './emulators/index.ts';
import { type Gateway, startGateway } from './gateway.ts';
import type { HttpApiInfo } from './http-api/index.ts';
import type { LambdaService } from './lambda/service.ts';
import type { LogStore } from './logs/store.ts';
import { CloudServices, LOCAL_CREDENTIALS } from './services.ts';
import type {
  AwsContext,
  DeployedStack,
  EventSource,
  InvocationRecord,
  InvocationType,
  InvokeResult,
  LocalClientConfig,
  LogEvent,
  TriggerNotice,
} from './types.ts';

export interface LocalCloudOptions {
  /** The cloud assembly directory (`cdk.out`). */
  readonly assembly: string;
  /** Stacks to deploy, by id or short name (`sqs` for `Triggers-Sqs`), plus what they depend on; all by default. */
  readonly stacks?: readonly string[];
  /** The gateway port: 4566 by default, 0 for a free one. */
  readonly port?: number;
  /** The first HTTP API's port, the next ones counting up; 0 (default) gives each a free port. */
  readonly apiPort?: number;
  /** Progress while starting, one line each. */
  readonly onProgress?: (message: string) => void;
  /** Something that did not run (DynamoDB Local without Java, a destination we do not emulate), one line each. */
  readonly onWarning?: (message: string) => void;
  /** Start DynamoDB Local: 'auto' (default) starts it when a selected stack declares a DynamoDB table. */
  readonly dynamodb?: EmulatorChoice;
  /** Start cognito-local: 'auto' (default) starts it when a selected stack declares an AWS::Cognito::* resource. */
  readonly cognito?: EmulatorChoice;
  /** Start kinesalite: 'auto' (default) starts it when a selected stack declares an AWS::Kinesis::* resource. */
  readonly kinesis?: EmulatorChoice;
  /** Waits before async-invoke retries, in emulated time (Lambda's 1 and 2 minutes by default). */
  readonly asyncRetryDelaysMs?: readonly number[];
  /**
   * Real time per emulated time: 1 (default) runs at AWS's pace; 0.02 makes a minute pass in 1.2 s, for retry
   * delays, visibility timeouts of failed records, batching windows and ages. Functions still run at real time.
   */
  readonly timeScale?: number;
  /** A clock to drive the emulation by hand (tests); overrides timeScale. */
  readonly clock?: Clock;
  /** Account-level concurrent executions (50 by default). */
  readonly maxConcurrency?: number;
  /**
   * Directories whose node_modules stand in for the SDK that Lambda's Node.js runtime provides (bundles leave
   * `@aws-sdk/*` external); this package's by default.
   */
  readonly runtimeModuleDirectories?: readonly string[];
}

/** What `watch` reports, as it happens. */
export interface CloudWatcher {
  readonly invocation?: (record: InvocationRecord) => void;
  readonly delivery?: (delivery: Delivery) => void;
  readonly notice?: (notice: TriggerNotice) => void;
}

export interface LocalLogEvent extends LogEvent {
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** A running local cloud. */
export interface LocalCloud {
  /** The one endpoint, e.g. http://127.0.0.1:4566: use it as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly aws: AwsContext;
  /** What an AWS SDK v3 client needs to talk to this cloud: `new SQSClient(cloud.clientConfig)`. */
  readonly clientConfig: LocalClientConfig;
  readonly stacks: readonly DeployedStack[];
  /** The HTTP APIs (AWS::ApiGatewayV2::Api), each on its own 127.0.0.1 port. */
  readonly httpApis: readonly HttpApiInfo[];
  /** What did not start or run, one sentence each (also sent to onWarning). */
  readonly warnings: readonly string[];
  readonly lambda: LambdaService;
  readonly logStore: LogStore;
  /** The emulation's clock: `cloud.clock.now()` is the emulated time. */
  readonly clock: Clock;
  /** Records sent to DLQs and destinations so far (what, where, when, outcome), oldest first. */
  readonly deliveries: readonly Delivery[];
  /** Every event source running: S3 notifications and each event source mapping's poller. */
  readonly eventSources: readonly EventSource[];
  /** The most recent invocations (10,000), oldest first. */
  readonly invocations: readonly InvocationRecord[];
  /** What triggers did that no function log shows: retries, moves to a DLQ (most recent 1,000), oldest first. */
  readonly notices: readonly TriggerNotice[];
  /** Calls `listener` with every invocation, delivery and trigger notice from now on; returns a function that stops it. */
  watch(listener: CloudWatcher): () => void;
  /** Invokes a function by name or ARN with `event` as its JSON payload. */
  invoke(functionName: string, event: unknown, invocationType?: InvocationType): Promise<InvokeResult>;
  /** Log events in time order: of one log group (or of the function with that name), or of all groups. */
  logs(group?: string): LocalLogEvent[];
  /** Stops pollers, execution environments, the gateway and the emulators; safe to call twice. */
  stop(): Promise<void>;
}

/** What has started so far, stopped in reverse: a failed start leaves nothing running. */
class Started {
  readonly #stops: (() => Promise<void> | void)[] = [];

  add<T extends { stop(): Promise<void> | void }>(part: T): T {
    this.#stops.push(() => part.stop());
    return part;
  }

  onStop(step: () => void): void {
    this.#stops.push(step);
  }

  /** Stops everything, each step even if an earlier one failed; throws the first failure. */
  async stop(): Promise<void> {
    const errors: unknown[] = [];
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const progress = options.onProgress ?? (() => {});
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  // Read everything first: a broken assembly fails before anything starts.
  const assembly = readAssembly(options.assembly);
  const selected = selectStacks(assembly, options.stacks);
  const clock = options.clock ?? scaledClock(options.timeScale);

  const started = new Started();
  try {
    const workDirectory = mkdtempSync(join(tmpdir(), 'local-cloud-'));
    started.onStop(() => rmSync(workDirectory, { recursive: true, force: true }));
    const gateway: Gateway = started.add(await startGateway({ port: options.port }));
    progress(`Gateway listening on ${gateway.url}`);
    const aws: AwsContext = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID, endpoint: gateway.url };
    const emulators = started.add(
      await Emulators.start({
        resources: selected.flatMap((stack) => Object.values(stack.template.Resources ?? {})),
        choices: new Map([
          [DYNAMODB_LOCAL, options.dynamodb],
          [COGNITO_LOCAL, options.cognito],
          [KINESALITE, options.kinesis],
        ]),
        context: { gatewayUrl: gateway.url, workDirectory },
        onProgress: progress,
        onWarning: warn,
      }),
    );
    const services = started.add(
      new CloudServices({
        aws,
        clock,
        gateway,
        emulators,
        workDirectory,
        warn,
        ...pick(options, ['asyncRetryDelaysMs', 'maxConcurrency', 'runtimeModuleDirectories', 'apiPort']),
      }),
    );
    const stacks = await deployStacks(selected, services, { aws, assembly: assembly.directory, progress });
    const stop = once(() => started.stop());
    return localCloud({ aws, clock, services, stacks, warnings, stop });
  } catch (error) {
    await started.stop().catch(() => {});
    throw error;
  }
}

/** Deploys the stacks in order (exports of one feed the next), with outputs pointing at local fronts. */
async function deployStacks(
  selected: ReturnType<typeof selectStacks>,
  services: CloudServices,
  options: { aws: AwsContext; assembly: string; progress: (message: string) => void },
): Promise<DeployedStack[]> {
  const exports = new Map<string, string>();
  const deployServices = services.deployServices();
  const stacks: DeployedStack[] = [];
  for (const stack of selected) {
    const deployed = await deployStack(stack, {
      aws: options.aws,
      services: deployServices,
      assemblyDirectory: options.assembly,
      exports,
      onProgress: options.progress,
    });
    // Outputs that hold a front's AWS URL (CDK's `api.url`) point at the local front instead.
    const outputs = Object.fromEntries(
      Object.entries(deployed.outputs).map(([name, value]) => [name, services.httpApis.localize(value)]),
    );
    stacks.push({ ...deployed, outputs });
  }
  return stacks;
}

function localCloud(parts: {
  aws: AwsContext;
  clock: Clock;
  services: CloudServices;
  stacks: DeployedStack[];
  warnings: string[];
  stop: () => Promise<void>;
}): LocalCloud {
  const { aws, services, stacks, warnings, clock, stop } = parts;
  const { lambda, logStore, httpApis, destinations } = services;
  return {
    endpoint: aws.endpoint,
    aws,
    clientConfig: { endpoint: aws.endpoint, region: aws.region, credentials: LOCAL_CREDENTIALS },
    stacks,
    get httpApis() {
      return httpApis.list();
    },
    warnings,
    lambda,
    logStore,
    clock,
    deliveries: destinations.deliveries,
    eventSources: services.eventSources,
    get invocations() {
      return lambda.invocations;
    },
    notices: services.notices.records,
    watch(listener) {
      const stops = [
        listener.invocation && lambda.onInvocation(listener.invocation),
        listener.delivery && destinations.onDelivery(listener.delivery),
        listener.notice && services.notices.subscribe(listener.notice),
      ];
      return () => {
        for (const stop of stops) stop?.();
      };
    },
    invoke(functionName, event, invocationType = 'RequestResponse') {
      return lambda.invoke(functionName, JSON.stringify(event ?? {}), { invocationType });
    },
    logs(group) {
      const groups = group
        ? [logStore.group(group) ? group : (lambda.getFunction(group)?.logGroupName ?? group)]
        : logStore.logGroupNames();
      return groups
        .flatMap((name) => logStore.getLogEvents(name).map((event) => ({ ...event, logGroupName: name })))
        .sort((a, b) => a.timestamp - b.timestamp);
    },
    stop,
  };
}

function once(step: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= step();
    return running;
  };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
