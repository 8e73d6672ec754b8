// SCRATCH (helper's profiling, delete): pipeline vs raw with CPU accounting.
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TriggerFunction } from '@triggers/kit';
import { type InvocationRecord, startFauxqs, startLocalCloud } from '@triggers/local-cloud';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';

const MESSAGES = Number(process.env.N ?? 3000);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const sqsClient = (endpoint: string) => new SQSClient({ endpoint, region: 'us-east-1', credentials });
const work = mkdtempSync(join(tmpdir(), 'scratch-'));

async function sendAll(client: SQSClient, queueUrl: string, count: number) {
  let next = 0;
  const producer = async () => { while (next < count) { const start = next; next += 10;
    const entries = Array.from({ length: Math.min(10, count - start) }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ n: start + i }) }));
    await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })); } };
  await Promise.all(Array.from({ length: 5 }, producer));
}
function childCpu(): number {
  // utime+stime of all descendants of this process (ticks → ms)
  let total = 0;
  const out = execSync(`ps -o pid= --ppid ${process.pid}`).toString().trim().split(/\s+/).filter(Boolean);
  for (const pid of out) { try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []; total += (Number(f[11]) + Number(f[12])) * 10; } catch {} }
  return total;
}
async function raw(count: number) {
  const fauxqs = await startFauxqs(); const client = sqsClient(fauxqs.url);
  const { QueueUrl = '' } = await client.send(new CreateQueueCommand({ QueueName: 'c' }));
  const cpu0 = process.cpuUsage(); const t0 = performance.now(); let deleted = 0; let finished = 0;
  const consumer = async () => { while (deleted < count) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!Messages.length) continue;
    await client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    deleted += Messages.length; if (deleted >= count && !finished) finished = performance.now(); } };
  await Promise.all([sendAll(client, QueueUrl, count), ...Array.from({ length: 5 }, consumer)]);
  const cpu = process.cpuUsage(cpu0);
  client.destroy(); await fauxqs.stop();
  return { rate: count / ((finished - t0) / 1000), cpuMsPerK: ((cpu.user + cpu.system) / 1000) / (count / 1000) };
}
class PipelineStack extends Stack { constructor(app: App) { super(app, 'Bench-Pipeline');
  const queue = new sqs.Queue(this, 'Queue');
  const fn = new TriggerFunction(this, 'Noop', { entry: fileURLToPath(new URL('./functions/noop.ts', import.meta.url)), serviceName: 'bench-noop' });
  fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
  new CfnOutput(this, 'QueueUrl', { value: queue.queueUrl }); new CfnOutput(this, 'FunctionName', { value: fn.functionName }); } }
const messagesIn = (records: readonly InvocationRecord[]) => records.reduce((s, r) => s + ((r.event as { Records?: unknown[] }).Records?.length ?? 0), 0);
async function pipeline(rounds: number, direct: boolean) {
  const outdir = join(work, `p${Math.random()}`); const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } }); new PipelineStack(app); app.synth();
  const cloud = await startLocalCloud({ assembly: outdir, port: 0 });
  const client = sqsClient(cloud.endpoint);
  const { QueueUrl = '', FunctionName = '' } = cloud.stacks[0]?.outputs ?? {};
  await cloud.invoke(FunctionName, {});
  // fauxqs URL: find direct endpoint via the gateway's health? Use the queue url port swap not possible; skip.
  const results = [];
  for (let r = 0; r < rounds; r++) {
    const seen = messagesIn(cloud.invocations); const inv0 = cloud.invocations.length;
    const c0 = childCpu(); const cpu0 = process.cpuUsage(); const t0 = performance.now();
    await sendAll(client, QueueUrl, MESSAGES);
    const tSent = performance.now();
    while (messagesIn(cloud.invocations) - seen < MESSAGES) await new Promise((res) => setTimeout(res, 5));
    const tSeen = performance.now();
    for (;;) { const { Attributes = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      if (Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible) === 0) break; await new Promise((res) => setTimeout(res, 5)); }
    const t1 = performance.now(); const cpu = process.cpuUsage(cpu0); const c1 = childCpu();
    const invs = cloud.invocations.length - inv0;
    results.push({ rate: Math.round(MESSAGES / ((t1 - t0) / 1000)), sendMs: Math.round(tSent - t0), seenMs: Math.round(tSeen - t0), doneMs: Math.round(t1 - t0), invocations: invs,
      parentCpuMsPerK: Math.round(((cpu.user + cpu.system) / 1000) / (MESSAGES / 1000)), childCpuMsPerK: Math.round((c1 - c0) / (MESSAGES / 1000)) });
  }
  client.destroy(); await cloud.stop();
  return results;
}
const mode = process.argv[2] ?? 'both';
if (mode !== 'pipeline') { await raw(500); for (let i = 0; i < 2; i++) console.log('raw', await raw(MESSAGES)); }
if (mode !== 'raw') for (const r of await pipeline(Number(process.env.ROUNDS ?? 3), false)) console.log('pipeline', r);
