import { defineConfig } from 'vitest/config';
import SkipReasons from '../../.ci/skip-reasons.ts';

// The end-to-end test synthesizes the app and starts emulators: generous limits on 2 cores.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 120_000, reporters: ['default', new SkipReasons()] },
});
