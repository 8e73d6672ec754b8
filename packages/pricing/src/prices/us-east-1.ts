import type { PriceList } from './types.ts';

/*
 * Prices in US East (N. Virginia), read on 2026-11-26 from the AWS pricing pages named in each `source`.
 *
 * This machine has no internet access beyond package registries, so the pages could not be opened live. Each figure
 * was checked against stored copies of public pages (AWS pages and write-ups quoting them) found with a text search:
 * `confirmed: true` means a stored page states the figure; `confirmed: false` means no stored page stated it and
 * the figure is the last one known — check it against `source` before relying on it. The package README lists
 * which figures are which.
 *
 * Free tiers here are the monthly allowances that never expire (not the 12-month new-account offers); the model
 * applies them only when asked to.
 */

const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const EDGE = 'https://aws.amazon.com/cloudfront/pricing/';
const SQS = 'https://aws.amazon.com/sqs/pricing/';
const SNS = 'https://aws.amazon.com/sns/pricing/';
const KINESIS = 'https://aws.amazon.com/kinesis/data-streams/pricing/';
const FIREHOSE = 'https://aws.amazon.com/firehose/pricing/';
const DYNAMODB = 'https://aws.amazon.com/dynamodb/pricing/on-demand/';
const API_GATEWAY = 'https://aws.amazon.com/api-gateway/pricing/';
const EVENTBRIDGE = 'https://aws.amazon.com/eventbridge/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const COGNITO = 'https://aws.amazon.com/cognito/pricing/';

const MILLION = 1_000_000;
const BILLION = 1_000_000_000;
const TB = 1024; // CloudWatch's log tiers are in TB of GB

