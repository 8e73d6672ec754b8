/**
 * A failure the user can act on: a port in use, a broken assembly, a missing Java. Its message is one sentence
 * that says what went wrong and what to do; the CLI prints it as `error: <message>`, never with a stack.
 */
export class LocalCloudError extends Error {
  override readonly name = 'LocalCloudError';
}

/** The message of any thrown value, for wrapping in a sentence of our own. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
