import type { IntegrationDescriptor } from '@triggers/kit';
import { __Name__Stack } from './stack.ts';

export const integration: IntegrationDescriptor = {
  name: '__name__',
  title: '__TITLE__',
  stackId: 'Triggers-__Name__',
  createStack: (scope, id) => new __Name__Stack(scope, id),
  // TODO: a sample that shows it work, and its poison twin, sent through the real trigger.
  samples: [],
};
