import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('pnpm new <name>', () => {
  let tree: string;
  const run = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(tree, 'infra/bin/new-integration.ts'), ...args],
      {
        cwd: ROOT,
      },
    ).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  beforeAll(() => {
    // Prepare: the files the script reads and writes, laid out as in the repository
    tree = mkdtempSync(join(tmpdir(), 'new-integration-'));
    for (const path of ['infra/bin', 'infra/template', 'infra/src', 'infra/package.json']) {
      cpSync(join(ROOT, path), join(tree, path), { recursive: true });
    }
    mkdirSync(join(tree, 'packages/sqs'), { recursive: true });
    for (const file of ['package.json', 'tsconfig.json', 'vitest.config.ts']) {
      cpSync(join(ROOT, 'packages/sqs', file), join(tree, 'packages/sqs', file));
    }
  });

  afterAll(() => {
    rmSync(tree, { recursive: true, force: true });
  });

  it('makes a package with every room, names filled in, and registers it with one import line', async () => {
    // Act
    const { code } = await run('cloudwatch-logs', '--title', 'CloudWatch Logs → Lambda: a subscription');

    // Assess
    expect(code).toBe(0);
    const dir = join(tree, 'packages/cloudwatch-logs');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'package.json',
        'src/construct.ts',
        'src/contract.ts',
        'src/handler.ts',
        'src/integration.ts',
        'src/stack.ts',
        'test/construct.test.ts',
        'test/handler.test.ts',
        'test/local.test.ts',
        'tsconfig.json',
        'vitest.config.ts',
      ]),
    );
    const all = files
      .filter((file) => existsSync(join(dir, file)) && file.includes('.'))
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
    expect(all).not.toMatch(/__\w+__/);
    expect(readFileSync(join(dir, 'src/stack.ts'), 'utf8')).toContain('export class CloudwatchLogsStack');
    expect(readFileSync(join(dir, 'src/integration.ts'), 'utf8')).toContain(
      "stackId: 'Triggers-CloudwatchLogs'",
    );
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe(
      '@triggers/cloudwatch-logs',
    );
    const registry = readFileSync(join(tree, 'infra/src/integrations.ts'), 'utf8');
    expect(registry).toContain("import { integration as cloudwatchLogs } from '@triggers/cloudwatch-logs';");
    expect(registry).toMatch(/descriptors: readonly IntegrationDescriptor\[\] = \[.*, cloudwatchLogs\]/);
    const infra = JSON.parse(readFileSync(join(tree, 'infra/package.json'), 'utf8'));
    expect(infra.dependencies['@triggers/cloudwatch-logs']).toBe('workspace:*');
  });

  it.each([[[]], [['Bad_Name']], [['cloudwatch-logs']]])('refuses %j in one line', async (args) => {
    // Act
    const { code, stderr } = await run(...args);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: .+\n$/);
  });
});
