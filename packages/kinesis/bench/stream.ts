/**
 * `pnpm bench` (kinesis): put → handler through the local cloud's stream poller, next to the emulator's own
 * put / get-records loop, in one run. Prints records per second and put → handler (or put → read) latency;
 * asserts nothing.
 *
 * Both sides run on one local cloud, at real time: the pipeline is a 2-shard stream mapped to this package's
 * consumer (batches of 100, no batching window, 60 s tumbling windows, partial batch responses); the raw side is a
 * second 2-shard stream read with GetShardIterator / GetRecords in a tight loop per shard, through the same
 * endpoint producers use. Throughput is measured in ROUNDS pairs (raw right before pipeline) and the medians
 * printed: on 2 shared cores a single run swings with whatever else the machine is doing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TriggerFunction } from '@triggers/kit';
import { type InvocationRecord, type LocalCloud, startLocalCloud } from '@triggers/local-cloud';
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { CONSUMER_SERVICE_NAME, ENV, WINDOW_SECONDS } from '../src/contract.ts';

const RECORDS = 4000;
const ROUNDS = 3;
const PRODUCERS = 4;
const LATENCY_SAMPLES = 100;
/** Untimed records each side gets first: the JIT, kept-alive sockets, warm execution environments. */
const WARM_UP = 400;

/** The consumer alone on a stream: what `KinesisIntegration` maps, without Firehose reading beside it. */
class PipelineStack extends Stack {
  constructor(app: App) {
    super(app, 'Bench-Kinesis');
    const stream = new kinesis.Stream(this, 'Stream', {
      shardCount: 2,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const table = new dynamodb.Table(this, 'Aggregates', {
      partitionKey: { name: 'pagePath', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'windowKey', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fn = new TriggerFunction(this, 'Consumer', {
      entry: fileURLToPath(new URL('../src/handlers/consumer.ts', import.meta.url)),
      serviceName: CONSUMER_SERVICE_NAME,
      environment: { [ENV.aggregatesTable]: table.tableName },
    });
    table.grant(fn, 'dynamodb:PutItem');
    fn.addEventSource(
      new KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        tumblingWindow: Duration.seconds(WINDOW_SECONDS),
        reportBatchItemFailures: true,
        retryAttempts: 3,
      }),
    );
    new CfnOutput(this, 'StreamName', { value: stream.streamName });
  }
}

const pageView = (n: number) =>
  Buffer.from(
    JSON.stringify({
      type: 'page_view',
      page: `/page/${n % 50}`,
      visitorId: `v-${n % 500}`,
      occurredAt: new Date().toISOString(),
    }),
  );

/** Puts `count` records from PRODUCERS parallel producers, 100 a call. */
async function putAll(client: KinesisClient, streamName: string, count: number, offset = 0): Promise<void> {
  let next = 0;
  const producer = async () => {
    while (next < count) {
      const start = next;
      next += 100;
      const records = Array.from({ length: Math.min(100, count - start) }, (_, i) => ({
        PartitionKey: `v-${(offset + start + i) % 500}`,
        Data: pageView(offset + start + i),
      }));
      await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
}

/** Reads every shard of a stream in a tight GetRecords loop, counting records; `seen` is told of each. */
async function readAll(
  client: KinesisClient,
  streamName: string,
  onRecord: (sequenceNumber: string) => void,
) {
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
  const stop = { now: false };
  const readers = Shards.map(async (shard) => {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (!stop.now && iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) onRecord(record.SequenceNumber ?? '');
      iterator = page.NextShardIterator;
      if ((page.Records ?? []).length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });
  return {
    stop: async () => {
      stop.now = true;
      await Promise.all(readers);
    },
  };
}

const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
};

/** Records per second from the first put until `delivered()` reaches `count` more than it was. */
async function throughput(
  client: KinesisClient,
  streamName: string,
  delivered: () => number,
  offset: number,
) {
  const before = delivered();
  const started = performance.now();
  await putAll(client, streamName, RECORDS, offset);
  await until(() => delivered() - before >= RECORDS);
  return RECORDS / ((performance.now() - started) / 1000);
}

/** Put → seen, one record at a time: each latency from just before PutRecord to when `seenAt` has its number. */
async function latencies(client: KinesisClient, streamName: string, seenAt: Map<string, number>) {
  const samples: number[] = [];
  for (let n = 0; n < LATENCY_SAMPLES; n++) {
    const sent = Date.now();
    const { SequenceNumber = '' } = await client.send(
      new PutRecordCommand({ StreamName: streamName, PartitionKey: `v-${n}`, Data: pageView(n) }),
    );
    await until(() => seenAt.has(SequenceNumber));
    samples.push((seenAt.get(SequenceNumber) ?? sent) - sent);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return samples;
}

const median = (values: number[]) => percentile(values, 50);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'bench-kinesis-'));
  let cloud: LocalCloud | undefined;
  let client: KinesisClient | undefined;
  try {
    const app = new App({
      outdir: join(work, 'assembly'),
      context: { 'aws:cdk:enable-asset-metadata': true },
    });
    new PipelineStack(app);
    app.synth();
    cloud = await startLocalCloud({ assembly: join(work, 'assembly'), port: 0 });
    const running = cloud;
    client = new KinesisClient({
      ...running.clientConfig,
      requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 64 } }),
    });
    const pipelineStream = running.stacks[0]?.outputs.StreamName ?? '';

    // The pipeline: what the consumer has been handed, and when each record first reached it.
    let handed = 0;
    const pipelineSeen = new Map<string, number>();
    const stopWatching = running.watch({
      invocation: (record: InvocationRecord) => {
        const records =
          (record.event as { Records?: { kinesis: { sequenceNumber: string } }[] }).Records ?? [];
        handed += records.length;
        for (const { kinesis: data } of records) {
          if (!pipelineSeen.has(data.sequenceNumber)) pipelineSeen.set(data.sequenceNumber, record.startedAt);
        }
      },
    });

    // The raw loop: a second stream, read as fast as GetRecords goes.
    const rawStream = 'bench-raw';
    await client.send(new CreateStreamCommand({ StreamName: rawStream, ShardCount: 2 }));
    await waitUntilStreamExists({ client, maxWaitTime: 30 }, { StreamName: rawStream });
    let read = 0;
    const rawSeen = new Map<string, number>();
    const reader = await readAll(client, rawStream, (sequenceNumber) => {
      read += 1;
      if (!rawSeen.has(sequenceNumber)) rawSeen.set(sequenceNumber, Date.now());
    });

    // Warm both sides, then measure in pairs.
    await putAll(client, rawStream, WARM_UP);
    await putAll(client, pipelineStream, WARM_UP);
    await until(() => read >= WARM_UP && handed >= WARM_UP);
    const raw: number[] = [];
    const pipeline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      raw.push(await throughput(client, rawStream, () => read, (round + 1) * RECORDS));
      pipeline.push(await throughput(client, pipelineStream, () => handed, (round + 1) * RECORDS));
    }
    const rawLatency = await latencies(client, rawStream, rawSeen);
    const pipelineLatency = await latencies(client, pipelineStream, pipelineSeen);
    await reader.stop();
    stopWatching();

