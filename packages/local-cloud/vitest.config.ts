import { packageTestConfig } from '../../vitest.shared.ts';

// Tests start emulators, child processes and servers: their files wait more than they compute.
export default packageTestConfig({ workerPerCore: true });
