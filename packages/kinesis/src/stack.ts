import { addOutputs } from '@triggers/kit';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KinesisIntegration, type KinesisIntegrationProps } from './construct.ts';

export interface KinesisStackProps extends StackProps {
  /** Tuning for the integration (batching, retries, shards, an existing stream, an alarm topic, …). */
  readonly integration?: KinesisIntegrationProps;
}

/** The clickstream pipeline on its own: `pnpm run deploy kinesis`. */
export class KinesisStack extends Stack {
  readonly integration: KinesisIntegration;

  constructor(scope: Construct, id: string, props: KinesisStackProps = {}) {
    super(scope, id, {
      description: 'Lambda Triggers: Kinesis clickstream (per-minute views, Firehose archive)',
      ...props,
    });
    // A learning stack: `pnpm run destroy kinesis` empties and deletes everything. Keep RETAIN for real data.
    this.integration = new KinesisIntegration(this, 'Clickstream', {
      removalPolicy: RemovalPolicy.DESTROY,
      ...props.integration,
    });
    const { stream, fn, transformFn, table, deadLetterQueue, deliveryStream, archiveBucket } =
      this.integration;
    // `pnpm start` prints these, and src/integration.ts names them in its samples.
    addOutputs(this, {
      StreamName: { value: stream.streamName, description: 'Put page views here' },
      TableName: { value: table.tableName, description: 'Views per page per minute, one item per shard' },
      ArchiveBucketName: {
        value: archiveBucket.bucketName,
        description: 'Every view as a line of JSON under views/; failed records under errors/',
      },
      DeadLetterQueueUrl: {
        value: deadLetterQueue.queueUrl,
        description:
          "Batches the consumer gave up on: Lambda's on-failure records (shard and sequence numbers)",
      },
      DeliveryStreamName: {
        value: deliveryStream.deliveryStreamName,
        description: 'Archives the stream to S3',
      },
      FunctionName: { value: fn.functionName, description: 'The consumer (views per page per minute)' },
      TransformFunctionName: { value: transformFn.functionName, description: 'The Firehose transformation' },
    });
  }
}
