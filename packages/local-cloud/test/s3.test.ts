/**
 * S3 in the local cloud, end to end: a small CDK stack (a bucket with notifications and autoDeleteObjects, a
 * versioned and encrypted bucket, a function that records what it gets, a queue) synthesized here, deployed, and
 * driven with the SDK, raw HTTP, a function inside the cloud and the AWS CLI through the gateway.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { S3EventRecord } from '@triggers/events';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { formatStack } from '../src/report.ts';
import { waitFor } from '../src/testing/queues.ts';
import type { DeployedResource, DeployedStack } from '../src/types.ts';
import { AWS_CLI, awsCli, describeWithAwsCli } from './aws-cli.ts';

const FUNCTIONS = join(import.meta.dirname, 'fixtures', 'functions');
const _run = promisify(execFile);

/** The stack under test: what a CDK user writes for "run a function when an image is uploaded". */
function synthesize(outdir: string): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Triggers-S3Test');
  const uploads = new s3.Bucket(stack, 'Uploads', {
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  });
  new s3.Bucket(stack, 'Archive', {
    bucketName: 'archive-bucket-local',
    versioned: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    lifecycleRules: [{ expiration: Duration.days(30) }],
  });
  const recorder = new lambda.Function(stack, 'Recorder', {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(join(FUNCTIONS, 'echo')),
  });
  const writer = new lambda.Function(stack, 'Writer', {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(join(FUNCTIONS, 's3-put')),
    timeout: Duration.seconds(10),
    environment: { BUCKET: uploads.bucketName },
  });
  uploads.grantPut(writer);
  const queue = new sqs.Queue(stack, 'Documents');
  const images = { prefix: 'images/', suffix: '.jpg' };
  uploads.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(recorder), images);
  uploads.addEventNotification(s3.EventType.OBJECT_REMOVED, new s3n.LambdaDestination(recorder), images);
  uploads.addEventNotification(s3.EventType.OBJECT_CREATED_PUT, new s3n.SqsDestination(queue), {
    prefix: 'docs/',
  });
  stack.exportValue(uploads.bucketName, { name: 'UploadsBucket' });
  app.synth();
}

