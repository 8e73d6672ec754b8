/**
 * Whether AWS credentials are configured, judged from the environment and the shared config files alone: the SDK's
 * provider chain would also probe the instance metadata service (169.254.169.254), which hangs for seconds off EC2
 * before it fails. `pnpm run deploy` and the conformance run ask this before anything talks to AWS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where credentials would come from (for a message), or undefined when nothing is configured. */
export function findAwsCredentials(env: NodeJS.ProcessEnv, home: string): string | undefined {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'AWS_ACCESS_KEY_ID';
  if (env.AWS_PROFILE) return `the ${env.AWS_PROFILE} profile (AWS_PROFILE)`;
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return 'AWS_WEB_IDENTITY_TOKEN_FILE';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return 'the container credentials endpoint';
  }
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  if (declares(credentialsFile, ['aws_access_key_id'])) return credentialsFile;
  // Keys, SSO, an assumed role or a credential process in ~/.aws/config (a region alone is not a credential).
  const configFile = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const configKeys = ['aws_access_key_id', 'sso_session', 'sso_start_url', 'role_arn', 'credential_process'];
  if (declares(configFile, configKeys)) return configFile;
  return undefined;
}

/** Whether an INI file sets any of `keys` (`key = value`, any section). */
function declares(file: string, keys: readonly string[]): boolean {
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8')
    .split('\n')
    .some((line) => keys.includes(line.split('=')[0]?.trim().toLowerCase() ?? '') && line.includes('='));
}
