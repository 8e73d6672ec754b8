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
  DEFAULT_QUEUE_NAME,
  md5OfMessageAttributes,
  type SqsQueue,
  type SqsRecordInput,
  sqsEvent,
  sqsRecord,
} from './sqs.ts';
