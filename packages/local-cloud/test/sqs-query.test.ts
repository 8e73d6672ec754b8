import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FauxqsEmulator, startFauxqs } from '../src/emulators/fauxqs.ts';
import { type Gateway, startGateway } from '../src/gateway.ts';
import { MAX_MESSAGE_BYTES, messageBytes, sizeLimitError } from '../src/sqs/limits.ts';
import { jsonToQueryXml, queryToJson, SqsQueryError, sqsQueryError } from '../src/sqs/query.ts';
import { awsCli, itWithAwsCli } from './aws-cli.ts';

const NS = 'http://queue.amazonaws.com/doc/2012-11-05/';

describe('translating SQS query requests to the JSON protocol', () => {
  it('turns a SendMessage form into JSON, with message attributes, delay and FIFO ids', () => {
    // Prepare
    const form = new URLSearchParams({
      Action: 'SendMessage',
      Version: '2012-11-05',
      QueueUrl: 'http://127.0.0.1:4566/000000000000/orders.fifo',
      MessageBody: 'hello',
      DelaySeconds: '0',
      MessageGroupId: 'g1',
      MessageDeduplicationId: 'd1',
      'MessageAttribute.1.Name': 'color',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'red',
      'MessageAttribute.2.Name': 'raw',
      'MessageAttribute.2.Value.DataType': 'Binary',
      'MessageAttribute.2.Value.BinaryValue': 'AAEC',
    });

    // Act
    const request = queryToJson(form);

    // Assess
    expect(request.target).toBe('AmazonSQS.SendMessage');
    expect(JSON.parse(request.body)).toEqual({
      QueueUrl: 'http://127.0.0.1:4566/000000000000/orders.fifo',
      MessageBody: 'hello',
      DelaySeconds: 0,
      MessageGroupId: 'g1',
      MessageDeduplicationId: 'd1',
      MessageAttributes: {
        color: { DataType: 'String', StringValue: 'red' },
        raw: { DataType: 'Binary', BinaryValue: 'AAEC' },
      },
    });
  });

  it('reads numbered batch entries, each with its own attributes', () => {
    // Prepare
    const form = new URLSearchParams({
      Action: 'SendMessageBatch',
      QueueUrl: 'http://127.0.0.1:4566/000000000000/orders',
      'SendMessageBatchRequestEntry.2.Id': 'b',
      'SendMessageBatchRequestEntry.2.MessageBody': 'two',
      'SendMessageBatchRequestEntry.1.Id': 'a',
      'SendMessageBatchRequestEntry.1.MessageBody': 'one',
      'SendMessageBatchRequestEntry.1.DelaySeconds': '5',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Name': 'k',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType': 'Number',
      'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue': '7',
    });

    // Act
    const body = JSON.parse(queryToJson(form).body);

    // Assess
    expect(body.Entries).toEqual([
      {
        Id: 'a',
        MessageBody: 'one',
        DelaySeconds: 5,
        MessageAttributes: { k: { DataType: 'Number', StringValue: '7' } },
      },
      { Id: 'b', MessageBody: 'two' },
    ]);
  });

  it('reads the attribute names and numbers of a ReceiveMessage', () => {
    // Prepare
    const form = new URLSearchParams({
      Action: 'ReceiveMessage',
      QueueUrl: 'http://127.0.0.1:4566/000000000000/orders',
      'AttributeName.1': 'All',
      'MessageSystemAttributeName.1': 'SentTimestamp',
      'MessageAttributeName.1': 'color',
      'MessageAttributeName.2': 'raw',
      MaxNumberOfMessages: '10',
      WaitTimeSeconds: '20',
      VisibilityTimeout: '30',
    });

    // Act
    const body = JSON.parse(queryToJson(form).body);

    // Assess
    expect(body).toEqual({
      QueueUrl: 'http://127.0.0.1:4566/000000000000/orders',
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp'],
      MessageAttributeNames: ['color', 'raw'],
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 20,
      VisibilityTimeout: 30,
    });
  });

  it('reads queue attributes and tags of a CreateQueue', () => {
    // Prepare
    const form = new URLSearchParams({
      Action: 'CreateQueue',
      QueueName: 'orders',
      'Attribute.1.Name': 'VisibilityTimeout',
      'Attribute.1.Value': '40',
      'Tag.1.Key': 'team',
      'Tag.1.Value': 'payments',
    });

    // Act
    const body = JSON.parse(queryToJson(form).body);

    // Assess
    expect(body).toEqual({
      QueueName: 'orders',
      Attributes: { VisibilityTimeout: '40' },
      tags: { team: 'payments' },
    });
  });

  it('takes the queue URL from the request path when the form names none', () => {
    // Prepare
    const form = new URLSearchParams({ Action: 'DeleteMessage', ReceiptHandle: 'rh' });

    // Act
    const body = JSON.parse(
      queryToJson(form, { queueUrl: 'http://127.0.0.1:4566/000000000000/orders' }).body,
    );

    // Assess
    expect(body).toEqual({ QueueUrl: 'http://127.0.0.1:4566/000000000000/orders', ReceiptHandle: 'rh' });
  });

  it('refuses an action SQS does not have, and a number that is not one', () => {
    // Prepare
    const unknown = new URLSearchParams({ Action: 'PublishMessage' });
    const notANumber = new URLSearchParams({ Action: 'ReceiveMessage', MaxNumberOfMessages: 'ten' });

    // Act
    const translate = (form: URLSearchParams) => () => queryToJson(form);

    // Assess
    expect(translate(unknown)).toThrow(
      new SqsQueryError('InvalidAction', 'The action PublishMessage is not valid for this endpoint.'),
    );
    expect(translate(notANumber)).toThrow(expect.objectContaining({ code: 'InvalidParameterValue' }));
  });
});

