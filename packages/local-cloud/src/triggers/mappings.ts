/**
 * Event source mappings by the service of their source ARN. A new polled source is a file with its MappingSource
 * and a row here; a source AWS supports but the local cloud does not run is reported by name.
 */

import { kinesisMappingSource } from './kinesis.ts';
import type { MappingSource } from './mapping-source.ts';
import { sqsMappingSource } from './sqs.ts';

export const MAPPING_SOURCES: Readonly<Record<string, MappingSource>> = {
  sqs: sqsMappingSource,
  kinesis: kinesisMappingSource,
};

/** Sources Lambda can poll that do not run locally yet, by ARN service. */
export const MAPPING_SOURCES_NOT_RUN: Readonly<Record<string, string>> = {
  dynamodb: 'DynamoDB Streams',
  kafka: 'Amazon MSK',
  mq: 'Amazon MQ',
  docdb: 'DocumentDB',
};
