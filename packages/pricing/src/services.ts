/**
 * The event sources and the services around them, one pure function each. Quantities in, priced line items out.
 */
import { HOURS_PER_MONTH, SECONDS_PER_MONTH, sliceTiered } from './lambda.ts';
import { type LineItem, lineItem, PricingInputError, requireNonNegative, requireRange } from './line-item.ts';
import { chunks, type Dec, dec, flatCost, formatCount, positive, tieredCost, ZERO } from './money.ts';
import type { PriceList } from './prices/types.ts';
import { usEast1 } from './prices/us-east-1.ts';

const GiB = 1024 ** 3;

// ── SQS ────────────────────────────────────────────────────────────────────────────────────────────────────────

export type QueueType = 'standard' | 'fifo';

/** Lambda's SQS event source starts with five long-polling connections and keeps them while the queue is idle. */
export const SQS_LAMBDA_POLLERS = 5;
/** A long poll waits at most 20 s before it returns empty. */
export const SQS_LONG_POLL_SECONDS = 20;

export interface SqsConsumerUsage {
  /** Messages sent per month. */
  readonly messages: number;
  readonly messageBytes: number;
  /** Records per Lambda invocation (1–10,000); ReceiveMessage returns at most 10 per call either way. */
  readonly batchSize: number;
  /** Messages per SendMessageBatch from producers (1 = SendMessage each). */
  readonly sendBatchSize?: number;
  /** Share of messages that never succeed and are dead-lettered after `maxReceiveCount` receives. */
  readonly poisonShare?: number;
  readonly maxReceiveCount?: number;
  /** Concurrent long polls Lambda keeps open (five to start; it adds pollers only under load). */
  readonly pollers?: number;
}

export interface SqsRequests {
  readonly sends: Dec;
  readonly receives: Dec;
  readonly deletes: Dec;
  readonly emptyReceives: Dec;
  readonly redrives: Dec;
  /** Deliveries to Lambda (first deliveries plus redeliveries of failing messages). */
  readonly deliveries: Dec;
  readonly invocations: Dec;
  readonly deadLettered: Dec;
}

/**
 * The requests a queue consumed by Lambda makes in a month. Every API action is a request, and every 64 KB chunk
 * of a request's payload counts as one more. Assumptions (stated in the README):
 * - Lambda receives up to 10 messages per ReceiveMessage and deletes the successes with DeleteMessageBatch.
 * - Idle pollers each make one empty long poll per 20 s. A receive that returns messages takes the place of an
 *   empty one, so empty receives are the pollers' capacity minus the receives that found messages (never below 0).
 * - A poison message is received `maxReceiveCount` times and then moved to the DLQ by SQS; an operator later
 *   redrives it with a message move task (a receive, a send and a delete each).
 */
export function sqsConsumerRequests(usage: SqsConsumerUsage, prices: PriceList = usEast1): SqsRequests {
  requireNonNegative('The number of messages', usage.messages);
  requireRange('The message size', usage.messageBytes, 1, 1024 * 1024, 'bytes');
  requireRange('The batch size', usage.batchSize, 1, 10_000);
  const sendBatch = usage.sendBatchSize ?? 1;
  requireRange('The send batch size', sendBatch, 1, 10);
  const poisonShare = usage.poisonShare ?? 0;
  requireRange('The poison share', poisonShare, 0, 1);
  const maxReceive = usage.maxReceiveCount ?? 5;
  requireRange('maxReceiveCount', maxReceive, 1, 1000);
  const pollers = usage.pollers ?? SQS_LAMBDA_POLLERS;
  requireRange('The number of pollers', pollers, 0, 10_000);
  const chunk = prices.sqs.chunkBytes;

  const messages = dec(usage.messages);
  const deadLettered = messages.mul(poisonShare).ceil();
  const deliveries = messages.add(deadLettered.mul(maxReceive - 1));
  const perReceive = Math.min(usage.batchSize, 10);
  const sends = messages
    .div(sendBatch)
    .ceil()
    .mul(chunks(sendBatch * usage.messageBytes, chunk));
  const receives = deliveries
    .div(perReceive)
    .ceil()
    .mul(chunks(perReceive * usage.messageBytes, chunk));
  const deletes = messages.sub(deadLettered).div(perReceive).ceil();
  const capacity = dec(pollers).mul(SECONDS_PER_MONTH).div(SQS_LONG_POLL_SECONDS);
  const emptyReceives = positive(capacity.sub(deliveries.div(perReceive).ceil()));
  const redrives = deadLettered.mul(chunks(usage.messageBytes, chunk).mul(2).add(1));
  const invocations = deliveries.div(usage.batchSize).ceil();
  return { sends, receives, deletes, emptyReceives, redrives, deliveries, invocations, deadLettered };
}