describe('translating JSON answers to SQS query XML', () => {
  it('writes a received message with its system and message attributes, escaped', () => {
    // Prepare
    const json = {
      Messages: [
        {
          MessageId: 'm1',
          ReceiptHandle: 'rh1',
          MD5OfBody: 'md5',
          Body: '<a & "b">\r\n',
          Attributes: { SenderId: '000000000000', ApproximateReceiveCount: '1' },
          MD5OfMessageAttributes: 'md5a',
          MessageAttributes: {
            color: { StringValue: 'red', DataType: 'String' },
            raw: { BinaryValue: 'AAEC', DataType: 'Binary' },
          },
        },
      ],
    };

    // Act
    const answer = jsonToQueryXml('ReceiveMessage', 200, json, { 'x-amzn-requestid': 'req-1' });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(
      `<?xml version="1.0"?><ReceiveMessageResponse xmlns="${NS}"><ReceiveMessageResult><Message>` +
        '<MessageId>m1</MessageId><ReceiptHandle>rh1</ReceiptHandle><MD5OfBody>md5</MD5OfBody>' +
        '<Body>&lt;a &amp; &quot;b&quot;&gt;&#xD;\n</Body>' +
        '<Attribute><Name>SenderId</Name><Value>000000000000</Value></Attribute>' +
        '<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>' +
        '<MD5OfMessageAttributes>md5a</MD5OfMessageAttributes>' +
        '<MessageAttribute><Name>color</Name><Value><StringValue>red</StringValue><DataType>String</DataType></Value></MessageAttribute>' +
        '<MessageAttribute><Name>raw</Name><Value><BinaryValue>AAEC</BinaryValue><DataType>Binary</DataType></Value></MessageAttribute>' +
        '</Message></ReceiveMessageResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ReceiveMessageResponse>',
    );
  });

  it('writes an empty receive as an empty result', () => {
    // Prepare
    const json = {};

    // Act
    const answer = jsonToQueryXml('ReceiveMessage', 200, json, { 'x-amzn-requestid': 'req-2' });

    // Assess
    expect(answer.body).toContain('<ReceiveMessageResult/><ResponseMetadata>');
  });

  it('writes batch results, failures with their sender fault', () => {
    // Prepare
    const json = {
      Successful: [{ Id: 'a' }],
      Failed: [{ Id: 'b', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'bad' }],
    };

    // Act
    const answer = jsonToQueryXml('DeleteMessageBatch', 200, json);

    // Assess
    expect(answer.body).toContain(
      '<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>a</Id></DeleteMessageBatchResultEntry>' +
        '<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>ReceiptHandleIsInvalid</Code>' +
        '<Message>bad</Message></BatchResultErrorEntry></DeleteMessageBatchResult>',
    );
  });

  it('answers an action without a result with its request id only', () => {
    // Prepare
    const json = {};

    // Act
    const answer = jsonToQueryXml('DeleteMessage', 200, json, { 'x-amzn-requestid': 'req-3' });

    // Assess
    expect(answer.body).toBe(
      `<?xml version="1.0"?><DeleteMessageResponse xmlns="${NS}"><ResponseMetadata><RequestId>req-3</RequestId></ResponseMetadata></DeleteMessageResponse>`,
    );
  });

  it('writes an error with the query code fauxqs gives in x-amzn-query-error', () => {
    // Prepare
    const json = {
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    };
    const headers = {
      'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender',
      'x-amzn-requestid': 'req-4',
    };

    // Act
    const answer = jsonToQueryXml('GetQueueUrl', 400, json, headers);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toBe(
      `<?xml version="1.0"?><ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type>` +
        '<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message>' +
        '<Detail/></Error><RequestId>req-4</RequestId></ErrorResponse>',
    );
  });

  it("writes SQS's own code where fauxqs prefixes one SQS does not", () => {
    // Prepare
    const json = { __type: 'com.amazonaws.sqs#InvalidMessageContents', message: 'Invalid characters found.' };
    const headers = { 'x-amzn-query-error': 'AWS.SimpleQueueService.InvalidMessageContents;Sender' };

    // Act
    const answer = jsonToQueryXml('SendMessage', 400, json, headers);
    const fixed = ['InvalidParameterValue', 'QueueAlreadyExists', 'BatchRequestTooLong'].map((code) =>
      sqsQueryError(`AWS.SimpleQueueService.${code};Sender`),
    );

    // Assess
    expect(answer.body).toContain('<Code>InvalidMessageContents</Code>');
    expect(fixed).toEqual([
      'InvalidParameterValue;Sender',
      'QueueAlreadyExists;Sender',
      'AWS.SimpleQueueService.BatchRequestTooLong;Sender',
    ]);
  });

  it('derives the query code from the JSON error name when the header is missing', () => {
    // Prepare
    const missingQueue = { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'gone' };
    const failure = { __type: 'com.amazonaws.sqs#InternalError', message: 'oops' };

    // Act
    const client = jsonToQueryXml('SendMessage', 400, missingQueue);
    const server = jsonToQueryXml('SendMessage', 500, failure);

    // Assess
    expect(client.body).toContain(
      '<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>gone</Message>',
    );
    expect(server.status).toBe(500);
    expect(server.body).toContain('<Type>Receiver</Type><Code>InternalError</Code><Message>oops</Message>');
  });
});

