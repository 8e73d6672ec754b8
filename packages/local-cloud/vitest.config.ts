import { defineConfig } from 'vitest/config';
import SkipReasons from '../../.ci/skip-reasons.ts';

// Tests start emulators, child processes and servers; turbo runs packages side by side on 2 cores. Files wait on
// those more than they compute: one worker per core, where vitest's default leaves a core idle (1 worker on 2 cores).
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: '100%',
    reporters: ['default', new SkipReasons()],
  },
});
