/**
 * One estimate per integration of the project, named for its trigger source like its package directory
 * (`packages/<name>`). Each prices the architecture the package deploys (or, for packages not written yet, the one
 * its issue plans); the figures a reader would change are options with documented defaults.
 */
import { lambdaEdgeCost } from './lambda.ts';
import type { LineItem } from './line-item.ts';
import { dec, formatCount } from './money.ts';
import type { PriceList } from './prices/types.ts';
import {
  type ApiKind,
  alarmsCost,
  apiGatewayCost,
  type CognitoPlan,
  cognitoCost,
  dynamoDbCost,
  eventBridgeCost,
  type KinesisMode,
  kinesisCost,
  logsCost,
  metricsCost,
  type QueueType,
  readUnits,
  s3Cost,
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

const kinesis: Integration = {
  name: 'kinesis',
  title: 'Kinesis → Lambda transform',
  architecture:
    'Producers put records on a Kinesis data stream; Lambda reads each shard in batches (bisect on error, bounded ' +
    'age and retries, on-failure destination), transforms them and writes one object per batch to S3.',
  eventUnit: 'records',
  defaults: { events: 10_000_000, durationMs: 150, memoryMB: 256, architecture: 'arm64', batchSize: 100 },
  batch: { max: 10_000, perRecordShare: 0.8 },
  cpuBoundShare: 0.3,
  options: [
    { key: 'recordBytes', description: 'record size', default: KB, min: 1, max: 10 * MB },
    {
      key: 'mode',
      description: 'stream capacity mode',
      default: 'provisioned',
      choices: ['provisioned', 'on-demand'],
    },
    { key: 'shards', description: 'provisioned shards (0 = enough for twice the average rate)', default: 0 },
    { key: 'outputBytes', description: 'transformed bytes stored per record', default: 512 },
    { key: 'logBytesPerRecord', description: 'handler log bytes per record', default: 40 },
  ],
  describe(w) {
    return (
      `${formatCount(w.events)} records a month (${bytes(numberOption(w, 'recordBytes'))} each, ` +
      `${choiceOption(w, 'mode')} stream), ${describeFunction(w, true)}`
    );
  },
  lines(w, prices) {
    const records = dec(w.events);
    const invocations = records.div(w.batchSize).ceil();
    const shards = numberOption(w, 'shards');
    return [
      ...kinesisCost(
        {
          records: w.events,
          recordBytes: numberOption(w, 'recordBytes'),
          mode: choiceOption<KinesisMode>(w, 'mode'),
          ...(shards > 0 ? { shards } : {}),
        },
        prices,
      ),
      ...functionLines(w, invocations, records, numberOption(w, 'logBytesPerRecord'), prices),
      ...s3Cost(
        {
          label: 'output',
          puts: invocations,
          putDetail: 'one object per batch',
          storageGB: records.mul(numberOption(w, 'outputBytes')).div(GiB),
        },
        prices,
      ),
      ...operations(w, 4, 2, prices),
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
