import { describe, it } from 'vitest';

// TODO: see packages/sqs/test/handler.test.ts for what belongs here.
describe('__name__ handler', () => {
  it.todo('is written');
});
