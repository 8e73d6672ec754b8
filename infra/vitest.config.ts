import { packageTestConfig } from '../vitest.shared.ts';

// template/ is what `pnpm new` copies into a new package, placeholders and all: not tests of infra. The copy-out
// test waits on child processes (install, tsc, synth): the other files run beside it.
export default packageTestConfig({ exclude: ['template/**'], workerPerCore: true });
