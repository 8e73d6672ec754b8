export {
  type ApiGatewayRequestInput,
  type ApiGatewayV1Input,
  type ApiGatewayV2Input,
  apiGatewayV1Event,
  apiGatewayV2Event,
  cognitoIdTokenClaims,
  DEFAULT_API_ID,
  type JwtClaims,
} from './api-gateway.ts';
export { arn, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, type Location } from './aws.ts';
export {
  compareSequencers,
  DEFAULT_BUCKET_NAME,
  decodeS3Key,
  encodeS3Key,
  nextSequencer,
  S3_EVENT_NAMES,
  type S3Bucket,
  type S3EventName,
  type S3EventRecord,
  type S3ObjectChange,
  type S3ObjectInput,
  s3Event,
  s3Record,
  s3RecordOf,
} from './s3.ts';
export {
  DEFAULT_QUEUE_NAME,
  md5OfMessageAttributes,
  type SqsAttribute,
  type SqsQueue,
  type SqsReceivedMessage,
  type SqsRecordInput,
  sqsEvent,
  sqsRecord,
  sqsRecordOf,
} from './sqs.ts';
