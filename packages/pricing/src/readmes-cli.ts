/**
 * Rewrites the generated cost sections of the READMEs (`pnpm cost:readmes`); `--check` only reports, exit 1 when
 * any is out of date.
 */
import { repositoryRoot as root } from './packages.ts';
import { readmes, writeReadmes } from './readmes.ts';

if (process.argv.includes('--check')) {
  const stale = readmes(root).filter((file) => file.current !== file.expected);
  for (const file of stale) console.error(`${file.path} is out of date: run pnpm cost:readmes`);
  process.exitCode = stale.length > 0 ? 1 : 0;
} else {
  const written = writeReadmes(root);
  console.log(written.length > 0 ? `Rewrote ${written.join(', ')}.` : 'Every cost section is up to date.');
}
