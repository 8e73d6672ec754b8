import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TriggerAlarms, TriggerFunction } from '@triggers/kit';
import { readEnvironment } from '@triggers/kit/runtime';
import { bundleOf, nagFindings, templateOf } from '@triggers/kit/testing';
import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3Integration, type S3IntegrationProps } from '../src/construct.ts';
import { DEFAULT_CACHE_CONTROL, SettingsSchema } from '../src/contract.ts';
import { S3Stack } from '../src/stack.ts';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The thumbnail function's resource: the one function that is told where thumbnails go. */
function thumbnailFunction(template: Template) {
  return Object.entries(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { THUMBNAIL_BUCKET_NAME: Match.anyValue() } } },
    }),
  )[0] as [
    string,
    {
      Properties: {
        Role: { 'Fn::GetAtt': [string, string] };
        Environment: { Variables: Record<string, unknown> };
      };
    },
  ];
}

/** Every statement of every IAM policy attached to the function's role. */
function functionStatements(template: Template): Statement[] {
  const [, fn] = thumbnailFunction(template);
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const logicalIdOf = (template: Template, type: string, match: (id: string) => boolean) =>
  Object.keys(template.findResources(type)).find(match) as string;

describe('S3Stack template', () => {
  let stack: S3Stack;
  let findings: string[];
  let template: Template;
  let source: string;
  let thumbnails: string;

  beforeAll(() => {
    // Built once: synthesized with cdk-nag's AwsSolutions checks, then read as a template.
    findings = nagFindings((app) => {
      stack = new S3Stack(app, 'Triggers-S3');
    });
    template = Template.fromStack(stack);
    source = logicalIdOf(template, 'AWS::S3::Bucket', (id) => id.includes('Source'));
    thumbnails = logicalIdOf(template, 'AWS::S3::Bucket', (id) => id.includes('Thumbnails'));
  });

  it('blocks public access, encrypts, and refuses requests without TLS on every bucket', () => {
    // Assess
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3); // source, thumbnails, access logs
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
    }
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('logs access to both buckets and cleans up incomplete uploads', () => {
    // Assess
    const logs = logicalIdOf(template, 'AWS::S3::Bucket', (id) => id.includes('AccessLogs'));
    for (const [bucket, prefix] of [
      [source, 'source/'],
      [thumbnails, 'thumbnails/'],
    ] as const) {
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: prefix },
        }),
      });
      expect(template.toJSON().Resources[bucket].Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ AbortIncompleteMultipartUpload: expect.any(Object), Status: 'Enabled' }),
      );
    }
  });

  it('notifies the function of every created and removed object in the source bucket, and nothing else', () => {
    // Assess
    const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'));
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.Properties.BucketName).toEqual({ Ref: source });
    const configurations =
      notifications[0]?.Properties.NotificationConfiguration.LambdaFunctionConfigurations;
    expect(configurations.flatMap((c: { Events: string[] }) => c.Events).sort()).toEqual([
      's3:ObjectCreated:*',
      's3:ObjectRemoved:*',
    ]);
    for (const configuration of configurations) expect(configuration.Filter).toBeUndefined();
  });

  it('cannot trigger itself: no notification on the thumbnail bucket, no write to the source bucket', () => {
    // Prepare
    const statements = functionStatements(template);
    const writes = statements.filter((s) =>
      [s.Action].flat().some((action) => /^s3:(Put|Delete|\*)/.test(action)),
    );

    // Assess
    for (const notification of Object.values(template.findResources('Custom::S3BucketNotifications'))) {
      expect(notification.Properties.BucketName).not.toEqual({ Ref: thumbnails });
    }
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes) {
      expect(JSON.stringify(statement.Resource)).not.toContain(source);
      expect(JSON.stringify(statement.Resource)).toContain(thumbnails);
    }
  });

  it('grants only what the function uses: read uploads, write/read/delete thumbnails/*, its DLQ and log group', () => {
    // Prepare
    const statements = functionStatements(template);
    const byAction = Object.fromEntries(
      statements.map((s) => [[s.Action].flat().sort().join(','), s.Resource]),
    );

    // Assess
    expect(Object.keys(byAction).sort()).toEqual([
      'logs:CreateLogStream,logs:PutLogEvents',
      's3:DeleteObject,s3:GetObject,s3:PutObject',
      's3:GetObject',
      's3:ListBucket',
      'sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage',
    ]);
    expect(byAction['s3:GetObject']).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [source, 'Arn'] }, '/*']] });
    expect(byAction['s3:DeleteObject,s3:GetObject,s3:PutObject']).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [thumbnails, 'Arn'] }, '/thumbnails/*']],
    });
    expect(byAction['s3:ListBucket']).toEqual([
      { 'Fn::GetAtt': [source, 'Arn'] },
      { 'Fn::GetAtt': [thumbnails, 'Arn'] },
    ]);
    for (const statement of statements) expect(statement.Resource).not.toBe('*');
  });

  it('lets only S3, for the source bucket of this account, invoke the function', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [source, 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('runs on arm64 with memory, time and /tmp sized for sharp and ffmpeg', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 120,
      EphemeralStorage: { Size: 512 },
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'thumbnailer',
          THUMBNAIL_BUCKET_NAME: { Ref: thumbnails },
          THUMBNAIL_WIDTHS: '128,512',
          THUMBNAIL_FORMAT: 'webp',
          MAX_OBJECT_BYTES: String(100 * 1024 * 1024),
          MAX_INPUT_PIXELS: '100000000',
        }),
      },
    });
  });

  it('retries a failed event twice within 6 hours, then sends it to an encrypted, TLS-only DLQ', () => {
    // Prepare
    const dlq = logicalIdOf(template, 'AWS::SQS::Queue', (id) => id.includes('DeadLetterQueue'));

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarms on function errors, throttles, near-timeouts, dropped async events and a non-empty DLQ', () => {
    // Assess
    const watched = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((alarm) => `${alarm.Properties.Namespace}/${alarm.Properties.MetricName}`)
      .sort();
    expect(watched).toEqual([
      'AWS/Lambda/AsyncEventsDropped',
      'AWS/Lambda/DestinationDeliveryFailures',
      'AWS/Lambda/Duration',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Throttles',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]);
  });

  it('empties and deletes the buckets with the stack (a learning stack)', () => {
    // Assess
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect((bucket as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe('Delete');
    }
  });

  it('passes cdk-nag AwsSolutions with no unacknowledged findings', () => {
    // Assess
    expect(findings).toEqual([]);
  });

  it('exposes the members every integration has: fn, alarms, sourceBucket, deadLetterQueue', () => {
    // Prepare
    const { fn, alarms, sourceBucket, deadLetterQueue } = stack.integration;
    const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(construct.node.defaultChild as never);

    // Assess
    expect(fn).toBeInstanceOf(TriggerFunction);
    expect(logicalId(fn)).toBe(thumbnailFunction(template)[0]);
    expect(alarms).toBeInstanceOf(TriggerAlarms);
    expect(alarms.alarms).toHaveLength(6);
    expect(sourceBucket).toBeInstanceOf(s3.Bucket);
    expect(logicalId(sourceBucket)).toBe(source);
    expect(deadLetterQueue).toBeInstanceOf(sqs.Queue);
    expect(logicalId(deadLetterQueue)).toMatch(/DeadLetterQueue/);
  });

  it('sets the environment the handler reads through the contract', () => {
    // Prepare: the bucket name is a reference in the template, a name at run time
    const variables = { ...thumbnailFunction(template)[1].Properties.Environment.Variables };
    expect(variables.THUMBNAIL_BUCKET_NAME).toEqual({ Ref: thumbnails });
    variables.THUMBNAIL_BUCKET_NAME = 'thumbnails-bucket';

    // Act
    const settings = readEnvironment(SettingsSchema, variables as Record<string, string>);

    // Assess
    expect(settings).toEqual({
      thumbnailBucket: 'thumbnails-bucket',
      widths: [128, 512],
      format: 'webp',
      maxObjectBytes: 100 * 1024 * 1024,
      maxInputPixels: 100_000_000,
      cacheControl: DEFAULT_CACHE_CONTROL,
    });
  });

  it('names its outputs as pnpm start and the descriptor read them', () => {
    // Assess
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'DeadLetterQueueUrl',
      'FunctionName',
      'SourceBucketName',
      'ThumbnailBucketName',
    ]);
    template.hasOutput('SourceBucketName', { Value: { Ref: source } });
    template.hasOutput('ThumbnailBucketName', { Value: { Ref: thumbnails } });
  });
});

