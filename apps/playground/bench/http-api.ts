/**
 * `pnpm bench` (HTTP API front): requests/s and p50/p99 latency through a local HTTP API (route selection, the
 * 2.0 event, the Lambda service, response mapping) next to invoking the same handler directly through the Lambda
 * service with the same event, in the same run. The difference is the front's overhead. Prints figures; asserts
 * nothing.
 *
 * Latency is measured one request at a time (the overhead a single caller sees); throughput with CONCURRENCY
 * loopback clients on kept-alive connections. Each is measured in ROUNDS pairs, direct right before front, and
 * the medians are compared: on 2 shared cores single runs swing with whatever else the machine is doing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TriggerFunction } from '@triggers/kit';
import { type LocalCloud, startLocalCloud } from '@triggers/local-cloud';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';

const LATENCY_SAMPLES = 500;
const REQUESTS = 2000;
const CONCURRENCY = 8;
const ROUNDS = 3;
/** Untimed requests first: the JIT, kept-alive sockets and CONCURRENCY warm execution environments. */
const WARM_UP = 300;

class HttpBenchStack extends Stack {
  constructor(app: App) {
    super(app, 'Bench-HttpApi');
    const fn = new TriggerFunction(this, 'Echo', {
      entry: fileURLToPath(new URL('./functions/echo.ts', import.meta.url)),
      serviceName: 'bench-echo',
    });
    const api = new apigw.HttpApi(this, 'Api');
    api.addRoutes({
      path: '/items/{id}',
      methods: [apigw.HttpMethod.GET],
      integration: new HttpLambdaIntegration('Echo', fn),
    });
    new CfnOutput(this, 'ApiEndpoint', { value: api.apiEndpoint });
    new CfnOutput(this, 'FunctionName', { value: fn.functionName });
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const median = (values: number[]) => percentile(values, 50);

/** Runs `call` `count` times from `concurrency` workers; every latency in ms, and requests/s over the wall time. */
async function load(call: (i: number) => Promise<void>, count: number, concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const before = performance.now();
      await call(i);
      latencies.push(performance.now() - before);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, perSecond: count / ((performance.now() - started) / 1000) };
}

async function measure(cloud: LocalCloud) {
  const { ApiEndpoint = '', FunctionName = '' } = cloud.stacks[0]?.outputs ?? {};
  let failures = 0;
  const viaFront = async (i: number) => {
    if ((await get(`${ApiEndpoint}/items/${i}`)) !== 200) failures += 1;
  };
  await load(viaFront, WARM_UP, CONCURRENCY);
  // The very event the front built, replayed: direct invokes do the same work minus the front.
  const event = cloud.invocations.at(-1)?.event;
  const payload = JSON.stringify(event);
  const direct = async () => {
    const result = await cloud.lambda.invoke(FunctionName, payload, { event });
    if (result.functionError) failures += 1;
  };
  await load(direct, WARM_UP, CONCURRENCY);

  const rounds = { directP50: [] as number[], frontP50: [] as number[], directP99: [] as number[] };
  const more = { frontP99: [] as number[], directRps: [] as number[], frontRps: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const directLatency = await load(direct, LATENCY_SAMPLES, 1);
    const frontLatency = await load(viaFront, LATENCY_SAMPLES, 1);
    rounds.directP50.push(percentile(directLatency.latencies, 50));
    rounds.directP99.push(percentile(directLatency.latencies, 99));
    rounds.frontP50.push(percentile(frontLatency.latencies, 50));
    more.frontP99.push(percentile(frontLatency.latencies, 99));
    more.directRps.push((await load(direct, REQUESTS, CONCURRENCY)).perSecond);
    more.frontRps.push((await load(viaFront, REQUESTS, CONCURRENCY)).perSecond);
  }
  return { ...rounds, ...more, failures };
}

const work = mkdtempSync(join(tmpdir(), 'bench-http-api-'));
try {
  const app = new App({ outdir: work, context: { 'aws:cdk:enable-asset-metadata': true } });
  new HttpBenchStack(app);
  app.synth();
  const cloud = await startLocalCloud({ assembly: work, port: 0, maxConcurrency: CONCURRENCY * 2 });
  let result: Awaited<ReturnType<typeof measure>>;
  try {
    result = await measure(cloud);
  } finally {
    agent.destroy();
    await cloud.stop();
  }
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const rps = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');
  const directRps = median(result.directRps);
  const frontRps = median(result.frontRps);
  const overhead = median(result.frontP50) - median(result.directP50);
  console.log(
    `HTTP API front (${LATENCY_SAMPLES} sequential requests for latency, ${REQUESTS} from ${CONCURRENCY} clients for throughput, medians of ${ROUNDS} rounds, Node ${process.version})`,
  );
  console.log(
    `  direct invoke (Lambda service)   p50 ${ms(median(result.directP50))}  p99 ${ms(median(result.directP99))}  ${directRps.toFixed(0)} req/s (${rps(result.directRps)})`,
  );
  console.log(
    `  through the HTTP API front       p50 ${ms(median(result.frontP50))}  p99 ${ms(median(result.frontP99))}  ${frontRps.toFixed(0)} req/s (${rps(result.frontRps)})`,
  );
  console.log(
    `  front overhead                   p50 +${ms(overhead)} (target ≤ 2 ms); throughput ${((100 * frontRps) / directRps).toFixed(0)}% of direct${result.failures > 0 ? `; ${result.failures} failed requests` : ''}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
