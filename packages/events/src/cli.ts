#!/usr/bin/env -S npx tsx
/**
 * Prints a sample event, like `sam local generate-event`:
 *   pnpm event sqs --body '{"orderId":"o-1"}' --count 3
 */
import { parseArgs } from 'node:util';
import { sqsEvent } from './sqs.ts';

interface Source {
  readonly usage: string;
  readonly build: (args: string[]) => unknown;
}

const sources: Record<string, Source> = {
  sqs: {
    usage: 'sqs [--body TEXT] [--count N] [--queue NAME] [--attribute NAME=VALUE ...]',
    build(args) {
      const { values } = parseArgs({
        args,
        options: {
          body: { type: 'string', default: '{"hello":"world"}' },
          count: { type: 'string', default: '1' },
          queue: { type: 'string' },
          attribute: { type: 'string', multiple: true, default: [] },
        },
        strict: true,
      });
      const count = Number(values.count);
      if (!Number.isInteger(count) || count < 1 || count > 10_000) {
        throw new UsageError(`--count must be a whole number from 1 to 10000, not "${values.count}"`);
      }
      const messageAttributes = Object.fromEntries(
        values.attribute.map((pair) => {
          const at = pair.indexOf('=');
          if (at < 1) throw new UsageError(`--attribute takes NAME=VALUE, not "${pair}"`);
          return [pair.slice(0, at), pair.slice(at + 1)];
        }),
      );
      const record = { body: values.body, messageAttributes };
      return sqsEvent(
        Array.from({ length: count }, () => record),
        { queueName: values.queue },
      );
    },
  },
};

class UsageError extends Error {}

function usage(): string {
  return [
    'Usage: pnpm event <source> [options]',
    '',
    'Sources:',
    ...Object.values(sources).map((s) => `  ${s.usage}`),
  ].join('\n');
}

function main(argv: string[]): number {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const source = sources[name];
  if (!source) {
    console.error(`Unknown event source "${name}". Known: ${Object.keys(sources).join(', ')}.\n\n${usage()}`);
    return 2;
  }
  try {
    console.log(JSON.stringify(source.build(args), null, 2));
    return 0;
  } catch (error) {
    // parseArgs throws TypeErrors with a readable message for unknown or malformed options.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${message}\n\nUsage: pnpm event ${source.usage}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