describe("SQS's message size limit", () => {
  it('counts the body and each attribute name, data type and value, binary values by their own bytes', () => {
    // Prepare
    const message = {
      MessageBody: 'héllo', // 6 bytes
      MessageAttributes: {
        color: { DataType: 'String', StringValue: 'red' }, // 5 + 6 + 3
        raw: { DataType: 'Binary', BinaryValue: 'AAEC' }, // 3 + 6 + 3 (base64 of 3 bytes)
      },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-a-b' } },
    };

    // Act
    const size = messageBytes(message);

    // Assess
    expect(size).toBe(6 + 14 + 12);
  });

  it('leaves other actions, and sends that are not JSON, to the emulator', () => {
    // Prepare
    const big = JSON.stringify({ MessageBody: 'a'.repeat(MAX_MESSAGE_BYTES + 1) });

    // Act
    const receive = sizeLimitError('ReceiveMessage', big);
    const broken = sizeLimitError('SendMessage', '{"MessageBody":');
    const send = sizeLimitError('SendMessage', big);

    // Assess
    expect(receive).toBeUndefined();
    expect(broken).toBeUndefined();
    expect(send?.queryCode).toBe('InvalidParameterValue');
  });
});

function signed(service: string): string {
  return `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`;
}

function textOf(xml: string, element: string): string[] {
  return [...xml.matchAll(new RegExp(`<${element}>(.*?)</${element}>`, 'g'))].map((match) => match[1] ?? '');
}

