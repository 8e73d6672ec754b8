import { describe, it } from 'vitest';

// TODO: see packages/sqs/test/construct.test.ts for what belongs here.
describe('__name__ construct', () => {
  it.todo('is written');
});
