import { fileURLToPath } from 'node:url';
import { type IntegrationProps, TriggerAlarms, TriggerFunction } from '@triggers/kit';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, NOTES_TABLE_KEY, SERVICE_NAME } from './contract.ts';
import { NOTE_ROUTES } from './routes.ts';

export interface ApiGatewayIntegrationProps extends IntegrationProps {
  /**
   * A Cognito user pool you already have (its users sign in to the API). The construct adds its own app client
   * to it and trusts only that client's tokens; the pool's sign-up, password and MFA settings stay yours. It must
   * be in the stack's region. @default a new pool (self sign-up, strong passwords, admin-confirmed users)
   */
  readonly existingUserPool?: cognito.IUserPool;
  /**
   * A notes table you already have (in a stateful stack of its own, say). Its key must be `userId` (partition)
   * and `noteId` (sort), both strings (`NOTES_TABLE_KEY` in `src/contract.ts`; checked at synth when it is a
   * `dynamodb.Table`); a customer-managed key is granted too. @default a new on-demand table with PITR
   */
  readonly existingTable?: dynamodb.ITable;
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
  /** How long access logs are kept. @default one month */
  readonly accessLogRetention?: logs.RetentionDays;
}

/** API Gateway gives up on a Lambda integration after 30 s (HTTP API's maximum); a slower function runs on, unheard. */
const API_GATEWAY_TIMEOUT = Duration.seconds(30);

/**
 * A notes API: an HTTP API whose every route needs a JWT from a Cognito user pool (created, or yours), one Lambda
 * function behind it (payload 2.0), and a DynamoDB table partitioned by user. Throttled, access-logged in JSON,
 * alarmed. `removalPolicy` applies to the table and pool it creates (default RETAIN); `functionProps.timeout`
 * must stay under API Gateway's 30 s (checked at synth).
 */
export class ApiGatewayIntegration extends Construct {
  /** The API's function (the kit's `TriggerFunction`). */
  readonly fn: TriggerFunction;
  /** Its alarms: the function's errors, throttles and near-timeouts; the API's 5xx rate and p99 latency. */
  readonly alarms: TriggerAlarms;
  /** The trigger: the HTTP API. Routes added to it get the JWT authorizer by default. */
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly table: dynamodb.ITable;
  readonly userPool: cognito.IUserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiGatewayIntegrationProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table = props.existingTable ?? this.newTable(removalPolicy);
    if (props.existingTable instanceof dynamodb.Table) checkKey(props.existingTable);

    this.fn = new TriggerFunction(this, 'Handler', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: SERVICE_NAME,
      description: 'The notes API behind API Gateway',
      ...props.functionProps,
      environment: { [ENV.tableName]: this.table.tableName, ...props.functionProps?.environment },
    });
    const timeout = this.fn.timeout ?? Duration.seconds(3);
    if (timeout.toSeconds() >= API_GATEWAY_TIMEOUT.toSeconds()) {
      throw new Error(
        `ApiGatewayIntegration: the function timeout (${timeout.toSeconds()} s) must be below API Gateway's ` +
          `integration timeout (${API_GATEWAY_TIMEOUT.toSeconds()} s), or clients get a 503 while it still runs.`,
      );
    }
    // Exactly what the handler calls: no BatchWrite, no Scan, no DescribeTable.
    this.table.grant(
      this.fn,
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    // A table encrypted with a customer-managed key (only ever one you bring) needs the key too.
    this.table.encryptionKey?.grantEncryptDecrypt(this.fn);

    this.userPool = props.existingUserPool ?? this.newUserPool(removalPolicy);

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
    this.authorizer = new HttpJwtAuthorizer(
      'Cognito',
      `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`,
      {
        jwtAudience: [this.userPoolClient.userPoolClientId],
        identitySource: ['$request.header.Authorization'],
      },
    );

    this.api = new apigwv2.HttpApi(this, 'Api', {
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
    const integration = new HttpLambdaIntegration('Notes', this.fn, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const { path, methods } of NOTE_ROUTES) {
      this.api.addRoutes({
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
      httpApi: this.api,
      autoDeploy: true,
      // Above these API Gateway answers 429 itself: a runaway client cannot run up Lambda and DynamoDB bills.
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    this.alarms = new TriggerAlarms(this, 'Alarms', { topic: props.alarmTopic })
      .watchFunction(this.fn)
      .watchHttpApi(this.api, {
        serverErrorRatePercent: props.serverErrorRatePercent,
        latency: props.latencyThreshold,
      });
  }

  /** pk userId + sk noteId: a user's requests only ever name their own partition. */
  private newTable(removalPolicy: RemovalPolicy): dynamodb.Table {
    return new dynamodb.Table(this, 'Notes', {
      partitionKey: { name: NOTES_TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: NOTES_TABLE_KEY.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
  }

  /** Self sign-up, strong passwords, users confirmed by an administrator; no e-mail, no SMS. */
  private newUserPool(removalPolicy: RemovalPolicy): cognito.UserPool {
    const pool = new cognito.UserPool(this, 'Users', {
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
    Validations.of(pool).acknowledge(
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
    return pool;
  }
}

/** A table brought to the construct must have the key the store reads and writes (src/contract.ts). */
function checkKey(table: dynamodb.Table): void {
  const { partitionKeys, sortKeys } = table.schemaV2();
  const isKey = (keys: readonly dynamodb.Attribute[], name: string) =>
    keys.length === 1 && keys[0]?.name === name && keys[0].type === dynamodb.AttributeType.STRING;
  if (!isKey(partitionKeys, NOTES_TABLE_KEY.partitionKey) || !isKey(sortKeys, NOTES_TABLE_KEY.sortKey)) {
    throw new Error(
      `ApiGatewayIntegration: existingTable must be keyed by ${NOTES_TABLE_KEY.partitionKey} (partition) and ` +
        `${NOTES_TABLE_KEY.sortKey} (sort), both strings: the handler reads and writes notes by that key.`,
    );
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
