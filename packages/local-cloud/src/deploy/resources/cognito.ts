/**
 * AWS::Cognito::* → cognito-local behind the gateway: user pools (CreateUserPool), app clients
 * (CreateUserPoolClient) and groups (CreateGroup). A pool's attributes are built the way AWS builds them, from
 * the local pool id (cognito-local names pools `local_` + 8 characters, where AWS writes `<region>_…`). Hosted-UI
 * domains are recorded; without cognito-local every Cognito resource is reported as not run, with the reason.
 */
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  type CreateUserPoolCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import { LocalCloudError } from '../../errors.ts';
import {
  type CreatedResource,
  listOf,
  optionalNumber,
  optionalString,
  type ResourceContext,
  type ResourceHandler,
  recordedOnly,
  recordOf,
} from '../resource.ts';

/** The attributes AWS gives a pool: its ARN, and the issuer name and URL its tokens carry in AWS. */
export function userPoolAttributes(poolId: string, context: Pick<ResourceContext, 'aws'>) {
  const { region, accountId } = context.aws;
  return {
    Arn: `arn:aws:cognito-idp:${region}:${accountId}:userpool/${poolId}`,
    ProviderName: `cognito-idp.${region}.amazonaws.com/${poolId}`,
    ProviderURL: `https://cognito-idp.${region}.amazonaws.com/${poolId}`,
    UserPoolId: poolId,
  };
}

function unavailable(context: ResourceContext, physicalId: string): CreatedResource {
  return {
    physicalId,
    status: 'unsupported',
    detail: context.services.unavailable('cognito-idp') ?? 'cognito-local is not running',
  };
}

/** CloudFormation writes numbers in a schema as strings; the API wants numbers for a few of them. */
function schema(value: unknown): CreateUserPoolCommandInput['Schema'] {
  return listOf(value).map((entry) => {
    const attribute = recordOf(entry);
    return {
      Name: optionalString(attribute.Name),
      AttributeDataType: optionalString(attribute.AttributeDataType) as 'String' | undefined,
      ...(attribute.Mutable === undefined ? {} : { Mutable: String(attribute.Mutable) === 'true' }),
      ...(attribute.Required === undefined ? {} : { Required: String(attribute.Required) === 'true' }),
      ...(attribute.DeveloperOnlyAttribute === undefined
        ? {}
        : { DeveloperOnlyAttribute: String(attribute.DeveloperOnlyAttribute) === 'true' }),
      ...(attribute.StringAttributeConstraints
        ? { StringAttributeConstraints: recordOf(attribute.StringAttributeConstraints) }
        : {}),
      ...(attribute.NumberAttributeConstraints
        ? { NumberAttributeConstraints: recordOf(attribute.NumberAttributeConstraints) }
        : {}),
    };
  });
}

/** Template properties that CreateUserPool takes under the same name and shape. */
const POOL_PASSTHROUGH = [
  'AccountRecoverySetting',
  'AdminCreateUserConfig',
  'AliasAttributes',
  'AutoVerifiedAttributes',
  'DeviceConfiguration',
  'EmailConfiguration',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'MfaConfiguration',
  'Policies',
  'SmsAuthenticationMessage',
  'SmsVerificationMessage',
  'UserAttributeUpdateSettings',
  'UserPoolAddOns',
  'UsernameAttributes',
  'UsernameConfiguration',
  'VerificationMessageTemplate',
] as const;

const userPool: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.UserPoolName) ?? context.physicalName({ maxLength: 128 });
    if (context.services.unavailable('cognito-idp')) return unavailable(context, name);
    const cognito = context.services.clients(CognitoIdentityProviderClient);
    const input: Record<string, unknown> = {};
    for (const key of POOL_PASSTHROUGH) if (properties[key] !== undefined) input[key] = properties[key];
    if (properties.Schema !== undefined) input.Schema = schema(properties.Schema);
    if (properties.UserPoolTags !== undefined) input.UserPoolTags = recordOf(properties.UserPoolTags);
    const created = await cognito.send(
      new CreateUserPoolCommand({ ...input, PoolName: name } as CreateUserPoolCommandInput),
    );
    const poolId = created.UserPool?.Id;
    if (!poolId) throw new LocalCloudError('cognito-local created the pool without an id');
    const triggers = Object.keys(recordOf(properties.LambdaConfig));
    return {
      physicalId: poolId,
      attributes: userPoolAttributes(poolId, context),
      ...(triggers.length > 0
        ? { detail: `its Lambda triggers (${triggers.join(', ')}) are not called locally yet` }
        : {}),
    };
  },
};

