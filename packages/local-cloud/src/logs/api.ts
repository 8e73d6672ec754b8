/**
 * The CloudWatch Logs JSON API (`X-Amz-Target: Logs_20140328.<Action>`) over the in-memory store: the operations
 * `aws logs tail`, `aws logs filter-log-events`, the SDK's CloudWatchLogsClient and CloudFormation use.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsJsonError, answerJsonApi, type Json } from '../json-api.ts';
import type { LogEvent } from '../types.ts';
import type { LogQuery, StoredLogEvent, StoredLogGroup, StoredLogStream } from './stored-logs.ts';

/** What the Logs API asks of the log store; the store implements it and hands its requests here. */
export interface LogsApiBackend {
  group(name: string): StoredLogGroup | undefined;
  groups(): Iterable<StoredLogGroup>;
  createLogGroup(name: string): void;
  deleteLogGroup(name: string): void;
  createLogStream(group: string, stream: string): void;
  putLogEvents(group: string, stream: string, events: LogEvent[]): void;
  /** Matching events with their stream, ordered by time then arrival. */
  query(group: string, options: LogQuery): Array<{ event: StoredLogEvent; logStreamName: string }>;
  logGroupArn(name: string): string;
}

const TARGET_PREFIX = 'Logs_20140328.';

export async function handleLogsApi(
  store: LogsApiBackend,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  answerJsonApi(
    {
      targetPrefix: TARGET_PREFIX,
      operation: (action) => {
        const operation = Object.hasOwn(OPERATIONS, action) ? OPERATIONS[action] : undefined;
        return operation && ((input) => operation(store, input));
      },
      unsupported: (action) => `The operation ${action || '(none)'} is not supported.`,
    },
    request,
    response,
    body,
  );
}

