/**
 * The Kinesis clickstream as the shared app, `pnpm start`, the tests and the playground see it: one set of data.
 * Both samples are records put on the stream: its two readers (the consumer's mapping and Firehose) see each one,
 * and a delivery stream reading a Kinesis stream refuses records put on it directly (as AWS does).
 */
import type { IntegrationDescriptor } from '@triggers/kit';
import { KinesisStack } from './stack.ts';

const pageView = {
  type: 'page_view',
  page: '/pricing',
  visitorId: 'v-42',
  occurredAt: '2026-12-05T10:01:02.345Z',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  referrer: 'https://www.example.com/blog',
};

export const integration: IntegrationDescriptor = {
  name: 'kinesis',
  title: 'Kinesis → Lambda: a clickstream pipeline',
  stackId: 'Triggers-Kinesis',
  createStack: (scope, id) => new KinesisStack(scope, id),
  samples: [
    {
      name: 'page-view',
      description:
        'A page view: counted in its minute (a 60 s tumbling window) and written to the aggregates table when the window closes.',
      input: {
        kind: 'kinesis-record',
        streamOutput: 'StreamName',
        partitionKey: pageView.visitorId,
        data: JSON.stringify(pageView),
      },
      effect: {
        output: 'TableName',
        description: "an item for /pricing in the record's minute and shard, with its views",
      },
      poison: {
        description:
          'A page view without a path: reported by its sequence number, retried 3 times (bisected to itself), then described in the on-failure queue; the views around it are counted.',
        input: {
          kind: 'kinesis-record',
          streamOutput: 'StreamName',
          partitionKey: pageView.visitorId,
          data: JSON.stringify({ ...pageView, page: 'pricing' }),
        },
        failure: {
          output: 'DeadLetterQueueUrl',
          description:
            "Lambda's on-failure record: the shard and the sequence numbers of the batch given up on",
        },
      },
    },
    {
      name: 'archived-view',
      description:
        'The same kind of record as Firehose archives it: normalized, enriched, one line of JSON under views/<yyyy/MM/dd>/ within a minute or so.',
      input: {
        kind: 'kinesis-record',
        streamOutput: 'StreamName',
        partitionKey: 'v-7',
        data: JSON.stringify({ ...pageView, page: '/Docs/Start/?utm_source=ad', visitorId: 'v-7' }),
      },
      effect: {
        output: 'ArchiveBucketName',
        description: 'a line with page /docs/start, device, referrerHost and receivedAt, under views/',
      },
      poison: {
        description:
          "Not JSON: the consumer's data filter drops it unseen; Firehose's transformation marks it ProcessingFailed and it lands under errors/.",
        input: {
          kind: 'kinesis-record',
          streamOutput: 'StreamName',
          partitionKey: 'v-7',
          data: 'page_view /pricing',
        },
        failure: {
          output: 'ArchiveBucketName',
          description:
            "Firehose's error record under errors/processing-failed/, the record's data in rawData",
        },
      },
    },
  ],
  commandsAfter: (outputs) => [
    `aws dynamodb scan --table-name ${outputs.TableName}`,
    `aws s3 ls s3://${outputs.ArchiveBucketName}/ --recursive`,
    `aws s3 cp s3://${outputs.ArchiveBucketName}/views/ views/ --recursive && cat views/*/*/*/*`,
    `aws s3 cp s3://${outputs.ArchiveBucketName}/errors/ errors/ --recursive && cat errors/*/*/*/*/*`,
    `aws sqs receive-message --queue-url ${outputs.DeadLetterQueueUrl} --wait-time-seconds 20`,
  ],
};
