/**
 * Sends a sample input through its real trigger, as a learner's AWS CLI command would: a message on the queue, an
 * object in the bucket, an HTTP call with a signed-in user, a record on the stream. One sender per input kind;
 * never a direct invoke of the function.
 */
import { randomBytes } from 'node:crypto';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { FirehoseClient, PutRecordCommand as PutFirehoseRecordCommand } from '@aws-sdk/client-firehose';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Outputs, TriggerInput } from '@triggers/kit';
import type { LocalClientConfig } from '@triggers/local-cloud';

/** What came back: a one-line summary, and for an HTTP call the answer itself. */
export interface Sent {
  readonly summary: string;
  readonly response?: { readonly status: number; readonly contentType: string; readonly body: string };
}

/** A request the service refused: its error code and message, as the AWS CLI shows them. */
export class ServiceRefusal extends Error {
  override readonly name = 'ServiceRefusal';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API operation each input kind calls, as the CLI names it in an error. */
const OPERATIONS: Readonly<Record<TriggerInput['kind'], string>> = {
  'sqs-message': 'SendMessage',
  's3-object': 'PutObject',
  'http-request': 'InitiateAuth',
  'kinesis-record': 'PutRecord',
  'firehose-record': 'PutRecord',
};

type Clients = {
  sqs: SQSClient;
  s3: S3Client;
  kinesis: KinesisClient;
  firehose: FirehoseClient;
  cognito: CognitoIdentityProviderClient;
};

/** What a body shows of an HTTP answer: enough to read, never megabytes. */
const MAX_SHOWN_BODY = 64 * 1024;

export class Senders {
  readonly #clients: Clients;
  /** ID tokens of the playground's own user, per user pool: signed up and in once. */
  readonly #tokens = new Map<string, Promise<string>>();

  constructor(config: LocalClientConfig) {
    // No retries: a refusal is shown at once, as the CLI shows it, rather than after backoff.
    const options = { ...config, maxAttempts: 1 };
    this.#clients = {
      sqs: new SQSClient(options),
      s3: new S3Client({ ...options, forcePathStyle: true }),
      kinesis: new KinesisClient(options),
      firehose: new FirehoseClient(options),
      cognito: new CognitoIdentityProviderClient(options),
    };
  }

  async send(input: TriggerInput, outputs: Outputs): Promise<Sent> {
    try {
      return await this.#send(input, outputs);
    } catch (error) {
      throw asRefusal(error, OPERATIONS[input.kind]);
    }
  }

  async #send(input: TriggerInput, outputs: Outputs): Promise<Sent> {
    const { sqs, s3, kinesis, firehose } = this.#clients;
    switch (input.kind) {
      case 'sqs-message': {
        const sent = await sqs.send(
          new SendMessageCommand({ QueueUrl: outputs[input.queueOutput], MessageBody: input.body }),
        );
        return { summary: `Sent message ${sent.MessageId}.` };
      }
      case 's3-object': {
        // The CLI checks this before sending (S3 would take `PUT /bucket/` as another request altogether).
        if (input.key === '') {
          throw new ServiceRefusal(
            'ParamValidation',
            'Parameter validation failed:\nInvalid length for parameter Key, value: 0, valid min length: 1',
          );
        }
        const Body =
          'text' in input.content ? input.content.text : Buffer.from(input.content.base64, 'base64');
        const bucket = outputs[input.bucketOutput];
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: input.key, Body }));
        return { summary: `Uploaded s3://${bucket}/${input.key} (${Body.length} bytes).` };
      }
      case 'http-request':
        return this.#call(input, outputs);
      case 'kinesis-record': {
        const put = await kinesis.send(
          new PutRecordCommand({
            StreamName: outputs[input.streamOutput],
            PartitionKey: input.partitionKey,
            Data: Buffer.from(input.data),
          }),
        );
        return { summary: `Put record ${put.SequenceNumber} on ${put.ShardId}.` };
      }
      case 'firehose-record': {
        const put = await firehose.send(
          new PutFirehoseRecordCommand({
            DeliveryStreamName: outputs[input.deliveryStreamOutput],
            Record: { Data: Buffer.from(input.data) },
          }),
        );
        return { summary: `Put record ${put.RecordId}.` };
      }
    }
  }

  async #call(input: Extract<TriggerInput, { kind: 'http-request' }>, outputs: Outputs): Promise<Sent> {
    const headers: Record<string, string> = {};
    if (input.signedIn) {
      headers.authorization = `Bearer ${await this.#token(outputs[input.signedIn.userPoolOutput], outputs[input.signedIn.clientOutput])}`;
    }
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    const url = `${outputs[input.apiOutput]}${input.path}`;
    const response = await fetch(url, {
      method: input.method,
      headers,
      ...(input.body === undefined ? {} : { body: input.body }),
    });
    const body = await response.text();
    return {
      summary: `${input.method} ${input.path}: ${response.status} ${response.statusText}`,
      response: {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body: body.length > MAX_SHOWN_BODY ? `${body.slice(0, MAX_SHOWN_BODY)}…` : body,
      },
    };
  }

  /** Signs a user of the playground's own up (confirmed as an administrator would) and in; its ID token. */
  #token(userPoolId: string | undefined, clientId: string | undefined): Promise<string> {
    if (!userPoolId || !clientId)
      return Promise.reject(
        new ServiceRefusal('NotSignedIn', 'The stack has no user pool output to sign in with.'),
      );
    const key = `${userPoolId}/${clientId}`;
    let token = this.#tokens.get(key);
    if (!token) {
      token = this.#signUpAndIn(userPoolId, clientId);
      // A failed sign-in is tried again next time, not remembered.
      token.catch(() => this.#tokens.delete(key));
      this.#tokens.set(key, token);
    }
    return token;
  }

  async #signUpAndIn(userPoolId: string, clientId: string): Promise<string> {
    const { cognito } = this.#clients;
    const username = `playground-${randomBytes(4).toString('hex')}`;
    // Upper and lower case, digits and a symbol: what a default password policy asks for.
    const password = `Pg-${randomBytes(9).toString('base64url')}-a1A!`;
    await cognito.send(new SignUpCommand({ ClientId: clientId, Username: username, Password: password }));
    await cognito.send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: username }));
    const signedIn = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    const token = signedIn.AuthenticationResult?.IdToken;
    if (!token) throw new ServiceRefusal('NotSignedIn', 'The user pool gave no ID token.');
    return token;
  }

  stop(): void {
    for (const client of Object.values(this.#clients)) client.destroy();
  }
}

/**
 * An SDK error as the CLI says it: `An error occurred (Code) when calling the Operation operation: message`, without
 * a stack. (An HTTP call's own answer, a 400 say, is not an error: it is shown as the answer.)
 */
function asRefusal(error: unknown, operation: string): ServiceRefusal {
  if (error instanceof ServiceRefusal) return error;
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  const code = name && name !== 'Error' ? name : 'InvalidRequest';
  return new ServiceRefusal(
    code,
    `An error occurred (${code}) when calling the ${operation} operation: ${message || code}`,
  );
}
