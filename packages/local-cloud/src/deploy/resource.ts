/**
 * The contract between the deployer and the per-type resource handlers, and the helpers they share.
 */
import { randomInt } from 'node:crypto';
import type { CfnResource } from '../assembly.ts';
import type { FirehoseService } from '../firehose/service.ts';
import type { HttpApis } from '../http-api/index.ts';
import { isRecord } from '../shared.ts';

export { isRecord };

import type { NotificationRule } from '../s3/notification-config.ts';
import type {
  AsyncInvokeConfig,
  AwsContext,
  ClientFactory,
  EventSource,
  FunctionConfig,
  TriggerServices,
} from '../types.ts';

/** What the deployer needs of the Lambda service. */
export interface LambdaTarget {
  createFunction(config: FunctionConfig): unknown;
  setAsyncInvokeConfig(nameOrArn: string, config: Partial<AsyncInvokeConfig>): unknown;
  addAlias(nameOrArn: string, alias: string, version?: string): unknown;
  publishVersion(nameOrArn: string): string;
  /** The function, when it runs locally. */
  getFunction(nameOrArn: string): FunctionConfig | undefined;
}

/** What the deployer needs of the log store. */
export interface LogsTarget {
  createLogGroup(name: string, retentionDays?: number): unknown;
}

/** The services resources are created in; the SDK clients talk to the local endpoint, as CloudFormation would. */
export interface DeployServices {
  readonly lambda: LambdaTarget;
  readonly logs: LogsTarget;
  /** SDK clients of the local endpoint: `services.clients(SQSClient)`. */
  readonly clients: ClientFactory;
  /** Why the emulator behind a service (its signing name, `dynamodb`) is not running; undefined when it runs. */
  unavailable(service: string): string | undefined;
  /** What triggers are built from (the mappings' pollers). */
  readonly triggers: TriggerServices;
  /** Runs an event source (a mapping's poller) until the cloud stops. */
  startEventSource(source: EventSource): void;
  /** The buckets' notification configurations, when S3 runs. */
  readonly s3Notifications?: {
    configure(bucket: string, rules: readonly NotificationRule[]): void;
    rules(bucket: string): readonly NotificationRule[];
  };
  /** A scratch directory that lives as long as the cloud (inline function code goes here). */
  readonly workDirectory: string;
  /** The local HTTP API fronts (AWS::ApiGatewayV2::*). */
  readonly httpApis?: HttpApis;
  /** The local Firehose (AWS::KinesisFirehose::DeliveryStream). */
  readonly firehose?: Pick<FirehoseService, 'add'>;
}

export interface ResourceContext {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly aws: AwsContext;
  readonly services: DeployServices;
  /** The resource as the template declares it (its Metadata says where a function's asset is). */
  readonly resource: CfnResource;
  /** The absolute path of the asset a function's `Code.S3Key` names. */
  assetPath(s3Key: unknown): string | undefined;
  /** A CloudFormation-style generated name, `<Stack>-<LogicalId>-<RANDOM>`, for resources the template leaves unnamed. */
  physicalName(options?: { readonly maxLength?: number; readonly suffix?: string }): string;
}

export interface CreatedResource {
  /** What Ref returns. */
  readonly physicalId: string;
  /** What Fn::GetAtt returns, by attribute name. */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** Default 'created'. */
  readonly status?: 'created' | 'recorded' | 'unsupported';
  readonly detail?: string;
}

/** Creates one resource type. */
export interface ResourceHandler {
  create(properties: Readonly<Record<string, unknown>>, context: ResourceContext): Promise<CreatedResource>;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random characters of `alphabet`: upper-case letters and digits (IAM, CloudFormation names) by default. */
export function randomId(length: number, alphabet = ALPHANUMERIC): string {
  let id = '';
  for (let i = 0; i < length; i += 1) id += alphabet[randomInt(alphabet.length)];
  return id;
}

/** `<Stack>-<LogicalId>-<RANDOM><suffix>`, the stack and logical id parts cut so the whole fits `maxLength`. */
export function generatePhysicalName(
  stackName: string,
  logicalId: string,
  maxLength = 64,
  suffix = '',
): string {
  const random = randomId(12);
  const budget = maxLength - random.length - suffix.length - 2;
  const stackPart = stackName.slice(0, Math.max(Math.floor(budget / 2), budget - logicalId.length));
  const logicalPart = logicalId.slice(0, budget - stackPart.length);
  return `${stackPart}-${logicalPart}-${random}${suffix}`;
}

export function optionalString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : String(value);
}

export function optionalNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

export function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A resource the local cloud does not run, and why; its id (and attributes) still resolve for what refers to it. */
export function unsupported(
  physicalId: string,
  detail: string,
  attributes?: Record<string, unknown>,
): CreatedResource {
  return { physicalId, status: 'unsupported', detail, ...(attributes ? { attributes } : {}) };
}

/** A resource that is only recorded (a policy, say): a CloudFormation-style name as its id, and why. */
export function recordedOnly(detail: string, maxLength: number): ResourceHandler {
  return {
    async create(_properties, context) {
      return { physicalId: context.physicalName({ maxLength }), status: 'recorded', detail };
    },
  };
}