describe('S3 in the local cloud', { timeout: 60_000 }, () => {
  let assembly: string;
  let scratch: string;
  let cloud: LocalCloud;
  let client: S3Client;
  let queues: SQSClient;
  let bucket: string;
  let resources: readonly DeployedResource[];

  const resource = (type: string, logicalIdPrefix = '') => {
    const found = resources.find((r) => r.type === type && r.logicalId.startsWith(logicalIdPrefix));
    if (!found) throw new Error(`no ${type} ${logicalIdPrefix}`);
    return found;
  };

  /** Records the recorder function got from S3, oldest first. */
  const s3Records = (): S3EventRecord[] =>
    cloud.invocations
      .filter((invocation) => invocation.source === 'aws:s3')
      .flatMap((invocation) => (invocation.event as { Records: S3EventRecord[] }).Records);

  const recordsFor = (key: string) => s3Records().filter((record) => record.s3.object.key === key);

  /** Waits for the records of an encoded key; returns them. */
  async function awaitRecords(key: string, count = 1): Promise<S3EventRecord[]> {
    await waitFor(() => recordsFor(key).length >= count, 20_000);
    return recordsFor(key);
  }

  beforeAll(async () => {
    assembly = mkdtempSync(join(tmpdir(), 's3-local-'));
    scratch = mkdtempSync(join(tmpdir(), 's3-local-files-'));
    synthesize(assembly);
    cloud = await startLocalCloud({ assembly, port: 0, onWarning: () => {} });
    resources = cloud.stacks[0]?.resources ?? [];
    bucket = resource('AWS::S3::Bucket', 'Uploads').physicalId ?? '';
    client = new S3Client(cloud.clientConfig);
    queues = new SQSClient(cloud.clientConfig);
  }, 120_000);

  afterAll(async () => {
    client?.destroy();
    queues?.destroy();
    await cloud?.stop();
    for (const directory of [assembly, scratch])
      if (directory) rmSync(directory, { recursive: true, force: true });
  });

  describe('deploying', () => {
    it('creates buckets with a CloudFormation-style name and the attributes AWS builds', async () => {
      // Prepare
      const archive = resource('AWS::S3::Bucket', 'Archive');

      // Act
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));

      // Assess
      expect(listed.$metadata.httpStatusCode).toBe(200);
      expect(bucket).toMatch(/^triggers-s3test-uploads[0-9a-z]*-[0-9a-z]{12}$/);
      expect(bucket.length).toBeLessThanOrEqual(63);
      expect(archive.physicalId).toBe('archive-bucket-local');
      expect(cloud.stacks[0]?.outputs).toBeDefined();
      const exported = Object.values(cloud.stacks[0]?.outputs ?? {});
      expect(exported).toContain(bucket);
    });

    it('says what the local S3 does not honour instead of pretending, and keeps the lifecycle rules it can', async () => {
      // Act
      const archive = resource('AWS::S3::Bucket', 'Archive');
      const lifecycle = await client.send(
        new GetBucketLifecycleConfigurationCommand({ Bucket: 'archive-bucket-local' }),
      );

      // Assess
      expect(archive.status).toBe('created');
      expect(archive.detail).toContain('versioning is not supported locally');
      expect(archive.detail).toContain('encryption recorded');
      expect(archive.detail).toContain('PublicAccessBlockConfiguration');
      expect(archive.detail).toContain('no object expires');
      expect(resource('AWS::S3::BucketPolicy').status).toBe('recorded');
      expect(lifecycle.Rules?.map((rule) => rule.Expiration?.Days)).toEqual([30]);
    });

    it("handles CDK's custom resources itself and reports the Python handler as not run, with the reason", () => {
      // Act
      const notifications = resource('Custom::S3BucketNotifications');
      const autoDelete = resource('Custom::S3AutoDeleteObjects');
      const handler = resources.find(
        (r) => r.logicalId.startsWith('BucketNotificationsHandler') && r.type === 'AWS::Lambda::Function',
      );

      // Assess
      expect(notifications.status).toBe('created');
      expect(notifications.detail).toMatch(/^applied by the deployer/);
      expect(autoDelete.status).toBe('recorded');
      expect(autoDelete.detail).toContain('discards every object when it stops');
      expect(handler?.status).toBe('unsupported');
      expect(handler?.detail).toMatch(
        /only Node\.js functions run locally, and this one is python3\.\d+ \(.*Custom::S3BucketNotifications/,
      );
      expect(resource('AWS::Lambda::Permission').status).toBe('recorded');
      // Everything else CDK adds for them is there by name: the auto-delete provider (Node.js, created, never
      // invoked), the roles and policies (recorded).
      expect(
        resource('AWS::Lambda::Function', 'CustomS3AutoDeleteObjectsCustomResourceProviderHandler').status,
      ).toBe('created');
      for (const role of [
        'CustomS3AutoDeleteObjectsCustomResourceProviderRole',
        'BucketNotificationsHandler',
      ])
        expect(resource('AWS::IAM::Role', role).status).toBe('recorded');
    });

    it('lists the buckets in the stack summary, with what each notifies and how to upload', () => {
      // Act
      const summary = formatStack(cloud.stacks[0] as DeployedStack, { endpoint: cloud.endpoint });

      // Assess
      const recorder = resource('AWS::Lambda::Function', 'Recorder').physicalId;
      expect(summary).toContain(
        `  Buckets:\n    s3://${bucket}  (${resource('AWS::S3::Bucket', 'Uploads').logicalId})\n`,
      );
      expect(summary).toContain(`      ObjectCreated:* on images/*.jpg → lambda ${recorder}\n`);
      expect(summary).toMatch(/ {6}ObjectCreated:Put on docs\/\* → sqs Triggers-S3Test-Documents\w*-\w+\n/);
      expect(summary).toMatch(
        /\n {4}s3:\/\/archive-bucket-local {2}\(Archive\w+\)\n {6}note: versioning is not supported locally/,
      );
      expect(summary).toContain(
        `Upload with: aws --endpoint-url ${cloud.endpoint} s3 cp <file> s3://${bucket}/images/`,
      );
    });
  });

  describe('the S3 API through the gateway', () => {
    it('puts, gets, heads and lists an object with an awkward key', async () => {
      // Prepare
      const key = 'misc/a b+c ü.txt';

      // Act
      const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello' }));
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'misc/' }));

      // Assess
      expect(await got.Body?.transformToString()).toBe('hello');
      expect(head.ContentLength).toBe(5);
      expect(head.ETag).toBe(put.ETag);
      expect(listed.Contents?.map((object) => object.Key)).toEqual([key]);
    });

    it('takes a streamed upload (aws-chunked with a checksum trailer, the SDK default for streams) and notifies its decoded size', async () => {
      // Prepare
      const text = 'streamed '.repeat(10_000);
      const requests: string[] = [];
      client.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
          requests.push(`${headers['content-encoding']} ${headers['x-amz-trailer']}`);
          return next(args);
        },
        { step: 'finalizeRequest', name: 'recordEncoding' },
      );

      // Act
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'images/streamed.jpg',
            Body: Readable.from([text]),
            // A stream's length is not known to the SDK: it signs it as aws-chunked with this decoded length.
            ContentLength: text.length,
          }),
        );
      } finally {
        client.middlewareStack.remove('recordEncoding');
      }

      // Assess
      expect(requests).toEqual(['aws-chunked x-amz-checksum-crc32']);
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'images/streamed.jpg' }));
      expect(await object.Body?.transformToString()).toBe(text);
      const [record] = await awaitRecords('images/streamed.jpg');
      expect(record?.s3.object.size).toBe(text.length);
    });

    it('refuses a single request over the 11 MiB fauxqs takes with EntityTooLarge, naming multipart uploads', async () => {
      // Act
      const tooLarge = await client
        .send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'misc/huge.bin',
            Body: Buffer.alloc(12 * 1024 * 1024),
          }),
        )
        .catch((error: Error) => error);

      // Assess
      expect(tooLarge).toMatchObject({
        name: 'EntityTooLarge',
        message: expect.stringContaining('multipart upload'),
      });
    });

    it('refuses bucket versioning with NotImplemented and says a bucket is not versioned', async () => {
      // Act
      const enabling = await client
        .send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
        )
        .catch((error: Error) => error);
      const versioning = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      const missing = await client
        .send(new GetBucketVersioningCommand({ Bucket: 'no-such-bucket-here' }))
        .catch((error: Error) => error);

      // Assess
      expect(enabling).toMatchObject({
        name: 'NotImplemented',
        message: expect.stringContaining('buckets cannot be versioned locally'),
      });
      expect(versioning.Status).toBeUndefined();
      expect(missing).toMatchObject({ name: 'NoSuchBucket' });
    });

    it('refuses a subresource fauxqs would mistake for a write, leaving the object as it was', async () => {
      // Prepare
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'misc/tagged.txt', Body: 'keep me' }));

      // Act
      const tagging = client.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: 'misc/tagged.txt',
          Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] },
        }),
      );

      // Assess
      await expect(tagging).rejects.toMatchObject({ name: 'NotImplemented' });
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'misc/tagged.txt' }));
      expect(await object.Body?.transformToString()).toBe('keep me');
    });
  });

  describe('notifications', () => {
    it('sends ObjectCreated:Put with the key URL-encoded as S3 does, size, eTag and a sequencer', async () => {
      // Prepare
      const key = 'images/my photo ü+(1).jpg';

      // Act
      const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'jpeg bytes' }));

      // Assess
      const [record] = await awaitRecords('images/my+photo+%C3%BC%2B%281%29.jpg');
      expect(record).toMatchObject({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:test' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        s3: {
          s3SchemaVersion: '1.0',
          bucket: {
            name: bucket,
            arn: `arn:aws:s3:::${bucket}`,
            ownerIdentity: { principalId: '000000000000' },
          },
          object: { size: 10, eTag: put.ETag?.replaceAll('"', '') },
        },
      });
      expect(record?.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(record?.s3.object.sequencer).toMatch(/^[0-9A-F]{18}$/);
      expect(record?.s3.configurationId).toMatch(/\S/);
      expect(record?.responseElements['x-amz-request-id']).toMatch(/\S/);
      expect(record?.s3.object).not.toHaveProperty('versionId');
    });

    it('honours prefix and suffix filters, matched against the decoded key', async () => {
      // Act: three that no configuration matches, then one that matches
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'images/diagram.png', Body: 'x' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'thumbs/images/a.jpg', Body: 'x' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'images/b.JPG', Body: 'x' }));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'images/sentinel.jpg', Body: 'x' }));

      // Assess
      await awaitRecords('images/sentinel.jpg');
      expect(recordsFor('images/diagram.png')).toEqual([]);
      expect(recordsFor('thumbs/images/a.jpg')).toEqual([]);
      expect(recordsFor('images/b.JPG')).toEqual([]);
    });

    it('sends ObjectCreated:Copy for a copy and ObjectCreated:CompleteMultipartUpload for a multipart upload', async () => {
      // Prepare
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'misc/source.bin', Body: 'copy me' }));
      const upload = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'images/big.jpg' }),
      );
      const part1 = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'images/big.jpg',
          UploadId: upload.UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(5 * 1024 * 1024, 1),
        }),
      );
      const part2 = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: 'images/big.jpg',
          UploadId: upload.UploadId,
          PartNumber: 2,
          Body: Buffer.alloc(100, 2),
        }),
      );

      // Act
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'images/copy.jpg',
          CopySource: `${bucket}/misc/source.bin`,
        }),
      );
      const completed = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'images/big.jpg',
          UploadId: upload.UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: part1.ETag },
              { PartNumber: 2, ETag: part2.ETag },
            ],
          },
        }),
      );

      // Assess
      const [copy] = await awaitRecords('images/copy.jpg');
      expect(copy).toMatchObject({ eventName: 'ObjectCreated:Copy', s3: { object: { size: 7 } } });
      const [multipart] = await awaitRecords('images/big.jpg');
      expect(multipart).toMatchObject({
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        s3: { object: { size: 5 * 1024 * 1024 + 100, eTag: completed.ETag?.replaceAll('"', '') } },
      });
      expect(multipart?.s3.object.eTag).toMatch(/-2$/);
    });

    it('notifies a copy that is deleted the moment the client has its answer, with its size', async () => {
      // Prepare
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'misc/short-lived.bin', Body: 'brief' }));

      // Act
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: 'images/short-lived.jpg',
          CopySource: `${bucket}/misc/short-lived.bin`,
        }),
      );
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'images/short-lived.jpg' }));

      // Assess
      const records = await awaitRecords('images/short-lived.jpg', 2);
      // Events are not ordered (nor are they in AWS): sorted by name here.
      expect(records.map((record) => [record.eventName, record.s3.object.size]).sort()).toEqual([
        ['ObjectCreated:Copy', 5],
        ['ObjectRemoved:Delete', undefined],
      ]);
    });

    it('copies parts of an object into a multipart upload (UploadPartCopy, which fauxqs lacks)', async () => {
      // Prepare
      const source = Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 'a'), Buffer.from('tail')]);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'misc/part-source.bin', Body: source }));
      const upload = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'images/assembled.jpg' }),
      );
      const copy = (PartNumber: number, CopySourceRange: string) =>
        client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: 'images/assembled.jpg',
            UploadId: upload.UploadId,
            PartNumber,
            CopySource: `${bucket}/misc/part-source.bin`,
            CopySourceRange,
          }),
        );

      // Act
      const first = await copy(1, `bytes=0-${5 * 1024 * 1024 - 1}`);
      const second = await copy(2, `bytes=${5 * 1024 * 1024}-${source.length - 1}`);
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'images/assembled.jpg',
          UploadId: upload.UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: first.CopyPartResult?.ETag },
              { PartNumber: 2, ETag: second.CopyPartResult?.ETag },
            ],
          },
        }),
      );

      // Assess
      const assembled = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: 'images/assembled.jpg' }),
      );
      expect(Buffer.from((await assembled.Body?.transformToByteArray()) ?? []).equals(source)).toBe(true);
      const [record] = await awaitRecords('images/assembled.jpg');
      expect(record).toMatchObject({
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        s3: { object: { size: source.length } },
      });
    });

    it('sends ObjectCreated:Post for an HTML form upload', async () => {
      // Prepare
      const form = new FormData();
      // S3 puts the uploaded file's name where the key field says "${filename}".
      form.set('key', `images/${'$'}{filename}`);
      form.set('file', new Blob(['posted bytes']), 'form upload.jpg');

      // Act
      const response = await fetch(`${cloud.endpoint}/${bucket}`, { method: 'POST', body: form });

      // Assess
      expect(response.status).toBe(204);
      const [record] = await awaitRecords('images/form+upload.jpg');
      expect(record).toMatchObject({
        eventName: 'ObjectCreated:Post',
        userIdentity: { principalId: 'Anonymous' },
        s3: { object: { size: 12 } },
      });
    });

    it('sends ObjectRemoved:Delete for DeleteObject and one per key for DeleteObjects, with no size or eTag', async () => {
      // Prepare
      for (const key of ['images/gone-1.jpg', 'images/gone 2.jpg', 'images/gone-3.jpg'])
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));

      // Act
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'images/gone-1.jpg' }));
      await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: [{ Key: 'images/gone 2.jpg' }, { Key: 'images/gone-3.jpg' }] },
        }),
      );

      // Assess
      for (const key of ['images/gone-1.jpg', 'images/gone+2.jpg', 'images/gone-3.jpg']) {
        const records = await awaitRecords(key, 2);
        const removed = records.find((record) => record.eventName === 'ObjectRemoved:Delete');
        const created = records.find((record) => record.eventName === 'ObjectCreated:Put');
        expect(removed?.s3.object).toEqual({ key, sequencer: expect.stringMatching(/^[0-9A-F]+$/) });
        // The sequencer of a later event of a key is greater.
        expect(BigInt(`0x${removed?.s3.object.sequencer}`)).toBeGreaterThan(
          BigInt(`0x${created?.s3.object.sequencer}`),
        );
      }
    });

    it('notifies a write made by a function running in the local cloud', async () => {
      // Prepare
      const writer = resource('AWS::Lambda::Function', 'Writer').physicalId ?? '';

      // Act
      const result = await cloud.invoke(writer, { key: 'images/from-function.jpg', body: 'made inside' });

      // Assess
      expect(result.functionError).toBeUndefined();
      const [record] = await awaitRecords('images/from-function.jpg');
      expect(record).toMatchObject({ eventName: 'ObjectCreated:Put', s3: { object: { size: 11 } } });
    });

    it('notifies nothing for a request that fails', async () => {
      // Act
      const noBucket = await client
        .send(new PutObjectCommand({ Bucket: 'no-such-bucket-here', Key: 'images/x.jpg', Body: 'x' }))
        .catch((error: Error) => error);
      const noSource = await client
        .send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: 'images/failed-copy.jpg',
            CopySource: `${bucket}/images/missing.jpg`,
          }),
        )
        .catch((error: Error) => error);
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'images/after-failures.jpg', Body: 'x' }),
      );

      // Assess
      expect(noBucket).toMatchObject({ name: 'NoSuchBucket' });
      expect(noSource).toMatchObject({ name: 'NoSuchKey' });
      await awaitRecords('images/after-failures.jpg');
      expect(recordsFor('images/x.jpg')).toEqual([]);
      expect(recordsFor('images/failed-copy.jpg')).toEqual([]);
    });

    it('answers GetBucketNotificationConfiguration with what the deployer applied', async () => {
      // Act
      const configuration = await client.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: bucket }),
      );

      // Assess
      const recorder = resource('AWS::Lambda::Function', 'Recorder').physicalId;
      expect(configuration.LambdaFunctionConfigurations).toHaveLength(2);
      expect(configuration.LambdaFunctionConfigurations?.[0]).toMatchObject({
        Id: expect.any(String),
        LambdaFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${recorder}`,
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'images/' },
              { Name: 'suffix', Value: '.jpg' },
            ],
          },
        },
      });
      expect(configuration.QueueConfigurations?.map((queue) => queue.Events)).toEqual([
        ['s3:ObjectCreated:Put'],
      ]);
    });

    it('takes a configuration through PutBucketNotificationConfiguration, as the CLI would set one', async () => {
      // Prepare
      const recorder = resource('AWS::Lambda::Function', 'Recorder').physicalId;

      // Act
      await client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'archive-bucket-local',
          NotificationConfiguration: {
            LambdaFunctionConfigurations: [
              {
                Id: 'archive-reports',
                LambdaFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${recorder}`,
                Events: ['s3:ObjectCreated:Put'],
                Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'reports/' }] } },
              },
            ],
          },
        }),
      );
      await client.send(
        new PutObjectCommand({ Bucket: 'archive-bucket-local', Key: 'other/x.csv', Body: 'x' }),
      );
      await client.send(
        new PutObjectCommand({ Bucket: 'archive-bucket-local', Key: 'reports/q3.csv', Body: 'x' }),
      );

      // Assess
      const [record] = await awaitRecords('reports/q3.csv');
      expect(record).toMatchObject({
        s3: { configurationId: 'archive-reports', bucket: { name: 'archive-bucket-local' } },
      });
      expect(recordsFor('other/x.csv')).toEqual([]);
    });

    it('sends a queue target its events as message bodies, after the s3:TestEvent S3 sends on configuration', async () => {
      // Prepare
      const queueUrl = resource('AWS::SQS::Queue', 'Documents').physicalId ?? '';

      // Act
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'docs/read me.txt', Body: 'doc' }));
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'docs/read me.txt' }));

      // Assess
      const bodies: unknown[] = [];
      await waitFor(async () => {
        const { Messages = [] } = await queues.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        bodies.push(...Messages.map((message) => JSON.parse(message.Body ?? '')));
        return bodies.length >= 2;
      }, 20_000);
      expect(bodies).toContainEqual(
        expect.objectContaining({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bucket }),
      );
      const records = bodies.flatMap((body) => (body as { Records?: S3EventRecord[] }).Records ?? []);
      // Only ObjectCreated:Put is configured for this queue: the delete is not sent.
      expect(records.map((record) => [record.eventName, record.s3.object.key])).toEqual([
        ['ObjectCreated:Put', 'docs/read+me.txt'],
      ]);
    });
  });

  describeWithAwsCli(`the AWS CLI (${AWS_CLI})`, () => {
    const cli = (...args: string[]) => awsCli(cloud.endpoint, args, { accessKeyId: 'cli' });

    it('copies up and down, lists, uploads in parts and removes, and each change notifies', async () => {
      // Prepare
      const small = join(scratch, 'photo.jpg');
      const large = join(scratch, 'large.jpg');
      writeFileSync(small, 'cli bytes');
      writeFileSync(large, Buffer.alloc(9 * 1024 * 1024, 7));

      // Act
      await cli('s3', 'cp', small, `s3://${bucket}/images/cli photo.jpg`);
      await cli('s3api', 'put-object', '--bucket', bucket, '--key', 'images/api.jpg', '--body', small);
      await cli('s3', 'cp', large, `s3://${bucket}/images/large.jpg`);
      await cli('s3', 'cp', `s3://${bucket}/images/large.jpg`, `s3://${bucket}/images/large-copy.jpg`);
      const listing = await cli('s3', 'ls', `s3://${bucket}/images/`);
      const configuration = await cli('s3api', 'get-bucket-notification-configuration', '--bucket', bucket);
      await cli('s3', 'cp', `s3://${bucket}/images/cli photo.jpg`, join(scratch, 'back.jpg'));
      await cli('s3', 'rm', `s3://${bucket}/images/api.jpg`);

      // Assess
      expect(listing.stdout).toContain('cli photo.jpg');
      expect(JSON.parse(configuration.stdout).LambdaFunctionConfigurations).toHaveLength(2);
      expect(listing.stdout).toMatch(/9437184 large\.jpg/);
      const [put] = await awaitRecords('images/cli+photo.jpg');
      expect(put).toMatchObject({
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:cli' },
        s3: { object: { size: 9 } },
      });
      const [multipart] = await awaitRecords('images/large.jpg');
      expect(multipart).toMatchObject({
        eventName: 'ObjectCreated:CompleteMultipartUpload',
        s3: { object: { size: 9 * 1024 * 1024 } },
      });
      const [copied] = await awaitRecords('images/large-copy.jpg');
      expect(copied).toMatchObject({ s3: { object: { size: 9 * 1024 * 1024 } } });
      const api = await awaitRecords('images/api.jpg', 2);
      expect(api.map((record) => record.eventName).sort()).toEqual([
        'ObjectCreated:Put',
        'ObjectRemoved:Delete',
      ]);
    });
  });

  it('warned about nothing along the way (every delivery arrived)', () => {
    // Assess
    expect(cloud.warnings).toEqual([]);
  });
});
