import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { type SafeBucketsProps, safeBuckets } from '../src/index.ts';
import { NO_BUNDLING, nagFindings } from '../src/testing/index.ts';

const LOGS_BY_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** An integration as the constructs use the recipe: an access-logs bucket, and an uploads bucket logging to it. */
function integration(stack: Stack, props: SafeBucketsProps = {}) {
  const scope = new Construct(stack, 'Integration');
  const buckets = safeBuckets(scope, props);
  const accessLogs = buckets.accessLogsBucket('AccessLogs', { logsOf: 'the uploads bucket' });
  const uploads = new s3.Bucket(scope, 'Uploads', {
    ...buckets.props,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'uploads/',
  });
  const id = (bucket: s3.Bucket) => stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  return { accessLogs: id(accessLogs), uploads: id(uploads) };
}

/** A stack in an app whose flags say ACLs for log delivery, as infra/cdk.json does. */
function aclFlaggedStack(): Stack {
  return new Stack(new App({ context: { ...NO_BUNDLING, [LOGS_BY_BUCKET_POLICY]: false } }), 'Test');
}

describe('safeBuckets', () => {
  it('makes private, encrypted, TLS-only buckets that log, under their prefix, to a bucket kept 90 days', () => {
    // Prepare
    const stack = aclFlaggedStack();

    // Act
    const ids = integration(stack);

    // Assess
    const template = Template.fromStack(stack);
    const blocked = {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    };
    const sseS3 = {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    };
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(buckets[ids.uploads]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: blocked,
        BucketEncryption: sseS3,
        LoggingConfiguration: { DestinationBucketName: { Ref: ids.accessLogs }, LogFilePrefix: 'uploads/' },
      },
    });
    expect(buckets[ids.accessLogs]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: blocked,
        BucketEncryption: sseS3,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: 90, Status: 'Enabled' }] },
      },
    });
    for (const id of [ids.uploads, ids.accessLogs]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it("lets S3 deliver the logs by bucket policy, not the ACL, whatever the app's flags say", () => {
    // Prepare
    const stack = aclFlaggedStack();

    // Act
    const ids = integration(stack);

    // Assess
    const template = Template.fromStack(stack);
    expect(
      template.findResources('AWS::S3::Bucket', { Properties: { AccessControl: Match.anyValue() } }),
    ).toEqual({});
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids.accessLogs },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [ids.uploads, 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('passes cdk-nag: the logs bucket is acknowledged as one that cannot log to itself', () => {
    // Act
    const findings = nagFindings((app) => integration(new Stack(app, 'Stack')));

    // Assess
    expect(findings).toEqual([]);
  });

  it('follows the removal policy: DESTROY deletes and empties every bucket', () => {
    // Prepare
    const stack = aclFlaggedStack();

    // Act
    integration(stack, { removalPolicy: RemovalPolicy.DESTROY });

    // Assess
    const template = Template.fromStack(stack);
    expect(
      Object.values(template.findResources('AWS::S3::Bucket')).map((bucket) => bucket.DeletionPolicy),
    ).toEqual(['Delete', 'Delete']);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  it('refuses, in one line, a construct that already has children (CDK could not set the flag there)', () => {
    // Prepare
    const scope = new Construct(aclFlaggedStack(), 'Integration');
    new sqs.Queue(scope, 'Queue');

    // Act
    const late = () => safeBuckets(scope);

    // Assess
    expect(late).toThrow(/^safeBuckets: call it before adding anything to Test\/Integration /);
    expect(late).not.toThrow(/\n/);
  });

  it('works after children when the app already turns the flag on', () => {
    // Prepare
    const app = new App({ context: { ...NO_BUNDLING, [LOGS_BY_BUCKET_POLICY]: true } });
    const scope = new Construct(new Stack(app, 'Test'), 'Integration');
    new sqs.Queue(scope, 'Queue');

    // Act
    const bucket = safeBuckets(scope).accessLogsBucket('AccessLogs', { logsOf: 'the queue' });

    // Assess
    expect(bucket.node.path).toBe('Test/Integration/AccessLogs');
  });
});
