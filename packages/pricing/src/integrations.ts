/**
 * One estimate per integration of the project, named for its trigger source like its package directory
 * (`packages/<name>`). Each prices the architecture the package deploys (or, for packages not written yet, the one
 * its issue plans); the figures a reader would change are options with documented defaults.
 */
import { HOURS_PER_MONTH, lambdaCost, lambdaEdgeCost } from './lambda.ts';
import type { LineItem } from './line-item.ts';
import { Dec, dec, formatCount, ZERO } from './money.ts';
import type { PriceList } from './prices/types.ts';
import {
  type ApiKind,
  alarmsCost,
  apiGatewayCost,
  type CognitoPlan,
  cognitoCost,
  dynamoDbCost,
  eventBridgeCost,
  firehoseCost,
  type KinesisMode,
  kinesisCost,
  logsCost,
  metricsCost,
  type QueueType,
  readUnits,
  s3Cost,
  shardsNeeded,
  snsCost,
  sqsConsumerRequests,
  sqsCost,
  writeUnits,
} from './services.ts';
import {
  choiceOption,
  describeFunction,
  functionLines,
  type Integration,
  numberOption,
  PLATFORM_LOG_BYTES,
  type Workload,
} from './workload.ts';

const KB = 1024;
const MB = 1024 * 1024;
const GiB = 1024 ** 3;

/** `2 MB`, `1 KB`, `1.5 KB`, `600 bytes`: the unit a reader would use. */
function bytes(value: number): string {
  const tenths = (unit: number) => Number.isInteger((value * 10) / unit);
  if (value >= MB && tenths(MB)) return `${formatCount(value / MB, 1)} MB`;
  if (value >= KB && tenths(KB)) return `${formatCount(value / KB, 1)} KB`;
  return `${formatCount(value)} bytes`;
}

function planName(plan: string): string {
  return plan === 'lite' ? 'Lite' : 'Essentials';
}

function operations(w: Workload, alarms: number, metrics: number, prices: PriceList): LineItem[] {
  return [...alarmsCost(alarms, w.freeTier, prices), ...metricsCost(metrics, w.freeTier, prices)];
}

const sqs: Integration = {
  name: 'sqs',
  title: 'SQS → Lambda order worker',
  architecture:
    'Producers send orders to an SQS queue; Lambda polls it in batches and writes each valid order to DynamoDB ' +
    '(on demand, conditional PutItem); failing messages are dead-lettered after 5 receives.',
  eventUnit: 'orders',
  defaults: { events: 1_000_000, durationMs: 80, memoryMB: 256, architecture: 'arm64', batchSize: 10 },
  batch: { max: 10_000, perRecordShare: 0.75 },
  cpuBoundShare: 0,
  options: [
    { key: 'messageBytes', description: 'message size', default: 1024, min: 1, max: MB },
    {
      key: 'sendBatchSize',
      description: 'messages per SendMessageBatch from producers',
      default: 1,
      min: 1,
      max: 10,
    },
    {
      key: 'poisonShare',
      description: 'share of messages that always fail (dead-lettered)',
      default: 0.001,
      max: 1,
    },
    { key: 'maxReceiveCount', description: 'receives before the DLQ', default: 5, min: 1, max: 1000 },
    {
      key: 'itemBytes',
      description: 'stored order item size (1 WRU per KB)',
      default: 600,
      min: 1,
      max: 400 * KB,
    },
    { key: 'queue', description: 'queue type', default: 'standard', choices: ['standard', 'fifo'] },
    { key: 'logBytesPerRecord', description: 'handler log bytes per order', default: 350 },
  ],
  describe(w) {
    return (
      `${formatCount(w.events)} orders a month (${bytes(numberOption(w, 'messageBytes'))} messages, ` +
      `${formatCount(numberOption(w, 'poisonShare') * 100)} % poison), ${describeFunction(w, true)}`
    );
  },
  lines(w, prices) {
    const r = sqsConsumerRequests(
      {
        messages: w.events,
        messageBytes: numberOption(w, 'messageBytes'),
        batchSize: w.batchSize,
        sendBatchSize: numberOption(w, 'sendBatchSize'),
        poisonShare: numberOption(w, 'poisonShare'),
        maxReceiveCount: numberOption(w, 'maxReceiveCount'),
      },
      prices,
    );
    const stored = dec(w.events).sub(r.deadLettered);
    const wru = writeUnits(numberOption(w, 'itemBytes'));
    return [
      ...sqsCost(
        [
          { item: 'sends (producers)', count: r.sends },
          {
            item: 'receives by Lambda',
            count: r.receives,
            detail: `${formatCount(r.deliveries)} deliveries`,
          },
          { item: 'deletes by Lambda (batched)', count: r.deletes },
          {
            item: "empty receives by Lambda's 5 pollers",
            count: r.emptyReceives,
            detail: '5 long polls per 20 s, less those that found messages',
          },
          {
            item: 'DLQ redrive (receive + send + delete)',
            count: r.redrives,
            detail: `${formatCount(r.deadLettered)} dead-lettered`,
          },
        ],
        { queue: choiceOption<QueueType>(w, 'queue'), freeTier: w.freeTier },
        prices,
      ),
      ...functionLines(w, r.invocations, r.deliveries, numberOption(w, 'logBytesPerRecord'), prices),
      ...dynamoDbCost(
        {
          writeUnits: stored.mul(wru),
          writeDetail: `${formatCount(stored)} conditional PutItem × ${wru} WRU`,
        },
        prices,
      ),
      ...operations(w, 5, 4, prices),
    ];
  },
};

