import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  dynamoDbLocalArn,
  publicDynamoDbArn,
  startDynamoDbLocal,
} from '../src/emulators/dynamodb-local.ts';
import { type FauxqsEmulator, startFauxqs } from '../src/emulators/fauxqs.ts';
import { LocalCloudError } from '../src/errors.ts';

/** A raw JSON-protocol call with a chosen Host header (fetch does not let one set it). */
function call(
  url: string,
  target: string,
  body: unknown,
  host: string,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { host, 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The local addresses sockets listen on for `port`, as the kernel reports them (Linux's /proc/net/tcp*). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue; // 0A: LISTEN
      const hex = local.split(':')[0] ?? '';
      addresses.push(
        hex.length === 8
          ? (hex.match(/../g) ?? [])
              .reverse()
              .map((byte) => Number.parseInt(byte, 16))
              .join('.')
          : `[${hex}]`,
      );
    }
  }
  return addresses;
}

describe('fauxqs', () => {
  let fauxqs: FauxqsEmulator;

  beforeAll(async () => {
    fauxqs = await startFauxqs();
  });

  afterAll(async () => {
    await fauxqs?.stop();
  });

  it.skipIf(process.platform !== 'linux')('listens on 127.0.0.1 only', () => {
    // Prepare
    const port = Number(new URL(fauxqs.url).port);

    // Act
    const addresses = listeningAddresses(port);

    // Assess
    expect(addresses).toEqual(['127.0.0.1']);
  });

  it('builds queue URLs from the Host the request came to, so they point at the gateway', async () => {
    // Prepare
    const gatewayHost = '127.0.0.1:4566';

    // Act
    const created = await call(fauxqs.url, 'AmazonSQS.CreateQueue', { QueueName: 'orders' }, gatewayHost);

    // Assess
    expect(created).toEqual({ status: 200, json: { QueueUrl: 'http://127.0.0.1:4566/000000000000/orders' } });
  });
});

describe('DynamoDB Local', () => {
  let dynamodb: DynamoDbLocal;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamodb = await startDynamoDbLocal();
    client = new DynamoDBClient({
      endpoint: dynamodb.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'one', secretAccessKey: 'test' },
    });
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await dynamodb?.stop();
  });

  it('shares one database across access keys and regions', async () => {
    // Prepare
    await client.send(
      new CreateTableCommand({
        TableName: 'shared',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const other = new DynamoDBClient({
      endpoint: dynamodb.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'two', secretAccessKey: 'test' },
    });

    // Act
    const { TableNames } = await other.send(new ListTablesCommand({}));

    // Assess
    expect(TableNames).toEqual(['shared']);
    other.destroy();
  });

  it('says what needs Java, and that the rest still runs, when java is not on PATH', async () => {
    // Prepare
    const env = { PATH: '/nonexistent' };

    // Act
    const starting = startDynamoDbLocal({ env });

    // Assess
    await expect(starting).rejects.toThrow(
      new LocalCloudError(
        'DynamoDB Local needs Java 17+ (java was not found on PATH): install a JRE; SQS, Lambda and the rest still run.',
      ),
    );
  });

  it('has its ddblocal ARNs handed out with our region and account, and mapped back', () => {
    // Prepare
    const local = 'arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2026-11-26T15:00:00.000';

    // Act
    const published = publicDynamoDbArn(local);

    // Assess
    expect(published).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-11-26T15:00:00.000',
    );
    expect(dynamoDbLocalArn(published)).toBe(local);
  });

  // Last: it stops the instance the other tests share (afterAll's stop is then a second, harmless one).
  it('is gone once stopped, and stopping again is harmless', async () => {
    // Prepare
    const url = dynamodb.url;

    // Act
    await dynamodb.stop();
    await dynamodb.stop();

    // Assess
    await expect(fetch(url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
