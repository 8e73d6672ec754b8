import { addOutputs } from '@triggers/kit';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
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
    const { api, userPool, userPoolClient, table, fn } = this.integration;
    // The names the descriptor (src/integration.ts), `pnpm start` and the playground read.
    addOutputs(this, {
      // apiEndpoint (a GetAtt), not url: the $default stage serves at the root, and the local cloud maps it.
      ApiUrl: { value: api.apiEndpoint, description: 'Base URL of the API: routes /notes and /notes/{id}' },
      UserPoolId: { value: userPool.userPoolId, description: 'Cognito user pool' },
      UserPoolClientId: {
        value: userPoolClient.userPoolClientId,
        description: 'App client for sign-up and sign-in (no secret)',
      },
      TableName: { value: table.tableName, description: 'Notes, by user' },
      FunctionName: { value: fn.functionName, description: 'The API handler' },
    });
  }
}
