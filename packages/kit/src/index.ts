/**
 * @triggers/kit: the small shared kit of the construct side (CDK only). What every integration builds the same
 * way lives here, in the style of Solutions Constructs' `core`: the function, its alarms, the shared props, the
 * dead-letter queue, safe buckets and their access logs, stream defaults, and stack outputs. Handlers import `@triggers/kit/runtime` instead.
 */
export { type AlarmOptions, type HttpApiAlarmOptions, TriggerAlarms } from './alarms.ts';
export {
  type AccessLogsBucketOptions,
  type SafeBucketProps,
  type SafeBuckets,
  type SafeBucketsProps,
  safeBuckets,
} from './buckets.ts';
export {
  commandsFor,
  type IntegrationDescriptor,
  type Observation,
  type Outputs,
  outputsOf,
  type Sample,
  type TriggerInput,
  tryItCommands,
} from './descriptor.ts';
export { TriggerFunction, type TriggerFunctionProps } from './function.ts';
export type { IntegrationProps } from './props.ts';
export { type DeadLetterQueueProps, deadLetterQueue } from './queues.ts';
export { addOutputs, type Output } from './stack.ts';
export { type StreamSourceDefaults, streamSourceDefaults } from './streams.ts';
