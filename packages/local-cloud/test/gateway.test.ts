import { createServer, type Server } from 'node:http';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { type FauxqsEmulator, startFauxqs } from '../src/emulators/fauxqs.ts';
import { LocalCloudError } from '../src/errors.ts';
import { type Gateway, startGateway } from '../src/gateway.ts';
import type { ApiHandler } from '../src/types.ts';

const ASSEMBLIES = join(import.meta.dirname, 'fixtures', 'assemblies');

function signed(service: string): string {
  return `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;
}

describe('the gateway', () => {
  let emulator: Server;
  let gateway: Gateway;
  const handled: { service: string; body: string }[] = [];

  /** A stand-in emulator that answers with what it received. */
  async function startEchoEmulator(): Promise<string> {
    emulator = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const echo = { host: request.headers.host, url: request.url, body: Buffer.concat(chunks).toString() };
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
      });
    });
    await new Promise<void>((resolve) => emulator.listen(0, '127.0.0.1', resolve));
    const address = emulator.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  const logsHandler: ApiHandler = {
    async handle(_request, response, body) {
      handled.push({ service: 'logs', body: body.toString() });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"logGroups":[]}');
    },
  };

  beforeAll(async () => {
    const emulatorUrl = await startEchoEmulator();
    gateway = await startGateway({
      port: 0,
      backends: {
        sqs: { url: emulatorUrl },
        s3: { url: emulatorUrl },
        logs: { handler: logsHandler },
        dynamodb: { unavailable: 'DynamoDB Local needs Java 17+ (java was not found on PATH).' },
      },
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => emulator?.close(resolve));
  });

  it("proxies a signed request to its service's emulator, keeping the Host header", async () => {
    // Prepare
    const body = JSON.stringify({ QueueName: 'orders' });

    // Act
    const response = await fetch(`${gateway.url}/?x=1`, {
      method: 'POST',
      headers: { authorization: signed('sqs'), 'content-type': 'application/x-amz-json-1.0' },
      body,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ host: `127.0.0.1:${gateway.port}`, url: '/?x=1', body });
  });

  it('answers HTTP/2 without TLS on the same port: the emulator gets the authority as its Host', async () => {
    // Prepare: an HTTP/2 client with prior knowledge, as SDK v3's Kinesis client is
    const session = connect(gateway.url);
    const body = JSON.stringify({ QueueName: 'h2' });

    // Act
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/?y=2',
        authorization: signed('sqs'),
        'content-type': 'application/x-amz-json-1.0',
      });
      let status = 0;
      let text = '';
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      stream.on('end', () => resolve({ status, text }));
      stream.on('error', reject);
      stream.end(body);
    }).finally(() => session.close());

    // Assess
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ host: `127.0.0.1:${gateway.port}`, url: '/?y=2', body });
  });

  it('routes a presigned URL by its X-Amz-Credential', async () => {
    // Prepare
    const credential = encodeURIComponent('test/20260101/us-east-1/s3/aws4_request');

    // Act
    const response = await fetch(
      `${gateway.url}/bucket/key.txt?X-Amz-Credential=${credential}&X-Amz-Signature=00`,
    );

    // Assess
    expect(await response.json()).toMatchObject({
      url: `/bucket/key.txt?X-Amz-Credential=${credential}&X-Amz-Signature=00`,
    });
  });

  it('hands an unsigned request to an in-process service by its X-Amz-Target', async () => {
    // Prepare
    const body = JSON.stringify({ logGroupNamePrefix: '/aws/lambda/' });

    // Act
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'Logs_20140328.DescribeLogGroups',
        'content-type': 'application/x-amz-json-1.1',
      },
      body,
    });

    // Assess
    expect(await response.json()).toEqual({ logGroups: [] });
    expect(handled).toContainEqual({ service: 'logs', body });
  });

  it('answers a service it does not emulate with a JSON error naming the service', async () => {
    // Prepare
    const headers = {
      'x-amz-target': 'Kinesis_20131202.ListStreams',
      'content-type': 'application/x-amz-json-1.1',
    };

    // Act
    const response = await fetch(gateway.url, { method: 'POST', headers, body: '{}' });

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownServiceException');
    expect(await response.json()).toEqual({
      __type: 'UnknownServiceException',
      message: "The local cloud does not emulate 'kinesis' yet",
    });
  });

  it('answers a query-protocol request for an unknown service with an XML error', async () => {
    // Prepare
    const headers = {
      authorization: signed('monitoring'),
      'content-type': 'application/x-www-form-urlencoded',
    };

    // Act
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers,
      body: 'Action=ListMetrics&Version=2010-08-01',
    });

    // Assess
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('<Code>UnknownServiceException</Code>');
    expect(text).toContain('<Message>The local cloud does not emulate &apos;monitoring&apos; yet</Message>');
  });

  it('tells an SDK client why a service it emulates is not running', async () => {
    // Prepare
    const client = new DynamoDBClient({
      endpoint: gateway.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    // Act
    const listing = client.send(new ListTablesCommand({}));

    // Assess
    await expect(listing).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      message: 'DynamoDB Local needs Java 17+ (java was not found on PATH).',
    });
    client.destroy();
  });

  it('reports its health and services as JSON', async () => {
    // Prepare
    const url = `${gateway.url}/_localcloud/health`;

    // Act
    const health = await (await fetch(url)).json();

    // Assess
    expect(health).toMatchObject({
      status: 'ok',
      services: {
        logs: 'in-process',
        dynamodb: 'unavailable: DynamoDB Local needs Java 17+ (java was not found on PATH).',
      },
    });
  });

  it('refuses a port in use with a sentence that says what to do', async () => {
    // Prepare
    const port = gateway.port;

    // Act
    const starting = startGateway({ port });

    // Assess
    await expect(starting).rejects.toThrow(
      new LocalCloudError(`Port ${port} is in use: stop what holds it or pass --port N.`),
    );
  });
});

describe('clients against the endpoint of a local cloud', () => {
  let cloud: LocalCloud;
  let queueUrl: string;
  let functionName: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    cloud = await startLocalCloud({ assembly: join(ASSEMBLIES, 'queue-only'), port: 0 });
    queueUrl = cloud.stacks[0]?.outputs.QueueUrl ?? '';
    functionName = cloud.stacks[0]?.outputs.FunctionName ?? '';
    // What a user sets: the endpoint and dummy credentials, nothing in code.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: cloud.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  }, 30_000);

  afterAll(async () => {
    for (const key of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await cloud?.stop();
  });

  it('serves an SQS client configured only through AWS_ENDPOINT_URL', async () => {
    // Prepare
    const sqs = new SQSClient({});

    // Act
    const { QueueUrls } = await sqs.send(new ListQueuesCommand({}));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'through the gateway' }));
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );

    // Assess
    expect(QueueUrls).toContain(queueUrl);
    expect(Messages?.map((message) => message.Body)).toEqual(['through the gateway']);
    sqs.destroy();
  });

  it('serves a Lambda client configured only through AWS_ENDPOINT_URL', async () => {
    // Prepare
    const lambda = new LambdaClient({});

    // Act
    const result = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify({ hello: 'sdk' }) }),
    );

    // Assess
    expect(result.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(result.Payload ?? []).toString())).toMatchObject({
      echo: { hello: 'sdk' },
    });
    lambda.destroy();
  });

  it('serves a raw, unsigned HTTP client that names the operation in X-Amz-Target', async () => {
    // Prepare
    const headers = { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' };

    // Act
    const response = await fetch(cloud.endpoint, { method: 'POST', headers, body: '{}' });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ QueueUrls: [queueUrl] });
  });

  it("serves a raw HTTP client calling Lambda's Invoke REST API", async () => {
    // Prepare
    const url = `${cloud.endpoint}/2015-03-31/functions/${functionName}/invocations`;

    // Act
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ hello: 'raw' }) });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ echo: { hello: 'raw' } });
  });
});

describe('SQS sends through the gateway, on fauxqs', () => {
  const MiB = 1_048_576;
  let fauxqs: FauxqsEmulator;
  let gateway: Gateway;
  let sqs: SQSClient;

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    gateway = await startGateway({ port: 0, backends: { sqs: { url: fauxqs.url } } });
    sqs = new SQSClient({
      endpoint: gateway.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    sqs?.destroy();
    await gateway?.stop();
    await fauxqs?.stop();
  });

  async function createQueue(name: string): Promise<string> {
    return (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
  }

  async function depth(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  }

  it('takes a message of 1 MiB counting its attributes, and refuses one byte more as SQS does', async () => {
    // Prepare
    const queueUrl = await createQueue('size-limit');
    // The attribute counts its name (5), data type (6) and value (3): 14 bytes.
    const MessageAttributes = { color: { DataType: 'String', StringValue: 'red' } };
    const send = (bodyBytes: number) =>
      sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a'.repeat(bodyBytes), MessageAttributes }),
      );

    // Act
    const atLimit = await send(MiB - 14);
    const overLimit = send(MiB - 13);

    // Assess
    expect(atLimit.MessageId).toBeDefined();
    await expect(overLimit).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await depth(queueUrl)).toBe(1);
  });

  it('refuses a batch one byte over 1 MiB in all as BatchRequestTooLong, sending none of it', async () => {
    // Prepare
    const queueUrl = await createQueue('batch-limit');
    const entries = (lastBytes: number) => [
      { Id: 'a', MessageBody: 'a'.repeat(MiB / 2) },
      { Id: 'b', MessageBody: 'b'.repeat(lastBytes) },
    ];

    // Act
    const refused: unknown = await sqs
      .send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(MiB / 2 + 1) }))
      .catch((error: unknown) => error);
    const depthAfterRefusal = await depth(queueUrl);
    const atLimit = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(MiB / 2) }),
    );

    // Assess
    expect(refused).toMatchObject({
      name: 'BatchRequestTooLong',
      message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(depthAfterRefusal).toBe(0);
    expect(atLimit.Successful?.map((entry) => entry.Id)).toEqual(['a', 'b']);
    expect(await depth(queueUrl)).toBe(2);
  });

  it('carries characters beyond U+FFFF (emoji) intact, and refuses the characters SQS refuses', async () => {
    // Prepare
    const queueUrl = await createQueue('characters');
    const body = 'order 🎉 𝄞 shipped 📦';

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }),
    );
    const refused = await Promise.all(
      ['nul \u0000', 'lone surrogate \ud83c'].map((MessageBody) =>
        sqs
          .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody }))
          .catch((error: unknown) => error),
      ),
    );

    // Assess
    expect(Messages?.map((message) => message.Body)).toEqual([body]);
    for (const error of refused) {
      expect(error).toMatchObject({ name: 'InvalidMessageContents', $metadata: { httpStatusCode: 400 } });
    }
  });

  it("answers a send larger than fauxqs reads (11 MiB) with SQS's error, not a dropped connection", async () => {
    // Prepare
    const queueUrl = await createQueue('huge');

    // Act
    const huge = sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'a'.repeat(12 * MiB) }));

    // Assess
    await expect(huge).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});
