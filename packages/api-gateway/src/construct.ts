import { fileURLToPath } from 'node:url';
import { TriggerAlarms, TriggerFunction, type TriggerFunctionProps } from '@triggers/kit';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { NOTE_ROUTES } from './routes.ts';

export interface ApiGatewayIntegrationProps {
  /**
   * Browser origins allowed to call the API (CORS). Tokens travel in a header, so no credentials.
   * @default the local dev server, http://localhost:5173
   */
  readonly allowedOrigins?: string[];
  /** Steady-state requests per second for each route of the stage (the account's limit is higher). @default 50 */
  readonly throttleRateLimit?: number;
  /** Requests each route accepts in a burst above the rate. @default 100 */
  readonly throttleBurstLimit?: number;
  /** Alarm when at least this percentage of requests get a 5xx (in 5 minutes, once there are ≥ 10). @default 1 */
  readonly serverErrorRatePercent?: number;
  /** Alarm when the p99 latency seen by clients is above this. @default 1 second */
  readonly latencyThreshold?: Duration;
  /** Overrides for the function (memory, …). Its timeout must stay under API Gateway's 30 s. */
  readonly functionProps?: Partial<TriggerFunctionProps>;
  /** Alarm notifications go here. */
  readonly alarmTopic?: sns.ITopic;
  /** How long access logs are kept. @default one month */
  readonly accessLogRetention?: logs.RetentionDays;
  /** What happens to the notes table and the user pool on stack deletion. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** API Gateway gives up on a Lambda integration after 30 s (HTTP API's maximum); a slower function runs on, unheard. */
const API_GATEWAY_TIMEOUT = Duration.seconds(30);

/**
 * A notes API: an HTTP API whose every route needs a JWT from the Cognito user pool it creates, one Lambda function
 * behind it (payload 2.0), and a DynamoDB table partitioned by user. Throttled, access-logged in JSON, alarmed.
 */
export class ApiGatewayIntegration extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly table: dynamodb.Table;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  readonly handler: TriggerFunction;
  readonly accessLogs: logs.LogGroup;
  readonly alarms: TriggerAlarms;

  constructor(scope: Construct, id: string, props: ApiGatewayIntegrationProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    // pk userId + sk noteId: a user's requests only ever name their own partition.
    this.table = new dynamodb.Table(this, 'Notes', {
      partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'noteId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });

    this.handler = new TriggerFunction(this, 'Handler', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: 'notes-api',
      description: 'The notes API behind API Gateway',
      ...props.functionProps,
      environment: { NOTES_TABLE_NAME: this.table.tableName, ...props.functionProps?.environment },
    });
    const timeout = this.handler.timeout ?? Duration.seconds(3);
    if (timeout.toSeconds() >= API_GATEWAY_TIMEOUT.toSeconds()) {
      throw new Error(
        `ApiGatewayIntegration: the function timeout (${timeout.toSeconds()} s) must be below API Gateway's ` +
          `integration timeout (${API_GATEWAY_TIMEOUT.toSeconds()} s), or clients get a 503 while it still runs.`,
      );
    }
    // Exactly what the handler calls: no BatchWrite, no Scan, no DescribeTable.
    this.table.grant(
      this.handler,
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );

    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { username: true },
      signInCaseSensitive: false,
      // No e-mail or SMS: users are confirmed by an administrator (`admin-confirm-sign-up`), so trying the API
      // needs no mail setup. Add `autoVerify: { email: true }` and an email attribute for real sign-ups.
      accountRecovery: cognito.AccountRecovery.NONE,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      featurePlan: cognito.FeaturePlan.LITE,
      removalPolicy,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'A learning sample signs users in from the AWS CLI with a password; MFA would need an authenticator app ' +
          'first. Require it (mfa: Mfa.REQUIRED) for real users.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) is billed per monthly active user; the Lite plan keeps a ' +
          'learning sample within the free tier. Choose Plus for production sign-ins.',
      },
    );

    this.userPoolClient = this.userPool.addClient('Client', {
      // A public client (CLI, browser, mobile): no secret, which it could not keep anyway.
      generateSecret: false,
      // USER_PASSWORD_AUTH for `aws cognito-idp initiate-auth`; SRP for SDKs that never send the password.
      authFlows: { userPassword: true, userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    // The authorizer checks signature (the pool's JWKS), issuer, expiry, and that `aud` (ID token) or `client_id`
    // (access token) is this app client.
    const region = Stack.of(this).region;
    this.authorizer = new HttpJwtAuthorizer(
      'Cognito',
      `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`,
      {
        jwtAudience: [this.userPoolClient.userPoolClientId],
        identitySource: ['$request.header.Authorization'],
      },
    );

    this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-${id}`,
      description: 'Notes API: every route needs a Cognito JWT',
      createDefaultStage: false, // the stage below adds throttling and access logs
      defaultAuthorizer: this.authorizer, // every route, including any added later
      corsPreflight: {
        allowOrigins: props.allowedOrigins ?? ['http://localhost:5173'],
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.POST,
          apigwv2.CorsHttpMethod.PUT,
          apigwv2.CorsHttpMethod.DELETE,
        ],
        allowHeaders: ['authorization', 'content-type', 'if-match'],
        // Browsers hide response headers from scripts unless listed: the ETag is needed for If-Match.
        exposeHeaders: ['etag', 'location'],
        maxAge: Duration.hours(1),
      },
    });
    const integration = new HttpLambdaIntegration('Notes', this.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const { path, methods } of NOTE_ROUTES) {
      this.httpApi.addRoutes({
        path,
        methods: methods.map((method) => apigwv2.HttpMethod[method]),
        integration,
      });
    }

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      // Above these API Gateway answers 429 itself: a runaway client cannot run up Lambda and DynamoDB bills.
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    this.alarms = new TriggerAlarms(this, 'Alarms', { topic: props.alarmTopic })
      .watchFunction(this.handler)
      .watchHttpApi(this.httpApi, {
        serverErrorRatePercent: props.serverErrorRatePercent,
        latency: props.latencyThreshold,
      });
  }
}

/**
 * One JSON object per request. `$context` variables: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
 * The user is the JWT's `sub`; the token itself is never logged.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  user: '$context.authorizer.claims.sub',
};
