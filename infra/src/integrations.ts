import { ApiGatewayStack } from '@triggers/api-gateway';
import { S3Stack } from '@triggers/s3';
import { SqsStack } from '@triggers/sqs';
import type { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface Integration {
  /** The CloudFormation stack name, `Triggers-<Name>`. */
  readonly stackId: string;
  readonly create: (scope: Construct, stackId: string) => Stack;
  /** Shell commands that exercise the deployed stack, given its outputs (printed by `pnpm start`). */
  readonly tryIt: (outputs: Readonly<Record<string, string>>) => string[];
}

const sampleOrder = JSON.stringify({
  orderId: 'o-1001',
  customerId: 'c-42',
  currency: 'EUR',
  items: [{ sku: 'book-1', quantity: 2, unitPrice: 12.5 }],
});

/** A password the user pool's policy accepts: 12+ characters with upper and lower case, a digit and a symbol. */
const samplePassword = 'Correct-Horse-42';

/** Every integration the app deploys, by the short name learners type: `pnpm run deploy sqs`. */
export const integrations = {
  sqs: {
    stackId: 'Triggers-Sqs',
    create: (scope, id) => new SqsStack(scope, id),
    tryIt: (outputs) => [
      `# send an order; the worker stores it in ${outputs.TableName}`,
      `aws sqs send-message --queue-url ${outputs.QueueUrl} --message-body '${sampleOrder}'`,
      `aws dynamodb get-item --table-name ${outputs.TableName} --key '{"orderId":{"S":"o-1001"}}'`,
      '# a poison message: rejected 5 times (once per visibility timeout, 60 s), then moved to the dead-letter queue',
      `aws sqs send-message --queue-url ${outputs.QueueUrl} --message-body 'not an order'`,
      `aws sqs receive-message --queue-url ${outputs.DeadLetterQueueUrl} --wait-time-seconds 20`,
    ],
  },
  s3: {
    stackId: 'Triggers-S3',
    create: (scope, id) => new S3Stack(scope, id),
    tryIt: (outputs) => [
      '# upload a photo or a video of yours (JPEG, PNG, WebP, AVIF, GIF, TIFF, MP4, MOV, WebM); spaces in names are fine',
      `aws s3 cp photo.jpg s3://${outputs.SourceBucketName}/`,
      `aws s3 ls s3://${outputs.ThumbnailBucketName}/thumbnails/ --recursive`,
      `aws s3 cp s3://${outputs.ThumbnailBucketName}/thumbnails/512/photo.jpg.webp .`,
      '# a file that only claims to be a photo: rejected by content, retried twice, then it lands in the DLQ with the reason',
      "echo 'not a photo' > fake.jpg",
      `aws s3 cp fake.jpg s3://${outputs.SourceBucketName}/`,
      `aws sqs receive-message --queue-url ${outputs.DeadLetterQueueUrl} --wait-time-seconds 20`,
    ],
  },
  'api-gateway': {
    stackId: 'Triggers-ApiGateway',
    create: (scope, id) => new ApiGatewayStack(scope, id),
    tryIt: (outputs) => {
      const api = outputs.ApiUrl;
      const auth = `-H "Authorization: Bearer $TOKEN"`;
      const json = `-H 'Content-Type: application/json'`;
      return [
        '# sign up, confirm (as an administrator), and sign in: the ID token goes into $TOKEN',
        `aws cognito-idp sign-up --client-id ${outputs.UserPoolClientId} --username alice --password '${samplePassword}'`,
        `aws cognito-idp admin-confirm-sign-up --user-pool-id ${outputs.UserPoolId} --username alice`,
        `TOKEN=$(aws cognito-idp initiate-auth --client-id ${outputs.UserPoolClientId} --auth-flow USER_PASSWORD_AUTH ` +
          `--auth-parameters 'USERNAME=alice,PASSWORD=${samplePassword}' --query AuthenticationResult.IdToken --output text)`,
        '# create, list, read (note the ETag), update with If-Match; the same If-Match again is stale: 412',
        `curl -s -X POST ${api}/notes ${auth} ${json} -d '{"id":"groceries","title":"Groceries","body":"milk"}'`,
        `curl -s ${api}/notes ${auth}`,
        `curl -si ${api}/notes/groceries ${auth}`,
        `curl -s -X PUT ${api}/notes/groceries ${auth} ${json} -H 'If-Match: "1"' -d '{"title":"Groceries","body":"milk, eggs"}'`,
        `curl -s -X PUT ${api}/notes/groceries ${auth} ${json} -H 'If-Match: "1"' -d '{"title":"Groceries","body":"oops"}'`,
      ];
    },
  },
} satisfies Record<string, Integration>;

export type IntegrationName = keyof typeof integrations;

/** Names an integration went by before, and its name now. */
export const RENAMED: Readonly<Record<string, IntegrationName>> = { 's3-thumbnail': 's3' };

/** The one line to say when an old name is given: `"s3-thumbnail" is now called "s3": pnpm run deploy s3`. */
export function renamedHint(name: string, command: (newName: string) => string): string | undefined {
  const now = Object.hasOwn(RENAMED, name) ? RENAMED[name] : undefined;
  return now && `"${name}" is now called "${now}": ${command(now)}`;
}

export function findIntegration(name: string): Integration | undefined {
  return Object.hasOwn(integrations, name) ? integrations[name as IntegrationName] : undefined;
}

/** The integration deployed as `stackId`, if it is one of ours. */
export function integrationOfStack(stackId: string): Integration | undefined {
  return Object.values(integrations).find((integration) => integration.stackId === stackId);
}
