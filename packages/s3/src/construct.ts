import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  deadLetterQueue,
  type IntegrationProps,
  safeBuckets,
  TriggerAlarms,
  TriggerFunction,
} from '@triggers/kit';
import { AssetStaging, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEFAULT_FORMAT,
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_MAX_OBJECT_BYTES,
  DEFAULT_WIDTHS,
  ENV,
  SERVICE_NAME,
  type ThumbnailFormat,
  validWidths,
  WIDTHS_RULE,
} from './contract.ts';

export interface S3IntegrationProps extends IntegrationProps {
  /**
   * Make thumbnails of uploads to a bucket you already have instead of creating one (import it with
   * `s3.Bucket.fromBucketName`). The construct adds its notifications to it — CDK's notifications resource then
   * runs with `Managed: false` and keeps the bucket's other notifications — and lets the function read it (and
   * decrypt with its KMS key, if you import it with one). Its encryption, logging, versioning, lifecycle and
   * removal stay yours; set `versioned` if it is versioned. It must not be where thumbnails go.
   */
  readonly existingBucket?: s3.IBucket;
  /** Only keys under this prefix make thumbnails (and only they are readable by the function). @default whole bucket */
  readonly prefix?: string;
  /**
   * Only keys ending in one of these make thumbnails (S3 compares case-sensitively: list `.jpg` and `.JPG`).
   * The type is still decided by content. @default any key
   */
  readonly suffixes?: readonly string[];
  /** Thumbnail widths in pixels. @default [128, 512] */
  readonly widths?: readonly number[];
  /** @default 'webp' */
  readonly format?: ThumbnailFormat;
  /** Larger uploads are rejected without being read. @default 100 MiB */
  readonly maxObjectSize?: Size;
  /** Images with more pixels are rejected before decoding (decompression bombs). @default 100 megapixels */
  readonly maxInputPixels?: number;
  /** Delete thumbnails this long after they are written. @default never */
  readonly thumbnailExpiration?: Duration;
  /**
   * Keep every version of every upload (events then carry version ids). With `existingBucket`: say whether that
   * bucket is versioned, so the function may read exact versions. @default false
   */
  readonly versioned?: boolean;
  /** Lambda's retries of a failed event before the DLQ (0–2). @default 2 */
  readonly retryAttempts?: number;
  /** How long an event may wait (throttled, retrying) before it goes to the DLQ. @default 6 hours (the most) */
  readonly maxEventAge?: Duration;
}

/** Lambda runs this function on Graviton: the bundle carries the linux-arm64 builds of sharp and ffmpeg. */
const LAMBDA_ARCH = 'arm64';

/**
 * Uploads to a source bucket become thumbnails in a separate bucket. The function may read the source and write
 * only `thumbnails/*` of the other bucket, which sends no notifications: it cannot trigger itself. Failed events
 * go, after Lambda's async retries, to a dead-letter queue. `removalPolicy: DESTROY` also empties the buckets.
 */
