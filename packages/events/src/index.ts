export { arn, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, type Location } from './aws.ts';
export {
  DEFAULT_QUEUE_NAME,
  md5OfMessageAttributes,
  type SqsQueue,
  type SqsRecordInput,
  sqsEvent,
  sqsRecord,
} from './sqs.ts';
