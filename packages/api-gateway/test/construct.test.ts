import { TriggerAlarms, TriggerFunction } from '@triggers/kit';
import { bundleOf, nagFindings, templateOf } from '@triggers/kit/testing';
import { Duration } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiGatewayIntegration, type ApiGatewayIntegrationProps } from '../src/construct.ts';
import { ApiGatewayStack } from '../src/stack.ts';

describe('ApiGatewayStack template', () => {
  let template: Template;
  let findings: string[];

  beforeAll(() => {
    // Built once, without bundling, under cdk-nag's AwsSolutions checks: every test below reads this one stack.
    const stacks: ApiGatewayStack[] = [];
    findings = nagFindings((app) => {
      stacks.push(new ApiGatewayStack(app, 'Triggers-ApiGateway'));
    });
    const [stack] = stacks;
    if (!stack) throw new Error('nagFindings did not build the stack');
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
    // Assess: COG2 (no MFA) and COG8 (the Lite plan) are acknowledged on the user pool, with reasons
    expect(findings).toEqual([]);
  });
});

describe('ApiGatewayIntegration', () => {
  const build = (props?: ApiGatewayIntegrationProps) => {
    const { template, built: integration } = templateOf(
      (stack) => new ApiGatewayIntegration(stack, 'Notes', props),
    );
    return { integration, template };
  };

  it('exposes the members every integration has: fn, alarms, its source (api), and its own', () => {
    // Act
    const { integration } = build();

    // Assess
    expect(integration.fn).toBeInstanceOf(TriggerFunction);
    expect(integration.alarms).toBeInstanceOf(TriggerAlarms);
    expect(integration.alarms.alarms).toHaveLength(5);
    expect(integration.api).toBeInstanceOf(apigwv2.HttpApi);
    expect(integration.stage).toBeInstanceOf(apigwv2.HttpStage);
    expect(integration.table).toBeInstanceOf(dynamodb.Table);
    expect(integration.userPool).toBeInstanceOf(cognito.UserPool);
    expect(integration.userPoolClient).toBeInstanceOf(cognito.UserPoolClient);
    expect(integration).not.toHaveProperty('handler');
    expect(integration).not.toHaveProperty('httpApi');
  });

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
    // Act
    const { template, built: integration } = templateOf((stack) => {
      const alarmTopic = new sns.Topic(stack, 'Alarms');
      return new ApiGatewayIntegration(stack, 'Notes', { alarmTopic });
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

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

  it('adds its app client to an existing user pool, without creating one, and trusts only that pool and client', () => {
    // Prepare
    let existing: cognito.IUserPool | undefined;

    // Act
    const { template, built: integration } = templateOf((stack) => {
      existing = cognito.UserPool.fromUserPoolId(stack, 'Existing', 'us-east-1_Existing');
      return new ApiGatewayIntegration(stack, 'Notes', { existingUserPool: existing });
    });
    const [clientId] = Object.keys(template.findResources('AWS::Cognito::UserPoolClient'));

    // Assess
    expect(integration.userPool).toBe(existing);
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: 'us-east-1_Existing',
      GenerateSecret: false,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: {
        Issuer: {
          'Fn::Join': [
            '',
            ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/us-east-1_Existing'],
          ],
        },
        Audience: [{ Ref: clientId }],
      },
    });
  });

  it('serves notes from an existing table, without creating one, and may use its customer-managed key', () => {
    // Prepare
    const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/0b1f2a3c-4d5e-6f70-8192-a3b4c5d6e7f8';

    // Act
    const { template } = templateOf((stack) => {
      const existingTable = dynamodb.Table.fromTableAttributes(stack, 'Existing', {
        tableName: 'team-notes',
        encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
      });
      return new ApiGatewayIntegration(stack, 'Notes', { existingTable });
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );

    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NOTES_TABLE_NAME: 'team-notes' }) },
    });
    expect(
      JSON.stringify(statements.find((statement) => [statement.Action].flat().includes('dynamodb:Query'))),
    ).toContain(':table/team-notes');
    expect(statements.find((statement) => statement.Resource === keyArn)?.Action).toEqual(
      expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']),
    );
  });

  it('refuses an existing table without the key the handler uses (userId, noteId)', () => {
    // Act
    const withKey = (sortKey?: dynamodb.Attribute) => () =>
      templateOf((stack) => {
        const existingTable = new dynamodb.Table(stack, 'Existing', {
          partitionKey: { name: 'userId', type: dynamodb.AttributeType.STRING },
          ...(sortKey && { sortKey }),
        });
        return new ApiGatewayIntegration(stack, 'Notes', { existingTable });
      });

    // Assess
    expect(withKey({ name: 'noteId', type: dynamodb.AttributeType.STRING })).not.toThrow();
    for (const sortKey of [undefined, { name: 'id', type: dynamodb.AttributeType.STRING }]) {
      expect(withKey(sortKey)).toThrow(
        /existingTable must be keyed by userId \(partition\) and noteId \(sort\)/,
      );
    }
    expect(withKey({ name: 'noteId', type: dynamodb.AttributeType.NUMBER })).toThrow(/both strings/);
  });
});

describe('ApiGatewayStack bundle', () => {
  it('bundles the handler into one minified ESM file under 100 KB, with the SDK left to the runtime', () => {
    // Act
    const bundle = bundleOf((app) => new ApiGatewayStack(app, 'Triggers-ApiGateway'));

    // Assess
    expect(bundle.bytes).toBeLessThanOrEqual(100 * 1024);
    // Booleans, not toMatch: a failure should not print the whole bundle.
    expect(/from"@aws-sdk\/client-dynamodb"/.test(bundle.code)).toBe(true);
    expect(/export\{[\w$]+ as handler\}/.test(bundle.code)).toBe(true);
    expect(bundle.code.includes('Too small: expected')).toBe(false); // zod's English locale: `import { z } from 'zod'` crept in
    expect(bundle.hasSourceMap).toBe(true);
  });
});