export class S3Integration extends Construct {
  /** The thumbnail function. */
  readonly fn: TriggerFunction;
  readonly alarms: TriggerAlarms;
  /** The bucket whose uploads are thumbnailed: the one created here, or `existingBucket`. */
  readonly sourceBucket: s3.IBucket;
  /** Where events the function failed on land (Lambda's on-failure destination), with the reason. */
  readonly deadLetterQueue: sqs.Queue;
  /** Where thumbnails are written, under `thumbnails/<width>/`. */
  readonly thumbnailBucket: s3.Bucket;
  /** Server access logs of the buckets made here. */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: S3IntegrationProps = {}) {
    super(scope, id);
    // Safe buckets whose access logs S3 delivers by bucket policy: set up first, before the construct has children.
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const buckets = safeBuckets(this, { removalPolicy });
    const maxObjectSize = props.maxObjectSize ?? Size.bytes(DEFAULT_MAX_OBJECT_BYTES);
    const widths = props.widths ?? DEFAULT_WIDTHS;
    if (!validWidths(widths)) {
      throw new Error(`S3Integration: widths ${WIDTHS_RULE}, not [${widths.join(', ')}].`);
    }
    const retryAttempts = props.retryAttempts ?? 2;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 2) {
      throw new Error(
        `S3Integration: retryAttempts must be 0, 1 or 2 (Lambda's limit), not ${retryAttempts}.`,
      );
    }
    this.accessLogsBucket = buckets.accessLogsBucket('AccessLogs', {
      logsOf: 'the source and thumbnail buckets',
    });

    this.sourceBucket =
      props.existingBucket ??
      new s3.Bucket(this, 'Source', {
        ...buckets.props,
        versioned: props.versioned ?? false,
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: 'source/',
        lifecycleRules: [
          { abortIncompleteMultipartUploadAfter: Duration.days(7) },
          ...(props.versioned ? [{ noncurrentVersionExpiration: Duration.days(30) }] : []),
        ],
      });
    this.thumbnailBucket = new s3.Bucket(this, 'Thumbnails', {
      ...buckets.props,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'thumbnails/',
      lifecycleRules: [
        {
          prefix: 'thumbnails/',
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          expiration: props.thumbnailExpiration,
        },
      ],
    });

    // A video is streamed to /tmp before ffmpeg reads it: room for the largest accepted upload, and its frame.
    const ephemeralMiB = Math.max(512, Math.ceil(maxObjectSize.toMebibytes() * 1.5 + 64));
    this.fn = new TriggerFunction(this, 'Thumbnailer', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: SERVICE_NAME,
      description: 'Makes thumbnails of uploaded images and videos',
      // See the README: a 12 MP JPEG peaks near 300 MB, a 1080p frame far less; 1 GB adds CPU for the resize.
      memorySize: 1024,
      timeout: Duration.minutes(2),
      ephemeralStorageSize: Size.mebibytes(ephemeralMiB),
      ...props.functionProps,
      environment: {
        [ENV.thumbnailBucket]: this.thumbnailBucket.bucketName,
        [ENV.widths]: widths.join(','),
        [ENV.format]: props.format ?? DEFAULT_FORMAT,
        [ENV.maxObjectBytes]: String(maxObjectSize.toBytes()),
        [ENV.maxInputPixels]: String(props.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS),
        ...props.functionProps?.environment,
      },
      bundling: {
        // sharp's JavaScript is bundled; its native build is loaded at run time from node_modules/@img, and ffmpeg
        // from node_modules/@ffmpeg-installer — both copied into the asset below, for arm64.
        externalModules: ['@aws-sdk/*', '@img/sharp-*', '@ffmpeg-installer/*'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => copyPlatformPackages(outputDir),
        },
        ...props.functionProps?.bundling,
      },
    });

    // Least privilege: read uploads (under the prefix only), write/read/delete thumbnails/* only. Nothing can
    // write to the source bucket, so the function cannot trigger itself.
    const readable = this.sourceBucket.arnForObjects(`${props.prefix ?? ''}*`);
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', ...(props.versioned ? ['s3:GetObjectVersion'] : [])],
        resources: [readable],
      }),
    );
    // An existing bucket may be encrypted with a KMS key: reading its objects needs the key too.
    this.sourceBucket.encryptionKey?.grantDecrypt(this.fn);
    const writable = this.thumbnailBucket.arnForObjects('thumbnails/*');
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [writable],
      }),
    );
    // Without ListBucket, S3 answers a read of a missing key with 403 instead of 404: a thumbnail not yet made would
    // look forbidden, and an upload deleted before it was processed would fail into the DLQ instead of being skipped.
    // (No s3:prefix condition: reads of one key carry none, so it would take the 404 away again.)
    this.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.sourceBucket.bucketArn, this.thumbnailBucket.bucketArn],
      }),
    );
    for (const resource of [readable, writable]) {
      Validations.of(this.fn.role as iam.IRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagName(this, resource)}]`,
        reason:
          'Object ARNs: the function reads any upload (under the prefix) and writes only under thumbnails/.',
      });
    }

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', {
      removalPolicy,
      holds: 'S3 events the thumbnail function failed on',
    });
    this.fn.configureAsyncInvoke({
      retryAttempts,
      maxEventAge: props.maxEventAge ?? Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    const destination = new LambdaDestination(this.fn);
    // One notification per suffix (S3 allows several when their suffixes do not overlap); none: the whole bucket.
    const filters: s3.NotificationKeyFilter[] = props.suffixes?.length
      ? props.suffixes.map((suffix) => ({ prefix: props.prefix, suffix }))
      : props.prefix
        ? [{ prefix: props.prefix }]
        : [];
    for (const event of [s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED]) {
      if (filters.length === 0) this.sourceBucket.addEventNotification(event, destination);
      for (const filter of filters) this.sourceBucket.addEventNotification(event, destination, filter);
    }
    acknowledgeCdkHelpers(Stack.of(this));

    this.alarms = new TriggerAlarms(this, 'Alarms', { topic: props.alarmTopic })
      .watchFunction(this.fn)
      .watchAsyncFunction(this.fn)
      .watchDeadLetterQueue(this.deadLetterQueue);
  }
}

/**
 * A resource as cdk-nag names it in a finding: `<UploadsSource1234.Arn>/*` for a bucket made here,
 * `arn:<AWS::Partition>:s3:::my-uploads/*` for an imported one (references in angle brackets).
 */