/** Prices SQS request counts; the free tier (1 M requests a month) comes off the first lines. */
export function sqsCost(
  requests: readonly { readonly item: string; readonly count: Dec; readonly detail?: string }[],
  options: { readonly queue?: QueueType; readonly freeTier?: boolean } = {},
  prices: PriceList = usEast1,
): LineItem[] {
  const queue = options.queue ?? 'standard';
  const rate = prices.sqs[queue];
  const costs = sliceTiered(
    rate,
    requests.map((r) => r.count),
    options.freeTier ? prices.sqs.freeTierRequests : 0,
  );
  return requests.map((r, i) =>
    lineItem(
      queue === 'fifo' ? 'SQS (FIFO)' : 'SQS',
      r.item,
      r.count,
      'requests',
      costs[i] ?? ZERO,
      r.detail ?? '',
    ),
  );
}

// ── SNS ────────────────────────────────────────────────────────────────────────────────────────────────────────

export interface SnsUsage {
  readonly publishes: number;
  readonly messageBytes: number;
  /** Lambda subscriptions each message is delivered to (after filter policies). */
  readonly lambdaSubscriptions?: number;
  readonly freeTier?: boolean;
}

/** Publishes are billed per 64 KB chunk; deliveries to Lambda are free. */
export function snsCost(usage: SnsUsage, prices: PriceList = usEast1): LineItem[] {
  requireNonNegative('The number of publishes', usage.publishes);
  requireRange('The message size', usage.messageBytes, 1, 256 * 1024, 'bytes');
  const perPublish = chunks(usage.messageBytes, prices.sns.chunkBytes);
  const requests = dec(usage.publishes).mul(perPublish);
  const billable = usage.freeTier ? positive(requests.sub(prices.sns.freeTierRequests)) : requests;
  const deliveries = dec(usage.publishes).mul(usage.lambdaSubscriptions ?? 1);
  return [
    lineItem(
      'SNS',
      'publishes',
      requests,
      'requests',
      flatCost(prices.sns.publishes, billable),
      `${formatCount(usage.publishes)} × ${formatCount(perPublish)} 64 KB chunk(s)`,
    ),
    lineItem(
      'SNS',
      'deliveries to Lambda',
      deliveries,
      'deliveries',
      flatCost(prices.sns.lambdaDeliveries, deliveries),
      'free',
    ),
  ];
}

// ── Kinesis Data Streams ───────────────────────────────────────────────────────────────────────────────────────

export type KinesisMode = 'provisioned' | 'on-demand';

export interface KinesisUsage {
  readonly records: number;
  readonly recordBytes: number;
  readonly mode?: KinesisMode;
  /** Provisioned shards; default: enough for the peak (1 MB/s and 1,000 records/s each). */
  readonly shards?: number;
  /** Peak rate as a multiple of the monthly average, for sizing shards (default 2). */
  readonly peakFactor?: number;
  /** Consumers reading every record (on-demand bills each GB read); Lambda is one. */
  readonly consumers?: number;
  /** Who reads the stream, for the line items (default `Lambda`). */
  readonly readers?: string;
}

