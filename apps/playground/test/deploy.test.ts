/**
 * `pnpm run deploy` without credentials: one sentence at once, and no probe of the EC2 instance metadata address
 * (the SDK's provider chain would spend seconds there before failing).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('pnpm run deploy without credentials', () => {
  let home: string;
  const probes: string[] = [];
  // Stands in for 169.254.169.254: the SDK reads its address from AWS_EC2_METADATA_SERVICE_ENDPOINT.
  const metadata = createServer((request: IncomingMessage, response) => {
    probes.push(`${request.method} ${request.url}`);
    response.writeHead(404).end();
  });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'no-credentials-'));
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', () => resolve()));
  });

  afterAll(async () => {
    rmSync(home, { recursive: true, force: true });
    await new Promise<void>((resolve) => metadata.close(() => resolve()));
  });

  it('fails at once with one sentence, and never asks the instance metadata service', async () => {
    // Prepare: no AWS variables at all, an empty home (no ~/.aws)
    const { port } = metadata.address() as AddressInfo;
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}`,
    };

    // Act
    const child = spawn('pnpm', ['run', 'deploy', 'sqs'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const [code] = await new Promise<[number | null]>((resolve) =>
      child.on('exit', (exit) => resolve([exit])),
    );

    // Assess
    expect(code).toBe(1);
    expect(output).toContain(
      'No AWS credentials found: run `aws configure` or `aws sso login` (or set AWS_PROFILE) and try `pnpm run deploy sqs` again.',
    );
    expect(output).not.toMatch(/\n\s+at /);
    expect(probes).toEqual([]);
  });
});
