import { defineConfig } from 'vitest/config';
import SkipReasons from '../../.ci/skip-reasons.ts';

export default defineConfig({
  test: {
    env: {
      AWS_REGION: 'us-east-1',
      THUMBNAIL_BUCKET_NAME: 'thumbnails',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_METRICS_NAMESPACE: 'LambdaTriggers',
    },
    // Fixtures are made with sharp and ffmpeg, template tests synthesize stacks and one bundles for real.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', new SkipReasons()], // and why each skipped test was skipped
    // The end-to-end file waits on the local cloud: the other files run beside it, one worker per core (vitest's
    // default leaves a core idle: a single worker on 2 cores).
    maxWorkers: '100%',
  },
});
