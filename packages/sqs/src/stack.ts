import { addOutputs } from '@triggers/kit';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SqsIntegration, type SqsIntegrationProps } from './construct.ts';

export interface SqsStackProps extends StackProps {
  /** Tuning for the integration (batch size, timeouts, an alarm topic, …). */
  readonly integration?: SqsIntegrationProps;
}

/** The SQS integration on its own: `pnpm run deploy sqs`. */
export class SqsStack extends Stack {
  readonly integration: SqsIntegration;

  constructor(scope: Construct, id: string, props: SqsStackProps = {}) {
    super(scope, id, { description: 'Lambda Triggers: SQS order worker', ...props });
    // A learning stack: `pnpm run destroy sqs` leaves nothing behind. Keep RETAIN for real orders.
    this.integration = new SqsIntegration(this, 'Orders', {
      removalPolicy: RemovalPolicy.DESTROY,
      ...props.integration,
    });
    const { queue, deadLetterQueue, table, fn } = this.integration;
    // The descriptor (src/integration.ts) and `pnpm start` read these names.
    addOutputs(this, {
      QueueUrl: { value: queue.queueUrl, description: 'Send orders here' },
      // None when the integration consumes an existing queue: its DLQ is the owner's.
      DeadLetterQueueUrl: deadLetterQueue && {
        value: deadLetterQueue.queueUrl,
        description: 'Failed orders',
      },
      TableName: { value: table.tableName, description: 'Accepted orders' },
      FunctionName: { value: fn.functionName, description: 'The worker' },
    });
  }
}
