/**
 * `pnpm synth`'s hint can be followed: after a synth the CDK says "Supply a stack id (Triggers-Sqs, …) to display
 * its template", and `pnpm synth Triggers-Sqs` (or `pnpm synth sqs`) does that.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function pnpmSynth(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('pnpm', ['--silent', 'synth', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('pnpm synth <stack>', () => {
  it('prints the stack template the hint promises, and no feature flags notice', async () => {
    // Act
    const { code, stdout, stderr } = await pnpmSynth(['Triggers-Sqs']);

    // Assess: YAML on stdout, starting with the stack's description
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Description: "Lambda Triggers: SQS order worker"\nResources:\n/);
    expect(stdout).toMatch(/^ {4}Type: AWS::SQS::Queue$/m);
    expect(`${stdout}${stderr}`).not.toMatch(/feature flags are not configured/);
  });

  it('answers an unknown stack with the ids and names there are, in one line', async () => {
    // Act
    const { code, stderr } = await pnpmSynth(['Triggers-Nope']);

    // Assess
    expect(code).toBe(2);
    // (pnpm adds its own ELIFECYCLE line for a script that exits non-zero)
    const ours = stderr.split('\n').filter((line) => line !== '' && !line.includes('ELIFECYCLE'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatch(
      /^Unknown stack "Triggers-Nope": give a stack id \(Triggers-Sqs, Triggers-S3, Triggers-ApiGateway[^)]*\) or its short name \(sqs, s3, api-gateway[^)]*\)\.$/,
    );
  });
});
