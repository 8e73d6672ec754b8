import { defineConfig } from 'vitest/config';
import SkipReasons from '../../.ci/skip-reasons.ts';

export default defineConfig({ test: { reporters: ['default', new SkipReasons()] } });
