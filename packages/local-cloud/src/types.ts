/**
 * The contracts between the local cloud's parts. Each part (gateway, deployer, Lambda service, log store, event
 * source mappings) is written against these, so it can be read and tested alone.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CfnTemplate } from './assembly.ts';
import type { Clock } from './clock.ts';

/** The account, region and single endpoint every local resource lives behind. */
export interface AwsContext {
  readonly region: string; // 'us-east-1'
  readonly accountId: string; // '000000000000'
  /** The gateway URL, e.g. http://127.0.0.1:4566: what functions get as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
}

/** A service behind the gateway that answers AWS API requests in-process (Lambda, CloudWatch Logs, …). */
export interface ApiHandler {
  /** `body` is the whole request body, already read. */
  handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void>;
}

/** A function as the deployer hands it to the Lambda service, resolved from AWS::Lambda::Function. */
export interface FunctionConfig {
  readonly name: string;
  readonly arn: string;
  readonly handler: string; // 'index.handler'
  readonly runtime: string; // 'nodejs24.x'
  readonly architecture: string; // 'arm64'
  /** Absolute path of the unpacked code asset (LAMBDA_TASK_ROOT). */
  readonly codeDirectory: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly logGroupName: string; // '/aws/lambda/<name>' unless LoggingConfig.LogGroup says otherwise
  readonly logFormat: 'Text' | 'JSON';
  readonly applicationLogLevel?: string;
  readonly systemLogLevel?: string;
  /** ReservedConcurrentExecutions, when set. */
  readonly reservedConcurrency?: number;
  /** DeadLetterConfig.TargetArn: where failed async events go when no on-failure destination is set. */
  readonly deadLetterTargetArn?: string;
  /** The execution role's ARN (Role): stream records name it as `invokeIdentityArn`. */
  readonly role?: string;
}

/** EventInvokeConfig: how Event (async) invocations are retried and where their outcome goes. */
export interface AsyncInvokeConfig {
  readonly maximumRetryAttempts: number; // 0–2, default 2
  readonly maximumEventAgeSeconds: number; // 60–21600, default 21600
  readonly onSuccess?: string; // destination ARN
  readonly onFailure?: string; // destination ARN
}

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

/** What invoking returns, shaped like the Invoke API's answer. */
export interface InvokeResult {
  readonly requestId: string;
  readonly statusCode: number; // 200 RequestResponse, 202 Event, 204 DryRun
  readonly payload?: string; // the function's result or error, as JSON text
  readonly functionError?: 'Unhandled';
  readonly executedVersion: string;
}

/** One invocation, recorded for tests, the cost model and the playground. */
export interface InvocationRecord {
  readonly requestId: string;
  readonly functionName: string;
  /** Who invoked: 'RequestResponse', 'Event', or the trigger ('aws:sqs', …). */
  readonly source: string;
  readonly event: unknown;
  readonly startedAt: number; // epoch ms
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMB: number;
  /** The function's architecture as configured ('arm64' or 'x86_64'), whatever the host runs it on: it sets the price. */
  readonly architecture: 'arm64' | 'x86_64';
  readonly maxMemoryUsedMB: number;
  readonly initDurationMs?: number; // cold starts only
  readonly status: 'success' | 'error' | 'timeout';
  readonly result?: unknown;
  readonly error?: { readonly errorType: string; readonly errorMessage: string };
}

export interface LogEvent {
  readonly timestamp: number; // epoch ms
  readonly message: string;
}

/** What every event source mapping (AWS::Lambda::EventSourceMapping) says, whatever its source. */
export interface EventSourceMappingConfig {
  readonly uuid: string;
  readonly functionName: string;
  /** The queue, stream or table stream the mapping reads. */
  readonly sourceArn: string;
  readonly batchSize: number; // default per source: 10 for SQS, 100 for streams
  readonly maximumBatchingWindowSeconds: number; // default 0
  readonly reportBatchItemFailures: boolean; // FunctionResponseTypes includes ReportBatchItemFailures
  readonly maximumConcurrency?: number; // ScalingConfig.MaximumConcurrency
  /** FilterCriteria.Filters[].Pattern, parsed. */
  readonly filterPatterns: readonly unknown[];
  readonly enabled: boolean;
}

/** An SQS mapping: the base, plus the queue's visibility timeout, which a failed record waits out. */
export interface SqsEventSourceConfig extends EventSourceMappingConfig {
  /** The queue's VisibilityTimeout; a failed record becomes visible again after it (in emulated time). */
  readonly visibilityTimeoutSeconds?: number;
}

/**
 * Anything that turns a source into invocations: an event source mapping's poller, S3 notifications, and next
 * stream pollers and fan-outs. The cloud starts it once deployed and stops it first when the cloud stops.
 */
export interface EventSource {
  /** What it is, for the playground and warnings: "SQS mapping orders → Triggers-Sqs-Worker". */
  readonly description: string;
  start(): void;
  /** Stops taking new work at once and waits for the work in hand. */
  stop(): Promise<void>;
  state(): EventSourceState;
}

export interface EventSourceState {
  readonly state: 'Enabled' | 'Disabled' | 'Stopped';
  /** Batches or events handed to functions so far. */
  readonly invocations: number;
  /** The last problem it ran into (a deleted queue, a function gone), until a round works again. */
  readonly lastProblem?: string;
}

/** How a trigger invokes: Lambda's own pollers and notifiers call the Lambda service this way. */
export type Invoke = (
  functionName: string,
  payload: string,
  options: { readonly source: string; readonly event?: unknown; readonly invocationType?: InvocationType },
) => Promise<InvokeResult>;

/** What triggers are built from: the function to invoke, the emulators they read, the clock, where problems go. */
export interface TriggerServices {
  readonly aws: AwsContext;
  readonly clock: Clock;
  readonly invoke: Invoke;
  /** The URL of the emulator behind a service (`sqs`): Lambda's machinery talks to it directly, unsigned. */
  emulatorUrl(service: string): string | undefined;
  /** A problem worth one line on the terminal (said once per cause by the caller). */
  warn(message: string): void;
  /** What a trigger did that a learner should see (a retry, a move to the DLQ), one short line. */
  notice(notice: TriggerNotice): void;
  /** Sends a record to a DLQ or destination by ARN (queue, topic, bucket, function, bus); recorded in deliveries. */
  deliver(destinationArn: string, payload: unknown): Promise<void>;
}

/**
 * What a trigger did that no function log shows: a record retried (with its receive count or attempt), moved to
 * a dead-letter queue or sent to an on-failure destination, dropped by a filter. One short line each.
 */
export interface TriggerNotice {
  /** Emulated epoch ms. */
  readonly at: number;
  /** The function the trigger invokes. */
  readonly functionName: string;
  /** The event source, as the event names it: 'aws:sqs', 'aws:s3', 'aws:kinesis'. */
  readonly source: string;
  readonly kind: 'retry' | 'dead-letter' | 'dropped';
  /** One short line: "receive 2 of 5 failed; visible again in 60 s". */
  readonly message: string;
}

/** The config every local SDK client gets: the gateway endpoint, the local region and dummy credentials. */
export interface LocalClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** An SDK v3 client of the local endpoint, made once per client class: `clients(SQSClient)`. */
export type ClientFactory = <T extends { destroy(): void }>(
  Client: new (config: LocalClientConfig & Record<string, unknown>) => T,
) => T;

/** A resource the deployer created, recorded, or could not run locally. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId?: string;
  /** created: runs locally; recorded: kept for inspection (IAM, alarms); unsupported: not run locally. */
  readonly status: 'created' | 'recorded' | 'unsupported';
  /** Why a resource is recorded or not run locally, in one sentence (e.g. "Kinesis event sources do not run locally yet"). */
  readonly detail?: string;
  /** The resolved template properties, kept for inspection (least-privilege checks, the playground). */
  readonly properties?: Readonly<Record<string, unknown>>;
}

export interface DeployedStack {
  readonly stackName: string;
  readonly resources: readonly DeployedResource[];
  readonly outputs: Readonly<Record<string, string>>;
  /** The template as synthesized: its Refs and GetAtts show how the resources connect (the playground's diagram). */
  readonly template: CfnTemplate;
}
