import { configDefaults, defineConfig } from 'vitest/config';
import SkipReasons from '../.ci/skip-reasons.ts';

// CDK synthesis is CPU-bound and turbo runs packages side by side: generous limits, no flakes on 2 cores.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', new SkipReasons()],
    // template/ is what `pnpm new` copies into a new package, placeholders and all: not tests of infra.
    exclude: [...configDefaults.exclude, 'template/**'],
  },
});
