#!/usr/bin/env -S npx tsx
/**
 * The monthly cost of an integration, line by line:
 *   pnpm cost sqs --events 10M --duration 120ms --memory 512
 *   pnpm cost --all
 */
import { run } from './command.ts';

try {
  process.exitCode = run(process.argv.slice(2), {
    out: (text) => console.log(text),
    err: (text) => console.error(text),
  });
} catch (error) {
  // A bug, not bad input: say so in one line rather than with a stack trace.
  console.error(`pnpm cost failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
