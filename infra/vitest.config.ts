import { packageTestConfig } from '../vitest.shared.ts';

// template/ is what `pnpm new` copies into a new package, placeholders and all: not tests of infra. One worker:
// turbo runs infra beside another package, and its copy-out test already runs three projects side by side.
export default packageTestConfig({ exclude: ['template/**'] });
