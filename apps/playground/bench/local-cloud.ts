/**
 * `pnpm bench` (local cloud): SQS → Lambda pipeline throughput next to the raw emulator's ceiling, send → handler
 * latency, a cold start, and start-to-ready of the whole app. Prints figures; asserts nothing.
 *
 * Throughput is measured in ROUNDS pairs, a raw round right before each pipeline round, and the medians are
 * compared: on 2 shared cores a single run of each swings by ±30% with whatever else the machine is doing.
 * The raw consumers use the SDK; the mapping's pollers speak SQS's JSON protocol to fauxqs without it, so the
 * pipeline can come out above the raw figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createApp } from '@triggers/infra';
import { TriggerFunction } from '@triggers/kit';
import { type InvocationRecord, type LocalCloud, startFauxqs, startLocalCloud } from '@triggers/local-cloud';
import { queueDepth } from '@triggers/local-cloud/testing';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';

const MESSAGES = 3000;
const WORKERS = 5; // like the event source mapping's pollers
const LATENCY_SAMPLES = 200;
const ROUNDS = 3;
/** Untimed messages each side gets first: the JIT, kept-alive sockets, and (for the pipeline) warm environments. */
const WARM_UP = 500;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sqsClient = (endpoint: string) => new SQSClient({ endpoint, region: 'us-east-1', credentials });
const work = mkdtempSync(join(tmpdir(), 'bench-local-cloud-'));

/** Sends `count` messages in batches of 10 from WORKERS parallel producers. */
async function sendAll(client: SQSClient, queueUrl: string, count: number): Promise<void> {
  let next = 0;
  const producer = async () => {
    while (next < count) {
      const start = next;
      next += 10;
      const entries = Array.from({ length: Math.min(10, count - start) }, (_, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify({ n: start + i }),
      }));
      await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, producer));
}

/** The emulator alone: send, receive and delete `count` messages with WORKERS consumers, as fast as it goes. */
async function rawCeiling(count: number): Promise<number> {
  // The same emulator, set up the same way, as the local cloud's pollers use (on 127.0.0.1).
  const fauxqs = await startFauxqs();
  const client = sqsClient(fauxqs.url);
  try {
    const { QueueUrl = '' } = await client.send(new CreateQueueCommand({ QueueName: 'ceiling' }));
    const started = performance.now();
    let deleted = 0;
    let finished = 0;
    const consumer = async () => {
      while (deleted < count) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        if (Messages.length === 0) continue;
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
        deleted += Messages.length;
        // The clock stops at the last delete, not when idle consumers' long polls run out.
        if (deleted >= count && finished === 0) finished = performance.now();
      }
    };
    await Promise.all([sendAll(client, QueueUrl, count), ...Array.from({ length: WORKERS }, consumer)]);
    return count / ((finished - started) / 1000);
  } finally {
    client.destroy();
    await fauxqs.stop();
  }
}

/** A queue drained by a no-op function: batch size 10, no batching window. */
class PipelineStack extends Stack {
  constructor(app: App) {
    super(app, 'Bench-Pipeline');
    const queue = new sqs.Queue(this, 'Queue');
    const fn = new TriggerFunction(this, 'Noop', {
      entry: fileURLToPath(new URL('./functions/noop.ts', import.meta.url)),
      serviceName: 'bench-noop',
    });
    fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
    new CfnOutput(this, 'QueueUrl', { value: queue.queueUrl });
    new CfnOutput(this, 'FunctionName', { value: fn.functionName });
  }
}

