import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiGatewayIntegration } from '../src/construct.ts';
import { ApiGatewayStack } from '../src/stack.ts';

/** Skips esbuild: template tests look at the template, one test below bundles for real. */
const noBundling = { 'aws:cdk:bundling-stacks': [] };

describe('ApiGatewayStack template', () => {
  let template: Template;

  beforeAll(() => {
    const app = new App({ context: noBundling });
    const stack = new ApiGatewayStack(app, 'Triggers-ApiGateway');
    template = Template.fromStack(stack);
  });

  it('routes the five note operations, and only those, to one Lambda integration with payload 2.0', () => {
    // Prepare
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const [integrationId] = Object.keys(integrations);

    // Assess
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual([
      'DELETE /notes/{id}',
      'GET /notes',
      'GET /notes/{id}',
      'POST /notes',
      'PUT /notes/{id}',
    ]);
    expect(Object.keys(integrations)).toHaveLength(1);
    for (const route of routes) {
      expect(route.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integrationId }]],
      });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('Handler'), 'Arn'] },
    });
  });

  it('puts the Cognito JWT authorizer on every route', () => {
    // Prepare
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));

    // Assess
    expect(routes).toHaveLength(5);
    for (const route of routes) {
      expect(route.Properties).toMatchObject({
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    }
  });

  it('trusts tokens only from its own user pool, for its own app client', () => {
    // Prepare
    const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));
    const [clientId] = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'));

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: {
          'Fn::Join': [
            '',
            ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId }],
          ],
        },
        Audience: [{ Ref: clientId }],
      },
    });
  });

  it('lets users sign themselves up with a strong password, and sign in from the AWS CLI without a secret', () => {
    // Assess
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('grants the function exactly the DynamoDB actions it uses, on its table only', () => {
    // Prepare
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    const [tableId] = Object.keys(template.findResources('AWS::DynamoDB::Table'));

    // Assess
    expect(statements.flatMap((statement) => [statement.Action].flat()).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(
      statements.find((statement) => [statement.Action].flat().includes('dynamodb:Query'))?.Resource,
    ).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('lets only this API invoke the function, one permission per route', () => {
    // Prepare
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));

    // Assess
    expect(permissions).toHaveLength(5);
    for (const permission of permissions) {
      expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(permission.Properties.SourceArn)).toMatch(/execute-api.*NotesApi/);
    }
  });

  it('stores notes in an on-demand table keyed by user and note, with point-in-time recovery', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'userId', KeyType: 'HASH' },
        { AttributeName: 'noteId', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('answers browsers from the allowed origin with the headers a client needs for If-Match', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      Name: 'Triggers-ApiGateway-Notes',
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: ['http://localhost:5173'],
        AllowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
        AllowHeaders: ['authorization', 'content-type', 'if-match'],
        ExposeHeaders: ['etag', 'location'],
        MaxAge: 3600,
      },
    });
  });

  it('throttles the $default stage and writes one JSON access-log line per request', () => {
    // Prepare
    const format = new Capture();

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
        Format: format,
      },
    });
    expect(JSON.parse(format.asString())).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
      integrationError: '$context.integrationErrorMessage',
      user: '$context.authorizer.claims.sub',
    });
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 2);
  });

  it('runs the handler on Node.js 24, arm64, within API Gateway’s 30 s', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'notes-api',
          NOTES_TABLE_NAME: Match.anyValue(),
        }),
      },
    });
  });

  it('alarms on the 5xx rate, p99 latency, and function errors, throttles and near-timeouts', () => {
    // Prepare
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const watched = alarms
      .map((alarm) =>
        alarm.Properties.Metrics
          ? alarm.Properties.Metrics.find((metric: { Expression?: string }) => metric.Expression).Expression
          : `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}/${alarm.Properties.ExtendedStatistic ?? alarm.Properties.Statistic}`,
      )
      .sort();

    // Assess
    expect(watched).toEqual([
      'AWS/ApiGateway/Latency/p99',
      'AWS/Lambda/Duration/p99',
      'AWS/Lambda/Errors/Sum',
      'AWS/Lambda/Throttles/Sum',
      'IF(requests >= 10, 100 * errors / requests, 0)',
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx' }) }),
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Count' }) }),
        }),
      ]),
    });
  });

  it('outputs what a client needs: the endpoint (a GetAtt), the pool, the client, the table and the function', () => {
    // Prepare
    const outputs = template.toJSON().Outputs;

    // Assess
    expect(Object.keys(outputs).sort()).toEqual([
      'ApiUrl',
      'FunctionName',
      'TableName',
      'UserPoolClientId',
      'UserPoolId',
    ]);
    expect(outputs.ApiUrl.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Api/), 'ApiEndpoint'] });
  });

  it('passes cdk-nag AwsSolutions, with only the acknowledged Cognito findings', () => {
    // Prepare
    const app = new App({ context: noBundling });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new ApiGatewayStack(app, 'Triggers-ApiGateway');

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).not.toThrow();
  });
});

describe('ApiGatewayIntegration props', () => {
  const build = (props: ConstructorParameters<typeof ApiGatewayIntegration>[2]) => {
    const stack = new Stack(new App({ context: noBundling }), 'Test');
    const integration = new ApiGatewayIntegration(stack, 'Notes', props);
    return { integration, template: Template.fromStack(stack) };
  };

  it('refuses a function timeout API Gateway would not wait for', () => {
    // Act
    const tooLong = () => build({ functionProps: { timeout: Duration.seconds(30) } });

    // Assess
    expect(tooLong).toThrow(
      /function timeout \(30 s\) must be below API Gateway's integration timeout \(30 s\)/,
    );
  });

  it('takes allowed origins, throttling and alarm thresholds', () => {
    // Act
    const { template } = build({
      allowedOrigins: ['https://notes.example.com'],
      throttleRateLimit: 5,
      throttleBurstLimit: 10,
      serverErrorRatePercent: 5,
      latencyThreshold: Duration.millis(300),
    });

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://notes.example.com'] }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 5, Metrics: Match.anyValue() });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', Threshold: 300 });
  });

  it('sends every alarm, API and function alike, to the alarm topic', () => {
    // Prepare
    const stack = new Stack(new App({ context: noBundling }), 'Test');
    const alarmTopic = new sns.Topic(stack, 'Alarms');

    // Act
    const integration = new ApiGatewayIntegration(stack, 'Notes', { alarmTopic });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));

    // Assess
    expect(integration.alarms.alarms).toHaveLength(5);
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
      expect(alarm.Properties.OKActions).toHaveLength(1);
    }
  });

  it('keeps the table and user pool by default, so a stack deletion loses no notes or users', () => {
    // Act
    const { template } = build({});

    // Assess
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });
});

describe('ApiGatewayStack bundle', () => {
  it('bundles the handler into one minified ESM file under 100 KB, with the SDK left to the runtime', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new ApiGatewayStack(app, 'Triggers-ApiGateway');

    // Act
    const assembly = app.synth();
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    const assetDir = join(assembly.directory, fn?.Metadata['aws:asset:path']);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');

    // Assess
    expect(statSync(join(assetDir, 'index.mjs')).size).toBeLessThanOrEqual(100 * 1024);
    // Booleans, not toMatch: a failure should not print the whole bundle.
    expect(/from"@aws-sdk\/client-dynamodb"/.test(bundle)).toBe(true);
    expect(/export\{[\w$]+ as handler\}/.test(bundle)).toBe(true);
    expect(bundle.includes('Too small: expected')).toBe(false); // zod's English locale: `import { z } from 'zod'` crept in
  });
});
