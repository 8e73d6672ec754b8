/**
 * "Copy it out" works as written: for each integration, the steps of its README's checklist are followed in an
 * empty folder outside the workspace — package.json, the one install line (offline, from the pnpm store, at the
 * versions the lockfile holds), the files to copy, the kit files and the import rewrite, tsconfig.json, the CDK app —
 * then the copy type-checks, synthesizes (bundling its handler for real), and its template equals the one the
 * workspace synthesizes, asset hashes aside.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NO_BUNDLING } from '@triggers/kit/testing';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { descriptors } from '../src/integrations.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** What the checklist says, read from the README's "## Copy it out" section. */
interface Checklist {
  readonly packageJson: string;
  readonly install: readonly string[];
  /** Repository paths to copy into the project's src/, and into src/kit/. */
  readonly files: readonly string[];
  readonly kitFiles: readonly string[];
  readonly rewrite: string;
  /** pnpm's settings, where the checklist gives them (platform builds for Lambda's arm64); esbuild's build allowed. */
  readonly pnpmSettings: string;
  readonly tsconfig: string;
  readonly app: string;
  readonly cdkJson: string;
}

function checklistOf(name: string): Checklist {
  const readme = readFileSync(join(ROOT, 'packages', name, 'README.md'), 'utf8');
  const start = readme.indexOf('## Copy it out');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/^( *)```(\w+)\n([\s\S]*?)^ *```$/gm)].map((match) => ({
    language: match[2] ?? '',
    text: (match[3] ?? '')
      .split('\n')
      .map((line) => line.slice((match[1] ?? '').length))
      .join('\n'),
  }));
  const block = (language: string, includes: string) =>
    blocks.find((candidate) => candidate.language === language && candidate.text.includes(includes))?.text ??
    '';
  /** The `.ts` paths named in the numbered step that mentions `marker`, relative to the step's first full path. */
  const pathsOfStep = (marker: string, base: string) => {
    const step = section.split(/\n(?=\d+\. )/).find((candidate) => candidate.includes(marker)) ?? '';
    return [...step.matchAll(/`([\w./-]+\.ts)`/g)]
      .map((match) => match[1] ?? '')
      .map((path) => (path.startsWith(base) ? path.slice(base.length) : path));
  };
  const install = block('sh', 'npm install').trim().split(/\s+/).slice(2);
  return {
    packageJson: block('json', '"type"'),
    install,
    files: pathsOfStep('Copy the integration', `packages/${name}/src/`),
    kitFiles: pathsOfStep('Take the kit along', 'packages/kit/src/'),
    rewrite: block('sh', 'sed '),
    pnpmSettings: block('yaml', '') || 'allowBuilds:\n  esbuild: true\n',
    tsconfig: block('json', 'compilerOptions'),
    app: block('ts', 'new App('),
    cdkJson: /`cdk\.json`: `(\{[^`]+\})`/.exec(section)?.[1] ?? '',
  };
}

/** A template as it compares: asset hashes, CDK's own metadata and the bootstrap check left out. */
function normalized(template: Record<string, unknown>): unknown {
  const { Parameters, Rules, ...rest } = template as Record<string, Record<string, unknown> | undefined>;
  const text = JSON.stringify(rest, (key, value) => (key === 'Metadata' ? undefined : value));
  const parsed = JSON.parse(text.replace(/[0-9a-f]{64}/g, '<hash>')) as {
    Resources: Record<string, { Type: string }>;
  };
  for (const [id, resource] of Object.entries(parsed.Resources)) {
    if (resource.Type === 'AWS::CDK::Metadata') delete parsed.Resources[id];
  }
  void Parameters;
  void Rules;
  return parsed;
}

/** The workspace lockfile's resolved versions (with peer suffixes) of each direct dependency, by name. */
function lockedVersions(lock: string): Map<string, Map<string, string>> {
  const versions = new Map<string, Map<string, string>>();
  for (const match of lock.matchAll(/^ {6}'?(@?[\w./-]+)'?:\n {8}specifier: [^\n]+\n {8}version: (\S+)/gm)) {
    const [, name = '', resolved = ''] = match;
    if (resolved.startsWith('link:')) continue;
    if (!versions.has(name)) versions.set(name, new Map());
    versions.get(name)?.set(resolved.replace(/\(.*$/, ''), resolved);
  }
  return versions;
}

/**
 * A lockfile for the copied project: the workspace's packages and snapshots, and one importer with the pinned
 * dependencies, so `pnpm install --offline --frozen-lockfile` installs exactly the versions the workspace tests.
 */
function projectLockfile(
  lock: string,
  pins: readonly { name: string; resolved: string; version: string }[],
): string {
  const current = lock.slice(lock.lastIndexOf('---\nlockfileVersion'));
  const body = current.slice(current.indexOf('\npackages:\n'));
  const importer = pins
    .map((pin) => `      '${pin.name}':\n        specifier: ${pin.version}\n        version: ${pin.resolved}`)
    .join('\n');
  return `lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n${importer}\n${body}`;
}

// Side by side: each copy waits mostly on its own tsc and synth.
describe.concurrent.each(descriptors.map((descriptor) => [descriptor.name, descriptor] as const))(
  'copying %s out by its README',
  (name, descriptor) => {
    it('compiles and synthesizes the template the workspace synthesizes', { timeout: 240_000 }, async () => {
      // Prepare: the checklist, and the versions it pins checked against the lockfile
      const checklist = checklistOf(name);
      expect(checklist.files.length, 'files to copy').toBeGreaterThan(0);
      expect(checklist.kitFiles.length, 'kit files to take along').toBeGreaterThan(0);
      const lock = readFileSync(join(ROOT, 'pnpm-lock.yaml'), 'utf8');
      const locked = lockedVersions(lock);
      const pins = checklist.install.map((spec) => {
        const at = spec.lastIndexOf('@');
        const pin = { name: spec.slice(0, at), version: spec.slice(at + 1) };
        return { ...pin, resolved: locked.get(pin.name)?.get(pin.version) ?? '' };
      });
      expect(
        pins.filter((pin) => !pin.resolved).map((pin) => `${pin.name}@${pin.version}`),
        'pinned versions the lockfile does not hold',
      ).toEqual([]);
      const project = mkdtempSync(join(tmpdir(), `copy-out-${name}-`));
      const shell = (command: string) =>
        run('bash', ['-e', '-c', command], {
          cwd: project,
          env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
        });

      try {
        // Act: the steps, in order
        // The npm install line, as pnpm installs it offline: the same pins, the lockfile's versions beneath them.
        const manifest = JSON.parse(checklist.packageJson);
        manifest.dependencies = Object.fromEntries(pins.map((pin) => [pin.name, pin.version]));
        writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
        writeFileSync(join(project, 'pnpm-lock.yaml'), projectLockfile(lock, pins));
        writeFileSync(join(project, 'pnpm-workspace.yaml'), checklist.pnpmSettings);
        await shell('pnpm install --offline --frozen-lockfile');
        for (const file of checklist.files) {
          mkdirSync(dirname(join(project, 'src', file)), { recursive: true });
          cpSync(join(ROOT, 'packages', name, 'src', file), join(project, 'src', file));
        }
        for (const file of checklist.kitFiles) {
          mkdirSync(dirname(join(project, 'src/kit', file)), { recursive: true });
          cpSync(join(ROOT, 'packages/kit/src', file), join(project, 'src/kit', file));
        }
        await shell(checklist.rewrite);
        writeFileSync(join(project, 'tsconfig.json'), checklist.tsconfig);
        mkdirSync(join(project, 'bin'));
        writeFileSync(join(project, 'bin/app.ts'), checklist.app);
        writeFileSync(join(project, 'cdk.json'), checklist.cdkJson);
        await shell('node_modules/.bin/tsc -p tsconfig.json');
        await shell(`CDK_OUTDIR=cdk.out ${JSON.stringify(process.execPath)} --import tsx bin/app.ts`);

        // Assess: the same template as the workspace's
        const copied = JSON.parse(
          readFileSync(join(project, 'cdk.out', `${descriptor.stackId}.template.json`), 'utf8'),
        );
        const workspace = new App({ context: NO_BUNDLING, outdir: join(project, 'workspace.out') });
        descriptor.createStack(workspace, descriptor.stackId);
        const expected = workspace.synth().getStackByName(descriptor.stackId).template;
        expect(normalized(copied)).toEqual(normalized(expected));
      } finally {
        rmSync(project, { recursive: true, force: true });
      }
    });
  },
);
