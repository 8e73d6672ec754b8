/**
 * Deploys one stack of the cloud assembly: resolves each resource's properties against what is already created,
 * creates it with its type's handler, in dependency order, then resolves the outputs. Like CloudFormation, it is
 * a client of the services; unlike it, there is no rollback: the cloud that started the deploy stops on failure.
 */
import { randomUUID } from 'node:crypto';
import type { CfnResource, StackArtifact } from '../assembly.ts';
import { assetPathOf } from '../assembly.ts';
import { LocalCloudError, messageOf } from '../errors.ts';
import type { AwsContext, DeployedResource, DeployedStack } from '../types.ts';
import { deploymentOrder } from './graph.ts';
import { type ResolvedResource, TemplateScope } from './intrinsics.ts';
import {
  type CreatedResource,
  type DeployServices,
  generatePhysicalName,
  isRecord,
  type ResourceHandler,
  randomId,
} from './resource.ts';
import { resourceHandlers } from './resources/index.ts';

export interface DeployOptions {
  readonly aws: AwsContext;
  readonly services: DeployServices;
  readonly assemblyDirectory: string;
  /** Exports of the stacks deployed so far (Fn::ImportValue); this stack's exports are added. */
  readonly exports: Map<string, string>;
  /** Handlers by resource type; the built-in ones by default. */
  readonly handlers?: Readonly<Record<string, ResourceHandler>>;
  readonly onProgress?: (message: string) => void;
}

/** Types that only carry deployment metadata: CDK's analytics resource has nothing to run. */
const IGNORED_TYPES = new Set(['AWS::CDK::Metadata']);

/**
 * What Ref returns for types that do not run locally, where CloudFormation returns something other than the
 * resource's name (most types return the name, which is the default).
 */
const REF_SHAPES: Readonly<Record<string, (name: string, aws: AwsContext) => string>> = {
  'AWS::SNS::Topic': (name, aws) => `arn:aws:sns:${aws.region}:${aws.accountId}:${name}`,
  'AWS::SNS::Subscription': (name, aws) =>
    `arn:aws:sns:${aws.region}:${aws.accountId}:${name}:${randomUUID()}`,
  'AWS::SQS::Queue': (name, aws) => `${aws.endpoint}/${aws.accountId}/${name}`,
  'AWS::StepFunctions::StateMachine': (name, aws) =>
    `arn:aws:states:${aws.region}:${aws.accountId}:stateMachine:${name}`,
  'AWS::Events::Archive': (name, aws) => `arn:aws:events:${aws.region}:${aws.accountId}:archive/${name}`,
  'AWS::KMS::Key': () => randomUUID(),
  'AWS::CloudFront::Distribution': () =>
    `E${generatePhysicalName('', '', 14).replace(/-/g, '').slice(0, 13)}`,
  'AWS::CloudWatch::Alarm': (name) => name,
  'AWS::Lambda::LayerVersion': (name, aws) => `arn:aws:lambda:${aws.region}:${aws.accountId}:layer:${name}:1`,
  'AWS::SecretsManager::Secret': (name, aws) =>
    `arn:aws:secretsmanager:${aws.region}:${aws.accountId}:secret:${name}-${randomId(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}`,
  'AWS::CertificateManager::Certificate': (_name, aws) =>
    `arn:aws:acm:${aws.region}:${aws.accountId}:certificate/${randomUUID()}`,
};

/** A resource whose type does not run locally: it keeps what Ref would give and an ARN, so references resolve. */
function placeholder(context: {
  stackName: string;
  logicalId: string;
  type: string;
  aws: AwsContext;
}): CreatedResource {
  const service = context.type.split('::')[1]?.toLowerCase() ?? 'unknown';
  const name = generatePhysicalName(context.stackName, context.logicalId, 128);
  const ref = REF_SHAPES[context.type]?.(name, context.aws) ?? name;
  const arn = ref.startsWith('arn:')
    ? ref
    : `arn:aws:${service}:${context.aws.region}:${context.aws.accountId}:${name}`;
  return {
    physicalId: ref,
    attributes: { Arn: arn },
    status: 'unsupported',
    detail: `the local cloud does not run ${context.type} yet`,
  };
}

