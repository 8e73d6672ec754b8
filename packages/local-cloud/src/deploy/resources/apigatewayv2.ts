/**
 * AWS::ApiGatewayV2::* (HTTP APIs) → a local HTTP front per API on its own 127.0.0.1 port: routes, Lambda proxy
 * integrations, JWT and Lambda authorizers and stages are added to it as they are created. `Fn::GetAtt
 * Api.ApiEndpoint` is the front's URL. WebSocket APIs, custom domains and IAM authorization do not run locally
 * and say so.
 */
import { LocalCloudError } from '../../errors.ts';
import {
  DEFAULT_TIMEOUT_MS,
  type HttpApiFront,
  JwtAuthorizer,
  LambdaAuthorizer,
} from '../../http-api/index.ts';
import { logGroupOfArn, type ThrottleLimits } from '../../http-api/stage.ts';
import {
  type CreatedResource,
  isRecord,
  listOf,
  optionalNumber,
  optionalString,
  type ResourceContext,
  type ResourceHandler,
  randomId,
  recordOf,
  unsupported,
} from '../resource.ts';

/** An id shaped like API Gateway's (`a1b2c3d4e5` for APIs, seven characters for routes and integrations). */
const gatewayId = (length: number): string => randomId(length, 'abcdefghijklmnopqrstuvwxyz0123456789');

function stringList(value: unknown): string[] {
  return listOf(value).map(String);
}

/** The front of the API a route, integration, authorizer or stage belongs to, or why there is none. */
function frontOf(
  properties: Readonly<Record<string, unknown>>,
  context: ResourceContext,
): HttpApiFront | string {
  const apiId = optionalString(properties.ApiId);
  if (!apiId) throw new LocalCloudError(`${context.logicalId} has no ApiId`);
  const front = context.services.httpApis?.get(apiId);
  return front ?? `its API ${apiId} does not run locally`;
}

const api: ResourceHandler = {
  async create(properties, context) {
    const apiId = gatewayId(10);
    const endpoint = `https://${apiId}.execute-api.${context.aws.region}.amazonaws.com`;
    const protocol = optionalString(properties.ProtocolType) ?? 'HTTP';
    const notRun = (detail: string) => unsupported(apiId, detail, { ApiId: apiId, ApiEndpoint: endpoint });
    if (protocol !== 'HTTP') return notRun(`${protocol} APIs do not run locally yet`);
    if (properties.Body !== undefined || properties.BodyS3Location !== undefined) {
      return notRun('APIs imported from an OpenAPI definition do not run locally yet');
    }
    if (properties.Target !== undefined) {
      return notRun("quick-create APIs (the Api's Target property) do not run locally yet");
    }
    const apis = context.services.httpApis;
    if (!apis) return notRun('HTTP APIs are not served by this deployment');
    const cors = isRecord(properties.CorsConfiguration) ? properties.CorsConfiguration : undefined;
    const front = await apis.create({
      apiId,
      name: optionalString(properties.Name) ?? context.logicalId,
      stackName: context.stackName,
      ...(cors
        ? {
            cors: {
              allowOrigins: stringList(cors.AllowOrigins),
              allowMethods: stringList(cors.AllowMethods).map((method) => method.toUpperCase()),
              allowHeaders: stringList(cors.AllowHeaders).map((header) => header.toLowerCase()),
              exposeHeaders: stringList(cors.ExposeHeaders).map((header) => header.toLowerCase()),
              allowCredentials: cors.AllowCredentials === true || cors.AllowCredentials === 'true',
              ...(optionalNumber(cors.MaxAge) === undefined ? {} : { maxAge: optionalNumber(cors.MaxAge) }),
            },
          }
        : {}),
    });
    return { physicalId: apiId, attributes: { ApiId: apiId, ApiEndpoint: front.url } };
  },
};

