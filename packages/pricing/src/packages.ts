/**
 * Where each integration's package lives: `packages/<name>`. An integration is built once its package has a
 * `package.json`, so each new package flips it without a change here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from this file's place in packages/pricing/src. */
export const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The package directory of an integration, relative to the repository root. */
export function packagePath(name: string): string {
  return `packages/${name}`;
}

export function isBuilt(name: string, root: string = repositoryRoot): boolean {
  return existsSync(join(root, packagePath(name), 'package.json'));
}
