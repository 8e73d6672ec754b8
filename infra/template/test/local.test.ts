import { describe, it } from 'vitest';

// TODO: see packages/sqs/test/local.test.ts for what belongs here.
describe('__name__ local', () => {
  it.todo('is written');
});
