import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogStore } from '../src/logs/store.ts';
import type { LogEvent } from '../src/types.ts';

describe('LogStore', () => {
  it('returns a group’s events across streams in time order, whatever order they arrived in', () => {
    // Prepare
    const store = new LogStore();

    // Act
    store.putLogEvents('/aws/lambda/a', 'stream-1', [
      { timestamp: 3000, message: 'third' },
      { timestamp: 1000, message: 'first' },
    ]);
    store.putLogEvents('/aws/lambda/a', 'stream-2', [{ timestamp: 2000, message: 'second' }]);

    // Assess
    expect(store.getLogEvents('/aws/lambda/a')).toEqual([
      { timestamp: 1000, message: 'first', logStreamName: 'stream-1' },
      { timestamp: 2000, message: 'second', logStreamName: 'stream-2' },
      { timestamp: 3000, message: 'third', logStreamName: 'stream-1' },
    ]);
    expect(store.logGroupNames()).toEqual(['/aws/lambda/a']);
  });

  it('narrows events by stream prefix, start time and filter pattern', () => {
    // Prepare
    const store = new LogStore();
    store.putLogEvents('g', '2026/01/01/[$LATEST]aa', [
      { timestamp: 1000, message: 'ERROR disk full' },
      { timestamp: 2000, message: 'ERROR "quoted" thing timed out' },
      { timestamp: 3000, message: 'INFO all good' },
    ]);
    store.putLogEvents('g', 'other', [{ timestamp: 4000, message: 'ERROR elsewhere' }]);

    // Act
    const byPrefix = store.getLogEvents('g', { streamPrefix: '2026/', filter: 'ERROR' });
    const byPhrase = store.getLogEvents('g', { filter: '"timed out"' });
    const excluding = store.getLogEvents('g', { filter: 'ERROR -disk', startTime: 1500 });
    const eitherOf = store.getLogEvents('g', { filter: '?full ?good' });

    // Assess
    expect(byPrefix.map((event) => event.timestamp)).toEqual([1000, 2000]);
    expect(byPhrase.map((event) => event.timestamp)).toEqual([2000]);
    expect(excluding.map((event) => event.timestamp)).toEqual([2000, 4000]);
    expect(eitherOf.map((event) => event.timestamp)).toEqual([1000, 3000]);
  });

  it('announces new events', () => {
    // Prepare
    const store = new LogStore();
    const seen: Array<[string, string, LogEvent[]]> = [];
    store.on('events', (group, stream, events) => seen.push([group, stream, events]));

    // Act
    store.putLogEvents('g', 's', [{ timestamp: 1, message: 'hi' }]);

    // Assess
    expect(seen).toEqual([['g', 's', [{ timestamp: 1, message: 'hi' }]]]);
  });
});

describe('CloudWatch Logs API', () => {
  const store = new LogStore();
  let server: Server;
  let endpoint: string;
  let client: CloudWatchLogsClient;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => void store.handle(request, response, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new CloudWatchLogsClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('creates groups and streams, stores events and reads them back through the SDK', async () => {
    // Prepare
    const logGroupName = '/aws/lambda/sdk';
    await client.send(new CreateLogGroupCommand({ logGroupName }));
    await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'one' }));

    // Act
    await client.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName: 'one',
        logEvents: [
          { timestamp: 1000, message: 'START RequestId: 1' },
          { timestamp: 1001, message: 'ERROR something broke' },
          { timestamp: 1002, message: 'REPORT RequestId: 1' },
        ],
      }),
    );
    await client.send(new PutRetentionPolicyCommand({ logGroupName, retentionInDays: 7 }));
    const read = await client.send(
      new GetLogEventsCommand({ logGroupName, logStreamName: 'one', startFromHead: true }),
    );
    const groups = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/sd' }));
    const streams = await client.send(new DescribeLogStreamsCommand({ logGroupName }));

    // Assess
    expect(read.events?.map((event) => event.message)).toEqual([
      'START RequestId: 1',
      'ERROR something broke',
      'REPORT RequestId: 1',
    ]);
    expect(read.nextForwardToken).toMatch(/^f\//);
    expect(groups.logGroups).toEqual([
      expect.objectContaining({
        logGroupName,
        retentionInDays: 7,
        logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/sdk',
      }),
    ]);
    expect(streams.logStreams).toEqual([
      expect.objectContaining({ logStreamName: 'one', firstEventTimestamp: 1000, lastEventTimestamp: 1002 }),
    ]);
  });

  it('filters events by pattern and pages through them with nextToken', async () => {
    // Prepare
    store.putLogEvents('/aws/lambda/filtered', 'a', [
      { timestamp: 1, message: 'REPORT one' },
      { timestamp: 2, message: 'noise' },
      { timestamp: 3, message: 'REPORT two' },
    ]);
    store.putLogEvents('/aws/lambda/filtered', 'b', [{ timestamp: 4, message: 'REPORT three' }]);

    // Act
    const first = await client.send(
      new FilterLogEventsCommand({ logGroupName: '/aws/lambda/filtered', filterPattern: 'REPORT', limit: 2 }),
    );
    const rest = await client.send(
      new FilterLogEventsCommand({
        logGroupName: '/aws/lambda/filtered',
        filterPattern: 'REPORT',
        limit: 2,
        nextToken: first.nextToken,
      }),
    );

    // Assess
    expect(first.events?.map((event) => [event.logStreamName, event.message])).toEqual([
      ['a', 'REPORT one'],
      ['a', 'REPORT two'],
    ]);
    expect(first.nextToken).toBeDefined();
    expect(rest.events?.map((event) => event.message)).toEqual(['REPORT three']);
    expect(rest.nextToken).toBeUndefined();
    expect(
      new Set([...(first.events ?? []), ...(rest.events ?? [])].map((event) => event.eventId)).size,
    ).toBe(3);
  });

  it('answers a missing group with ResourceNotFoundException and a duplicate with ResourceAlreadyExistsException', async () => {
    // Prepare
    await client.send(new CreateLogGroupCommand({ logGroupName: 'twice' }));

    // Act
    const missing = await client
      .send(new FilterLogEventsCommand({ logGroupName: 'nowhere' }))
      .catch((error: unknown) => error);
    const duplicate = await client
      .send(new CreateLogGroupCommand({ logGroupName: 'twice' }))
      .catch((error: unknown) => error);

    // Assess
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
    expect(duplicate).toMatchObject({ name: 'ResourceAlreadyExistsException' });
  });

  it('answers an unsupported action with an AWS-shaped 400', async () => {
    // Act
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'Logs_20140328.StartQuery', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'UnknownOperationException',
      message: expect.stringContaining('StartQuery'),
    });
  });
});