/** Shards a provisioned stream needs for the month's peak rate: 1 MB/s and 1,000 records/s per shard. */
export function shardsNeeded(records: number, recordBytes: number, peakFactor = 2): number {
  const perSecond = dec(records).mul(peakFactor).div(SECONDS_PER_MONTH);
  const byRecords = perSecond.div(1000).ceil();
  const byBytes = perSecond
    .mul(recordBytes)
    .div(1024 * 1024)
    .ceil();
  return Math.max(1, byRecords.toNumber(), byBytes.toNumber());
}

export function kinesisCost(usage: KinesisUsage, prices: PriceList = usEast1): LineItem[] {
  requireNonNegative('The number of records', usage.records);
  requireRange('The record size', usage.recordBytes, 1, 10 * 1024 * 1024, 'bytes');
  const k = prices.kinesis;
  if ((usage.mode ?? 'provisioned') === 'provisioned') {
    const shards = usage.shards ?? shardsNeeded(usage.records, usage.recordBytes, usage.peakFactor);
    requireRange('The number of shards', shards, 1, 100_000);
    const shardHours = dec(shards).mul(HOURS_PER_MONTH);
    const perRecord = chunks(usage.recordBytes, k.putPayloadUnitBytes);
    const units = dec(usage.records).mul(perRecord);
    return [
      lineItem(
        'Kinesis',
        'shard-hours',
        shardHours,
        'shard-hours',
        flatCost(k.shardHours, shardHours),
        `${shards} shard(s) × ${HOURS_PER_MONTH} h`,
      ),
      lineItem(
        'Kinesis',
        'PUT payload units',
        units,
        'units',
        flatCost(k.putPayloadUnits, units),
        `${formatCount(usage.records)} records × ${formatCount(perRecord)} 25 KB unit(s)`,
      ),
      lineItem(
        'Kinesis',
        `reads by ${usage.readers ?? 'Lambda'} (GetRecords)`,
        ZERO,
        'requests',
        ZERO,
        'free in provisioned mode',
      ),
    ];
  }
  const roundedBytes =
    Math.ceil(usage.recordBytes / k.onDemandRecordRoundingBytes) * k.onDemandRecordRoundingBytes;
  const ingestGB = dec(usage.records).mul(roundedBytes).div(GiB);
  const retrievalGB = ingestGB.mul(usage.consumers ?? 1);
  const streamHours = dec(HOURS_PER_MONTH);
  return [
    lineItem(
      'Kinesis',
      'on-demand stream-hours',
      streamHours,
      'stream-hours',
      flatCost(k.onDemandStreamHours, streamHours),
      `1 stream × ${HOURS_PER_MONTH} h`,
    ),
    lineItem(
      'Kinesis',
      'on-demand data in',
      ingestGB,
      'GB',
      flatCost(k.onDemandIngestGB, ingestGB),
      `${formatCount(usage.records)} records × ${formatCount(roundedBytes)} bytes (rounded up to 1 KB)`,
    ),
    lineItem(
      'Kinesis',
      'on-demand data out',
      retrievalGB,
      'GB',
      flatCost(k.onDemandRetrievalGB, retrievalGB),
      `${usage.consumers ?? 1} consumer(s)${usage.readers ? `: ${usage.readers}` : ''}`,
    ),
  ];
}

// ── Data Firehose ──────────────────────────────────────────────────────────────────────────────────────────────

export interface FirehoseUsage {
  /** Records Firehose ingests a month (from a Kinesis data stream: every record of the stream). */
  readonly records: Dec | number;
  readonly recordBytes: number;
}

/**
 * Ingestion per GB with each record rounded up to 5 KB (Direct PUT or a Kinesis data stream as the source), tiered.
 * A Lambda transformation and delivery to S3 cost nothing more at Firehose: the function and the bucket bill them.
 */
