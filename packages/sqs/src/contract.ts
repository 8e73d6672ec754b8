/**
 * What the construct and the handler agree on: the function's service name and the environment variable the
 * construct sets and the handler reads (with its validator). No CDK import here: the handler's bundle includes
 * this file (and `src/order.ts`, the message schema).
 */
import * as z from 'zod/mini';

/** Powertools' service name: the `service` key of every log line and the metrics' `service` dimension. */
export const SERVICE_NAME = 'orders-worker';

/** The environment variables the construct sets on the function, by what they hold. */
export const ENV = {
  /** The orders table's name. */
  tableName: 'ORDERS_TABLE_NAME',
} as const;

/**
 * The function's settings, as the handler reads them at cold start (`readEnvironment` from
 * `@triggers/kit/runtime`): a missing or malformed table name fails the start with one line, instead of every
 * order failing its write later and ending in the dead-letter queue.
 */
export const SettingsSchema = z.object({
  [ENV.tableName]: z
    .string('the orders table name is required')
    .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name is 3–255 letters, digits, _ . or -')),
});

export type Settings = z.infer<typeof SettingsSchema>;