const route: ResourceHandler = {
  async create(properties, context) {
    const routeId = gatewayId(7);
    const front = frontOf(properties, context);
    if (typeof front === 'string') return unsupported(routeId, front, { RouteId: routeId });
    const routeKey = optionalString(properties.RouteKey);
    if (!routeKey) throw new LocalCloudError(`${context.logicalId} has no RouteKey`);
    const authorizationType = optionalString(properties.AuthorizationType) ?? 'NONE';
    const authorizerId = optionalString(properties.AuthorizerId);
    const target = optionalString(properties.Target);
    front.addRoute({
      routeId,
      routeKey,
      authorizationType,
      authorizationScopes: stringList(properties.AuthorizationScopes),
      ...(authorizerId ? { authorizerId } : {}),
      ...(target ? { target } : {}),
    });
    if (authorizationType === 'AWS_IAM') {
      return {
        physicalId: routeId,
        attributes: { RouteId: routeId },
        status: 'unsupported',
        detail: `${authorizationType} authorization is not emulated: requests to ${routeKey} are refused (403)`,
      };
    }
    return { physicalId: routeId, attributes: { RouteId: routeId } };
  },
};

/** The function ARN of a Lambda integration URI: the ARN itself, or API Gateway's invocation-path form. */
function functionArnOf(uri: string): string | undefined {
  const match = /arn:aws[\w-]*:lambda:[^:]+:[^:]+:function:[^/:]+(:[^/]+)?/.exec(uri);
  return match?.[0];
}

const integration: ResourceHandler = {
  async create(properties, context) {
    const integrationId = gatewayId(7);
    const attributes = { IntegrationId: integrationId };
    const front = frontOf(properties, context);
    if (typeof front === 'string') return unsupported(integrationId, front, attributes);
    const type = optionalString(properties.IntegrationType) ?? '';
    const uri = optionalString(properties.IntegrationUri) ?? '';
    const functionArn = type === 'AWS_PROXY' ? functionArnOf(uri) : undefined;
    const version = optionalString(properties.PayloadFormatVersion) === '1.0' ? '1.0' : '2.0';
    const timeoutMs = optionalNumber(properties.TimeoutInMillis) ?? DEFAULT_TIMEOUT_MS;
    let problem: string | undefined;
    if (!functionArn)
      problem = `${type || 'this'} integrations (other than Lambda proxy) do not run locally yet`;
    else if (!context.services.lambda.getFunction(functionArn)) {
      problem = `its function ${functionArn.split(':')[6]} does not run locally`;
    }
    front.addIntegration({
      integrationId,
      payloadFormatVersion: version,
      timeoutMs,
      ...(problem ? { problem } : { functionArn }),
    });
    if (problem) return unsupported(integrationId, `${problem}: its routes answer 500`, attributes);
    return { physicalId: integrationId, attributes };
  },
};

const authorizer: ResourceHandler = {
  async create(properties, context) {
    const authorizerId = gatewayId(6);
    const attributes = { AuthorizerId: authorizerId };
    const front = frontOf(properties, context);
    if (typeof front === 'string') return unsupported(authorizerId, front, attributes);
    const type = optionalString(properties.AuthorizerType);
    if (type === 'REQUEST') return lambdaAuthorizer(authorizerId, front, properties, context);
    if (type !== 'JWT') {
      return unsupported(
        authorizerId,
        `${type ?? 'this'} authorizers are not emulated: routes using them answer 403`,
        attributes,
      );
    }
    const jwt = recordOf(properties.JwtConfiguration);
    const issuer = optionalString(jwt.Issuer) ?? '';
    const name = optionalString(properties.Name) ?? context.logicalId;
    const keys = await (context.services.httpApis?.issuerKeys(issuer) ??
      Promise.resolve({ problem: 'HTTP APIs are not served' }));
    const identitySource = stringList(properties.IdentitySource);
    front.addAuthorizer(
      new JwtAuthorizer(
        {
          authorizerId,
          name,
          identitySource: identitySource.length > 0 ? identitySource : ['$request.header.Authorization'],
          issuer,
          audience: stringList(jwt.Audience),
        },
        keys,
      ),
    );
    if ('problem' in keys) {
      context.services.httpApis?.warn(
        `The JWT authorizer ${name} of ${front.name} refuses every request (401): ${keys.problem}.`,
      );
    }
    return { physicalId: authorizerId, attributes };
  },
};

