/**
 * The S3 thumbnails integration as the shared app, `pnpm start`, the tests and the playground see it.
 */
import type { IntegrationDescriptor } from '@triggers/kit';
import { S3Stack } from './stack.ts';

/** A 320 × 240 blue PNG (191 bytes): small enough to paste, a real image to sharp. */
const BLUE_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAUAAAADwCAMAAABG801ZAAAAA1BMVEUeeMjDmwrcAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAYklEQVR42u3BMQEAAADCoPVPbQ0PoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4NcALP8AAZ8iU1IAAAAASUVORK5CYII=';

export const integration: IntegrationDescriptor = {
  name: 's3',
  title: 'S3 → Lambda: thumbnails of uploaded images and videos',
  stackId: 'Triggers-S3',
  createStack: (scope, id) => new S3Stack(scope, id),
  samples: [
    {
      name: 'photo',
      description:
        'An image upload: thumbnails of it (WebP, up to 128 and 512 px wide) land in the thumbnail bucket.',
      input: {
        kind: 's3-object',
        bucketOutput: 'SourceBucketName',
        key: 'photo.png',
        content: { base64: BLUE_PNG },
      },
      effect: {
        output: 'ThumbnailBucketName',
        description: 'thumbnails/128/photo.png.webp and thumbnails/512/photo.png.webp',
      },
      poison: {
        description:
          'A file that only claims to be a photo: rejected by its content, retried twice (1 and 2 minutes apart), then dead-lettered with the reason.',
        input: {
          kind: 's3-object',
          bucketOutput: 'SourceBucketName',
          key: 'fake.jpg',
          content: { text: 'not a photo' },
        },
        failure: { output: 'DeadLetterQueueUrl', description: "Lambda's failure record, with the reason" },
      },
    },
  ],
  commandsAfter: (outputs) => [
    `aws s3 ls s3://${outputs.ThumbnailBucketName}/thumbnails/ --recursive`,
    `aws s3 cp s3://${outputs.ThumbnailBucketName}/thumbnails/512/photo.png.webp .`,
    `aws sqs receive-message --queue-url ${outputs.DeadLetterQueueUrl} --wait-time-seconds 20`,
  ],
};