const s3: Integration = {
  name: 's3',
  title: 'S3 → Lambda thumbnails',
  architecture:
    'Users upload images and videos to a source bucket; the S3 notification invokes Lambda asynchronously, which ' +
    'reads the object and writes a WebP thumbnail per width to a separate bucket; failures go to an SQS DLQ.',
  eventUnit: 'uploads',
  defaults: { events: 100_000, durationMs: 450, memoryMB: 1024, architecture: 'arm64', batchSize: 1 },
  cpuBoundShare: 0.9,
  options: [
    { key: 'sourceBytes', description: 'average upload size', default: 2 * MB, min: 1, max: 5 * 1024 * GiB },
    { key: 'widths', description: 'thumbnail widths written per upload', default: 2, min: 1, max: 20 },
    { key: 'thumbnailBytes', description: 'average thumbnail size', default: 20 * KB, min: 1, max: 100 * MB },
    {
      key: 'failureShare',
      description: 'share of uploads that fail (retried twice, then DLQ)',
      default: 0.001,
      max: 1,
    },
    { key: 'monthsKept', description: 'months the uploads and thumbnails are stored', default: 1, max: 1200 },
    { key: 'logBytesPerRecord', description: 'handler log bytes per upload', default: 400 },
  ],
  describe(w) {
    return (
      `${formatCount(w.events)} uploads a month (${bytes(numberOption(w, 'sourceBytes'))} each, ` +
      `${numberOption(w, 'widths')} thumbnail widths), ${describeFunction(w, false)}`
    );
  },
  lines(w, prices) {
    const uploads = dec(w.events);
    const failures = uploads.mul(numberOption(w, 'failureShare')).ceil();
    // Lambda's async invoke retries a failing event twice.
    const invocations = uploads.add(failures.mul(2));
    const widths = numberOption(w, 'widths');
    const thumbnails = uploads.sub(failures).mul(widths);
    const months = numberOption(w, 'monthsKept');
    return [
      ...s3Cost(
        {
          label: 'source',
          puts: uploads,
          gets: invocations,
          putDetail: 'uploads; the notification to Lambda is free',
          getDetail: 'one GetObject per invocation',
          storageGB: uploads.mul(numberOption(w, 'sourceBytes')).mul(months).div(GiB),
          storageDetail: `this month's uploads, kept ${months} month(s)`,
        },
        prices,
      ),
      ...s3Cost(
        {
          label: 'thumbnails',
          puts: thumbnails,
          putDetail: `${widths} widths per upload`,
          gets: invocations.mul(widths),
          getDetail: 'a HeadObject per width and invocation, to skip work already done',
          storageGB: thumbnails.mul(numberOption(w, 'thumbnailBytes')).mul(months).div(GiB),
          storageDetail: `this month's thumbnails, kept ${months} month(s)`,
        },
        prices,
      ),
      ...functionLines(w, invocations, invocations, numberOption(w, 'logBytesPerRecord'), prices),
      ...sqsCost(
        [
          {
            item: 'DLQ (send + receive + delete)',
            count: failures.mul(3),
            detail: `${formatCount(failures)} failures`,
          },
        ],
        { freeTier: w.freeTier },
        prices,
      ),
      ...operations(w, 6, 7, prices),
    ];
  },
};

