import { addOutputs } from '@triggers/kit';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { __Name__Integration, type __Name__IntegrationProps } from './construct.ts';

export interface __Name__StackProps extends StackProps {
  readonly integration?: __Name__IntegrationProps;
}

/** The integration on its own: `pnpm run deploy __name__`. */
export class __Name__Stack extends Stack {
  readonly integration: __Name__Integration;

  constructor(scope: Construct, id: string, props: __Name__StackProps = {}) {
    super(scope, id, { description: 'Lambda Triggers: __TITLE__', ...props });
    // A learning stack: `pnpm run destroy __name__` leaves nothing behind.
    this.integration = new __Name__Integration(this, '__Name__', {
      removalPolicy: RemovalPolicy.DESTROY,
      ...props.integration,
    });
    const { fn, deadLetterQueue } = this.integration;
    addOutputs(this, {
      FunctionName: { value: fn.functionName, description: 'The function' },
      DeadLetterQueueUrl: { value: deadLetterQueue.queueUrl, description: 'Failed events' },
    });
  }
}
