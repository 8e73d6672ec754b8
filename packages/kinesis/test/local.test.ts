/**
 * End to end in the local cloud: the synthesized KinesisStack (template and both real bundles) deployed onto
 * kinesalite, DynamoDB Local, fauxqs and the local cloud's stream poller and Firehose, driven with 1,000 records
 * across both shards, judged by what lands in the table, the on-failure queue and the archive bucket. The cloud's
 * clock runs 50 times faster: a minute's window closes in about a second, a retry's backoff takes milliseconds.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '@triggers/local-cloud';
import { deployLocally, type LocalDeployment, waitFor } from '@triggers/local-cloud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizePage } from '../src/page-view.ts';
import { KinesisStack } from '../src/stack.ts';

const RETRIES = 3;

/** A record as the test put it, and what became of it on the stream. */
interface Sent {
  readonly kind: 'view' | 'bot' | 'heartbeat' | 'poison' | 'garbage';
  readonly partitionKey: string;
  readonly data: string;
  /** The normalized page a view counts for. */
  readonly page?: string;
  shardId?: string;
  sequenceNumber?: string;
}

describe('KinesisStack in the local cloud', () => {
  let deployment: LocalDeployment;
  let cloud: LocalCloud;
  let outputs: Readonly<Record<string, string>>;
  let kinesis: KinesisClient;
  let sent: Sent[];
  let poisonedShard: string;
  let cleanShard: string;

  beforeAll(async () => {
    deployment = await deployLocally((app) => new KinesisStack(app, 'Triggers-Kinesis'), { timeScale: 0.02 });
    ({ cloud, outputs } = deployment);
    kinesis = deployment.client(KinesisClient);

    // Prepare: visitors on each shard (Kinesis puts a record on the shard whose hash range holds MD5(partition key))
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: outputs.StreamName }));
    expect(Shards).toHaveLength(2);
    const shardOf = (key: string) => {
      const hash = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
      return Shards.find(
        (shard) =>
          hash >= BigInt(shard.HashKeyRange?.StartingHashKey ?? -1) &&
          hash <= BigInt(shard.HashKeyRange?.EndingHashKey ?? -1),
      )?.ShardId;
    };
    const visitors = Array.from({ length: 200 }, (_, n) => `v-${n}`);
    [poisonedShard, cleanShard] = Shards.map((shard) => shard.ShardId ?? '') as [string, string];
    const poisonedVisitors = visitors.filter((visitor) => shardOf(visitor) === poisonedShard);

    // 1,000 records: 860 page views (both shards), 30 bots' views, 50 heartbeats, 10 that are not JSON, and 50
    // poison views (JSON, but no valid page) — 5 %, all from visitors on one shard
    const pages = [
      '/pricing',
      '/Pricing/',
      '/docs/start?ref=nav',
      '/',
      '/blog/kinesis#comments',
      '/docs//start',
    ];
    const view = (n: number, visitor: string, extra: object = {}) =>
      JSON.stringify({
        type: 'page_view',
        page: pages[n % pages.length],
        visitorId: visitor,
        occurredAt: new Date(Date.UTC(2026, 11, 5, 10, 1, n % 60)).toISOString(),
        userAgent:
          n % 3 ? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' : 'Mozilla/5.0 (iPhone) Mobile/15E148',
        ...extra,
      });
    sent = [
      ...Array.from({ length: 860 }, (_, n): Sent => {
        const visitor = visitors[n % visitors.length] as string;
        return {
          kind: 'view',
          partitionKey: visitor,
          data: view(n, visitor),
          page: normalizePage(pages[n % pages.length] ?? ''),
        };
      }),
      ...Array.from(
        { length: 30 },
        (_, n): Sent => ({
          kind: 'bot',
          partitionKey: `v-${n}`,
          data: view(n, `v-${n}`, { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1)' }),
        }),
      ),
      ...Array.from(
        { length: 50 },
        (_, n): Sent => ({
          kind: 'heartbeat',
          partitionKey: `v-${n}`,
          data: JSON.stringify({ type: 'heartbeat', visitorId: `v-${n}`, beat: n }),
        }),
      ),
      ...Array.from(
        { length: 10 },
        (_, n): Sent => ({ kind: 'garbage', partitionKey: `v-${n}`, data: `page_view /pricing #${n}` }),
      ),
      ...Array.from({ length: 50 }, (_, n): Sent => {
        const visitor = poisonedVisitors[n % poisonedVisitors.length] as string;
        return { kind: 'poison', partitionKey: visitor, data: view(n, visitor, { page: `no-slash-${n}` }) };
      }),
    ];
    // Shuffled (deterministically) so poison records sit between good ones, as they would.
    sent.sort((a, b) => hashOf(a.data) - hashOf(b.data));

    // Act: put them, 100 a call, in order
    for (let start = 0; start < sent.length; start += 100) {
      const chunk = sent.slice(start, start + 100);
      const { Records = [], FailedRecordCount } = await kinesis.send(
        new PutRecordsCommand({
          StreamName: outputs.StreamName,
          Records: chunk.map((record) => ({
            PartitionKey: record.partitionKey,
            Data: Buffer.from(record.data),
          })),
        }),
      );
      expect(FailedRecordCount ?? 0).toBe(0);
      Records.forEach((result, index) => {
        const record = chunk[index] as Sent;
        record.shardId = result.ShardId;
        record.sequenceNumber = result.SequenceNumber;
      });
    }
  }, 180_000);

  afterAll(async () => {
    await deployment?.stop();
  });

  const ofKind = (kind: Sent['kind']) => sent.filter((record) => record.kind === kind);

  it('counts every valid view exactly once, sends every poison record to the on-failure queue, and never stalls the other shard', async () => {
    // Prepare
    const dynamodb = deployment.client(DynamoDBClient);
    const sqs = deployment.client(SQSClient);
    const expected = new Map<string, number>();
    for (const record of ofKind('view'))
      expected.set(record.page ?? '', (expected.get(record.page ?? '') ?? 0) + 1);
    const failureRecords = () =>
      cloud.deliveries.filter((delivery) =>
        delivery.destinationArn.endsWith(`:${queueNameOf(outputs.DeadLetterQueueUrl)}`),
      );

    // Act: settled when every view is in the table and every poison record was given up on
    const settled = await waitFor(
      async () => sum(await aggregates(dynamodb)) === 860 && failureRecords().length >= 50,
      120_000,
    );

    // Assess: the table
    expect(settled).toBe(true);
    const items = await aggregates(dynamodb);
    const views = new Map<string, number>();
    for (const item of items) views.set(item.pagePath, (views.get(item.pagePath) ?? 0) + item.views);
    expect(views).toEqual(expected);
    expect(new Set(items.map((item) => item.shardId))).toEqual(new Set([poisonedShard, cleanShard]));

    // Assess: the on-failure queue holds each poison record alone, with its batch info
    const messages = await drain(sqs, outputs.DeadLetterQueueUrl ?? '');
    const failures = messages.map((body) => JSON.parse(body));
    expect(failures).toHaveLength(50);
    const poison = ofKind('poison');
    expect(new Set(failures.map((failure) => failure.KinesisBatchInfo.startSequenceNumber))).toEqual(
      new Set(poison.map((record) => record.sequenceNumber)),
    );
    for (const failure of failures) {
      expect(failure).toMatchObject({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: RETRIES + 1 },
        version: '1.0',
        KinesisBatchInfo: {
          shardId: poisonedShard,
          endSequenceNumber: failure.KinesisBatchInfo.startSequenceNumber,
          batchSize: 1,
          streamArn: expect.stringMatching(new RegExp(`:stream/${outputs.StreamName}$`)),
        },
      });
    }

    // Assess: heartbeats and records that are not JSON never reached the consumer (the mapping's filter)
    const consumed = consumerRecords();
    const delivered = new Set(consumed.map((record) => record.sequenceNumber));
    for (const record of [...ofKind('heartbeat'), ...ofKind('garbage')]) {
      expect(delivered.has(record.sequenceNumber ?? '')).toBe(false);
    }

    // Assess: the clean shard went on while the poisoned one retried — every record delivered once, no failure,
    // and its last window closed before the poisoned shard was done
    const cleanInvocations = consumerInvocations().filter(
      (invocation) => invocation.event.shardId === cleanShard,
    );
    expect(cleanInvocations.every((invocation) => invocation.status === 'success')).toBe(true);
    expect(cleanInvocations.flatMap((invocation) => invocation.result?.batchItemFailures ?? [])).toEqual([]);
    const cleanDeliveries = consumed
      .filter((record) => record.shardId === cleanShard)
      .map((record) => record.sequenceNumber);
    expect(cleanDeliveries).toHaveLength(new Set(cleanDeliveries).size);
    const lastCleanWindow = Math.max(
      ...cleanInvocations
        .filter((invocation) => invocation.event.isFinalInvokeForWindow)
        .map((invocation) => invocation.startedAt),
    );
    const lastPoisonAttempt = Math.max(
      ...consumerInvocations()
        .filter((invocation) => (invocation.result?.batchItemFailures ?? []).length > 0)
        .map((invocation) => invocation.startedAt),
    );
    expect(lastCleanWindow).toBeLessThan(lastPoisonAttempt);
  }, 150_000);

  it('archives every good record once, transformed; failed records under the error prefix; dropped ones nowhere', async () => {
    // Prepare
    const s3 = deployment.client(S3Client);
    const bucket = outputs.ArchiveBucketName ?? '';

    // Act: settled when Firehose has written every good record and every failed one
    let archive = { views: [] as Record<string, unknown>[], errors: [] as Record<string, unknown>[] };
    const settled = await waitFor(async () => {
      archive = await readArchive(s3, bucket);
      return archive.views.length >= 860 && archive.errors.length >= 60;
    }, 120_000);

    // Assess: the views, once each, normalized and enriched
    expect(settled).toBe(true);
    const good = ofKind('view');
    expect(archive.views).toHaveLength(860);
    const bySequence = new Map(archive.views.map((line) => [line.sequenceNumber, line]));
    expect(bySequence.size).toBe(860);
    for (const record of good) {
      expect(bySequence.get(record.sequenceNumber)).toMatchObject({
        page: record.page,
        visitorId: record.partitionKey,
        shardId: record.shardId,
        device: expect.stringMatching(/^(mobile|desktop)$/),
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    }

    // Assess: the failed ones (poison and not JSON) as Firehose's error records, with their data as it came
    const failedData = archive.errors.map((error) =>
      Buffer.from(String(error.rawData), 'base64').toString('utf8'),
    );
    expect(failedData.sort()).toEqual(
      [...ofKind('poison'), ...ofKind('garbage')].map((record) => record.data).sort(),
    );
    for (const error of archive.errors) {
      expect(error).toMatchObject({ errorCode: expect.any(String), attemptsMade: expect.any(Number) });
    }

    // Assess: bots' views and heartbeats were dropped: in no object at all
    const everything = JSON.stringify(archive) + failedData.join('\n');
    for (const record of [...ofKind('bot'), ...ofKind('heartbeat')]) {
      expect(everything).not.toContain(record.sequenceNumber);
      expect(failedData).not.toContain(record.data);
    }
  }, 150_000);

  /** The consumer's invocations, as the local Lambda recorded them. */
  function consumerInvocations() {
    return cloud.invocations
      .filter((invocation) => invocation.functionName === outputs.FunctionName)
      .map((invocation) => ({
        ...invocation,
        event: invocation.event as {
          shardId: string;
          isFinalInvokeForWindow: boolean;
          Records: { kinesis: { sequenceNumber: string; data: string } }[];
        },
        result: invocation.result as { batchItemFailures?: { itemIdentifier: string }[] } | undefined,
      }));
  }

  /** Every record handed to the consumer, once per time it was handed over. */
  function consumerRecords() {
    return consumerInvocations().flatMap((invocation) =>
      invocation.event.Records.map((record) => ({
        shardId: invocation.event.shardId,
        sequenceNumber: record.kinesis.sequenceNumber,
      })),
    );
  }

  async function aggregates(dynamodb: DynamoDBClient) {
    const items: { pagePath: string; shardId: string; views: number }[] = [];
    for await (const page of paginateScan({ client: dynamodb }, { TableName: outputs.TableName })) {
      for (const item of page.Items ?? []) {
        items.push({
          pagePath: item.pagePath?.S ?? '',
          shardId: item.shardId?.S ?? '',
          views: Number(item.views?.N),
        });
      }
    }
    return items;
  }
});

function sum(items: readonly { views: number }[]): number {
  return items.reduce((total, item) => total + item.views, 0);
}

/** A stable pseudo-random order for the records. */
function hashOf(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0);
}

function queueNameOf(url: string | undefined): string {
  return url?.split('/').pop() ?? '';
}

async function drain(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body ?? ''));
  }
}

/** Every line of every object in the archive: the views under views/, Firehose's error records under errors/. */
async function readArchive(s3: S3Client, bucket: string) {
  const archive = { views: [] as Record<string, unknown>[], errors: [] as Record<string, unknown>[] };
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const lines = (await Body?.transformToString())?.split('\n').filter(Boolean) ?? [];
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      if (/^views\/\d{4}\/\d\d\/\d\d\//.test(key)) archive.views.push(...parsed);
      else if (/^errors\/processing-failed\/\d{4}\/\d\d\/\d\d\//.test(key)) archive.errors.push(...parsed);
      else throw new Error(`Unexpected object in the archive: ${key}`);
    }
  }
  return archive;
}
