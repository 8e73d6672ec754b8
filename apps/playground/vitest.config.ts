import { packageTestConfig } from '../../vitest.shared.ts';

// The end-to-end test synthesizes the app and starts emulators.
export default packageTestConfig({ timeoutMs: 120_000 });