    const invocations = running.invocations.filter(
      (record) => (record.event as { Records?: unknown[] }).Records,
    );
    const batches = invocations.filter(
      (record) => ((record.event as { Records: unknown[] }).Records.length ?? 0) > 0,
    );
    const meanBatch =
      batches.reduce((sum, record) => sum + (record.event as { Records: unknown[] }).Records.length, 0) /
      batches.length;

    console.log(
      `Kinesis put → handler, Node ${process.version}, 2 shards, ${RECORDS} records a round, ${ROUNDS} rounds`,
    );
    console.log(
      '                                    records/s (median, min–max)   latency p50    p95     p99',
    );
    const row = (label: string, rates: number[], lat: number[]) =>
      console.log(
        [
          label.padEnd(36),
          `${median(rates).toFixed(0)} (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)})`.padEnd(
            30,
          ),
          `${percentile(lat, 50).toFixed(0)} ms`.padStart(11),
          `${percentile(lat, 95).toFixed(0)} ms`.padStart(9),
          `${percentile(lat, 99).toFixed(0)} ms`.padStart(9),
        ].join(''),
      );
    row('raw emulator: put / get-records', raw, rawLatency);
    row('stream poller → consumer λ', pipeline, pipelineLatency);
    console.log(
      `Pipeline: ${median(pipeline) / median(raw) >= 1 ? 'at' : `${((median(pipeline) / median(raw)) * 100).toFixed(0)} % of`} the raw loop's throughput; ` +
        `${batches.length} invocations with records, ${meanBatch.toFixed(1)} records each on average.`,
    );
  } finally {
    client?.destroy();
    await cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
