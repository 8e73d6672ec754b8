/**
 * `pnpm bench` (bundles): per Lambda function of every stack, the minified bundle's size and the time a fresh
 * Node process takes to import it, next to an empty module and to the AWS SDK modules the bundle leaves to the
 * runtime. Figures, not assertions: cold-start budgets are tracked here, the byte budget is a test.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { descriptors } from '../src/integrations.ts';

const RUNS = 15;

/** Median wall time of `node <file>` over RUNS fresh processes, in ms. */
function importTime(file: string, env: NodeJS.ProcessEnv = process.env): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, [file], { stdio: ['ignore', 'ignore', 'pipe'], env });
    if (child.status !== 0) throw new Error(`node ${file} failed: ${child.stderr.toString().trim()}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

/**
 * Where this machine's builds of native packages live (sharp's `@img/sharp-linux-x64`, ffmpeg): a bundle made for
 * arm64 loads them at run time, as the local cloud lets it, instead of the arm64 builds in its asset.
 */
function platformPackagePaths(packageDir: string): string {
  const paths = [join(packageDir, 'node_modules')];
  try {
    const sharp = createRequire(join(packageDir, 'package.json')).resolve('sharp');
    paths.push(join(realpathSync(sharp).split('/node_modules/sharp/')[0] as string, 'node_modules'));
  } catch {
    // no sharp in this integration
  }
  return paths.join(':');
}

const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
const stacks = descriptors.map(({ name, stackId, createStack }) => ({
  name,
  stack: createStack(app, stackId),
}));
const assembly = app.synth();
const work = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
const emptyModule = join(work, 'empty.mjs');
writeFileSync(emptyModule, 'export const handler = async () => {};\n');
const empty = importTime(emptyModule);

const rows: string[][] = [];
for (const { name, stack } of stacks) {
  const template = assembly.getStackByName(stack.stackName).template;
  // The integration's own node_modules hold the SDK clients the runtime would provide.
  const packageDir = dirname(dirname(fileURLToPath(import.meta.resolve(`@triggers/${name}`))));
  for (const [logicalId, resource] of Object.entries<{ Type: string; Metadata?: Record<string, string> }>(
    template.Resources,
  )) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    // CDK's own helpers (bucket notifications, auto-delete) are inline code or not ours: only our bundles count.
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (!assetPath || !existsSync(join(assembly.directory, assetPath, 'index.mjs'))) continue;
    const bundle = join(assembly.directory, assetPath, 'index.mjs');
    const dir = mkdtempSync(join(work, `${logicalId}-`));
    copyFileSync(bundle, join(dir, 'index.mjs'));
    symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'));
    const externals = [...readFileSync(bundle, 'utf8').matchAll(/from"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]);
    writeFileSync(join(dir, 'sdk.mjs'), [...new Set(externals)].map((m) => `import '${m}';`).join('\n'));
    const sdk = importTime(join(dir, 'sdk.mjs'));
    // The handler checks its settings at import, as it does at a cold start: give it the template's variables
    // (a stand-in name where the value is a reference to another resource).
    const variables = Object.entries(resource.Properties?.Environment?.Variables ?? {}).map(
      ([name, value]) => [name, typeof value === 'string' ? value : 'bench-stand-in'],
    );
    const full = importTime(join(dir, 'index.mjs'), {
      ...process.env,
      ...Object.fromEntries(variables),
      NODE_PATH: platformPackagePaths(packageDir),
    });
    rows.push([
      `${stack.stackName}/${logicalId}`,
      `${(statSync(bundle).size / 1024).toFixed(1)} KB`,
      `${full.toFixed(1)} ms`,
      `${(full / empty).toFixed(2)}×`,
      `${sdk.toFixed(1)} ms`,
      `${Math.max(0, full - sdk).toFixed(1)} ms`,
    ]);
  }
}
rmSync(work, { recursive: true, force: true });

const header = ['function', 'bundle', 'import', 'vs empty', 'of which SDK', 'our code'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
console.log(
  `Bundles (median of ${RUNS} fresh Node ${process.version} processes; empty module: ${empty.toFixed(1)} ms)`,
);
console.log(line(header));
for (const row of rows) console.log(line(row));
