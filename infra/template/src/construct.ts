import { fileURLToPath } from 'node:url';
import { deadLetterQueue, type IntegrationProps, TriggerAlarms, TriggerFunction } from '@triggers/kit';
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, SERVICE_NAME } from './contract.ts';

export interface __Name__IntegrationProps extends IntegrationProps {}

/** TODO: what it builds, in one sentence. Members as in every integration: fn, alarms, the source, deadLetterQueue. */
export class __Name__Integration extends Construct {
  readonly fn: TriggerFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: TriggerAlarms;

  constructor(scope: Construct, id: string, props: __Name__IntegrationProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', { removalPolicy });
    this.fn = new TriggerFunction(this, 'Function', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: SERVICE_NAME,
      ...props.functionProps,
      environment: { [ENV.targetName]: 'TODO', ...props.functionProps?.environment },
    });
    this.alarms = new TriggerAlarms(this, 'Alarms', { topic: props.alarmTopic })
      .watchFunction(this.fn)
      .watchDeadLetterQueue(this.deadLetterQueue);
  }
}