describe('the gateway with SQS query-protocol clients', () => {
  let fauxqs: FauxqsEmulator;
  let gateway: Gateway;

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    gateway = await startGateway({ port: 0, backends: { sqs: { url: fauxqs.url } } });
  });

  afterAll(async () => {
    await gateway?.stop();
    await fauxqs?.stop();
  });

  async function post(params: Record<string, string>, path = '/'): Promise<Response> {
    return fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { authorization: signed('sqs'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Version: '2012-11-05', ...params }),
    });
  }

  it('creates a queue, sends to it by its path and receives by GET', async () => {
    // Prepare
    const created = await post({ Action: 'CreateQueue', QueueName: 'form-queue' });
    const queueUrl = textOf(await created.text(), 'QueueUrl')[0] ?? '';
    const queuePath = new URL(queueUrl).pathname;

    // Act
    const sent = await post(
      {
        Action: 'SendMessage',
        MessageBody: 'from a form & more',
        'MessageAttribute.1.Name': 'color',
        'MessageAttribute.1.Value.DataType': 'String',
        'MessageAttribute.1.Value.StringValue': 'red',
      },
      queuePath,
    );
    const query = new URLSearchParams({
      Action: 'ReceiveMessage',
      QueueUrl: queueUrl,
      'MessageAttributeName.1': 'All',
      'AttributeName.1': 'ApproximateReceiveCount',
    });
    const received = await fetch(`${gateway.url}/?${query}`, { headers: { authorization: signed('sqs') } });

    // Assess
    expect(queueUrl).toBe(`${gateway.url}/000000000000/form-queue`);
    expect(sent.status).toBe(200);
    expect(textOf(await sent.text(), 'MessageId')).toHaveLength(1);
    expect(received.status).toBe(200);
    expect(received.headers.get('content-type')).toBe('text/xml');
    const xml = await received.text();
    expect(textOf(xml, 'Body')).toEqual(['from a form &amp; more']);
    expect(xml).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    expect(xml).toContain(
      '<MessageAttribute><Name>color</Name><Value><StringValue>red</StringValue><DataType>String</DataType></Value></MessageAttribute>',
    );
  });

  it('hands a message sent by a query client to a JSON-protocol SDK client', async () => {
    // Prepare
    const created = await post({ Action: 'CreateQueue', QueueName: 'mixed-queue' });
    const queueUrl = textOf(await created.text(), 'QueueUrl')[0] ?? '';
    const sqs = new SQSClient({
      endpoint: gateway.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });

    // Act
    await post({ Action: 'SendMessage', QueueUrl: queueUrl, MessageBody: 'query to json' });
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    // Assess
    expect(Messages?.map((message) => message.Body)).toEqual(['query to json']);
    sqs.destroy();
  });

  it("answers a missing queue with SQS's XML error", async () => {
    // Prepare
    const params = { Action: 'GetQueueUrl', QueueName: 'no-such-queue' };

    // Act
    const response = await post(params);

    // Assess
    expect(response.status).toBe(400);
    const xml = await response.text();
    expect(xml).toContain(`<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type>`);
    expect(textOf(xml, 'Code')).toEqual(['AWS.SimpleQueueService.NonExistentQueue']);
    expect(textOf(xml, 'RequestId')).toEqual([response.headers.get('x-amzn-requestid')]);
  });

  it('answers an action SQS does not have with InvalidAction', async () => {
    // Prepare
    const params = { Action: 'Publish', Message: 'hi' };

    // Act
    const response = await post(params);

    // Assess
    expect(response.status).toBe(400);
    const xml = await response.text();
    expect(textOf(xml, 'Code')).toEqual(['InvalidAction']);
    expect(textOf(xml, 'Message')).toEqual(['The action Publish is not valid for this endpoint.']);
  });

  it('refuses a message or a batch over 1 MiB with the query codes SQS gives, sending nothing', async () => {
    // Prepare
    const created = await post({ Action: 'CreateQueue', QueueName: 'form-limit' });
    const queueUrl = textOf(await created.text(), 'QueueUrl')[0] ?? '';
    const half = 'a'.repeat(MAX_MESSAGE_BYTES / 2);

    // Act
    const message = await post({
      Action: 'SendMessage',
      QueueUrl: queueUrl,
      MessageBody: 'a'.repeat(MAX_MESSAGE_BYTES + 1),
    });
    const batch = await post({
      Action: 'SendMessageBatch',
      QueueUrl: queueUrl,
      'SendMessageBatchRequestEntry.1.Id': 'a',
      'SendMessageBatchRequestEntry.1.MessageBody': half,
      'SendMessageBatchRequestEntry.2.Id': 'b',
      'SendMessageBatchRequestEntry.2.MessageBody': `${half}b`,
    });
    const attributes = await post({
      Action: 'GetQueueAttributes',
      QueueUrl: queueUrl,
      'AttributeName.1': 'ApproximateNumberOfMessages',
    });

    // Assess
    expect(message.status).toBe(400);
    const messageXml = await message.text();
    expect(textOf(messageXml, 'Code')).toEqual(['InvalidParameterValue']);
    expect(textOf(messageXml, 'Message')).toEqual([
      'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
    ]);
    expect(batch.status).toBe(400);
    expect(textOf(await batch.text(), 'Code')).toEqual(['AWS.SimpleQueueService.BatchRequestTooLong']);
    expect(await attributes.text()).toContain(
      '<Attribute><Name>ApproximateNumberOfMessages</Name><Value>0</Value></Attribute>',
    );
  });

  itWithAwsCli('serves the AWS CLI v2 before 2.13, which speaks the query protocol', async () => {
    // Prepare
    const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
      const { stdout } = await awsCli(gateway.url, ['sqs', ...args]);
      return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
    };

    // Act
    const { QueueUrl } = await aws(
      'create-queue',
      '--queue-name',
      'cli-queue',
      '--attributes',
      'VisibilityTimeout=45',
    );
    const queueUrl = String(QueueUrl);
    await aws(
      'send-message',
      '--queue-url',
      queueUrl,
      '--message-body',
      'from <the> CLI',
      '--message-attributes',
      '{"color":{"DataType":"String","StringValue":"red"},"raw":{"DataType":"Binary","BinaryValue":"AAEC"}}',
    );
    const received = await aws(
      'receive-message',
      '--queue-url',
      queueUrl,
      '--attribute-names',
      'All',
      '--message-attribute-names',
      'All',
      '--wait-time-seconds',
      '1',
    );
    const [message] = received.Messages as { ReceiptHandle: string }[];
    const [listed, attributes, deleted] = await Promise.all([
      aws('list-queues', '--queue-name-prefix', 'cli-'),
      aws('get-queue-attributes', '--queue-url', queueUrl, '--attribute-names', 'All'),
      aws('delete-message', '--queue-url', queueUrl, '--receipt-handle', message?.ReceiptHandle ?? ''),
    ]);
    const after = await aws('get-queue-attributes', '--queue-url', queueUrl, '--attribute-names', 'All');

    // Assess
    expect(queueUrl).toBe(`${gateway.url}/000000000000/cli-queue`);
    expect(received.Messages).toEqual([
      expect.objectContaining({
        Body: 'from <the> CLI',
        Attributes: expect.objectContaining({ ApproximateReceiveCount: '1', SenderId: '000000000000' }),
        MessageAttributes: {
          color: { DataType: 'String', StringValue: 'red' },
          raw: { DataType: 'Binary', BinaryValue: 'AAEC' },
        },
      }),
    ]);
    expect(listed).toEqual({ QueueUrls: [queueUrl] });
    expect(attributes.Attributes).toMatchObject({ VisibilityTimeout: '45' });
    expect(deleted).toEqual({});
    expect(after.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  itWithAwsCli("shows the AWS CLI SQS's own error for a missing queue", async () => {
    // Prepare
    const args = ['get-queue-url', '--queue-name', 'missing'];

    // Act
    const failing = awsCli(gateway.url, ['sqs', ...args]);

    // Assess
    await expect(failing).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.',
      ),
    });
  });
});
