/**
 * @triggers/local-cloud/testing: helpers for tests that drive a local cloud. Each integration's
 * `test/local.test.ts` deploys its stack with `deployLocally` and judges what lands where.
 */
export { type CognitoTokens, type CognitoUser, signCognitoLocalToken, signUpAndSignIn } from './cognito.ts';
export { type DeployLocallyOptions, deployLocally, type LocalDeployment } from './deploy-locally.ts';
export { queueDepth, waitFor } from './queues.ts';
