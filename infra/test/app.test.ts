import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type IntegrationDescriptor, tryItCommands } from '@triggers/kit';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { descriptors, integrations } from '../src/integrations.ts';

describe('the CDK app', () => {
  it('has one stack per integration, named Triggers-<Name>, with no cdk-nag findings', () => {
    // Prepare
    const app = createApp({ context: { 'aws:cdk:bundling-stacks': [] } });

    // Act: synth throws ValidationFailed on any unacknowledged AwsSolutions finding
    const assembly = app.synth();

    // Assess
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'Triggers-ApiGateway',
      'Triggers-Kinesis',
      'Triggers-S3',
      'Triggers-Sqs',
    ]);
    expect(descriptors.map((descriptor) => descriptor.stackId).sort()).toEqual(
      assembly.stacks.map((stack) => stack.stackName).sort(),
    );
  });
});

describe('try-it commands', () => {
  it('sign a user up and in with the AWS CLI, then call the notes API with the token', () => {
    // Act
    const commands = tryItCommands(integrations['api-gateway'] as IntegrationDescriptor, {
      ApiUrl: 'https://abc.execute-api.us-east-1.amazonaws.com',
      UserPoolId: 'us-east-1_pool',
      UserPoolClientId: 'client123',
    });

    // Assess
    const script = commands.filter((line) => !line.startsWith('#'));
    expect(script[0]).toMatch(
      /^aws cognito-idp sign-up --client-id client123 --username alice --password '.+'$/,
    );
    expect(script[1]).toBe(
      'aws cognito-idp admin-confirm-sign-up --user-pool-id us-east-1_pool --username alice',
    );
    expect(script[2]).toMatch(
      /^TOKEN=\$\(aws cognito-idp initiate-auth --client-id client123 --auth-flow USER_PASSWORD_AUTH .* --query AuthenticationResult\.IdToken --output text\)$/,
    );
    expect(script.slice(3).every((line) => line.startsWith('curl ') && line.includes('Bearer $TOKEN'))).toBe(
      true,
    );
    expect(script).toContainEqual(
      expect.stringMatching(/-X PUT https:\/\/abc.*\/notes\/groceries .*If-Match: "1"/),
    );
  });
});

// Each test runs the script in a process of its own, which mostly loads modules: they run side by side.
describe.concurrent('pnpm run deploy <integration>', () => {
  const script = fileURLToPath(new URL('../bin/cdk-stack.ts', import.meta.url));
  /** Runs the script as a learner without any AWS configuration would. */
  const run = async (...args: string[]) => {
    const home = mkdtempSync(join(tmpdir(), 'no-aws-'));
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      // Never reach for the EC2 instance metadata service from a test.
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    try {
      const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
        env,
      });
      return { code: 0, stderr };
    } catch (error) {
      const failed = error as { code: number; stderr: string };
      return { code: failed.code, stderr: failed.stderr };
    }
  };

  it('fails with one clear sentence when there are no AWS credentials', async () => {
    // Act
    const { code, stderr } = await run('deploy', 'sqs');

    // Assess
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      /^No AWS credentials found: run `aws configure`.*`pnpm run deploy sqs` again\.$/,
    );
  });

  it.each([
    [
      ['deploy'],
      2,
      /Which integration\? Usage: pnpm run deploy <integration>, one of: sqs, s3, api-gateway, kinesis\./,
    ],
    [['deploy', 'kafka'], 2, /Unknown integration "kafka": choose one of sqs, s3, api-gateway, kinesis\./],
    [['launch', 'sqs'], 2, /Unknown action "launch"/],
    [['deploy', 's3-thumbnail'], 2, /^"s3-thumbnail" is now called "s3": pnpm run deploy s3\n$/],
  ])('explains %j and names the integrations', async (args, expectedCode, message) => {
    // Act
    const { code, stderr } = await run(...args);

    // Assess
    expect(code).toBe(expectedCode);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