function nagName(scope: Construct, value: string): string {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (Array.isArray(intrinsic['Fn::GetAtt'])) return `<${(intrinsic['Fn::GetAtt'] as string[]).join('.')}>`;
    if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
    return JSON.stringify(node);
  };
  return flatten(Stack.of(scope).resolve(value));
}

/** The platform packages the asset carries, with the files of each that run: sharp's native build, ffmpeg. */
function platformPackages(): { name: string; dir: string; files?: string[] }[] {
  const require = createRequire(import.meta.url);
  const fromSharp = createRequire(require.resolve('sharp'));
  const find = (resolve: NodeRequire, name: string, entry: string) => {
    try {
      return dirname(resolve.resolve(`${name}/${entry}`));
    } catch {
      throw new Error(
        `S3Integration: ${name} is not installed, so the bundle cannot carry it for Lambda's ${LAMBDA_ARCH}. ` +
          'Add supportedArchitectures (os: [current, linux], cpu: [current, arm64], libc: [current, glibc]) to ' +
          'pnpm-workspace.yaml and run pnpm install.',
      );
    }
  };
  return [
    {
      name: `@img/sharp-linux-${LAMBDA_ARCH}`,
      dir: find(fromSharp, `@img/sharp-linux-${LAMBDA_ARCH}`, 'package'),
    },
    {
      name: `@img/sharp-libvips-linux-${LAMBDA_ARCH}`,
      dir: find(fromSharp, `@img/sharp-libvips-linux-${LAMBDA_ARCH}`, 'package'),
    },
    {
      name: `@ffmpeg-installer/linux-${LAMBDA_ARCH}`,
      dir: find(require, `@ffmpeg-installer/linux-${LAMBDA_ARCH}`, 'package.json'),
      files: ['package.json', 'ffmpeg'],
    },
  ];
}

/** Shell commands (run by NodejsFunction after esbuild) that copy the platform packages into the asset. */
function copyPlatformPackages(outputDir: string): string[] {
  // NodejsFunction also writes the command it would run in Docker, at every synth, even one that skips bundling.
  // That one gets no package paths: a synth must not go looking for sharp (infra/test/synth-loads.test.ts), and
  // the packages come from this machine's store, which a bundling container does not see.
  if (outputDir === AssetStaging.BUNDLING_OUTPUT_DIR) {
    return [
      `echo 'S3Integration: bundle with local esbuild (no forceDockerBundling): the ${LAMBDA_ARCH} builds of sharp and ffmpeg are copied from the local store.' >&2`,
      'exit 1',
    ];
  }
  const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;
  return platformPackages().flatMap(({ name, dir, files }) => {
    const target = `${outputDir}/node_modules/${name}`;
    if (files && !files.every((file) => existsSync(`${dir}/${file}`))) {
      throw new Error(`S3Integration: ${name} in ${dir} lacks one of ${files.join(', ')}.`);
    }
    return [
      `mkdir -p ${quote(target)}`,
      files
        ? `cp -p ${files.map((file) => quote(`${dir}/${file}`)).join(' ')} ${quote(target)}/`
        : `cp -Rp ${quote(`${dir}/.`)} ${quote(target)}/`,
    ];
  });
}

/** CDK's own helpers for notifications and auto-delete: their findings are CDK's to fix, not ours. */
function acknowledgeCdkHelpers(stack: Stack) {
  const notificationsHandler = stack.node.tryFindChild(
    'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
  );
  if (!notificationsHandler) return;
  Validations.of(notificationsHandler).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      "CDK's bucket-notifications handler uses AWSLambdaBasicExecutionRole; only CloudFormation invokes it.",
  });
}
