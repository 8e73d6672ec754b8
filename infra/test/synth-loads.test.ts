import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * What a handler needs at run time (sharp and its native build, ffmpeg) has no business in a synth: a construct
 * that imports it — directly, or through a settings file that imports the handler's media code — loads native
 * code on every `cdk synth`, on every machine, for nothing. Constructs import their package's `src/contract.ts`.
 */
const HANDLER_ONLY = [/\/sharp\//, /@img\/sharp/, /@ffmpeg-installer/];

/**
 * Runs in a child process (a module hook must be in place before anything is loaded): records the URL of every
 * module resolved, `import` and `require` alike, while the shared app is made and synthesized without bundling.
 */
const CHILD = `
import * as module from 'node:module';
if (!module.registerHooks) throw new Error('module.registerHooks needs Node >= 22.15, not ' + process.version);
const resolved = [];
module.registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.push(result.url);
    return result;
  },
});
const { createApp } = await import(${JSON.stringify(new URL('../src/app.ts', import.meta.url).href)});
createApp({ context: { 'aws:cdk:bundling-stacks': [] } }).synth();
process.stdout.write(JSON.stringify(resolved));
`;

describe('synthesizing the app', () => {
  it('loads no handler-only dependency: no sharp, no ffmpeg', async () => {
    // Act: Node ≥ 22.15 for module.registerHooks; tsx for the TypeScript sources
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', CHILD],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), maxBuffer: 64 * 1024 * 1024 },
    );
    const resolved: string[] = [...new Set<string>(JSON.parse(stdout))];

    // Assess: the hook saw the integrations' sources (so it saw everything), and nothing a handler alone needs
    expect(resolved).toContainEqual(expect.stringMatching(/\/packages\/s3\/src\/construct\.ts$/));
    expect(resolved.filter((url) => HANDLER_ONLY.some((pattern) => pattern.test(url)))).toEqual([]);
  });
});
