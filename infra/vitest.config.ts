import { packageTestConfig } from '../vitest.shared.ts';

// template/ is what `pnpm new` copies into a new package, placeholders and all: not tests of infra.
export default packageTestConfig({ exclude: ['template/**'] });
