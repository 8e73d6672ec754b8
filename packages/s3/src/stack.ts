import { addOutputs } from '@triggers/kit';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { S3Integration, type S3IntegrationProps } from './construct.ts';

export interface S3StackProps extends StackProps {
  /** Tuning for the integration (widths, limits, a prefix, an existing bucket, an alarm topic, …). */
  readonly integration?: S3IntegrationProps;
}

/** The S3 thumbnail integration on its own: `pnpm run deploy s3`. */
export class S3Stack extends Stack {
  readonly integration: S3Integration;

  constructor(scope: Construct, id: string, props: S3StackProps = {}) {
    super(scope, id, { description: 'Lambda Triggers: S3 thumbnails of images and videos', ...props });
    // A learning stack: `pnpm run destroy s3` empties and deletes the buckets. Keep RETAIN for real uploads.
    this.integration = new S3Integration(this, 'Uploads', {
      removalPolicy: RemovalPolicy.DESTROY,
      ...props.integration,
    });
    const { fn, sourceBucket, thumbnailBucket, deadLetterQueue } = this.integration;
    // `pnpm start` prints these, and src/integration.ts names them in its samples.
    addOutputs(this, {
      SourceBucketName: { value: sourceBucket.bucketName, description: 'Upload images and videos here' },
      ThumbnailBucketName: {
        value: thumbnailBucket.bucketName,
        description: 'Thumbnails appear here, under thumbnails/<width>/',
      },
      DeadLetterQueueUrl: {
        value: deadLetterQueue.queueUrl,
        description: 'Uploads that could not be thumbnailed, with the reason',
      },
      FunctionName: { value: fn.functionName, description: 'The thumbnail function' },
    });
  }
}
