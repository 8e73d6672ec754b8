/**
 * AWS::Lambda::* → the in-process Lambda service (functions, versions, aliases, async invoke config) and the
 * trigger pollers (event source mappings, made by the source's MappingSource in `triggers/mappings.ts`). Permissions are recorded: resource policies are not enforced locally.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDirectory } from '../../assembly.ts';
import { LocalCloudError, messageOf } from '../../errors.ts';
import { functionNameOf } from '../../lambda/service.ts';
import { MAPPING_SOURCES, MAPPING_SOURCES_NOT_RUN } from '../../triggers/mappings.ts';
import type { AsyncInvokeConfig, AwsContext, EventSourceMappingConfig, FunctionConfig } from '../../types.ts';
import {
  listOf,
  optionalNumber,
  optionalString,
  type ResourceContext,
  type ResourceHandler,
  recordedOnly,
  recordOf,
  unsupported,
} from '../resource.ts';

export function functionArn(aws: AwsContext, name: string): string {
  return `arn:aws:lambda:${aws.region}:${aws.accountId}:function:${name}`;
}

/** Where the function's code is: its unpacked asset, or inline code (Code.ZipFile) written to a scratch folder. */
function codeDirectory(
  code: Record<string, unknown>,
  name: string,
  context: ResourceContext,
): { path: string } | { problem: string } {
  if (typeof code.ZipFile === 'string') {
    const directory = join(context.services.workDirectory, 'inline', name);
    mkdirSync(directory, { recursive: true });
    // Lambda stores inline Node.js code as index.js.
    writeFileSync(join(directory, 'index.js'), code.ZipFile);
    return { path: directory };
  }
  if (code.ImageUri !== undefined) return { problem: 'container image functions do not run locally yet' };
  const path = context.assetPath(code.S3Key);
  if (!path) return { problem: `its code asset (${String(code.S3Key)}) is not in the cloud assembly` };
  if (!isDirectory(path))
    return { problem: `its code asset ${path} is a zip file, which is not unpacked locally yet` };
  return { path };
}

const lambdaFunction: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.FunctionName) ?? context.physicalName({ maxLength: 64 });
    const arn = functionArn(context.aws, name);
    const attributes = { Arn: arn };
    const runtime = optionalString(properties.Runtime) ?? '';
    if (properties.PackageType === 'Image') {
      return unsupported(name, 'container image functions do not run locally yet', attributes);
    }
    if (!runtime.startsWith('nodejs')) {
      // The description says what the function is for (CDK's custom resource handlers name their resource type).
      const description = optionalString(properties.Description);
      return unsupported(
        name,
        `only Node.js functions run locally, and this one is ${runtime || 'unknown'}${description ? ` (${description})` : ''}`,
        attributes,
      );
    }
    const code = codeDirectory(recordOf(properties.Code), name, context);
    if ('problem' in code) return unsupported(name, code.problem, attributes);
    const logging = recordOf(properties.LoggingConfig);
    const variables = recordOf(recordOf(properties.Environment).Variables);
    const config: FunctionConfig = {
      name,
      arn,
      handler: optionalString(properties.Handler) ?? 'index.handler',
      runtime,
      architecture: optionalString(listOf(properties.Architectures)[0]) ?? 'x86_64',
      codeDirectory: code.path,
      timeoutSeconds: optionalNumber(properties.Timeout) ?? 3,
      memorySize: optionalNumber(properties.MemorySize) ?? 128,
      environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])),
      logGroupName: optionalString(logging.LogGroup) ?? `/aws/lambda/${name}`,
      logFormat: logging.LogFormat === 'JSON' ? 'JSON' : 'Text',
      ...optionalField('applicationLogLevel', optionalString(logging.ApplicationLogLevel)),
      ...optionalField('systemLogLevel', optionalString(logging.SystemLogLevel)),
      ...optionalField('reservedConcurrency', optionalNumber(properties.ReservedConcurrentExecutions)),
      ...optionalField(
        'deadLetterTargetArn',
        optionalString(recordOf(properties.DeadLetterConfig).TargetArn),
      ),
      ...optionalField('role', optionalString(properties.Role)),
    };
    await context.services.lambda.createFunction(config);
    return { physicalId: name, attributes };
  },
};

function optionalField<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function requiredString(
  properties: Readonly<Record<string, unknown>>,
  key: string,
  context: ResourceContext,
): string {
  const value = optionalString(properties[key]);
  if (!value) throw new LocalCloudError(`${context.logicalId} (${context.type}) has no ${key}.`);
  return value;
}

/**
 * The name of the local function `FunctionName` names, or why the resource cannot run: something attached to a
 * function that does not run locally (a Python function, an image) does not run either.
 */
function localFunction(
  properties: Readonly<Record<string, unknown>>,
  context: ResourceContext,
): { name: string } | { notRun: string } {
  const name = functionNameOf(requiredString(properties, 'FunctionName', context));
  return context.services.lambda.getFunction(name)
    ? { name }
    : { notRun: `its function ${name} does not run locally` };
}

