// One check for `pnpm run deploy` and the conformance run: the kit's.
export { findAwsCredentials } from '@triggers/kit/credentials';
