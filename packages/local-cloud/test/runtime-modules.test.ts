import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaService } from '../src/lambda/service.ts';
import { LogStore } from '../src/logs/store.ts';
import type { AwsContext } from '../src/types.ts';

const aws: AwsContext = { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:4566' };
const FIXTURE = fileURLToPath(new URL('./fixtures/functions/platform', import.meta.url));

/** A fake package in `modules/node_modules`: its index answers with its own name. */
function fakePackage(modules: string, name: string, file = 'index.js'): void {
  const directory = join(modules, 'node_modules', name);
  mkdirSync(dirname(join(directory, file)), { recursive: true });
  writeFileSync(
    join(directory, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
  );
  writeFileSync(join(directory, file), `module.exports = ${JSON.stringify(`${name}/${file}`)};\n`);
}

describe.skipIf(!['x64', 'arm64'].includes(process.arch))(
  'platform packages for a function built for another CPU',
  { timeout: 20_000 },
  () => {
    let modules: string;
    let code: string;
    let lambda: LambdaService;

    beforeAll(() => {
      // Prepare: the "workspace" holds the host's builds (and a package that is not a platform build); the
      // function's code sits outside it, so nothing above the code can serve its imports.
      modules = mkdtempSync(join(tmpdir(), 'local-cloud-platform-modules-'));
      fakePackage(modules, `@fixture/native-linux-${process.arch}`);
      fakePackage(modules, `@fixture/native-linux-${process.arch}`, 'lib/binary.js');
      fakePackage(modules, `@fixture-installer/linux-${process.arch}`);
      fakePackage(modules, '@fixture/native');
      code = mkdtempSync(join(tmpdir(), 'local-cloud-platform-code-'));
      cpSync(FIXTURE, code, { recursive: true });
      lambda = new LambdaService({
        aws,
        logs: new LogStore(),
        deliver: async () => {},
        runtimeModuleDirectories: [modules],
      });
      lambda.createFunction({
        name: 'platform',
        arn: `arn:aws:lambda:us-east-1:000000000000:function:platform`,
        handler: 'index.handler',
        runtime: 'nodejs24.x',
        // What the template says; it still runs on this machine's CPU.
        architecture: 'arm64',
        codeDirectory: code,
        timeoutSeconds: 5,
        memorySize: 256,
        environment: {},
        logGroupName: '/aws/lambda/platform',
        logFormat: 'Text',
      });
    });

    afterAll(async () => {
      await lambda?.stop();
      for (const directory of [modules, code])
        if (directory) rmSync(directory, { recursive: true, force: true });
    });

    it.each([
      ['@fixture/native-linux-{arch}', 'require', 'index.js'],
      ['@fixture/native-linux-{arch}', 'import', 'index.js'],
      ['@fixture/native-linux-{arch}/lib/binary.js', 'require', 'lib/binary.js'],
      ['@fixture-installer/linux-{arch}', 'require', 'index.js'],
    ])('resolves %s by %s to the host build', async (module, how, file) => {
      // Act
      const result = await lambda.invoke('platform', JSON.stringify({ module, how }));

      // Assess
      expect(result.functionError).toBeUndefined();
      const name = module.replace('{arch}', process.arch).replace(/\/lib\/binary\.js$/, '');
      expect(JSON.parse(result.payload ?? '')).toEqual({ arch: process.arch, loaded: `${name}/${file}` });
    });

    it.each(['require.resolve', 'import.meta.resolve'])(
      'finds the file of a platform package by %s, as code that spawns a bundled binary does',
      async (how) => {
        // Act
        const result = await lambda.invoke(
          'platform',
          JSON.stringify({ module: '@fixture-installer/linux-{arch}/index.js', how }),
        );

        // Assess
        expect(result.functionError).toBeUndefined();
        expect(JSON.parse(result.payload ?? '').loaded).toBe(
          join(modules, 'node_modules', `@fixture-installer/linux-${process.arch}`, 'index.js'),
        );
      },
    );

    it('resolves no other package from those folders', async () => {
      // Act
      const result = await lambda.invoke(
        'platform',
        JSON.stringify({ module: '@fixture/native', how: 'require' }),
      );

      // Assess
      expect(result.functionError).toBe('Unhandled');
      expect(JSON.parse(result.payload ?? '')).toMatchObject({
        errorMessage: expect.stringContaining("Cannot find module '@fixture/native'"),
      });
    });
  },
);
