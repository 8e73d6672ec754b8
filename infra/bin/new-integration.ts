/**
 * `pnpm new <name> [--title "…"]`: a new integration package from infra/template, with every room the shape test
 * checks (src/integration.ts, contract.ts, handler.ts, construct.ts, stack.ts, the three test files, a README with
 * the sections every package has), registered in the shared app: one import line in infra/src/integrations.ts and
 * the dependency in infra/package.json. Then fill in the TODOs.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const templateDir = fileURLToPath(new URL('../template', import.meta.url));

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    allowPositionals: true,
    options: { title: { type: 'string' } },
  });
}
try {
  parsed = parse();
} catch (error) {
  fail(`${(error as Error).message}. Usage: pnpm new <name> [--title "SNS → Lambda: …"]`);
}
const [name] = parsed.positionals;
if (!name || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
  fail(
    'Usage: pnpm new <name> [--title "…"], where <name> is the trigger source in kebab case (sns, cloudwatch-logs).',
  );
}
const dir = join(root, 'packages', name);
if (existsSync(dir)) fail(`packages/${name} exists already.`);

const Name = name
  .split('-')
  .map((part) => `${part[0]?.toUpperCase()}${part.slice(1)}`)
  .join('');
const title = parsed.values.title ?? `${Name} → Lambda`;
const fill = (text: string) =>
  text
    .replaceAll('__Name__', Name)
    .replaceAll('__name__', name)
    .replaceAll('__TITLE__', title)
    .replaceAll('__TRIGGER__', Name);

// The template's files, placeholders filled.
cpSync(templateDir, dir, { recursive: true });
for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
  const path = join(dir, file);
  if (statSync(path).isFile()) writeFileSync(path, fill(readFileSync(path, 'utf8')));
}

// package.json, tsconfig and vitest config, with the versions the reference package uses.
const reference = JSON.parse(readFileSync(join(root, 'packages/sqs/package.json'), 'utf8'));
const pick = (from: Record<string, string>, names: string[]) =>
  Object.fromEntries(names.filter((dep) => from[dep]).map((dep) => [dep, from[dep] as string]));
const manifest = {
  name: `@triggers/${name}`,
  version: '0.1.0',
  private: true,
  description: title,
  type: 'module',
  exports: { '.': './src/index.ts' },
  scripts: reference.scripts,
  dependencies: {
    ...pick(reference.dependencies, [
      '@aws-lambda-powertools/logger',
      '@aws-lambda-powertools/metrics',
      'zod',
    ]),
    '@triggers/kit': 'workspace:*',
  },
  peerDependencies: reference.peerDependencies,
  devDependencies: pick(reference.devDependencies, [
    '@triggers/events',
    '@triggers/local-cloud',
    '@types/aws-lambda',
    'aws-cdk-lib',
    'aws-sdk-client-mock',
    'cdk-nag',
    'constructs',
  ]),
};
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
cpSync(join(root, 'packages/sqs/tsconfig.json'), join(dir, 'tsconfig.json'));
writeFileSync(
  join(dir, 'vitest.config.ts'),
  "import { integrationTestConfig } from '../../vitest.shared.ts';\n\n// TODO: the handler's settings in unit tests.\nexport default integrationTestConfig({ TARGET_NAME: 'target' });\n",
);

// Registered in the shared app: the import line, and the dependency pnpm links it through.
const registry = join(root, 'infra/src/integrations.ts');
const identifier = Name[0]?.toLowerCase() + Name.slice(1);
let source = readFileSync(registry, 'utf8');
source = source
  .replace(
    /(import type \{ IntegrationDescriptor \} from '@triggers\/kit';\n)/,
    `$1import { integration as ${identifier} } from '@triggers/${name}';\n`,
  )
  .replace(
    /(export const descriptors: readonly IntegrationDescriptor\[\] = \[[^\]]*)\]/,
    `$1, ${identifier}]`,
  );
writeFileSync(registry, source);
const infraManifestPath = join(root, 'infra/package.json');
const infraManifest = JSON.parse(readFileSync(infraManifestPath, 'utf8'));
infraManifest.dependencies[`@triggers/${name}`] = 'workspace:*';
infraManifest.dependencies = Object.fromEntries(
  Object.entries(infraManifest.dependencies).sort(([a], [b]) => a.localeCompare(b)),
);
writeFileSync(infraManifestPath, `${JSON.stringify(infraManifest, null, 2)}\n`);

console.log(`Made packages/${name} (@triggers/${name}, ${Name}Integration, ${Name}Stack, Triggers-${Name}).
Next:
  pnpm install                       # links the new package
  pnpm exec biome check --write infra/src packages/${name}
  # fill in the TODOs: the handler, the construct's trigger, samples with their poison twins, the README
  pnpm test                          # the shape test (infra/test/shape.test.ts) says what is still missing`);