function asResolved(created: CreatedResource, type: string): ResolvedResource {
  return {
    ref: created.physicalId,
    getAtt(attribute) {
      const value = created.attributes?.[attribute];
      if (value !== undefined || created.status !== 'unsupported') return value;
      // Attributes of a resource that does not run locally are placeholders, so dependants still deploy.
      return attribute.endsWith('Arn')
        ? created.attributes?.Arn
        : `${created.physicalId}.${type}.${attribute}`;
    },
  };
}

function outputValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

export async function deployStack(stack: StackArtifact, options: DeployOptions): Promise<DeployedStack> {
  const { template, stackName } = stack;
  if (template.Transform !== undefined) {
    throw new LocalCloudError(
      `Stack ${stackName} uses the transform ${JSON.stringify(template.Transform)}, which the local cloud does not expand.`,
    );
  }
  const handlers = options.handlers ?? resourceHandlers;
  const resources: Readonly<Record<string, CfnResource>> = template.Resources ?? {};
  const created = new Map<string, ResolvedResource>();
  const scope = new TemplateScope({
    template,
    stackName,
    region: options.aws.region,
    accountId: options.aws.accountId,
    parameters: stack.parameters,
    resource: (logicalId) => created.get(logicalId),
    importValue: (name) => options.exports.get(name),
  });
  // Template Rules (CDK's CheckBootstrapVersion) validate the target account before a deploy; there is no
  // bootstrapped account here, so they are not evaluated.
  const deployed = new Map<string, DeployedResource>();
  const order = deploymentOrder(resources).filter((logicalId) => {
    const resource = resources[logicalId] as CfnResource;
    return !IGNORED_TYPES.has(resource.Type) && (!resource.Condition || scope.condition(resource.Condition));
  });
  options.onProgress?.(
    `Deploying ${stackName} (${order.length} ${order.length === 1 ? 'resource' : 'resources'})`,
  );
  for (const logicalId of order) {
    const resource = resources[logicalId] as CfnResource;
    const type = resource.Type;
    const where = `${logicalId} (${type}) in stack ${stackName}`;
    let properties: Record<string, unknown>;
    try {
      const resolved = scope.resolve(resource.Properties ?? {});
      properties = isRecord(resolved) ? resolved : {};
    } catch (error) {
      throw new LocalCloudError(`Cannot resolve the properties of ${where}: ${messageOf(error)}`);
    }
    const handler = handlers[type];
    const context = {
      stackName,
      logicalId,
      type,
      aws: options.aws,
      services: options.services,
      resource,
      assetPath: (s3Key: unknown) => assetPathOf(options.assemblyDirectory, stack, resource, s3Key),
      physicalName: (naming?: { maxLength?: number; suffix?: string }) =>
        generatePhysicalName(stackName, logicalId, naming?.maxLength, naming?.suffix),
    };
    let result: CreatedResource;
    if (!handler) {
      result = placeholder(context);
    } else {
      try {
        result = await handler.create(properties, context);
      } catch (error) {
        throw new LocalCloudError(`Cannot create ${where}: ${messageOf(error)}`);
      }
    }
    created.set(logicalId, asResolved(result, type));
    deployed.set(logicalId, {
      logicalId,
      type,
      physicalId: result.physicalId,
      status: result.status ?? 'created',
      ...(result.detail ? { detail: result.detail } : {}),
      properties,
    });
  }
  const outputs = resolveOutputs(stack, scope, options.exports);
  // Listed in template order, which is how the reader knows the stack.
  const listed = Object.keys(resources).flatMap((logicalId) => deployed.get(logicalId) ?? []);
  return { stackName, resources: listed, outputs, template };
}

function resolveOutputs(
  stack: StackArtifact,
  scope: TemplateScope,
  exports: Map<string, string>,
): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(stack.template.Outputs ?? {})) {
    if (output.Condition && !scope.condition(output.Condition)) continue;
    try {
      outputs[name] = outputValue(scope.resolve(output.Value));
      if (output.Export) {
        const exportName = outputValue(scope.resolve(output.Export.Name));
        // Export names are unique per account and region: CloudFormation fails the second stack.
        if (exports.has(exportName)) {
          throw new LocalCloudError(`the export name ${exportName} is already exported by another stack`);
        }
        exports.set(exportName, outputs[name]);
      }
    } catch (error) {
      throw new LocalCloudError(
        `Cannot resolve output ${name} of stack ${stack.stackName}: ${messageOf(error)}`,
      );
    }
  }
  return outputs;
}
