/**
 * `pnpm bench` (bundles): per Lambda function of every stack, the minified bundle's size and the time a fresh
 * Node process takes to import it, next to an empty module and to the AWS SDK modules the bundle leaves to the
 * runtime. Figures, not assertions: cold-start budgets are tracked here, the byte budget is a test.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { integrations } from '../src/integrations.ts';

const RUNS = 15;

/** Median wall time of `node <file>` over RUNS fresh processes, in ms. */
function importTime(file: string): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, [file], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (child.status !== 0) throw new Error(`node ${file} failed: ${child.stderr.toString().trim()}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
const stacks = Object.entries(integrations).map(([name, { stackId, create }]) => ({
  name,
  stack: create(app, stackId),
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
  for (const [logicalId, resource] of Object.entries<{ Type: string; Metadata: Record<string, string> }>(
    template.Resources,
  )) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const bundle = join(assembly.directory, resource.Metadata['aws:asset:path'], 'index.mjs');
    const dir = mkdtempSync(join(work, `${logicalId}-`));
    copyFileSync(bundle, join(dir, 'index.mjs'));
    symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'));
    const externals = [...readFileSync(bundle, 'utf8').matchAll(/from"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]);
    writeFileSync(join(dir, 'sdk.mjs'), [...new Set(externals)].map((m) => `import '${m}';`).join('\n'));
    const sdk = importTime(join(dir, 'sdk.mjs'));
    const full = importTime(join(dir, 'index.mjs'));
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