export function firehoseCost(usage: FirehoseUsage, prices: PriceList = usEast1): LineItem[] {
  requireNonNegative('The number of records', dec(usage.records).toNumber());
  requireRange('The record size', usage.recordBytes, 1, 1000 * 1024, 'bytes');
  const f = prices.firehose;
  const billedBytes = chunks(usage.recordBytes, f.ingestionRoundingBytes).mul(f.ingestionRoundingBytes);
  const gb = dec(usage.records).mul(billedBytes).div(GiB);
  return [
    lineItem(
      'Firehose',
      'ingestion',
      gb,
      'GB',
      tieredCost(f.ingestion, gb),
      `${formatCount(usage.records)} records × ${formatCount(billedBytes)} bytes (each rounded up to 5 KB)`,
    ),
    lineItem(
      'Firehose',
      'Lambda transformation, delivery to S3',
      gb,
      'GB',
      ZERO,
      'no Firehose charge: the function and the bucket bill them',
    ),
  ];
}

// ── DynamoDB (on demand) ───────────────────────────────────────────────────────────────────────────────────────

/** Write request units for one write of an item: one per 1 KB, rounded up. */
export function writeUnits(itemBytes: number): number {
  return Math.max(1, Math.ceil(itemBytes / 1024));
}

/** Read request units for one read: one per 4 KB strongly consistent, half that eventually consistent. */
export function readUnits(itemBytes: number, consistency: 'strong' | 'eventual' = 'eventual'): number {
  const units = Math.max(1, Math.ceil(itemBytes / 4096));
  return consistency === 'strong' ? units : units / 2;
}

export interface DynamoDbUsage {
  readonly writeUnits?: Dec | number;
  readonly readUnits?: Dec | number;
  readonly storageGB?: number;
  readonly freeTier?: boolean;
  readonly label?: string;
  readonly writeDetail?: string;
  readonly readDetail?: string;
}

export function dynamoDbCost(usage: DynamoDbUsage, prices: PriceList = usEast1): LineItem[] {
  const d = prices.dynamodb;
  const service = usage.label ? `DynamoDB (${usage.label})` : 'DynamoDB';
  const lines: LineItem[] = [];
  if (usage.writeUnits !== undefined) {
    const wru = dec(usage.writeUnits);
    lines.push(
      lineItem(
        service,
        'write request units',
        wru,
        'WRU',
        flatCost(d.writeRequestUnits, wru),
        usage.writeDetail,
      ),
    );
  }
  if (usage.readUnits !== undefined) {
    const rru = dec(usage.readUnits);
    lines.push(
      lineItem(
        service,
        'read request units',
        rru,
        'RRU',
        flatCost(d.readRequestUnits, rru),
        usage.readDetail,
      ),
    );
  }
  if (usage.storageGB !== undefined) {
    requireNonNegative('Storage', usage.storageGB);
    const stored = dec(usage.storageGB);
    const billable = usage.freeTier ? positive(stored.sub(d.freeTierStorageGB)) : stored;
    lines.push(lineItem(service, 'storage', stored, 'GB-month', flatCost(d.storageGBMonth, billable)));
  }
  return lines;
}

// ── API Gateway ────────────────────────────────────────────────────────────────────────────────────────────────

export type ApiKind = 'http' | 'rest';

export interface ApiGatewayUsage {
  readonly requests: number;
  /** Request size; HTTP APIs meter each 512 KB as one request. */
  readonly payloadBytes: number;
  readonly kind?: ApiKind;
}