const apiGateway: Integration = {
  name: 'api-gateway',
  title: 'API Gateway → Lambda notes API',
  architecture:
    'An HTTP API (payload 2.0) with a Cognito JWT authorizer calls one Lambda function that reads and writes ' +
    'notes in DynamoDB (on demand); access logs go to CloudWatch Logs.',
  eventUnit: 'requests',
  defaults: { events: 5_000_000, durationMs: 40, memoryMB: 256, architecture: 'arm64', batchSize: 1 },
  cpuBoundShare: 0,
  options: [
    {
      key: 'payloadBytes',
      description: 'request size (HTTP APIs meter per 512 KB)',
      default: 2 * KB,
      max: 10 * MB,
    },
    { key: 'readShare', description: 'share of requests that read (the rest write)', default: 0.7, max: 1 },
    { key: 'noteBytes', description: 'note item size', default: 2 * KB, min: 1, max: 400 * KB },
    { key: 'mau', description: 'Cognito monthly active users', default: 10_000 },
    {
      key: 'cognitoPlan',
      // The plan ApiGatewayIntegration's user pool is on.
      description: 'Cognito feature plan',
      default: 'lite',
      choices: ['essentials', 'lite'],
    },
    { key: 'api', description: 'API type', default: 'http', choices: ['http', 'rest'] },
    { key: 'accessLogBytes', description: 'access log bytes per request', default: 450 },
    { key: 'logBytesPerRecord', description: 'handler log bytes per request', default: 350 },
  ],
  describe(w) {
    return (
      `${formatCount(w.events)} requests a month (${formatCount(numberOption(w, 'readShare') * 100)} % reads), ` +
      `${formatCount(numberOption(w, 'mau'))} monthly active users, ${describeFunction(w, false)}`
    );
  },
  lines(w, prices) {
    const requests = dec(w.events);
    const reads = requests.mul(numberOption(w, 'readShare')).ceil();
    const writes = requests.sub(reads);
    const noteBytes = numberOption(w, 'noteBytes');
    // Reads are strongly consistent GetItem/Query pages (conditional writes need the current version).
    const rru = readUnits(noteBytes, 'strong');
    const wru = writeUnits(noteBytes);
    return [
      ...apiGatewayCost(
        {
          requests: w.events,
          payloadBytes: numberOption(w, 'payloadBytes'),
          kind: choiceOption<ApiKind>(w, 'api'),
        },
        prices,
      ),
      ...functionLines(w, requests, requests, numberOption(w, 'logBytesPerRecord'), prices),
      ...dynamoDbCost(
        {
          readUnits: reads.mul(rru),
          writeUnits: writes.mul(wru),
          readDetail: `${formatCount(reads)} reads × ${rru} RRU`,
          writeDetail: `${formatCount(writes)} writes × ${wru} WRU`,
        },
        prices,
      ),
      ...cognitoCost(
        {
          mau: numberOption(w, 'mau'),
          plan: choiceOption<CognitoPlan>(w, 'cognitoPlan'),
          freeTier: w.freeTier,
        },
        prices,
      ),
      ...logsCost(
        {
          bytes: requests.mul(numberOption(w, 'accessLogBytes')),
          lambda: false,
          // The account's free 5 GB of logs is counted once, against the function's logs.
          freeTier: false,
          label: 'access logs',
        },
        prices,
      ),
      ...operations(w, 5, 5, prices),
    ];
  },
};

/** Minutes in a month of 730 hours: the consumer's tumbling windows and Firehose's buffers are a minute each. */
const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
/** Retries of a batch holding a malformed record before Lambda gives up on it (the construct's retryAttempts). */
const KINESIS_RETRIES = 3;
/** The part of a consumer invocation's duration that grows with its records (parsing, counting). */
const KINESIS_PER_RECORD_SHARE = 0.7;
/** The archive bucket's server access logs: about this many bytes per request logged, kept 90 days. */
const ACCESS_LOG_BYTES = 350;

