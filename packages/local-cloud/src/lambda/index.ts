export type { Deliver, MessageAttributes } from './async-invoke.ts';
export { LambdaApiError } from './errors.ts';
export { type InvokeOptions, LambdaService, type LambdaServiceOptions } from './service.ts';
