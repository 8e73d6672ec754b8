import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ApiGatewayIntegration, type ApiGatewayIntegrationProps } from './construct.ts';

export interface ApiGatewayStackProps extends StackProps {
  /** Tuning for the integration (allowed origins, throttling, alarm thresholds, an alarm topic, …). */
  readonly integration?: ApiGatewayIntegrationProps;
}

/** The API Gateway integration on its own: `pnpm run deploy api-gateway`. */
export class ApiGatewayStack extends Stack {
  readonly integration: ApiGatewayIntegration;

  constructor(scope: Construct, id: string, props: ApiGatewayStackProps = {}) {
    super(scope, id, {
      description: 'Lambda Triggers: API Gateway notes API with Cognito JWT auth',
      ...props,
    });
    // A learning stack: `pnpm run destroy api-gateway` leaves nothing behind. Keep RETAIN for real notes and users.
    this.integration = new ApiGatewayIntegration(this, 'Notes', {
      removalPolicy: RemovalPolicy.DESTROY,
      ...props.integration,
    });
    const { httpApi, userPool, userPoolClient, table, handler } = this.integration;
    // apiEndpoint (a GetAtt), not url: the $default stage serves at the root, and the local cloud maps it.
    new CfnOutput(this, 'ApiUrl', {
      value: httpApi.apiEndpoint,
      description: 'Base URL of the API: routes /notes and /notes/{id}',
    });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId, description: 'Cognito user pool' });
    new CfnOutput(this, 'UserPoolClientId', {
      value: userPoolClient.userPoolClientId,
      description: 'App client for sign-up and sign-in (no secret)',
    });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'Notes, by user' });
    new CfnOutput(this, 'FunctionName', { value: handler.functionName, description: 'The API handler' });
  }
}
