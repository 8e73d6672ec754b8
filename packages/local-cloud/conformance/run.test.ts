/**
 * `pnpm conformance`'s own checks: which credentials count, and that `--target aws` without any stops with one
 * sentence before synthesizing or deploying anything.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findAwsCredentials } from './credentials.ts';

const RUN_SCRIPT = fileURLToPath(new URL('run.ts', import.meta.url));

describe('findAwsCredentials', () => {
  let home: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'conformance-home-'));
    mkdirSync(join(home, '.aws'));
  });

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it.each([
    [
      'keys in the environment',
      { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'secret' },
      'AWS_ACCESS_KEY_ID',
    ],
    ['a profile', { AWS_PROFILE: 'dev' }, 'the dev profile (AWS_PROFILE)'],
    [
      'web identity',
      { AWS_WEB_IDENTITY_TOKEN_FILE: '/token', AWS_ROLE_ARN: 'arn' },
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ],
  ])('finds %s', (_, env, expected) => {
    expect(findAwsCredentials(env, home)).toBe(expected);
  });

  it('finds keys in ~/.aws/credentials and SSO in ~/.aws/config', () => {
    // Prepare
    const credentials = join(home, '.aws', 'credentials');
    const config = join(home, '.aws', 'config');

    // Act
    writeFileSync(credentials, '[default]\naws_access_key_id = AKIA\naws_secret_access_key = secret\n');
    const fromCredentials = findAwsCredentials({}, home);
    rmSync(credentials);
    writeFileSync(config, '[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_region = eu-west-1\n');
    const fromConfig = findAwsCredentials({}, home);

    // Assess
    expect(fromCredentials).toBe(credentials);
    expect(fromConfig).toBe(config);
  });

  it('finds nothing in an empty home, or a config that only names a region', () => {
    // Prepare
    const empty = findAwsCredentials({}, home);
    writeFileSync(join(home, '.aws', 'config'), '[default]\nregion = eu-west-1\n');

    // Act
    const regionOnly = findAwsCredentials({ AWS_REGION: 'eu-west-1' }, home);

    // Assess
    expect(empty).toBeUndefined();
    expect(regionOnly).toBeUndefined();
  });
});

describe('pnpm conformance', () => {
  /** Runs the script with no AWS settings at all and an empty home. */
  function run(...args: string[]) {
    const home = mkdtempSync(join(tmpdir(), 'conformance-home-'));
    try {
      return spawnSync(process.execPath, ['--import', 'tsx', RUN_SCRIPT, ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: home },
      });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }

  it('stops with one sentence and exit code 1 when --target aws finds no credentials', () => {
    // Act
    const { status, stdout, stderr } = run('--target', 'aws');

    // Assess
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^No AWS credentials found .*again\.$/),
    ]);
  });

  it('stops with one sentence and exit code 2 for an unknown target', () => {
    // Act
    const { status, stderr } = run('--target', 'moon');

    // Assess
    expect(status).toBe(2);
    expect(stderr.trim()).toBe('Unknown target "moon": use --target local or aws.');
  });
});