export const usEast1: PriceList = {
  region: 'us-east-1',
  read: '2026-11-26',

  lambda: {
    requests: { usd: '0.20', per: MILLION, unit: 'requests', source: LAMBDA, confirmed: true },
    duration: {
      // x86: first 6 B GB-s, next 9 B, over 15 B a month (per account, region and architecture).
      x86_64: {
        tiers: [
          { upTo: 6 * BILLION, usd: '0.0000166667' },
          { upTo: 15 * BILLION, usd: '0.0000150000' },
          { upTo: null, usd: '0.0000133334' },
        ],
        per: 1,
        unit: 'GB-s',
        source: LAMBDA,
        confirmed: true,
      },
      // Arm's tiers are 25 % wider: first 7.5 B GB-s, next 11.25 B, over 18.75 B. The third rate ($0.0000106667)
      // was confirmed on 2026-12-04 from a stored transcription of AWS's Price List (Lambda-GB-Second-ARM tiers).
      arm64: {
        tiers: [
          { upTo: 7.5 * BILLION, usd: '0.0000133334' },
          { upTo: 18.75 * BILLION, usd: '0.0000120001' },
          { upTo: null, usd: '0.0000106667' },
        ],
        per: 1,
        unit: 'GB-s',
        source: LAMBDA,
        confirmed: true,
      },
    },
    // Ephemeral storage and provisioned concurrency, re-checked on 2026-12-04 for `pnpm cost lambda`. The stored
    // copies of the Lambda page render its rate tables client-side, so the figures were confirmed from stored
    // write-ups that transcribe AWS's Price List for us-east-1 (usage types Lambda-Storage-GB-Second,
    // Lambda-Provisioned-Concurrency and Lambda-Provisioned-GB-Second, each with its -ARM twin; the machine-readable
    // list is https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AWSLambda/current/us-east-1/index.json).
    // Per GB-second of ephemeral storage configured above the free 512 MB (same rate on both architectures).
    ephemeralStorage: { usd: '0.0000000309', per: 1, unit: 'GB-s', source: LAMBDA, confirmed: true },
    // Per GB-second of concurrency kept ready, used or not, from enabling it to disabling it (5-minute steps).
    provisionedConcurrency: {
      x86_64: { usd: '0.0000041667', per: 1, unit: 'GB-s', source: LAMBDA, confirmed: true },
      arm64: { usd: '0.0000033334', per: 1, unit: 'GB-s', source: LAMBDA, confirmed: true },
    },
    // Duration of invocations that run on provisioned environments, instead of the on-demand rate.
    provisionedDuration: {
      x86_64: { usd: '0.0000097222', per: 1, unit: 'GB-s', source: LAMBDA, confirmed: true },
      arm64: { usd: '0.0000077778', per: 1, unit: 'GB-s', source: LAMBDA, confirmed: true },
    },
    // One allowance a month for the account, shared by arm64 and x86_64 (confirmed: "one million requests and
    // 400,000 GB-seconds per month"); none for functions with provisioned concurrency.
    freeTier: { requests: MILLION, gbSeconds: 400_000, source: LAMBDA },
  },

  // Lambda@Edge: its own prices, billed per 1 ms since April 2021, no free tier, x86 only. The stored page that
  // states $0.00005001 calls it "per 128 MB-second" yet equates it with $0.00000625125 per GB-second, backwards:
  // $0.00005001 per GB-second is $0.00000625125 per 128 MB-second, as AWS's page words it.
  lambdaEdge: {
    requests: { usd: '0.60', per: MILLION, unit: 'requests', source: EDGE, confirmed: true },
    duration: { usd: '0.00005001', per: 1, unit: 'GB-s', source: EDGE, confirmed: true },
  },

  sqs: {
    standard: {
      tiers: [
        { upTo: 100 * BILLION, usd: '0.40' },
        { upTo: 200 * BILLION, usd: '0.30' },
        { upTo: null, usd: '0.24' },
      ],
      per: MILLION,
      unit: 'requests',
      source: SQS,
      confirmed: true,
    },
    // FIFO's first rate is confirmed; its volume tiers ($0.40, $0.35) were stated by one stored page and called
    // "not documented" by another.
    fifo: {
      tiers: [
        { upTo: 100 * BILLION, usd: '0.50' },
        { upTo: 200 * BILLION, usd: '0.40', confirmed: false },
        { upTo: null, usd: '0.35', confirmed: false },
      ],
      per: MILLION,
      unit: 'requests',
      source: SQS,
      confirmed: true,
    },
    chunkBytes: 64 * 1024,
    freeTierRequests: MILLION,
  },

  sns: {
    publishes: { usd: '0.50', per: MILLION, unit: 'requests', source: SNS, confirmed: true },
    // "No charge for deliveries to Lambda"; data transfer is not modelled.
    lambdaDeliveries: { usd: '0', per: MILLION, unit: 'deliveries', source: SNS, confirmed: false },
    chunkBytes: 64 * 1024,
    freeTierRequests: MILLION,
  },

  kinesis: {
    shardHours: { usd: '0.015', per: 1, unit: 'shard-hours', source: KINESIS, confirmed: true },
    putPayloadUnits: {
      usd: '0.014',
      per: MILLION,
      unit: 'PUT payload units',
      source: KINESIS,
      confirmed: false,
    },
    putPayloadUnitBytes: 25 * 1024,
    onDemandStreamHours: { usd: '0.04', per: 1, unit: 'stream-hours', source: KINESIS, confirmed: false },
    onDemandIngestGB: { usd: '0.08', per: 1, unit: 'GB', source: KINESIS, confirmed: false },
    onDemandRetrievalGB: { usd: '0.04', per: 1, unit: 'GB', source: KINESIS, confirmed: false },
    onDemandRecordRoundingBytes: 1024,
  },

  firehose: {
    // Direct PUT and a Kinesis data stream as the source share one ingestion price: per GB, each record rounded up
    // to 5 KB (stored copies of the AWS page, in German and Russian, state the rounding and that delivery costs
    // nothing more unless optional features — format conversion, dynamic partitioning, VPC delivery — are on; the
    // page renders its figures client-side). The first tier, $0.029 per GB in US East, is stated by stored
    // write-ups that quote the page (a worked example, a cost guide, a cost calculator); so is $0.025 for the next
    // 1.5 PB. $0.020 is the last tier as last known (AWS lists a next 3 PB, then prices by contact). A Lambda
    // transformation has no Firehose charge of its own: the function is billed as Lambda.
    ingestion: {
      tiers: [
        { upTo: 500 * TB, usd: '0.029' },
        { upTo: 2048 * TB, usd: '0.025' },
        { upTo: null, usd: '0.020', confirmed: false },
      ],
      per: 1,
      unit: 'GB',
      source: FIREHOSE,
      confirmed: true,
    },
    ingestionRoundingBytes: 5 * 1024,
  },

  dynamodb: {
    // On-demand throughput after the November 2024 price cut.
    writeRequestUnits: { usd: '0.625', per: MILLION, unit: 'WRU', source: DYNAMODB, confirmed: true },
    readRequestUnits: { usd: '0.125', per: MILLION, unit: 'RRU', source: DYNAMODB, confirmed: true },
    storageGBMonth: { usd: '0.25', per: 1, unit: 'GB-month', source: DYNAMODB, confirmed: false },
    freeTierStorageGB: 25,
    // GetRecords calls made by Lambda's stream poller are free.
    streamsReadByLambda: {
      usd: '0',
      per: MILLION,
      unit: 'read requests',
      source: DYNAMODB,
      confirmed: false,
    },
  },

  apiGateway: {
    // HTTP APIs: metered in 512 KB increments (a 513 KB request counts as two).
    http: {
      tiers: [
        { upTo: 300 * MILLION, usd: '1.00' },
        { upTo: null, usd: '0.90' },
      ],
      per: MILLION,
      unit: 'requests',
      source: API_GATEWAY,
      confirmed: true,
    },
    httpMeteringBytes: 512 * 1024,
    // REST APIs: first 333 M and next 667 M confirmed; the two top tiers were not.
    rest: {
      tiers: [
        { upTo: 333 * MILLION, usd: '3.50' },
        { upTo: 1000 * MILLION, usd: '2.80' },
        { upTo: 20 * BILLION, usd: '2.38', confirmed: false },
        { upTo: null, usd: '1.51', confirmed: false },
      ],
      per: MILLION,
      unit: 'requests',
      source: API_GATEWAY,
      confirmed: true,
    },
  },

  eventBridge: {
    customEvents: { usd: '1.00', per: MILLION, unit: 'events', source: EVENTBRIDGE, confirmed: true },
    chunkBytes: 64 * 1024,
    schedulerInvocations: {
      usd: '1.00',
      per: MILLION,
      unit: 'invocations',
      source: EVENTBRIDGE,
      confirmed: true,
    },
    schedulerFreeInvocations: 14 * MILLION,
  },

  cloudWatch: {
    // Lambda's logs are "vended logs" since 1 May 2025: tiered, first tier at the old flat $0.50/GB. Tiers
    // confirmed (a stored write-up: 60 TB a month costs $12,500 instead of $30,000).
    lambdaLogIngestion: {
      tiers: [
        { upTo: 10 * TB, usd: '0.50' },
        { upTo: 30 * TB, usd: '0.25' },
        { upTo: 50 * TB, usd: '0.10' },
        { upTo: null, usd: '0.05' },
      ],
      per: 1,
      unit: 'GB',
      source: CLOUDWATCH,
      confirmed: true,
    },
    logIngestion: { usd: '0.50', per: 1, unit: 'GB', source: CLOUDWATCH, confirmed: true },
    logStorage: { usd: '0.03', per: 1, unit: 'GB-month', source: CLOUDWATCH, confirmed: true },
    alarms: { usd: '0.10', per: 1, unit: 'alarm-months', source: CLOUDWATCH, confirmed: false },
    customMetrics: { usd: '0.30', per: 1, unit: 'metric-months', source: CLOUDWATCH, confirmed: false },
    freeTier: { logIngestionGB: 5, logStorageGB: 5, alarms: 10, metrics: 10 },
  },

  s3: {
    // S3 Standard: PUT, COPY, POST, LIST per 1,000; GET per 1,000; storage per GB-month.
    putRequests: { usd: '0.005', per: 1000, unit: 'requests', source: S3, confirmed: true },
    getRequests: { usd: '0.0004', per: 1000, unit: 'requests', source: S3, confirmed: true },
    storage: {
      tiers: [
        { upTo: 50 * TB, usd: '0.023' },
        { upTo: 500 * TB, usd: '0.022', confirmed: false },
        { upTo: null, usd: '0.021', confirmed: false },
      ],
      per: 1,
      unit: 'GB-month',
      source: S3,
      confirmed: true,
    },
  },

  cognito: {
    // User pools, per monthly active user (MAU) signing in directly or through a social provider. Essentials is
    // the default feature plan of new pools (confirmed: Cognito's developer guide and the UserPoolTier API default); Lite is the cheaper plan without the newer features. The 10,000
    // free MAUs (Essentials and Lite) were confirmed; the per-MAU rates were not.
    essentials: {
      tiers: [{ upTo: null, usd: '0.015' }],
      per: 1,
      unit: 'MAU',
      source: COGNITO,
      confirmed: false,
    },
    lite: {
      tiers: [
        { upTo: 100_000, usd: '0.0055' },
        { upTo: MILLION, usd: '0.0046' },
        { upTo: 10 * MILLION, usd: '0.00325' },
        { upTo: null, usd: '0.0025' },
      ],
      per: 1,
      unit: 'MAU',
      source: COGNITO,
      confirmed: false,
    },
    freeTierMAU: 10_000,
  },
};
