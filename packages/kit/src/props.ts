import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { TriggerFunctionProps } from './function.ts';

/** The props every integration construct takes, after its own. */
export interface IntegrationProps {
  /** Overrides for the integration's function (timeout, memory, environment, …). */
  readonly functionProps?: Partial<TriggerFunctionProps>;
  /** Alarm notifications (alarm and OK) go here; without it the alarms only change state. */
  readonly alarmTopic?: sns.ITopic;
  /** What happens to the integration's data (tables, buckets, queues) when its stack is deleted. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}