/** Template properties that CreateUserPoolClient takes under the same name and shape. */
const CLIENT_PASSTHROUGH = [
  'AllowedOAuthFlows',
  'AllowedOAuthFlowsUserPoolClient',
  'AllowedOAuthScopes',
  'CallbackURLs',
  'DefaultRedirectURI',
  'EnableTokenRevocation',
  'ExplicitAuthFlows',
  'LogoutURLs',
  'PreventUserExistenceErrors',
  'ReadAttributes',
  'SupportedIdentityProviders',
  'TokenValidityUnits',
  'WriteAttributes',
] as const;

const userPoolClient: ResourceHandler = {
  async create(properties, context) {
    const poolId = optionalString(properties.UserPoolId);
    if (!poolId) throw new LocalCloudError(`${context.logicalId} has no UserPoolId`);
    if (context.services.unavailable('cognito-idp'))
      return unavailable(context, context.physicalName({ maxLength: 26 }));
    const cognito = context.services.clients(CognitoIdentityProviderClient);
    const input: Record<string, unknown> = {
      UserPoolId: poolId,
      ClientName: optionalString(properties.ClientName) ?? context.logicalId,
      GenerateSecret: properties.GenerateSecret === true || properties.GenerateSecret === 'true',
    };
    for (const key of CLIENT_PASSTHROUGH) if (properties[key] !== undefined) input[key] = properties[key];
    for (const key of [
      'AccessTokenValidity',
      'IdTokenValidity',
      'RefreshTokenValidity',
      'AuthSessionValidity',
    ]) {
      const value = optionalNumber(properties[key]);
      if (value !== undefined) input[key] = value;
    }
    const created = await cognito.send(
      new CreateUserPoolClientCommand(input as unknown as CreateUserPoolClientCommandInput),
    );
    const client = created.UserPoolClient;
    if (!client?.ClientId) throw new LocalCloudError('cognito-local created the app client without an id');
    return {
      physicalId: client.ClientId,
      attributes: {
        ClientId: client.ClientId,
        Name: client.ClientName,
        ...(client.ClientSecret ? { ClientSecret: client.ClientSecret } : {}),
      },
    };
  },
};

const userPoolGroup: ResourceHandler = {
  async create(properties, context) {
    const name = optionalString(properties.GroupName) ?? context.physicalName({ maxLength: 128 });
    if (context.services.unavailable('cognito-idp')) return unavailable(context, name);
    const cognito = context.services.clients(CognitoIdentityProviderClient);
    await cognito.send(
      new CreateGroupCommand({
        UserPoolId: optionalString(properties.UserPoolId),
        GroupName: name,
        Description: optionalString(properties.Description),
        Precedence: optionalNumber(properties.Precedence),
        RoleArn: optionalString(properties.RoleArn),
      }),
    );
    return { physicalId: name };
  },
};

const domain: ResourceHandler = {
  async create(properties, context) {
    const prefix = optionalString(properties.Domain) ?? context.physicalName({ maxLength: 63 });
    return {
      physicalId: prefix,
      status: 'recorded',
      detail: 'the hosted UI and its domain are not emulated; sign in with the API (InitiateAuth)',
      attributes: { CloudFrontDistribution: `${prefix}.auth.${context.aws.region}.amazoncognito.com` },
    };
  },
};

export const cognitoHandlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::Cognito::UserPool': userPool,
  'AWS::Cognito::UserPoolClient': userPoolClient,
  'AWS::Cognito::UserPoolGroup': userPoolGroup,
  'AWS::Cognito::UserPoolDomain': domain,
  'AWS::Cognito::UserPoolResourceServer': recordedOnly(
    'resource servers (custom OAuth scopes) are recorded; cognito-local issues only its own scope',
    128,
  ),
};