/** A REQUEST authorizer: its function, when it runs locally, is asked about every request its routes get. */
function lambdaAuthorizer(
  authorizerId: string,
  front: HttpApiFront,
  properties: Readonly<Record<string, unknown>>,
  context: ResourceContext,
): CreatedResource {
  const attributes = { AuthorizerId: authorizerId };
  const name = optionalString(properties.Name) ?? context.logicalId;
  const functionArn = functionArnOf(optionalString(properties.AuthorizerUri) ?? '');
  const apis = context.services.httpApis;
  if (!functionArn || !context.services.lambda.getFunction(functionArn) || !apis) {
    return unsupported(
      authorizerId,
      `its function ${functionArn?.split(':')[6] ?? '(none)'} does not run locally: routes using it answer 403`,
      attributes,
    );
  }
  const version = optionalString(properties.AuthorizerPayloadFormatVersion) === '1.0' ? '1.0' : '2.0';
  front.addLambdaAuthorizer(
    new LambdaAuthorizer(
      {
        authorizerId,
        name,
        functionArn,
        identitySource: stringList(properties.IdentitySource),
        payloadFormatVersion: version,
        simpleResponses:
          version === '2.0' &&
          (properties.EnableSimpleResponses === true || properties.EnableSimpleResponses === 'true'),
        resultTtlSeconds: optionalNumber(properties.AuthorizerResultTtlInSeconds) ?? 0,
      },
      (arn, event) => apis.invokeAuthorizer(arn, event),
    ),
  );
  return { physicalId: authorizerId, attributes };
}

function throttleOf(settings: unknown): ThrottleLimits | undefined {
  const given = recordOf(settings);
  const rateLimit = optionalNumber(given.ThrottlingRateLimit);
  const burstLimit = optionalNumber(given.ThrottlingBurstLimit);
  if (rateLimit === undefined && burstLimit === undefined) return undefined;
  // Only one limit set: the other is the account's (10,000 requests/s, burst 5,000).
  return { rateLimit: rateLimit ?? 10_000, burstLimit: burstLimit ?? 5_000 };
}

const stage: ResourceHandler = {
  async create(properties, context) {
    const stageName = optionalString(properties.StageName) ?? '$default';
    const front = frontOf(properties, context);
    if (typeof front === 'string') return unsupported(stageName, front);
    const routeThrottle: Record<string, ThrottleLimits> = {};
    for (const [routeKey, settings] of Object.entries(recordOf(properties.RouteSettings))) {
      const limits = throttleOf(settings);
      if (limits) routeThrottle[routeKey] = limits;
    }
    const accessLog = recordOf(properties.AccessLogSettings);
    const destination = optionalString(accessLog.DestinationArn);
    const logGroupName = destination ? logGroupOfArn(destination) : undefined;
    if (destination && !logGroupName) {
      context.services.httpApis?.warn(
        `Stage ${stageName} of ${front.name} logs to ${destination}, which is not a log group ARN: no access logs are written.`,
      );
    }
    const defaultThrottle = throttleOf(properties.DefaultRouteSettings);
    front.addStage({
      stageName,
      stageVariables: Object.fromEntries(
        Object.entries(recordOf(properties.StageVariables)).map(([key, value]) => [key, String(value)]),
      ),
      routeThrottle,
      ...(defaultThrottle ? { defaultThrottle } : {}),
      ...(logGroupName
        ? { accessLog: { logGroupName, format: optionalString(accessLog.Format) ?? '$context.requestId' } }
        : {}),
    });
    return { physicalId: stageName };
  },
};

const deployment: ResourceHandler = {
  async create() {
    const id = gatewayId(6);
    return {
      physicalId: id,
      status: 'recorded',
      detail: 'every stage serves the routes as deployed, as with AutoDeploy',
      attributes: { DeploymentId: id },
    };
  },
};

const domainName: ResourceHandler = {
  async create(properties) {
    const name = optionalString(properties.DomainName) ?? 'domain';
    return unsupported(name, "custom domains are not emulated: call the API's local URL", {
      RegionalDomainName: name,
      RegionalHostedZoneId: 'Z1UJRXOUMOOFQ8',
    });
  },
};

export const apigatewayv2Handlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::ApiGatewayV2::Api': api,
  'AWS::ApiGatewayV2::Route': route,
  'AWS::ApiGatewayV2::Integration': integration,
  'AWS::ApiGatewayV2::Authorizer': authorizer,
  'AWS::ApiGatewayV2::Stage': stage,
  'AWS::ApiGatewayV2::Deployment': deployment,
  'AWS::ApiGatewayV2::DomainName': domainName,
  'AWS::ApiGatewayV2::ApiMapping': {
    async create(_properties, context) {
      return unsupported(context.physicalName({ maxLength: 64 }), 'custom domains are not emulated');
    },
  },
};