const OPERATIONS: Record<string, (store: LogsApiBackend, input: Json) => Json> = {
  CreateLogGroup(store, input) {
    const name = requiredString(input, 'logGroupName');
    if (store.group(name))
      throw new AwsJsonError('ResourceAlreadyExistsException', 'The specified log group already exists');
    store.createLogGroup(name);
    return {};
  },

  DeleteLogGroup(store, input) {
    const group = requireGroup(store, input);
    store.deleteLogGroup(group.name);
    return {};
  },

  DescribeLogGroups(store, input) {
    const prefix = optionalString(input, 'logGroupNamePrefix');
    const pattern = optionalString(input, 'logGroupNamePattern')?.toLowerCase();
    const identifiers = Array.isArray(input.logGroupIdentifiers)
      ? input.logGroupIdentifiers.map((id) => groupNameOf(String(id)))
      : undefined;
    const groups = [...store.groups()]
      .filter((group) => prefix === undefined || group.name.startsWith(prefix))
      .filter((group) => pattern === undefined || group.name.toLowerCase().includes(pattern))
      .filter((group) => identifiers === undefined || identifiers.includes(group.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const page = paginate(groups, input, 50);
    return { logGroups: page.items.map((group) => describeGroup(store, group)), nextToken: page.nextToken };
  },

  CreateLogStream(store, input) {
    const group = requireGroup(store, input);
    const name = requiredString(input, 'logStreamName');
    if (group.streams.has(name)) {
      throw new AwsJsonError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    }
    store.createLogStream(group.name, name);
    return {};
  },

  DeleteLogStream(store, input) {
    const group = requireGroup(store, input);
    const stream = requireStream(group, input);
    group.streams.delete(stream.name);
    return {};
  },

  DescribeLogStreams(store, input) {
    const group = requireGroup(store, input);
    const prefix = optionalString(input, 'logStreamNamePrefix');
    const byLastEvent = input.orderBy === 'LastEventTime';
    const streams = [...group.streams.values()]
      .filter((stream) => prefix === undefined || stream.name.startsWith(prefix))
      .sort((a, b) =>
        byLastEvent ? lastEventTime(a) - lastEventTime(b) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
    if (input.descending === true) streams.reverse();
    const page = paginate(streams, input, 50);
    return {
      logStreams: page.items.map((stream) => describeStream(store, group, stream)),
      nextToken: page.nextToken,
    };
  },

  PutLogEvents(store, input) {
    const group = requireGroup(store, input);
    const stream = requireStream(group, input);
    if (!Array.isArray(input.logEvents) || input.logEvents.length === 0) {
      throw new AwsJsonError('InvalidParameterException', 'logEvents must contain at least one event.');
    }
    const events = input.logEvents.map((event: unknown) => {
      const { timestamp, message } = (event ?? {}) as Json;
      if (typeof timestamp !== 'number' || typeof message !== 'string') {
        throw new AwsJsonError(
          'InvalidParameterException',
          'Each log event needs a numeric timestamp and a message.',
        );
      }
      return { timestamp, message };
    });
    store.putLogEvents(group.name, stream.name, events);
    return {};
  },

  GetLogEvents(store, input) {
    const group = requireGroup(store, input);
    const stream = requireStream(group, input);
    const startTime = optionalNumber(input, 'startTime');
    const endTime = optionalNumber(input, 'endTime');
    const events = stream.events.filter(
      (event) =>
        (startTime === undefined || event.timestamp >= startTime) &&
        (endTime === undefined || event.timestamp < endTime),
    );
    const limit = Math.min(optionalNumber(input, 'limit') ?? 10_000, 10_000);
    const token = optionalString(input, 'nextToken');
    // Tokens are positions: f/N reads forward from N, b/N reads backward up to N (exclusive).
    let start: number;
    let end: number;
    if (token?.startsWith('f/')) {
      start = Math.min(Number(token.slice(2)) || 0, events.length);
      end = Math.min(start + limit, events.length);
    } else if (token?.startsWith('b/')) {
      end = Math.min(Number(token.slice(2)) || 0, events.length);
      start = Math.max(0, end - limit);
    } else if (input.startFromHead === true) {
      start = 0;
      end = Math.min(limit, events.length);
    } else {
      end = events.length;
      start = Math.max(0, end - limit);
    }
    return {
      events: events.slice(start, end).map(outputEvent),
      nextForwardToken: `f/${String(end).padStart(20, '0')}`,
      nextBackwardToken: `b/${String(start).padStart(20, '0')}`,
    };
  },

  FilterLogEvents(store, input) {
    const group = requireGroup(store, input);
    const streamNames = Array.isArray(input.logStreamNames) ? input.logStreamNames.map(String) : undefined;
    const streamPrefix = optionalString(input, 'logStreamNamePrefix');
    const matches = store.query(group.name, {
      streamNames,
      streamPrefix,
      startTime: optionalNumber(input, 'startTime'),
      endTime: optionalNumber(input, 'endTime'),
      filter: optionalString(input, 'filterPattern'),
    });
    // The token is the (timestamp, sequence) of the last event returned: stable while new events arrive.
    const after = parseEventKey(optionalString(input, 'nextToken'));
    const remaining = after
      ? matches.filter(
          ({ event }) =>
            event.timestamp > after.timestamp ||
            (event.timestamp === after.timestamp && event.sequence > after.sequence),
        )
      : matches;
    const limit = Math.min(optionalNumber(input, 'limit') ?? 10_000, 10_000);
    const page = remaining.slice(0, limit);
    const last = page[page.length - 1];
    const searched = [...group.streams.values()].filter(
      (stream) =>
        (streamNames === undefined || streamNames.includes(stream.name)) &&
        (streamPrefix === undefined || stream.name.startsWith(streamPrefix)),
    );
    return {
      events: page.map(({ event, logStreamName }) => ({
        logStreamName,
        ...outputEvent(event),
        eventId: eventId(event),
      })),
      searchedLogStreams: searched.map((stream) => ({
        logStreamName: stream.name,
        searchedCompletely: true,
      })),
      nextToken:
        remaining.length > limit && last ? `${last.event.timestamp}:${last.event.sequence}` : undefined,
    };
  },

  PutRetentionPolicy(store, input) {
    const group = requireGroup(store, input);
    const days = optionalNumber(input, 'retentionInDays');
    if (days === undefined)
      throw new AwsJsonError('InvalidParameterException', 'retentionInDays is required.');
    group.retentionInDays = days;
    return {};
  },

  DeleteRetentionPolicy(store, input) {
    const group = requireGroup(store, input);
    group.retentionInDays = undefined;
    return {};
  },
};

function describeGroup(store: LogsApiBackend, group: StoredLogGroup): Json {
  const arn = store.logGroupArn(group.name);
  let storedBytes = 0;
  for (const stream of group.streams.values()) storedBytes += streamBytes(stream);
  return {
    logGroupName: group.name,
    creationTime: group.creationTime,
    retentionInDays: group.retentionInDays,
    metricFilterCount: 0,
    arn: `${arn}:*`,
    storedBytes,
    logGroupClass: 'STANDARD',
    logGroupArn: arn,
  };
}

function describeStream(store: LogsApiBackend, group: StoredLogGroup, stream: StoredLogStream): Json {
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    firstEventTimestamp: stream.events[0]?.timestamp,
    lastEventTimestamp: stream.events[stream.events.length - 1]?.timestamp,
    lastIngestionTime: stream.lastIngestionTime,
    uploadSequenceToken: '1',
    arn: `${store.logGroupArn(group.name)}:log-stream:${stream.name}`,
    storedBytes: 0,
  };
}

function outputEvent(event: StoredLogEvent): Json {
  return { timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime };
}

function eventId(event: StoredLogEvent): string {
  return `${event.timestamp}${String(event.sequence).padStart(16, '0')}`;
}

function parseEventKey(token: string | undefined): { timestamp: number; sequence: number } | undefined {
  if (!token) return undefined;
  const [timestamp, sequence] = token.split(':').map(Number);
  if (!Number.isFinite(timestamp) || !Number.isFinite(sequence)) {
    throw new AwsJsonError('InvalidParameterException', 'The nextToken is not valid.');
  }
  return { timestamp: timestamp as number, sequence: sequence as number };
}

function paginate<T>(items: T[], input: Json, defaultLimit: number): { items: T[]; nextToken?: string } {
  const start = Number(optionalString(input, 'nextToken') ?? 0) || 0;
  const limit = optionalNumber(input, 'limit') ?? defaultLimit;
  const end = start + limit;
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
}

function lastEventTime(stream: StoredLogStream): number {
  return stream.events[stream.events.length - 1]?.timestamp ?? 0;
}

function streamBytes(stream: StoredLogStream): number {
  let bytes = 0;
  for (const event of stream.events) bytes += event.message.length;
  return bytes;
}

/** Accepts a log group name or its ARN (with or without the trailing `:*`). */
function groupNameOf(identifier: string): string {
  const match = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(?::\*)?$/.exec(identifier);
  return match ? (match[1] as string) : identifier;
}

function requireGroup(store: LogsApiBackend, input: Json): StoredLogGroup {
  const identifier = optionalString(input, 'logGroupName') ?? optionalString(input, 'logGroupIdentifier');
  if (identifier === undefined)
    throw new AwsJsonError('InvalidParameterException', 'logGroupName is required.');
  const group = store.group(groupNameOf(identifier));
  if (!group) throw new AwsJsonError('ResourceNotFoundException', 'The specified log group does not exist.');
  return group;
}

function requireStream(group: StoredLogGroup, input: Json): StoredLogStream {
  const stream = group.streams.get(requiredString(input, 'logStreamName'));
  if (!stream)
    throw new AwsJsonError('ResourceNotFoundException', 'The specified log stream does not exist.');
  return stream;
}

function requiredString(input: Json, key: string): string {
  const value = optionalString(input, key);
  if (value === undefined || value === '')
    throw new AwsJsonError('InvalidParameterException', `${key} is required.`);
  return value;
}

function optionalString(input: Json, key: string): string | undefined {
  const value = input[key];
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(input: Json, key: string): number | undefined {
  const value = input[key];
  return typeof value === 'number' ? value : undefined;
}
