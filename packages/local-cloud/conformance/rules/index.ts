/**
 * Every conformance rule, by trigger. A new trigger adds `rules/<trigger>.ts` exporting its `Rule[]`, lists it
 * here, adds what its rules need to `../stack.ts` (resources and outputs), and adds one row per rule to the
 * "Conformance" table of the package README (`parity.test.ts` fails until the two agree).
 */
import type { Rule } from '../rule.ts';
import { kinesisRules } from './kinesis.ts';
import { s3Rules } from './s3.ts';
import { sqsRules } from './sqs.ts';

export const rules: readonly Rule[] = [...sqsRules, ...s3Rules, ...kinesisRules];
