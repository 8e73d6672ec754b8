/**
 * The SQS integration as the shared app, `pnpm start`, the tests and the playground see it: one set of data.
 */
import type { IntegrationDescriptor } from '@triggers/kit';
import { SqsStack } from './stack.ts';

const order = {
  orderId: 'o-1001',
  customerId: 'c-42',
  currency: 'EUR',
  items: [{ sku: 'book-1', quantity: 2, unitPrice: 12.5 }],
};

export const integration: IntegrationDescriptor = {
  name: 'sqs',
  title: 'SQS → Lambda: an order worker',
  stackId: 'Triggers-Sqs',
  createStack: (scope, id) => new SqsStack(scope, id),
  samples: [
    {
      name: 'order',
      description: 'A valid order: the worker stores it in the orders table, once.',
      input: { kind: 'sqs-message', queueOutput: 'QueueUrl', body: JSON.stringify(order) },
      effect: { output: 'TableName', description: 'the order o-1001, with its total' },
      poison: {
        description:
          'Not an order: rejected at each of its 5 receives, 60 s apart (the visibility timeout), so it reaches the DLQ about 5 minutes after it was sent.',
        input: { kind: 'sqs-message', queueOutput: 'QueueUrl', body: 'not an order' },
        failure: { output: 'DeadLetterQueueUrl', description: 'the message, as it was sent' },
      },
    },
  ],
  commandsAfter: (outputs) => [
    `aws dynamodb get-item --table-name ${outputs.TableName} --key '{"orderId":{"S":"o-1001"}}'`,
    '# the poison message is in the DLQ about 5 minutes (5 receives x 60 s) after it was sent; until then, empty',
    `aws sqs receive-message --queue-url ${outputs.DeadLetterQueueUrl} --wait-time-seconds 20`,
  ],
};
