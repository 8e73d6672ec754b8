/**
 * Loaded with `--import` into every execution environment. Lambda's Node.js runtime ships the AWS SDK for
 * JavaScript v3, so bundles leave `@aws-sdk/*` out (CDK's NodejsFunction does by default) and import it from the
 * runtime. Here the runtime's copy is the local cloud's own: a bare `@aws-sdk/*` specifier the function's code
 * cannot resolve itself is resolved from the directories named in this module's `?from=` query.
 */
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const parents = new URL(import.meta.url).searchParams
  .getAll('from')
  .map((directory) => pathToFileURL(`${directory}/noop.js`).href);

const NOT_FOUND = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('@aws-sdk/') || !NOT_FOUND.has(error?.code)) throw error;
      for (const parentURL of parents) {
        try {
          return nextResolve(specifier, { ...context, parentURL });
        } catch {
          // Try the next directory.
        }
      }
      throw error;
    }
  },
});
