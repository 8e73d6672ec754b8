/**
 * The contracts between the local cloud's parts. Each part (gateway, deployer, Lambda service, log store, event
 * source mappings) is written against these, so it can be read and tested alone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

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

/** SQS event source mapping, resolved from AWS::Lambda::EventSourceMapping. */
export interface SqsEventSourceConfig {
  readonly uuid: string;
  readonly functionName: string;
  readonly queueArn: string;
  readonly batchSize: number; // default 10
  readonly maximumBatchingWindowSeconds: number; // default 0
  readonly reportBatchItemFailures: boolean; // FunctionResponseTypes includes ReportBatchItemFailures
  readonly maximumConcurrency?: number; // ScalingConfig.MaximumConcurrency
  /** FilterCriteria.Filters[].Pattern, parsed. */
  readonly filterPatterns: readonly unknown[];
  readonly enabled: boolean;
}

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
}