export function apiGatewayCost(usage: ApiGatewayUsage, prices: PriceList = usEast1): LineItem[] {
  requireNonNegative('The number of requests', usage.requests);
  requireRange('The payload size', usage.payloadBytes, 0, 10 * 1024 * 1024, 'bytes');
  if ((usage.kind ?? 'http') === 'http') {
    const perRequest = chunks(usage.payloadBytes, prices.apiGateway.httpMeteringBytes);
    const metered = dec(usage.requests).mul(perRequest);
    return [
      lineItem(
        'API Gateway',
        'HTTP API requests',
        metered,
        'requests',
        tieredCost(prices.apiGateway.http, metered),
        `${formatCount(usage.requests)} × ${formatCount(perRequest)} (metered per 512 KB)`,
      ),
    ];
  }
  const requests = dec(usage.requests);
  return [
    lineItem(
      'API Gateway',
      'REST API requests',
      requests,
      'requests',
      tieredCost(prices.apiGateway.rest, requests),
    ),
  ];
}

// ── EventBridge ────────────────────────────────────────────────────────────────────────────────────────────────

export interface EventBridgeUsage {
  /** Custom events put on a bus (PutEvents entries). */
  readonly customEvents?: number;
  readonly eventBytes?: number;
  /** EventBridge Scheduler invocations. */
  readonly schedulerInvocations?: number;
  readonly freeTier?: boolean;
}

/** Custom events per 64 KB chunk; rule deliveries to Lambda in the same account are free; Scheduler per invocation. */
export function eventBridgeCost(usage: EventBridgeUsage, prices: PriceList = usEast1): LineItem[] {
  const e = prices.eventBridge;
  const lines: LineItem[] = [];
  if (usage.customEvents !== undefined) {
    requireNonNegative('The number of events', usage.customEvents);
    const bytes = usage.eventBytes ?? 1024;
    requireRange('The event size', bytes, 1, 256 * 1024, 'bytes');
    const perEvent = chunks(bytes, e.chunkBytes);
    const events = dec(usage.customEvents).mul(perEvent);
    lines.push(
      lineItem(
        'EventBridge',
        'custom events',
        events,
        'events',
        flatCost(e.customEvents, events),
        `${formatCount(usage.customEvents)} × ${formatCount(perEvent)} 64 KB chunk(s); rule delivery to Lambda free`,
      ),
    );
  }
  if (usage.schedulerInvocations !== undefined) {
    requireNonNegative('The number of schedule invocations', usage.schedulerInvocations);
    const invocations = dec(usage.schedulerInvocations);
    const billable = usage.freeTier ? positive(invocations.sub(e.schedulerFreeInvocations)) : invocations;
    lines.push(
      lineItem(
        'EventBridge',
        'Scheduler invocations',
        invocations,
        'invocations',
        flatCost(e.schedulerInvocations, billable),
        usage.freeTier ? `first ${formatCount(e.schedulerFreeInvocations)} free` : '',
      ),
    );
  }
  return lines;
}

// ── CloudWatch ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface LogsUsage {
  /** Bytes of log events ingested per month. */
  readonly bytes: Dec | number;
  /** Lambda's own logs use the tiered "vended logs" rate; other logs the standard class rate. */
  readonly lambda?: boolean;
  /** Months the log group keeps events (30-day retention ≈ 1): storage is at most this many months of ingestion. */
  readonly retentionMonths?: number;
  readonly freeTier?: boolean;
  readonly label?: string;
}

/**
 * Ingestion per GB, and storage per GB-month for what the retention keeps. Storage is an upper bound: AWS
 * meters stored logs compressed, and the compression ratio is not modelled.
 */
export function logsCost(usage: LogsUsage, prices: PriceList = usEast1): LineItem[] {
  const c = prices.cloudWatch;
  const service = 'CloudWatch Logs';
  const gb = dec(usage.bytes).div(GiB);
  const freeGB = usage.freeTier ? c.freeTier.logIngestionGB : 0;
  const ingestion =
    usage.lambda === false
      ? flatCost(c.logIngestion, positive(gb.sub(freeGB)))
      : gb.gt(freeGB)
        ? tieredCost(c.lambdaLogIngestion, gb, freeGB)
        : ZERO;
  const stored = gb.mul(usage.retentionMonths ?? 1);
  const storage = flatCost(c.logStorage, positive(stored.sub(usage.freeTier ? c.freeTier.logStorageGB : 0)));
  const label = usage.label ? ` (${usage.label})` : '';
  return [
    lineItem(service, `ingestion${label}`, gb, 'GB', ingestion),
    lineItem(
      service,
      `storage${label}`,
      stored,
      'GB-month',
      storage,
      'an upper bound: AWS meters stored logs compressed',
    ),
  ];
}

