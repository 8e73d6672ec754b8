/**
 * What the construct and the handler agree on: the function's service name, the environment variable the
 * construct sets and the handler reads (with its validator), and the notes table's key. No CDK import here: the
 * handler's bundle includes this file (and `src/routes.ts`, the other thing both sides share).
 */
import * as z from 'zod/mini';

/** Powertools' service name: the `service` key of every log line and the metrics' `service` dimension. */
export const SERVICE_NAME = 'notes-api';

/** The environment variables the construct sets on the function, by what they hold. */
export const ENV = {
  /** The notes table's name. */
  tableName: 'NOTES_TABLE_NAME',
} as const;

/**
 * The function's settings, as the handler reads them at cold start (`readEnvironment` from
 * `@triggers/kit/runtime`): a missing or malformed table name fails the start with one line, instead of every
 * request answering 500 later.
 */
export const SettingsSchema = z.object({
  [ENV.tableName]: z
    .string('the notes table name is required')
    .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name is 3–255 letters, digits, _ . or -')),
});

export type Settings = z.infer<typeof SettingsSchema>;

/**
 * The notes table's key, which `src/store.ts` writes and reads: partition key the user (the JWT `sub`), sort key
 * the note id, both strings. A table you bring (`existingTable`) must have exactly this key.
 */
export const NOTES_TABLE_KEY = { partitionKey: 'userId', sortKey: 'noteId' } as const;
