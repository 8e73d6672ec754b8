export { matchesPattern } from './filter.ts';
export { SqsPoller, type SqsPollerDeps, type SqsRecord } from './sqs.ts';