describe('S3Integration props', () => {
  const build = (props: S3IntegrationProps) => {
    const { template, built } = templateOf((stack) => new S3Integration(stack, 'Uploads', props));
    return { integration: built, template };
  };

  it('retains the buckets and the DLQ by default', () => {
    // Act
    const { template } = build({});

    // Assess
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    for (const resource of Object.values({
      ...template.findResources('AWS::S3::Bucket'),
      ...template.findResources('AWS::SQS::Queue'),
    })) {
      expect((resource as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe('Retain');
    }
  });

  it('narrows notifications and reads to a prefix, one notification per suffix', () => {
    // Act
    const { template } = build({ prefix: 'uploads/', suffixes: ['.jpg', '.mp4'] });

    // Assess
    const notification = Object.values(template.findResources('Custom::S3BucketNotifications'))[0];
    const filters = notification?.Properties.NotificationConfiguration.LambdaFunctionConfigurations.map(
      (c: { Events: string[]; Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } }) =>
        `${c.Events[0]} ${c.Filter.Key.FilterRules.map((r) => `${r.Name}=${r.Value}`)
          .sort()
          .join(' ')}`,
    );
    expect(filters.sort()).toEqual([
      's3:ObjectCreated:* prefix=uploads/ suffix=.jpg',
      's3:ObjectCreated:* prefix=uploads/ suffix=.mp4',
      's3:ObjectRemoved:* prefix=uploads/ suffix=.jpg',
      's3:ObjectRemoved:* prefix=uploads/ suffix=.mp4',
    ]);
    const read = functionStatements(template).find((s) => s.Action === 's3:GetObject');
    expect(JSON.stringify(read?.Resource)).toContain('/uploads/*');
  });

  it('reads exact versions, and expires old ones, in a versioned source bucket', () => {
    // Act
    const { template } = build({ versioned: true });

    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
      },
    });
    const read = functionStatements(template).find((s) => [s.Action].flat().includes('s3:GetObjectVersion'));
    expect(read?.Action).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
  });

  it('passes widths, format and limits to the function, and sizes /tmp for the largest upload', () => {
    // Act
    const { template } = build({
      widths: [64, 256, 1024],
      format: 'avif',
      maxObjectSize: Size.mebibytes(1024),
      maxInputPixels: 50_000_000,
      thumbnailExpiration: Duration.days(90),
      retryAttempts: 0,
    });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      EphemeralStorage: { Size: 1600 },
      Environment: {
        Variables: Match.objectLike({
          THUMBNAIL_WIDTHS: '64,256,1024',
          THUMBNAIL_FORMAT: 'avif',
          MAX_OBJECT_BYTES: String(1024 * 1024 * 1024),
          MAX_INPUT_PIXELS: '50000000',
        }),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Prefix: 'thumbnails/', ExpirationInDays: 90 })],
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
  });

  it('refuses more retries than Lambda allows, and widths that are not pixel counts', () => {
    // Assess
    expect(() => build({ retryAttempts: 3 })).toThrow(/retryAttempts must be 0, 1 or 2 .*not 3/);
    expect(() => build({ widths: [128, 0.5] })).toThrow(/widths must be whole numbers .*not \[128, 0.5\]/);
    expect(() => build({ widths: [] })).toThrow(/widths must be whole numbers/);
  });

  it('destroys and empties everything when asked', () => {
    // Act
    const { template } = build({ removalPolicy: RemovalPolicy.DESTROY });

    // Assess
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
  });

  it('uses an existing source bucket without creating one: notifies from it, reads it, cdk-nag clean', () => {
    // Prepare
    let existing: s3.IBucket | undefined;
    let integration: S3Integration | undefined;
    let stack: Stack | undefined;

    // Act
    const findings = nagFindings((app) => {
      stack = new Stack(app, 'Existing');
      existing = s3.Bucket.fromBucketName(stack, 'Uploads', 'my-uploads');
      integration = new S3Integration(stack, 'Thumbnails', { existingBucket: existing, prefix: 'photos/' });
    });
    const template = Template.fromStack(stack as Stack);

    // Assess: the thumbnail and access-log buckets only
    expect(findings).toEqual([]);
    expect(integration?.sourceBucket).toBe(existing);
    const buckets = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(buckets).toHaveLength(2);
    expect(buckets.some((id) => id.includes('Source'))).toBe(false);
    // CDK's notifications resource, unmanaged: it adds ours and keeps the bucket's other notifications
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'my-uploads',
      Managed: false,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: Match.arrayWith([
          Match.objectLike({ Events: ['s3:ObjectCreated:*'] }),
          Match.objectLike({ Events: ['s3:ObjectRemoved:*'] }),
        ]),
      },
    });
    const arn = (suffix: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::my-uploads${suffix}`]],
    });
    const statements = functionStatements(template);
    expect(statements.find((s) => s.Action === 's3:GetObject')?.Resource).toEqual(arn('/photos/*'));
    expect(statements.find((s) => s.Action === 's3:ListBucket')?.Resource).toContainEqual(arn(''));
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 's3.amazonaws.com',
      SourceArn: arn(''),
    });
  });
});

/** The ELF machine of a file (0xB7 AArch64, 0x3E x86-64), or undefined for a file that is not ELF. */
function elfMachine(file: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return header.readUInt16LE(18);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('S3Stack bundle', () => {
  it('carries sharp and ffmpeg for arm64 (and no x64 builds) beside a lean bundle, within the size budget', () => {
    // Act: bundles for real, offline: esbuild, then the platform packages copied from the store
    const bundle = bundleOf((app) => new S3Stack(app, 'Triggers-S3'), 'UploadsThumbnailer');
    const assetDir = bundle.directory;
    const files = filesUnder(assetDir);
    const elf = Object.fromEntries(
      files.flatMap((file) => {
        const machine = elfMachine(file);
        return machine === undefined ? [] : [[relative(assetDir, file), machine]];
      }),
    );
    const total = files.reduce((sum, file) => sum + statSync(file).size, 0);

    // Assess
    expect(elf).toEqual({
      'node_modules/@ffmpeg-installer/linux-arm64/ffmpeg': 0xb7,
      'node_modules/@img/sharp-libvips-linux-arm64/lib/libvips-cpp.so.8.18.7': 0xb7,
      'node_modules/@img/sharp-linux-arm64/lib/sharp-linux-arm64-0.35.5.node': 0xb7,
    });
    expect(files.some((file) => /x64/.test(relative(assetDir, file)))).toBe(false);
    expect(
      statSync(join(assetDir, 'node_modules/@ffmpeg-installer/linux-arm64/ffmpeg')).mode & 0o111,
    ).not.toBe(0);
    expect(bundle.bytes).toBeLessThanOrEqual(300 * 1024);
    expect(bundle.hasSourceMap).toBe(true);
    expect(total).toBeLessThanOrEqual(55 * 1024 * 1024);
  });
});