const kinesis: Integration = {
  name: 'kinesis',
  title: 'Kinesis → Lambda clickstream',
  architecture:
    'Producers put page views and heartbeats on a provisioned, encrypted Kinesis data stream (2 shards); a ' +
    'consumer reads it through an event source mapping (heartbeat filter, 60 s tumbling windows) and writes one ' +
    'DynamoDB item per page, minute and shard (conditional PutItem), with an SQS on-failure queue; a Firehose ' +
    'delivery stream reads the same stream, runs each record through a Lambda transformation and writes NDJSON ' +
    'objects (60 s / 5 MB buffers) to an encrypted S3 bucket.',
  eventUnit: 'records',
  defaults: { events: 10_000_000, durationMs: 60, memoryMB: 256, architecture: 'arm64', batchSize: 100 },
  batch: { max: 10_000, perRecordShare: KINESIS_PER_RECORD_SHARE },
  cpuBoundShare: 0.2,
  options: [
    {
      key: 'recordBytes',
      description: 'record size (a page view or a heartbeat; Firehose takes up to 1,000 KB)',
      default: 512,
      min: 1,
      max: 1000 * KB,
    },
    {
      key: 'heartbeatShare',
      description: "share of records that are heartbeats (the mapping's filter keeps them from the consumer)",
      default: 0.2,
      max: 1,
    },
    {
      key: 'botShare',
      description: 'share of page views from bots (counted as skipped, dropped from the archive)',
      default: 0.05,
      max: 1,
    },
    {
      key: 'poisonShare',
      description: `share of records that are malformed (retried ${KINESIS_RETRIES} times, then an on-failure record)`,
      default: 0.001,
      max: 1,
    },
    {
      key: 'mode',
      description: 'stream capacity mode (the construct deploys provisioned)',
      default: 'provisioned',
      choices: ['provisioned', 'on-demand'],
    },
    {
      key: 'shards',
      description: "shards (the construct's shardCount); more if twice the average rate needs them",
      default: 2,
      min: 1,
      max: 100_000,
    },
    {
      key: 'batchingWindowSeconds',
      description:
        "the mapping's batching window (maxBatchingWindow): how long a shard's records wait for a batch",
      default: 5,
      max: 300,
    },
    {
      key: 'pages',
      description: 'distinct pages viewed in a minute on each shard (one aggregate item each)',
      default: 20,
      min: 1,
      max: 1_000_000,
    },
    {
      key: 'itemBytes',
      description: 'aggregate item size (1 WRU per KB)',
      default: 300,
      min: 1,
      max: 400 * KB,
    },
    {
      key: 'archiveBytes',
      description: 'archived line per page view (enriched JSON)',
      default: 400,
      max: MB,
    },
    {
      key: 'monthsKept',
      description: 'months the archive and the aggregates are stored (neither expires by default)',
      default: 1,
      max: 1200,
    },
    {
      key: 'transformDurationMs',
      description: 'transformation duration per Firehose buffer (1 MB or 60 s)',
      default: 40,
      max: 300_000,
    },
    {
      key: 'transformMemoryMB',
      description: 'transformation memory',
      default: 256,
      min: 128,
      max: 10_240,
    },
    { key: 'logBytesPerRecord', description: 'consumer log bytes per record', default: 40 },
  ],
  describe(w) {
    const shards = numberOption(w, 'shards');
    return (
      `${formatCount(w.events)} records a month (${bytes(numberOption(w, 'recordBytes'))} each, ` +
      `${formatCount(numberOption(w, 'heartbeatShare') * 100)} % heartbeats) on a ${choiceOption(w, 'mode')} ` +
      `stream of ${formatCount(shards)} shard${shards === 1 ? '' : 's'}, consumer ${formatCount(w.durationMs)} ms per ` +
      `full batch of ${formatCount(w.batchSize)} at ${formatCount(w.memoryMB)} MB on ${w.architecture}`
    );
  },
  lines(w, prices) {
    const records = dec(w.events);
    const recordBytes = numberOption(w, 'recordBytes');
    const mode = choiceOption<KinesisMode>(w, 'mode');
    // Records are assumed to arrive evenly over the month; shards are never fewer than twice that rate needs.
    const shards = Math.max(numberOption(w, 'shards'), shardsNeeded(w.events, recordBytes));
    const shardMinutes = dec(shards).mul(MINUTES_PER_MONTH);

    // The consumer: heartbeats never reach it (the mapping's filter); a malformed record fails its batch, which
    // is retried, then given up on to the on-failure queue.
    const poison = records.mul(numberOption(w, 'poisonShare')).ceil();
    const heartbeats = records.sub(poison).mul(numberOption(w, 'heartbeatShare')).floor();
    const consumed = records.sub(heartbeats);
    const views = consumed
      .sub(poison)
      .mul(1 - numberOption(w, 'botShare'))
      .floor();
    // Per shard and minute: a batch when it is full or when the batching window ends (Lambda also polls a shard
    // about once a second), never more batches than records, and the window's final invocation.
    const perShardMinute = consumed.div(shardMinutes);
    const cadenceSeconds = Math.max(numberOption(w, 'batchingWindowSeconds'), 1);
    const batches = Dec.min(
      perShardMinute,
      Dec.max(dec(60).div(cadenceSeconds).floor(), perShardMinute.div(w.batchSize).ceil()),
    );
    const finals = Dec.min(perShardMinute, 1);
    const invocations = shardMinutes.mul(batches.add(finals)).ceil().add(poison.mul(KINESIS_RETRIES));
    // Batches that do not fill take less time: the per-record share of the duration scales with the records.
    const perInvocation = invocations.isZero() ? ZERO : consumed.div(invocations);
    const share = KINESIS_PER_RECORD_SHARE;
    const consumerMs = Math.max(
      w.durationMs * (1 - share + (share * perInvocation.toNumber()) / w.batchSize),
      1,
    );

    // One aggregate item per page viewed, minute and shard: never more items than views.
    const itemsPerShardMinute = Dec.min(numberOption(w, 'pages'), views.div(shardMinutes));
    const items = shardMinutes.mul(itemsPerShardMinute).ceil();
    const itemBytes = numberOption(w, 'itemBytes');
    const wru = writeUnits(itemBytes);
    const months = numberOption(w, 'monthsKept');

    // Firehose reads every record; its transformation runs once per buffer of 1 MB or 60 s.
    const streamBytes = records.mul(recordBytes);
    const busyMinutes = Dec.min(records, MINUTES_PER_MONTH);
    const transformInvocations = Dec.max(busyMinutes, streamBytes.div(MB).ceil());
    // S3 gets an object per buffer of 60 s or 5 MB, and one per minute with failed records under errors/ (Firehose
    // wraps each failed record in JSON with its reason: about twice its size).
    const archived = views.mul(numberOption(w, 'archiveBytes'));
    const archiveObjects = Dec.max(Dec.min(views, MINUTES_PER_MONTH), archived.div(5 * MB).ceil());
    const errorObjects = Dec.min(poison, MINUTES_PER_MONTH);
    const puts = archiveObjects.add(errorObjects);
    const archiveGB = archived
      .add(poison.mul(recordBytes * 2))
      .mul(months)
      .div(GiB);

    return [
      ...kinesisCost(
        {
          records: w.events,
          recordBytes,
          mode,
          shards,
          consumers: 2,
          readers: 'Lambda and Firehose',
        },
        prices,
      ),
      ...functionLines(
        { ...w, durationMs: Math.round(consumerMs * 1e6) / 1e6 },
        invocations,
        consumed,
        numberOption(w, 'logBytesPerRecord'),
        prices,
        'consumer',
      ),
      ...dynamoDbCost(
        {
          label: 'aggregates',
          writeUnits: items.mul(wru),
          writeDetail: `${formatCount(items)} conditional PutItem (page × minute × shard) × ${wru} WRU`,
          storageGB: items.mul(itemBytes).mul(months).div(GiB).toNumber(),
        },
        prices,
      ),
      ...sqsCost(
        [
          {
            item: 'on-failure queue (send + receive + delete)',
            count: poison.mul(3),
            detail: `${formatCount(poison)} batches given up on`,
          },
        ],
        { freeTier: w.freeTier },
        prices,
      ),
      ...firehoseCost({ records, recordBytes }, prices),
      ...lambdaCost(
        {
          invocations: transformInvocations.toNumber(),
          durationMs: numberOption(w, 'transformDurationMs'),
          memoryMB: numberOption(w, 'transformMemoryMB'),
          architecture: w.architecture,
          init: {
            durationMs: numberOption(w, 'initMs'),
            coldStartRatio: numberOption(w, 'coldStartRatio'),
          },
          // The account's free tier is counted once, against the consumer.
          freeTier: false,
          label: 'transformation',
        },
        prices,
      ),
      ...logsCost(
        {
          bytes: transformInvocations.mul(PLATFORM_LOG_BYTES),
          lambda: true,
          freeTier: false,
          label: 'transformation',
        },
        prices,
      ),
      ...s3Cost(
        {
          label: 'archive',
          puts,
          putDetail: `${formatCount(archiveObjects)} objects of 60 s / 5 MB buffers, ${formatCount(errorObjects)} under errors/`,
          storageGB: archiveGB,
          storageDetail: `${formatCount(views)} archived views, kept ${months} month(s)`,
        },
        prices,
      ),
      ...s3Cost(
        {
          label: 'access logs',
          storageGB: puts.mul(ACCESS_LOG_BYTES).mul(3).div(GiB),
          storageDetail: 'a log line per request to the archive, kept 90 days',
        },
        prices,
      ),
      ...operations(w, 9, 8, prices),
    ];
  },
};

