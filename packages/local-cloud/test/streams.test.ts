/**
 * Kinesis and Firehose in the local cloud, end to end, on a fixture template (`fixtures/assemblies/streams`): a
 * two-shard stream read by a function (ReportBatchItemFailures, one retry, an SQS on-failure queue) and by a
 * Firehose delivery stream whose transformation drops bots and fails what is not JSON, into a bucket; an
 * on-demand stream; a Direct PUT delivery stream. Driven with SDK v3 and the AWS CLI through the gateway.
 */
import { join } from 'node:path';
import {
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { streamNameOf } from '../src/triggers/kinesis.ts';
import type { StreamEventSourceState } from '../src/triggers/stream-poller.ts';
import { awsCli, itWithAwsCli } from './aws-cli.ts';

const ASSEMBLY = join(import.meta.dirname, 'fixtures', 'assemblies', 'streams');

describe('Kinesis and Firehose in the local cloud', { timeout: 60_000 }, () => {
  let cloud: LocalCloud;
  let outputs: Record<string, string>;
  let kinesis: KinesisClient;
  let firehose: FirehoseClient;
  let s3: S3Client;
  let sqs: SQSClient;

  beforeAll(async () => {
    // A minute passes in 1.2 s: the delivery streams' 60 s buffer interval, the mapping's retry backoff.
    cloud = await startLocalCloud({ assembly: ASSEMBLY, port: 0, timeScale: 0.02 });
    outputs = { ...cloud.stacks[0]?.outputs };
    // HTTP/1.1, as most clients speak; the Kinesis client's own default, HTTP/2, has a test of its own.
    kinesis = new KinesisClient({ ...cloud.clientConfig, requestHandler: new NodeHttpHandler() });
    firehose = new FirehoseClient(cloud.clientConfig);
    s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
    sqs = new SQSClient(cloud.clientConfig);
  }, 60_000);

  afterAll(async () => {
    for (const client of [kinesis, firehose, s3, sqs]) client?.destroy();
    await cloud?.stop();
  });

  /** What `check` finds once it finds something (it returns undefined until then). */
  function waitFor<T>(check: () => Promise<T | undefined>, timeout: number): Promise<T> {
    return vi.waitFor(
      async () => {
        const found = await check();
        if (found === undefined) throw new Error('not yet');
        return found;
      },
      { timeout, interval: 100 },
    );
  }

  async function objects(prefix: string): Promise<{ key: string; body: string }[]> {
    const { Contents = [] } = await s3.send(
      new ListObjectsV2Command({ Bucket: outputs.BucketName, Prefix: prefix }),
    );
    return Promise.all(
      Contents.map(async ({ Key = '' }) => {
        const object = await s3.send(new GetObjectCommand({ Bucket: outputs.BucketName, Key }));
        return { key: Key, body: (await object.Body?.transformToString()) ?? '' };
      }),
    );
  }

  it('deploys the streams as the template declares them: shards, retention, on-demand, Ref and Arn', async () => {
    // Act
    const { StreamDescriptionSummary: stream } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: outputs.StreamName }),
    );
    const { Shards: onDemandShards = [] } = await kinesis.send(
      new ListShardsCommand({ StreamName: 'on-demand' }),
    );

    // Assess
    expect(stream).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 2, RetentionPeriodHours: 48 });
    expect(outputs.StreamArn).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${outputs.StreamName}`);
    expect(onDemandShards).toHaveLength(4);
    const resources = cloud.stacks[0]?.resources ?? [];
    expect(resources.find((resource) => resource.logicalId === 'Stream')?.detail).toMatch(
      /StreamEncryption \(KMS\) is recorded, not enforced/,
    );
    expect(resources.find((resource) => resource.logicalId === 'Mapping')?.status).toBe('created');
    expect(outputs.ConsumerArn).toMatch(
      /^arn:aws:kinesis:us-east-1:000000000000:stream\/on-demand\/consumer\/fan-out:\d+$/,
    );
    expect(streamNameOf(outputs.ConsumerArn ?? '')).toBe('on-demand');
    expect(outputs.DeliveryStreamArn).toBe(
      `arn:aws:firehose:us-east-1:000000000000:deliverystream/${outputs.DeliveryStreamName}`,
    );
  });

  it('answers SDK v3’s Kinesis client with its default HTTP/2 handler (the gateway speaks both)', async () => {
    // Prepare
    const http2Client = new KinesisClient(cloud.clientConfig);

    // Act
    const put = await http2Client
      .send(
        new PutRecordsCommand({
          StreamName: outputs.StreamName,
          Records: [{ PartitionKey: 'h2', Data: Buffer.from('{"page":"/h2"}') }],
        }),
      )
      .finally(() => http2Client.destroy());

    // Assess
    expect(put.FailedRecordCount).toBe(0);
    expect(put.Records?.[0]?.SequenceNumber).toMatch(/^\d+$/);
  });

  it('knows a stream by its ARN too (StreamARN instead of StreamName), as AWS does', async () => {
    // Act
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamARN: outputs.StreamArn,
        Records: [{ PartitionKey: 'by-arn', Data: Buffer.from('{"page":"/arn"}') }],
      }),
    );
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamARN: outputs.StreamArn }),
    );

    // Assess
    expect(put.FailedRecordCount).toBe(0);
    expect(StreamDescriptionSummary?.StreamName).toBe(outputs.StreamName);
  });

  it('runs the mapping: the record the function reports failed reaches the on-failure queue with its batch info after one retry', async () => {
    // Prepare
    const { Records = [] } = await kinesis.send(
      new PutRecordsCommand({
        StreamName: outputs.StreamName,
        Records: [
          { PartitionKey: 'user-1', Data: Buffer.from('{"page":"/"}') },
          { PartitionKey: 'user-2', Data: Buffer.from('{"page":"/poison"}') },
          { PartitionKey: 'user-3', Data: Buffer.from('{"page":"/about"}') },
        ],
      }),
    );
    const poison = Records[1];

    // Act
    const messages = await waitFor(async () => {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: outputs.OnFailureQueueUrl, WaitTimeSeconds: 1 }),
      );
      return received.Messages?.length ? received.Messages : undefined;
    }, 30_000);

    // Assess
    const record = JSON.parse(messages[0]?.Body ?? '{}');
    expect(record).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: poison?.ShardId,
        startSequenceNumber: poison?.SequenceNumber,
        streamArn: outputs.StreamArn,
      },
    });
    const consumed = cloud.invocations.find((invocation) => invocation.source === 'aws:kinesis');
    const firstRecord = (consumed?.event as { Records?: { invokeIdentityArn: string }[] } | undefined)
      ?.Records?.[0];
    expect(firstRecord?.invokeIdentityArn).toBe('arn:aws:iam::000000000000:role/local');
    const mapping = cloud.eventSources.find((source) => source.description.startsWith('Kinesis mapping'));
    const state = mapping?.state() as StreamEventSourceState;
    expect(state.shards).toBe(2);
    expect(state.discarded).toBeGreaterThanOrEqual(1);
    expect(state.retries).toBeGreaterThanOrEqual(1);
    expect(
      cloud.deliveries.some((delivery) => delivery.service === 'sqs' && delivery.outcome === 'delivered'),
    ).toBe(true);
  });

  it('delivers the stream through Firehose: transformed records under the dated prefix, failed ones under the error prefix, bots nowhere', async () => {
    // Prepare
    const marker = `run-${Date.now()}`;
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: outputs.StreamName,
        Records: [
          { PartitionKey: 'a', Data: Buffer.from(JSON.stringify({ marker, page: '/home' })) },
          { PartitionKey: 'b', Data: Buffer.from(`${marker} is not json`) },
          { PartitionKey: 'c', Data: Buffer.from(JSON.stringify({ marker, ua: 'bot' })) },
        ],
      }),
    );

    // Act: the 60 s buffer interval passes in 1.2 s
    const [delivered, failed] = await waitFor(async () => {
      const views = (await objects('views/')).filter((object) => object.body.includes(marker));
      const errors = (await objects('errors/processing-failed/')).filter((object) =>
        Buffer.from(object.body.match(/"rawData":"([^"]+)"/)?.[1] ?? '', 'base64')
          .toString()
          .includes(marker),
      );
      return views.length > 0 && errors.length > 0 ? [views, errors] : undefined;
    }, 30_000);

    // Assess
    expect(delivered.map((object) => object.key)).toEqual([
      expect.stringMatching(/^views\/\d{4}\/\d\d\/\d\d\/Triggers-Streams-DeliveryStream-/),
    ]);
    const lines = delivered
      .flatMap((object) => object.body.trim().split('\n'))
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.marker === marker)).toEqual([
      { marker, page: '/home', seen: true, shard: expect.stringMatching(/^shardId-/) },
    ]);
    const errorRecord = JSON.parse(failed[0]?.body.trim().split('\n')[0] ?? '{}');
    expect(errorRecord).toMatchObject({ errorCode: 'Lambda.ProcessingFailedStatus', attemptsMade: 1 });
    expect(JSON.stringify(await objects(''))).not.toContain(
      Buffer.from(JSON.stringify({ marker, ua: 'bot' })).toString('base64'),
    );
  });

  it('answers the Firehose API: PutRecordBatch to Direct PUT, refusals for a Kinesis-sourced or unknown stream', async () => {
    // Act
    const batch = await firehose.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'direct-put',
        Records: [{ Data: Buffer.from('{"n":1}\n') }, { Data: Buffer.from('{"n":2}\n') }],
      }),
    );
    const refused = await firehose
      .send(
        new PutRecordCommand({
          DeliveryStreamName: outputs.DeliveryStreamName,
          Record: { Data: Buffer.from('x') },
        }),
      )
      .catch((error: unknown) => error);
    const unknown = await firehose
      .send(
        new PutRecordCommand({ DeliveryStreamName: 'no-such-stream', Record: { Data: Buffer.from('x') } }),
      )
      .catch((error: unknown) => error);
    const described = await firehose.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: outputs.DeliveryStreamName }),
    );
    const listed = await firehose.send(new ListDeliveryStreamsCommand({}));

    // Assess
    expect(batch.FailedPutCount).toBe(0);
    expect(batch.RequestResponses).toHaveLength(2);
    expect(refused).toMatchObject({
      name: 'InvalidArgumentException',
      message: 'This operation is not permitted on KinesisStreamAsSource delivery stream type.',
    });
    expect(unknown).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Firehose no-such-stream under account 000000000000 not found.',
    });
    expect(described.DeliveryStreamDescription).toMatchObject({
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: 'KinesisStreamAsSource',
      Source: { KinesisStreamSourceDescription: { KinesisStreamARN: outputs.StreamArn } },
    });
    expect(listed.DeliveryStreamNames).toEqual(
      expect.arrayContaining(['direct-put', outputs.DeliveryStreamName]),
    );
    const written = await waitFor(async () => {
      const found = (await objects('direct/')).filter((object) => object.body.includes('{"n":1}'));
      return found.length > 0 ? found : undefined;
    }, 30_000);
    expect(written[0]?.body).toBe('{"n":1}\n{"n":2}\n');
  });

  it('refuses a PutRecordBatch of 501 records and a record over 1,000 KiB with ValidationException, as Firehose does', async () => {
    // Act
    const tooMany = await firehose
      .send(
        new PutRecordBatchCommand({
          DeliveryStreamName: 'direct-put',
          Records: Array.from({ length: 501 }, () => ({ Data: Buffer.from('x') })),
        }),
      )
      .catch((error: unknown) => error);
    const tooBig = await firehose
      .send(
        new PutRecordCommand({
          DeliveryStreamName: 'direct-put',
          Record: { Data: Buffer.alloc(1000 * 1024 + 1, 'x') },
        }),
      )
      .catch((error: unknown) => error);

    // Assess
    expect(tooMany).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/less than or equal to 500$/),
    });
    expect(tooBig).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/less than or equal to 1024000$/),
    });
  });

  itWithAwsCli(
    'works with the AWS CLI v2 as printed: kinesis put-record / get-records, firehose put-record',
    async () => {
      // Act
      const put = JSON.parse(
        (
          await awsCli(cloud.endpoint, [
            'kinesis',
            'put-record',
            '--stream-name',
            outputs.StreamName ?? '',
            '--partition-key',
            'cli',
            '--data',
            Buffer.from('{"page":"/cli"}').toString('base64'),
          ])
        ).stdout,
      );
      const iterator = JSON.parse(
        (
          await awsCli(cloud.endpoint, [
            'kinesis',
            'get-shard-iterator',
            '--stream-name',
            outputs.StreamName ?? '',
            '--shard-id',
            put.ShardId,
            '--shard-iterator-type',
            'AT_SEQUENCE_NUMBER',
            '--starting-sequence-number',
            put.SequenceNumber,
          ])
        ).stdout,
      );
      const records = JSON.parse(
        (await awsCli(cloud.endpoint, ['kinesis', 'get-records', '--shard-iterator', iterator.ShardIterator]))
          .stdout,
      );
      const firehosePut = JSON.parse(
        (
          await awsCli(cloud.endpoint, [
            'firehose',
            'put-record',
            '--delivery-stream-name',
            'direct-put',
            '--record',
            `Data=${Buffer.from('{"cli":true}\n').toString('base64')}`,
          ])
        ).stdout,
      );

      // Assess
      expect(put.ShardId).toMatch(/^shardId-00000000000[01]$/);
      expect(Buffer.from(records.Records[0].Data, 'base64').toString()).toBe('{"page":"/cli"}');
      expect(firehosePut.RecordId).toMatch(/^\d+$/);
      const written = await waitFor(async () => {
        const found = (await objects('direct/')).filter((object) => object.body.includes('{"cli":true}'));
        return found.length > 0 ? found : undefined;
      }, 30_000);
      expect(written[0]?.body).toBe('{"cli":true}\n');
    },
  );
});
