/**
 * AWS::IAM::Role / Policy / ManagedPolicy: recorded with their resolved documents (DeployedResource.properties),
 * so tests can check least privilege; nothing enforces IAM locally.
 */
import { optionalString, type ResourceHandler, randomId } from '../resource.ts';

const DETAIL = 'IAM is recorded, not enforced, locally';

function path(value: unknown): string {
  return optionalString(value) ?? '/';
}

const role: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.RoleName) ?? context.physicalName({ maxLength: 64 });
    const arn = `arn:aws:iam::${context.aws.accountId}:role${path(properties.Path)}${name}`;
    return {
      physicalId: name,
      attributes: { Arn: arn, RoleId: `AROA${randomId(17)}` },
      status: 'recorded',
      detail: DETAIL,
    };
  },
};

const policy: ResourceHandler = {
  async create(_properties, context) {
    const id = context.physicalName({ maxLength: 128 });
    return { physicalId: id, attributes: { Id: id }, status: 'recorded', detail: DETAIL };
  },
};

const managedPolicy: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.ManagedPolicyName) ?? context.physicalName({ maxLength: 128 });
    const arn = `arn:aws:iam::${context.aws.accountId}:policy${path(properties.Path)}${name}`;
    return {
      physicalId: arn,
      attributes: { PolicyArn: arn, PolicyId: `ANPA${randomId(17)}` },
      status: 'recorded',
      detail: DETAIL,
    };
  },
};

export const iamHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::IAM::Role': role,
  'AWS::IAM::Policy': policy,
  'AWS::IAM::ManagedPolicy': managedPolicy,
};