const dynamodbStreams: Integration = {
  name: 'dynamodb-streams',
  title: 'DynamoDB Streams → Lambda audit trail',
  architecture:
    'An application writes items to a DynamoDB table (on demand) with a stream of new and old images; Lambda ' +
    'reads the stream in batches and writes an audit record per change to a second table.',
  eventUnit: 'item changes',
  defaults: { events: 5_000_000, durationMs: 100, memoryMB: 256, architecture: 'arm64', batchSize: 100 },
  batch: { max: 10_000, perRecordShare: 0.8 },
  cpuBoundShare: 0,
  options: [
    { key: 'itemBytes', description: 'source item size', default: KB, min: 1, max: 400 * KB },
    { key: 'auditBytes', description: 'audit record size', default: 512, min: 1, max: 400 * KB },
    { key: 'logBytesPerRecord', description: 'handler log bytes per change', default: 100 },
  ],
  describe(w) {
    return `${formatCount(w.events)} item changes a month (${bytes(numberOption(w, 'itemBytes'))} items), ${describeFunction(w, true)}`;
  },
  lines(w, prices) {
    const changes = dec(w.events);
    const invocations = changes.div(w.batchSize).ceil();
    const sourceWru = writeUnits(numberOption(w, 'itemBytes'));
    const auditWru = writeUnits(numberOption(w, 'auditBytes'));
    return [
      ...dynamoDbCost(
        {
          label: 'source table',
          writeUnits: changes.mul(sourceWru),
          writeDetail: "the application's writes that fill the stream",
        },
        prices,
      ),
      {
        service: 'DynamoDB Streams',
        item: 'GetRecords by Lambda',
        quantity: invocations,
        unit: 'requests',
        detail: 'free when Lambda reads',
        cost: dec(0),
      },
      ...functionLines(w, invocations, changes, numberOption(w, 'logBytesPerRecord'), prices),
      ...dynamoDbCost(
        {
          label: 'audit table',
          writeUnits: changes.mul(auditWru),
          writeDetail: `${formatCount(changes)} × ${auditWru} WRU`,
        },
        prices,
      ),
      ...operations(w, 4, 2, prices),
    ];
  },
};

