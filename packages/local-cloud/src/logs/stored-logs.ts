/** Log groups, streams and events as the log store keeps them. */
import type { LogEvent } from '../types.ts';

/** An event as stored: what was put, plus when it arrived and a stable id (`aws logs tail` dedups by it). */
export interface StoredLogEvent extends LogEvent {
  readonly ingestionTime: number;
  /** Arrival order across the whole store: breaks timestamp ties and orders pagination. */
  readonly sequence: number;
}

export interface StoredLogStream {
  readonly name: string;
  readonly creationTime: number;
  /** Time order (ties in arrival order). */
  readonly events: StoredLogEvent[];
  lastIngestionTime?: number;
}

export interface StoredLogGroup {
  readonly name: string;
  readonly creationTime: number;
  retentionInDays?: number;
  readonly streams: Map<string, StoredLogStream>;
}

/** Which events a query wants: FilterLogEvents' and GetLogEvents' options, as the store reads them. */
export interface LogQuery {
  readonly streamPrefix?: string;
  readonly streamNames?: readonly string[];
  readonly startTime?: number;
  readonly endTime?: number;
  readonly filter?: string;
}
