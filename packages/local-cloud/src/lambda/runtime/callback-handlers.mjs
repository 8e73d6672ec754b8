/**
 * Loaded with `--import` into the execution environments of Node.js runtimes before nodejs24.x. The runtime client
 * here, aws-lambda-ric 4 (the one nodejs24.x runs), refuses a callback-style handler `(event, context, callback)`
 * at init with Runtime.CallbackHandlerDeprecated, as nodejs24.x does; the older runtimes still call it. So when the
 * runtime client imports the handler's module, it gets a stand-in whose handler calls the function's with a
 * callback and answers with what the callback was given. Not emulated: `callbackWaitsForEmptyEventLoop` (the answer
 * goes as soon as the callback is called) and the legacy `context.succeed` / `fail` / `done`.
 */
import { realpathSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const RUNTIME_CLIENT = pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
const STAND_IN = '?local-cloud-callback-handler';
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
// `_HANDLER` is `[folder/]module.name[.nested]`: the name is what follows the module in its last segment.
const HANDLER_PATH = (process.env._HANDLER ?? '').split('/').pop()?.split('.').slice(1) ?? [];

registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    // The runtime client imports nothing else from a file: this is the handler's module.
    const isHandlerModule =
      context.parentURL === RUNTIME_CLIENT &&
      context.conditions?.includes('import') &&
      resolved.url.startsWith('file:');
    return isHandlerModule
      ? { url: `${resolved.url}${STAND_IN}`, format: 'module', shortCircuit: true }
      : resolved;
  },
  load(url, context, nextLoad) {
    if (!url.endsWith(STAND_IN)) return nextLoad(url, context);
    const original = url.slice(0, -STAND_IN.length);
    const source = [
      `import * as original from ${JSON.stringify(original)};`,
      `import { standIn } from ${JSON.stringify(import.meta.url)};`,
      'export default standIn(original);',
    ].join('\n');
    return { format: 'module', source, shortCircuit: true };
  },
});

/**
 * What the stand-in module exports as default: the handler (wrapped when it takes a callback) where the runtime
 * client looks for it, so it finds it, or fails to, just as in the original module.
 */
export function standIn(module) {
  const handler = find(module) ?? find(module.default);
  const served =
    typeof handler === 'function' && handler.length >= 3 && !handler[STREAMING]
      ? withCallback(handler)
      : handler;
  if (served === undefined) return {};
  if (HANDLER_PATH.length === 1 && HANDLER_PATH[0] === 'default') return served;
  return HANDLER_PATH.reduceRight((inner, key) => ({ [key]: inner }), served);
}

function find(module) {
  return HANDLER_PATH.reduce(
    (nested, key) => (nested && typeof nested === 'object' ? nested[key] : undefined),
    module,
  );
}

/** Two parameters, so the runtime client takes it for an async handler. */
function withCallback(handler) {
  return (event, context) =>
    new Promise((resolve, reject) => {
      const returned = handler(event, context, (error, result) =>
        error == null ? resolve(result) : reject(error),
      );
      // Old runtimes also took a promise such a handler returned: whichever settles first answers.
      if (typeof returned?.then === 'function') returned.then(resolve, reject);
    });
}
