/**
 * What the construct and the handler agree on: the handler's environment, its defaults and how it is checked.
 * No CDK and nothing heavy here: the construct imports this at synth, the handler at run time.
 */
import * as z from 'zod/mini';

/** The Powertools service name: the `service` key of every log line and metric. */
export const SERVICE_NAME = '__name__';

/** The environment variables the construct sets (TODO: the handler's real settings). */
export const ENV = {
  targetName: 'TARGET_NAME',
} as const;

export const environmentSchema = z.object({
  [ENV.targetName]: z.string().check(z.minLength(1)),
});