const eventbridge: Integration = {
  name: 'eventbridge',
  title: 'EventBridge → Lambda',
  architecture:
    'Applications put custom events on an event bus; a rule matches them and invokes Lambda asynchronously; an ' +
    'EventBridge Scheduler schedule invokes the same function on a timer.',
  eventUnit: 'events',
  defaults: { events: 2_000_000, durationMs: 50, memoryMB: 256, architecture: 'arm64', batchSize: 1 },
  cpuBoundShare: 0,
  options: [
    { key: 'eventBytes', description: 'event size (billed per 64 KB)', default: KB, min: 1, max: 256 * KB },
    {
      key: 'scheduledRuns',
      description: 'Scheduler invocations a month (every 5 min = 8,760)',
      default: 8760,
    },
    { key: 'logBytesPerRecord', description: 'handler log bytes per event', default: 300 },
  ],
  describe(w) {
    return (
      `${formatCount(w.events)} custom events a month (${bytes(numberOption(w, 'eventBytes'))}) and ` +
      `${formatCount(numberOption(w, 'scheduledRuns'))} scheduled runs, ${describeFunction(w, false)}`
    );
  },
  lines(w, prices) {
    const scheduled = numberOption(w, 'scheduledRuns');
    const invocations = dec(w.events).add(scheduled);
    return [
      ...eventBridgeCost(
        {
          customEvents: w.events,
          eventBytes: numberOption(w, 'eventBytes'),
          schedulerInvocations: scheduled,
          freeTier: w.freeTier,
        },
        prices,
      ),
      ...functionLines(w, invocations, invocations, numberOption(w, 'logBytesPerRecord'), prices),
      ...operations(w, 3, 2, prices),
    ];
  },
};

