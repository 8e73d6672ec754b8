/**
 * The trigger-semantics conformance suite: every rule in `rules/`, against the local cloud (default, inside
 * `pnpm test`) or against the real account `pnpm conformance --target aws` deployed to (CONFORMANCE_TARGET=aws).
 * One target for the whole file; the rules run one after another.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Harness } from './harness.ts';
import { rules } from './rules/index.ts';
import { awsTarget, localTarget, type Target, type TargetName } from './targets.ts';

const targetName: TargetName = process.env.CONFORMANCE_TARGET === 'aws' ? 'aws' : 'local';
/** On AWS a rule may wait out real visibility timeouts and Lambda's 3 minutes of async retries. */
const RULE_TIMEOUT_MS = targetName === 'aws' ? 10 * 60_000 : 60_000;

describe(`trigger semantics on the ${targetName} target`, () => {
  let target: Target;
  let harness: Harness;

  beforeAll(async () => {
    target = targetName === 'aws' ? await awsTarget() : await localTarget();
    harness = new Harness(target);
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
    await target?.stop();
  });

  for (const rule of rules) {
    it(
      `${rule.id}: ${rule.title} (${rule.source})`,
      () => rule.check(harness.context(rule.id)),
      RULE_TIMEOUT_MS,
    );
  }
});
