/**
 * A vitest reporter that prints one line per skipped (or todo) test, with the reason it was skipped:
 *
 *   skipped: test/s3.test.ts > the AWS CLI (/usr/bin/aws) > copies up and down…: the AWS CLI v2 is not installed …
 *
 * `.ci/run` collects these lines. Every package's vitest.config.ts lists this reporter after 'default'. A test says
 * why it skips with a runtime skip's note (`ctx.skip(condition, note)`) or, skipped up front, with the `skipReason`
 * its options or its describe block's carry (`{ skip: condition, meta: { skipReason } }`).
 */
import { relative } from 'node:path';
import type { TestCase, TestModule } from 'vitest/node';
import type { Reporter } from 'vitest/reporters';

declare module 'vitest' {
  interface TaskMeta {
    /** Why a conditionally skipped test or describe block is skipped here, for the report. */
    skipReason?: string;
  }
}

function reasonOf(test: TestCase): string {
  const result = test.result();
  if (result.state === 'skipped' && result.note) return result.note;
  const { skipReason } = test.meta();
  if (skipReason) return skipReason;
  if (test.options.mode === 'todo') return 'todo';
  if (test.options.mode !== 'skip' && test.parent.state() === 'failed')
    return 'did not run: a hook of its describe block or file failed';
  return 'no reason given';
}

export default class SkipReasons implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    for (const testModule of testModules) {
      const file = relative(testModule.project.config.root, testModule.moduleId);
      for (const test of testModule.children.allTests('skipped')) {
        console.log(`skipped: ${file} > ${test.fullName}: ${reasonOf(test)}`);
      }
    }
  }
}