export function alarmsCost(alarms: number, freeTier = false, prices: PriceList = usEast1): LineItem[] {
  requireNonNegative('The number of alarms', alarms);
  const billable = freeTier ? Math.max(0, alarms - prices.cloudWatch.freeTier.alarms) : alarms;
  return [
    lineItem(
      'CloudWatch',
      'alarms (standard resolution)',
      alarms,
      'alarms',
      flatCost(prices.cloudWatch.alarms, billable),
    ),
  ];
}

export function metricsCost(metrics: number, freeTier = false, prices: PriceList = usEast1): LineItem[] {
  requireNonNegative('The number of custom metrics', metrics);
  const billable = freeTier ? Math.max(0, metrics - prices.cloudWatch.freeTier.metrics) : metrics;
  return [
    lineItem(
      'CloudWatch',
      'custom metrics (Powertools, EMF)',
      metrics,
      'metrics',
      flatCost(prices.cloudWatch.customMetrics, billable),
    ),
  ];
}

// ── S3 ─────────────────────────────────────────────────────────────────────────────────────────────────────────

export interface S3Usage {
  readonly puts?: Dec | number;
  readonly gets?: Dec | number;
  readonly storageGB?: Dec | number;
  readonly label?: string;
  readonly putDetail?: string;
  readonly getDetail?: string;
  readonly storageDetail?: string;
}

export function s3Cost(usage: S3Usage, prices: PriceList = usEast1): LineItem[] {
  const s = prices.s3;
  const service = usage.label ? `S3 (${usage.label})` : 'S3';
  const lines: LineItem[] = [];
  if (usage.puts !== undefined) {
    lines.push(
      lineItem(
        service,
        'PUT requests',
        dec(usage.puts),
        'requests',
        flatCost(s.putRequests, usage.puts),
        usage.putDetail,
      ),
    );
  }
  if (usage.gets !== undefined) {
    lines.push(
      lineItem(
        service,
        'GET requests',
        dec(usage.gets),
        'requests',
        flatCost(s.getRequests, usage.gets),
        usage.getDetail,
      ),
    );
  }
  if (usage.storageGB !== undefined) {
    const gb = dec(usage.storageGB);
    lines.push(
      lineItem(service, 'storage (Standard)', gb, 'GB-month', tieredCost(s.storage, gb), usage.storageDetail),
    );
  }
  return lines;
}

// ── Cognito ────────────────────────────────────────────────────────────────────────────────────────────────────

export type CognitoPlan = 'essentials' | 'lite';

export function cognitoCost(
  usage: { readonly mau: number; readonly plan?: CognitoPlan; readonly freeTier?: boolean },
  prices: PriceList = usEast1,
): LineItem[] {
  requireNonNegative('Monthly active users', usage.mau);
  const plan = usage.plan ?? 'essentials';
  if (plan !== 'essentials' && plan !== 'lite') {
    throw new PricingInputError(`The Cognito plan must be essentials or lite, not ${String(plan)}.`);
  }
  const free = usage.freeTier ? prices.cognito.freeTierMAU : 0;
  const mau = dec(usage.mau);
  const cost = mau.gt(free) ? tieredCost(prices.cognito[plan], mau, free) : ZERO;
  return [
    lineItem(
      'Cognito',
      `monthly active users (${plan === 'essentials' ? 'Essentials' : 'Lite'})`,
      mau,
      'MAU',
      cost,
      usage.freeTier ? `first ${formatCount(free)} free` : '',
    ),
  ];
}
