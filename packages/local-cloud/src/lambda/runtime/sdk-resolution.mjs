/**
 * Loaded with `--import` into every execution environment. Lambda's Node.js runtime ships the AWS SDK for
 * JavaScript v3, so bundles leave `@aws-sdk/*` out (CDK's NodejsFunction does by default) and import it from the
 * runtime. Here the runtime's copy is the local cloud's own: a bare `@aws-sdk/*` or `@smithy/*` specifier the
 * function's code cannot resolve itself is looked up in the node_modules folders named in this module's
 * `?modules=` query, in order. Synchronous hooks apply to `require()` as well as `import`, so CommonJS code gets
 * the same SDK, and nothing else: no other package the local cloud depends on is reachable.
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

// require.resolve below passes through this hook again; that inner pass must not fall back itself.
let fallingBack = false;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (fallingBack || !RUNTIME_PROVIDED.test(specifier) || !NOT_FOUND.has(error?.code)) throw error;
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
