/**
 * The seam for event source mappings: one MappingSource per kind of source (SQS today; Kinesis and DynamoDB
 * Streams next), found by the source ARN's service in `mappings.ts`. The deployer reads the base of a mapping
 * (function, source, batch size, window, filters, enabled, scaling); the source reads its own extras, refuses what
 * AWS refuses, and makes the poller.
 */
import type {
  ClientFactory,
  EventSource,
  EventSourceMappingConfig,
  FunctionConfig,
  TriggerServices,
} from '../types.ts';

export interface MappingContext {
  /** The mapping's logical id, for errors. */
  readonly logicalId: string;
  /** The resolved template properties, for the source's own extras. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** The function the mapping invokes (it runs locally). */
  readonly function: FunctionConfig;
  readonly clients: ClientFactory;
  readonly triggers: TriggerServices;
}

export interface MappingSource {
  /** As AWS names the source: 'SQS', 'Kinesis', 'DynamoDB Streams'. */
  readonly title: string;
  /** BatchSize when the template gives none. */
  readonly defaultBatchSize: number;
  /** The running poller; throws a LocalCloudError, in AWS's words, for a mapping AWS refuses. */
  create(config: EventSourceMappingConfig, context: MappingContext): Promise<EventSource>;
}
