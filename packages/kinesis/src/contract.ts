/**
 * What the construct and the two handlers agree on: their service names, the environment variable the construct
 * sets on the consumer (with its check), the tumbling window, the filter that keeps heartbeats out, and the
 * archive's S3 prefixes. No CDK import here: the handlers' bundles include this file.
 */
import * as z from 'zod/mini';

/** Powertools' `service` of the stream consumer (the per-minute aggregator). */
export const CONSUMER_SERVICE_NAME = 'page-view-aggregator';
/** Powertools' `service` of the Firehose transformation. */
export const TRANSFORM_SERVICE_NAME = 'page-view-archiver';

/** The environment variables the construct sets and the consumer reads. */
export const ENV = {
  /** The table the per-minute aggregates are written to. */
  aggregatesTable: 'AGGREGATES_TABLE_NAME',
} as const;

/**
 * The consumer's settings, read at cold start (`readEnvironment` from `@triggers/kit/runtime`): a missing table
 * name fails the start with one line instead of every window failing its write later.
 */
export const ConsumerSettingsSchema = z.object({
  [ENV.aggregatesTable]: z
    .string('the aggregates table name is required')
    .check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name is 3–255 letters, digits, _ . or -')),
});
export type ConsumerSettings = z.infer<typeof ConsumerSettingsSchema>;

/** One tumbling window per minute of arrival time: the aggregates are views per page per minute. */
export const WINDOW_SECONDS = 60;

/** The event type producers send to say a page is still open. It is not a view, and never reaches the consumer. */
export const HEARTBEAT_TYPE = 'heartbeat';

/**
 * The event source mapping's filter (EventBridge pattern syntax, on the record's decoded `data`): everything but
 * heartbeats. A record whose data is not JSON, or has no `type`, does not match a data filter either, and Lambda
 * drops it without invoking the function (the Firehose archive still sees it, under the error prefix).
 */
export const CONSUMER_FILTER = { data: { type: [{ 'anything-but': [HEARTBEAT_TYPE] }] } } as const;

/** Where the archive writes in its bucket: one folder per day of arrival (Firehose's `!{timestamp:…}`, UTC). */
export const ARCHIVE_PREFIX = 'views/!{timestamp:yyyy/MM/dd}/';
/** Records the transformation marked `ProcessingFailed` (or that it failed on) land here, as Firehose's error JSON. */
export const ARCHIVE_ERROR_PREFIX = 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';
