/**
 * The Firehose transformation: every record of the stream, on its way to the S3 archive, comes through here once.
 * A page view is normalized and enriched into one line of JSON (`Ok`); a bot's view or a heartbeat is `Dropped`
 * (Firehose writes it nowhere); anything else is `ProcessingFailed`, and Firehose writes it, as it arrived, under
 * the bucket's error prefix. Every record gets an answer with its own `recordId`: the invocation never throws
 * over a record, only over an event that is not Firehose's.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  KinesisFirehoseRecordSchema,
  KinesisFirehoseSchema,
} from '@aws-lambda-powertools/parser/schemas/kinesis-firehose';
import { powertools } from '@triggers/kit/runtime';
import type { Context, FirehoseTransformationResult, FirehoseTransformationResultRecord } from 'aws-lambda';
import * as z from 'zod';
import { type PageView, readRecord } from '../page-view.ts';

const { logger, metrics } = powertools();

/** Powertools' Firehose schema, with each record's data kept as base64: a failed record goes back as it came. */
const TransformationEventSchema = KinesisFirehoseSchema.extend({
  records: z
    .array(
      KinesisFirehoseRecordSchema.extend({
        data: z.base64(),
        // Epoch ms within what a Date holds: it becomes the line's receivedAt.
        approximateArrivalTimestamp: z.number().min(0).max(8.64e15),
      }),
    )
    .nonempty(),
});
type TransformationEvent = z.infer<typeof TransformationEventSchema>;
type FirehoseRecord = TransformationEvent['records'][number];

/** A line of the archive: the view, when the stream received it, and where in the stream it came from. */
export interface ArchivedView extends PageView {
  readonly receivedAt: string;
  readonly shardId: string | null;
  readonly sequenceNumber: string | null;
}

/** Not a Firehose transformation event: the deployment is wrong, not a record. */
export class NotATransformationEventError extends Error {
  override readonly name = 'NotATransformationEventError';
}

export async function handler(input: unknown, context: Context): Promise<FirehoseTransformationResult> {
  logger.addContext(context);
  try {
    const parsed = TransformationEventSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new NotATransformationEventError(
        `Not a Firehose transformation event (${issue?.path.join('.') || 'event'}: ${issue?.message}).`,
      );
    }
    const results = parsed.data.records.map(transform);
    const tally = (result: string) => results.filter((record) => record.result === result).length;
    metrics.addMetric('RecordsArchived', MetricUnit.Count, tally('Ok'));
    metrics.addMetric('RecordsDropped', MetricUnit.Count, tally('Dropped'));
    metrics.addMetric('RecordsFailed', MetricUnit.Count, tally('ProcessingFailed'));
    return { records: results };
  } finally {
    metrics.publishStoredMetrics();
  }
}

function transform(record: FirehoseRecord): FirehoseTransformationResultRecord {
  const { recordId, data } = record;
  const reading = readRecord(Buffer.from(data, 'base64'));
  switch (reading.kind) {
    case 'view': {
      const line: ArchivedView = {
        ...reading.view,
        receivedAt: new Date(record.approximateArrivalTimestamp).toISOString(),
        shardId: record.kinesisRecordMetadata?.shardId ?? null,
        sequenceNumber: record.kinesisRecordMetadata?.sequenceNumber ?? null,
      };
      // Firehose concatenates what it is given: the newline is what makes the objects newline-delimited JSON.
      return { recordId, result: 'Ok', data: Buffer.from(`${JSON.stringify(line)}\n`).toString('base64') };
    }
    case 'bot':
    case 'heartbeat':
      return { recordId, result: 'Dropped', data };
    case 'malformed':
      logger.warn('Record marked ProcessingFailed', {
        recordId,
        sequenceNumber: record.kinesisRecordMetadata?.sequenceNumber,
        reason: reading.reason,
      });
      return { recordId, result: 'ProcessingFailed', data };
  }
}