const sns: Integration = {
  name: 'sns',
  title: 'SNS → Lambda',
  architecture:
    'Publishers send messages to an SNS topic; a Lambda subscription (with a filter policy) receives each one; ' +
    'deliveries that keep failing go to an SQS DLQ.',
  eventUnit: 'messages',
  defaults: { events: 2_000_000, durationMs: 40, memoryMB: 256, architecture: 'arm64', batchSize: 1 },
  cpuBoundShare: 0,
  options: [
    {
      key: 'messageBytes',
      description: 'message size (billed per 64 KB)',
      default: KB,
      min: 1,
      max: 256 * KB,
    },
    { key: 'logBytesPerRecord', description: 'handler log bytes per message', default: 300 },
  ],
  describe(w) {
    return `${formatCount(w.events)} messages a month (${bytes(numberOption(w, 'messageBytes'))}), ${describeFunction(w, false)}`;
  },
  lines(w, prices) {
    const messages = dec(w.events);
    return [
      ...snsCost(
        { publishes: w.events, messageBytes: numberOption(w, 'messageBytes'), freeTier: w.freeTier },
        prices,
      ),
      ...functionLines(w, messages, messages, numberOption(w, 'logBytesPerRecord'), prices),
      ...operations(w, 3, 2, prices),
    ];
  },
};

const cloudwatchLogs: Integration = {
  name: 'cloudwatch-logs',
  title: 'CloudWatch Logs → Lambda',
  architecture:
    'A subscription filter on an application log group sends matching log events to Lambda in batches (gzip + ' +
    'base64), which parses them and emits metrics.',
  eventUnit: 'log events',
  defaults: { events: 50_000_000, durationMs: 30, memoryMB: 256, architecture: 'arm64', batchSize: 1 },
  cpuBoundShare: 0.3,
  options: [
    { key: 'logEventBytes', description: 'size of a source log event', default: 200, min: 1, max: 256 * KB },
    {
      key: 'eventsPerInvocation',
      description: 'log events CloudWatch Logs delivers per invocation (not configurable)',
      default: 50,
      min: 1,
      max: 10_000,
    },
    { key: 'logBytesPerRecord', description: 'handler log bytes per log event', default: 5 },
  ],
  describe(w) {
    return (
      `${formatCount(w.events)} log events a month (${bytes(numberOption(w, 'logEventBytes'))} each, ` +
      `${formatCount(numberOption(w, 'eventsPerInvocation'))} per delivery), ${describeFunction(w, false)}`
    );
  },
  lines(w, prices) {
    const events = dec(w.events);
    const invocations = events.div(numberOption(w, 'eventsPerInvocation')).ceil();
    return [
      ...logsCost(
        {
          bytes: events.mul(numberOption(w, 'logEventBytes')),
          lambda: false,
          // The account's free 5 GB of logs is counted once, against the function's own logs below.
          freeTier: false,
          label: 'source log group',
        },
        prices,
      ),
      {
        service: 'CloudWatch Logs',
        item: 'subscription filter delivery to Lambda',
        quantity: invocations,
        unit: 'deliveries',
        detail: 'no charge of its own',
        cost: dec(0),
      },
      ...functionLines(w, invocations, events, numberOption(w, 'logBytesPerRecord'), prices),
      ...operations(w, 3, 2, prices),
    ];
  },
};

