/**
 * Loaded with `--import` into every execution environment. A bare specifier the function's code cannot resolve
 * itself is looked up in the node_modules folders named in this module's `?modules=` query, in order, when it is
 * - `@aws-sdk/*` or `@smithy/*`: Lambda's Node.js runtime ships the AWS SDK for JavaScript v3, so bundles leave it
 *   out (CDK's NodejsFunction does by default) and import it from the runtime; here the runtime's copy is the
 *   local cloud's own;
 * - a platform package, whose name ends with `-linux-x64` / `-linux-arm64` (or is `…/linux-x64`), such as
 *   `@img/sharp-linux-x64` or `@ffmpeg-installer/linux-x64`: an asset built for AWS carries the linux-arm64 build,
 *   but locally the function runs on this machine's CPU, and sharp or ffmpeg-installer pick their package by
 *   `process.arch`, so the host's build has to come from the workspace.
 * Synchronous hooks apply to `require()` as well as `import`, so CommonJS code gets the same, and nothing else:
 * no other package the local cloud depends on is reachable.
 */
import { createRequire, registerHooks } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

// Resolving from a file beside a node_modules folder searches that folder first.
const parents = new URL(import.meta.url).searchParams
  .getAll('modules')
  .map((folder) => pathToFileURL(`${dirname(folder)}/noop.js`).href);

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);
const RUNTIME_PROVIDED = /^@(aws-sdk|smithy)\//;
const PLATFORM_PACKAGE = /(^|[-/])linux-(x64|arm64)$/;

/** The package a bare specifier names: `@scope/name` or `name`, without the path inside it. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
}

function fallsBack(specifier) {
  return RUNTIME_PROVIDED.test(specifier) || PLATFORM_PACKAGE.test(packageName(specifier));
}

// require.resolve below passes through this hook again; that inner pass must not fall back itself.
let fallingBack = false;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (fallingBack || !fallsBack(specifier) || !NOT_FOUND.has(error?.code)) throw error;
      fallingBack = true;
      try {
        for (const parentURL of parents) {
          const resolved = resolveFrom(specifier, context, nextResolve, parentURL);
          if (resolved) return resolved;
        }
      } finally {
        fallingBack = false;
      }
      throw error;
    }
  },
});

function resolveFrom(specifier, context, nextResolve, parentURL) {
  try {
    // require()'s default resolution ignores parentURL (it resolves from the requiring module), so ask a
    // require function made for the folder instead.
    if (context.conditions?.includes('require')) {
      const path = createRequire(parentURL).resolve(specifier);
      return { url: pathToFileURL(path).href, shortCircuit: true };
    }
    return nextResolve(specifier, { ...context, parentURL });
  } catch {
    return undefined;
  }
}
