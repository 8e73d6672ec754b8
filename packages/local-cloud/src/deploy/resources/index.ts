/** Every resource type the deployer supports, one small handler each. */
import type { ResourceHandler } from '../resource.ts';
import { apigatewayv2Handlers } from './apigatewayv2.ts';
import { cloudwatchHandlers } from './cloudwatch.ts';
import { cognitoHandlers } from './cognito.ts';
import { dynamodbHandlers } from './dynamodb.ts';
import { firehoseHandlers } from './firehose.ts';
import { iamHandlers } from './iam.ts';
import { kinesisHandlers } from './kinesis.ts';
import { lambdaHandlers } from './lambda.ts';
import { logsHandlers } from './logs.ts';
import { s3Handlers } from './s3.ts';
import { sqsHandlers } from './sqs.ts';

export const resourceHandlers: Readonly<Record<string, ResourceHandler>> = {
  ...lambdaHandlers,
  ...sqsHandlers,
  ...s3Handlers,
  ...dynamodbHandlers,
  ...kinesisHandlers,
  ...firehoseHandlers,
  ...logsHandlers,
  ...iamHandlers,
  ...cloudwatchHandlers,
  ...cognitoHandlers,
  ...apigatewayv2Handlers,
};