const cloudfront: Integration = {
  name: 'cloudfront',
  title: 'CloudFront → Lambda@Edge',
  architecture:
    'A CloudFront distribution runs a Lambda@Edge function (us-east-1, x86_64, replicated to edge locations) on ' +
    'viewer requests; its logs land in CloudWatch Logs in the Region nearest each edge location.',
  eventUnit: 'viewer requests',
  defaults: { events: 10_000_000, durationMs: 5, memoryMB: 128, architecture: 'x86_64', batchSize: 1 },
  cpuBoundShare: 0,
  fixedArchitecture: 'x86_64',
  billsInit: false,
  options: [{ key: 'logBytesPerRecord', description: 'handler log bytes per request', default: 0 }],
  describe(w) {
    return `${formatCount(w.events)} viewer requests a month, ${describeFunction(w, false)}`;
  },
  lines(w, prices) {
    const requests = dec(w.events);
    const logBytes = requests.mul(PLATFORM_LOG_BYTES + numberOption(w, 'logBytesPerRecord'));
    return [
      ...lambdaEdgeCost({ invocations: w.events, durationMs: w.durationMs, memoryMB: w.memoryMB }, prices),
      ...logsCost({ bytes: logBytes, lambda: true, freeTier: w.freeTier }, prices),
      ...operations(w, 2, 0, prices),
    ];
  },
};

const cognito: Integration = {
  name: 'cognito',
  title: 'Cognito user pool → Lambda triggers',
  architecture:
    'A Cognito user pool (Essentials plan by default) calls Lambda triggers on sign-up, confirmation and token ' +
    'generation; each trigger must answer within 5 s.',
  eventUnit: 'trigger invocations',
  defaults: { events: 100_000, durationMs: 30, memoryMB: 256, architecture: 'arm64', batchSize: 1 },
  cpuBoundShare: 0,
  options: [
    { key: 'mau', description: 'monthly active users', default: 10_000 },
    {
      key: 'cognitoPlan',
      description: 'Cognito feature plan',
      default: 'essentials',
      choices: ['essentials', 'lite'],
    },
    { key: 'logBytesPerRecord', description: 'handler log bytes per trigger', default: 300 },
  ],
  describe(w) {
    return (
      `${formatCount(numberOption(w, 'mau'))} monthly active users on the ${planName(choiceOption(w, 'cognitoPlan'))} plan ` +
      `and ${formatCount(w.events)} trigger invocations a month, ${describeFunction(w, false)}`
    );
  },
  lines(w, prices) {
    const invocations = dec(w.events);
    return [
      ...cognitoCost(
        {
          mau: numberOption(w, 'mau'),
          plan: choiceOption<CognitoPlan>(w, 'cognitoPlan'),
          freeTier: w.freeTier,
        },
        prices,
      ),
      ...functionLines(w, invocations, invocations, numberOption(w, 'logBytesPerRecord'), prices),
      ...operations(w, 2, 1, prices),
    ];
  },
};

/** Every integration of the project, in the order of the root README. */
export const integrations: readonly Integration[] = [
  sqs,
  s3,
  apiGateway,
  kinesis,
  dynamodbStreams,
  eventbridge,
  sns,
  cloudwatchLogs,
  cloudfront,
  cognito,
];

export const integrationNames: readonly string[] = integrations.map((i) => i.name);

export function findIntegration(name: string): Integration | undefined {
  return integrations.find((i) => i.name === name);
}

/** Names the estimates had before every integration was named for its trigger source (issue 13), and the new ones. */
const formerNames: Readonly<Record<string, string>> = {
  's3-thumbnail': 's3',
  'kinesis-transform': 'kinesis',
  'dynamodb-stream': 'dynamodb-streams',
  'cloudfront-edge': 'cloudfront',
  'cognito-triggers': 'cognito',
};

/** The name an integration has now, given one it had before (`s3-thumbnail` → `s3`); undefined for any other. */
export function renamedTo(formerName: string): string | undefined {
  return Object.hasOwn(formerNames, formerName) ? formerNames[formerName] : undefined;
}