function synth(outdir: string, define: (app: App) => void): string {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  define(app);
  app.synth();
  return outdir;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const messagesIn = (records: readonly InvocationRecord[]) =>
  records.reduce((sum, r) => sum + ((r.event as { Records?: unknown[] }).Records?.length ?? 0), 0);

/** Sends `count` messages through the queue, the mapping and the function; msg/s until the last is deleted. */
async function drain(cloud: LocalCloud, client: SQSClient, queueUrl: string, count: number): Promise<number> {
  const seen = messagesIn(cloud.invocations);
  const started = performance.now();
  await sendAll(client, queueUrl, count);
  while (messagesIn(cloud.invocations) - seen < count) await new Promise((resolve) => setTimeout(resolve, 5));
  // Done when the mapping has also deleted every message, as the raw consumers did.
  while ((await queueDepth(client, queueUrl)) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  return count / ((performance.now() - started) / 1000);
}

async function pipeline() {
  const assembly = synth(join(work, 'pipeline'), (app) => new PipelineStack(app));
  const cloud = await startLocalCloud({ assembly, port: 0 });
  const client = sqsClient(cloud.endpoint);
  try {
    const { QueueUrl = '', FunctionName = '' } = cloud.stacks[0]?.outputs ?? {};

    // Cold start: the first invoke of a fresh function, through the Invoke API path.
    const coldStarted = performance.now();
    await cloud.invoke(FunctionName, {});
    const coldMs = performance.now() - coldStarted;
    const initMs = cloud.invocations[0]?.initDurationMs ?? Number.NaN;

    // Latency: one message at a time, from SentTimestamp to the invocation's start.
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const before = cloud.invocations.length;
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: `{"sample":${i}}` }));
      while (cloud.invocations.length === before) await new Promise((resolve) => setTimeout(resolve, 1));
      const record = cloud.invocations.at(-1) as InvocationRecord;
      const sent = Number(
        (record.event as { Records: { attributes: { SentTimestamp: string } }[] }).Records[0]?.attributes
          .SentTimestamp,
      );
      latencies.push(record.startedAt - sent);
    }

    // Warm-up, as the raw ceiling gets one. The mapping's five pollers scale the function out from the one
    // environment the latency samples used; those cold starts are measured above, not in the throughput.
    await drain(cloud, client, QueueUrl, WARM_UP);

    // Throughput: MESSAGES through the queue, the mapping and the function, each round right after a raw one.
    const ceilings: number[] = [];
    const throughputs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ceilings.push(await rawCeiling(MESSAGES));
      throughputs.push(await drain(cloud, client, QueueUrl, MESSAGES));
    }
    return { coldMs, initMs, latencies, ceilings, throughputs };
  } finally {
    client.destroy();
    await cloud.stop();
  }
}

/** `pnpm start`'s work after synth: emulators up, every stack deployed, ready to take requests. */
async function startToReady(): Promise<number> {
  const assembly = join(work, 'infra');
  createApp({ outdir: assembly, context: { 'aws:cdk:enable-asset-metadata': true } }).synth();
  const started = performance.now();
  const cloud = await startLocalCloud({ assembly, port: 0 });
  const ms = performance.now() - started;
  await cloud.stop();
  return ms;
}

try {
  await rawCeiling(WARM_UP);
  const result = await pipeline();
  const ceiling = percentile(result.ceilings, 50);
  const throughput = percentile(result.throughputs, 50);
  const rounds = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');
  const ready = await startToReady();
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`Local cloud (${MESSAGES} messages, ${WORKERS} producers/consumers, Node ${process.version})`);
  console.log(
    `  raw fauxqs send/receive/delete   ${ceiling.toFixed(0)} msg/s  (median of ${rounds(result.ceilings)})`,
  );
  console.log(
    `  SQS → Lambda pipeline (no-op)    ${throughput.toFixed(0)} msg/s  = ${((100 * throughput) / ceiling).toFixed(0)}% of raw (target ≥ 70%; median of ${rounds(result.throughputs)})`,
  );
  console.log(
    `  send → handler latency, window 0 p50 ${ms(percentile(result.latencies, 50))}  p99 ${ms(percentile(result.latencies, 99))}  (target p50 ≤ 50 ms; ${LATENCY_SAMPLES} samples)`,
  );
  console.log(
    `  cold start                       ${ms(result.coldMs)} to first response (Init Duration ${ms(result.initMs)})`,
  );
  console.log(`  start to ready, whole app        ${ms(ready)} excluding synth (target ≤ 10 s)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