const version: ResourceHandler = {
  async create(properties, context) {
    const target = localFunction(properties, context);
    if ('notRun' in target) return unsupported(context.physicalName({ maxLength: 140 }), target.notRun);
    const { name } = target;
    const number = await context.services.lambda.publishVersion(name);
    const arn = `${functionArn(context.aws, name)}:${number}`;
    return { physicalId: arn, attributes: { Version: number, FunctionArn: functionArn(context.aws, name) } };
  },
};

const alias: ResourceHandler = {
  async create(properties, context) {
    const target = localFunction(properties, context);
    if ('notRun' in target) return unsupported(context.physicalName({ maxLength: 140 }), target.notRun);
    const { name } = target;
    const aliasName = requiredString(properties, 'Name', context);
    await context.services.lambda.addAlias(
      name,
      aliasName,
      optionalString(properties.FunctionVersion) ?? '$LATEST',
    );
    const arn = `${functionArn(context.aws, name)}:${aliasName}`;
    return { physicalId: arn, attributes: { AliasArn: arn } };
  },
};

const permission = recordedOnly('resource policies are recorded, not enforced, locally', 100);

const eventInvokeConfig: ResourceHandler = {
  async create(properties, context) {
    const local = localFunction(properties, context);
    if ('notRun' in local) return unsupported(context.physicalName({ maxLength: 140 }), local.notRun);
    const { name } = local;
    const qualifier = optionalString(properties.Qualifier) ?? '$LATEST';
    const target = qualifier === '$LATEST' ? name : `${name}:${qualifier}`;
    const destinations = recordOf(properties.DestinationConfig);
    const config: Partial<AsyncInvokeConfig> = {
      ...optionalField('maximumRetryAttempts', optionalNumber(properties.MaximumRetryAttempts)),
      ...optionalField('maximumEventAgeSeconds', optionalNumber(properties.MaximumEventAgeInSeconds)),
      ...optionalField('onSuccess', optionalString(recordOf(destinations.OnSuccess).Destination)),
      ...optionalField('onFailure', optionalString(recordOf(destinations.OnFailure).Destination)),
    };
    await context.services.lambda.setAsyncInvokeConfig(target, config);
    return { physicalId: `${name}:${qualifier}` };
  },
};

function filterPatterns(properties: Readonly<Record<string, unknown>>, context: ResourceContext): unknown[] {
  return listOf(recordOf(properties.FilterCriteria).Filters).map((filter) => {
    const pattern = recordOf(filter).Pattern;
    if (typeof pattern !== 'string') return pattern;
    try {
      return JSON.parse(pattern) as unknown;
    } catch (error) {
      throw new LocalCloudError(
        `${context.logicalId} has a filter pattern that is not JSON (${messageOf(error)}).`,
      );
    }
  });
}

const eventSourceMapping: ResourceHandler = {
  async create(properties, context) {
    const uuid = randomUUID();
    const attributes = {
      Id: uuid,
      EventSourceMappingArn: `arn:aws:lambda:${context.aws.region}:${context.aws.accountId}:event-source-mapping:${uuid}`,
    };
    const sourceArn = optionalString(properties.EventSourceArn);
    const service = sourceArn?.split(':')[2] ?? '';
    const source = MAPPING_SOURCES[service];
    if (!sourceArn || !source) {
      const title = MAPPING_SOURCES_NOT_RUN[service] ?? 'self-managed';
      return unsupported(uuid, `${title} event sources do not run locally yet`, attributes);
    }
    // A poller for a function that does not run would receive records nobody processes, and dead-letter them.
    const target = localFunction(properties, context);
    if ('notRun' in target) return unsupported(uuid, target.notRun, attributes);
    const scaling = recordOf(properties.ScalingConfig);
    const config: EventSourceMappingConfig = {
      uuid,
      functionName: requiredString(properties, 'FunctionName', context),
      sourceArn,
      batchSize: optionalNumber(properties.BatchSize) ?? source.defaultBatchSize,
      maximumBatchingWindowSeconds: optionalNumber(properties.MaximumBatchingWindowInSeconds) ?? 0,
      reportBatchItemFailures: listOf(properties.FunctionResponseTypes).includes('ReportBatchItemFailures'),
      ...optionalField('maximumConcurrency', optionalNumber(scaling.MaximumConcurrency)),
      filterPatterns: filterPatterns(properties, context),
      enabled: properties.Enabled !== false && properties.Enabled !== 'false',
    };
    const { services } = context;
    const poller = await source.create(config, {
      logicalId: context.logicalId,
      properties,
      function: services.lambda.getFunction(target.name) as FunctionConfig,
      clients: services.clients,
      triggers: services.triggers,
    });
    services.startEventSource(poller);
    return { physicalId: uuid, attributes };
  },
};

export const lambdaHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::Lambda::Function': lambdaFunction,
  'AWS::Lambda::Version': version,
  'AWS::Lambda::Alias': alias,
  'AWS::Lambda::Permission': permission,
  'AWS::Lambda::EventInvokeConfig': eventInvokeConfig,
  'AWS::Lambda::EventSourceMapping': eventSourceMapping,
};
