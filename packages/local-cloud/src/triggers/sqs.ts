/**
 * The SQS event source mapping, with Lambda's semantics: long-poll the queue, gather a batch (batch size,
 * batching window), drop records no filter matches, invoke the function synchronously, then delete what
 * succeeded. Failed messages are left alone: they reappear after the visibility timeout, and the queue's own
 * redrive policy moves repeat failures to its dead-letter queue. On a scaled clock a failed message's visibility
 * timeout is scaled too (ChangeMessageVisibility), so the path to the DLQ takes seconds.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type SqsAttribute, sqsRecordOf } from '@triggers/events';
import type { SQSRecord } from 'aws-lambda';
import { realSleep } from '../clock.ts';
import { LocalCloudError, messageOf } from '../errors.ts';
import { SYNCHRONOUS_REQUEST_LIMIT } from '../lambda/payload-limits.ts';
import { type QueueMessage, type QueueMessageAttribute, SqsJsonClient } from '../sqs/json-client.ts';
import type {
  EventSource,
  EventSourceState,
  InvokeResult,
  SqsEventSourceConfig,
  TriggerServices,
} from '../types.ts';
import { matchesPattern } from './filter.ts';
import type { MappingSource } from './mapping-source.ts';

export interface SqsPollerDeps extends TriggerServices {
  readonly queueUrl: string;
}

/** SQS as a mapping source: the queue must exist, and its visibility timeout must cover the function's timeout. */
export const sqsMappingSource: MappingSource = {
  title: 'SQS',
  defaultBatchSize: 10,
  async create(config, context) {
    const sqs = context.clients(SQSClient);
    const queueName = config.sourceArn.split(':')[5] ?? '';
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (!QueueUrl) throw new LocalCloudError(`Queue ${queueName} of ${context.logicalId} does not exist.`);
    // AWS refuses the mapping when a message could become visible again while the function still runs it.
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    const visibilityTimeout = Number(Attributes.VisibilityTimeout);
    const functionTimeout = context.function.timeoutSeconds;
    if (visibilityTimeout < functionTimeout) {
      throw new LocalCloudError(
        `${context.logicalId}: Queue visibility timeout: ${visibilityTimeout} seconds is less than Function timeout: ${functionTimeout} seconds (AWS refuses this mapping too).`,
      );
    }
    return new SqsPoller(
      { ...config, visibilityTimeoutSeconds: visibilityTimeout },
      { ...context.triggers, queueUrl: QueueUrl },
    );
  },
};

/** What the poller reads of the records it builds (whole, they are @triggers/events' SQS records). */
export type SqsRecord = Pick<SQSRecord, 'messageId' | 'receiptHandle' | 'body'> & {
  /** ApproximateReceiveCount is what failure notices read. */
  readonly attributes?: Partial<SQSRecord['attributes']>;
};

/** Lambda starts with five pollers, each running one batch at a time. */
const DEFAULT_CONCURRENCY = 5;
const LONG_POLL_SECONDS = 20;
const MAX_RECEIVE = 10;
/** Short pause between empty receives in the last second of a batching window, and after a failed call. */
const SHORT_PAUSE_MS = 20;
const ERROR_BACKOFF_MS = 1000;

export class SqsPoller implements EventSource {
  readonly config: SqsEventSourceConfig;
  readonly description: string;
  readonly #deps: SqsPollerDeps;
  #abort = new AbortController();
  #loops: Promise<void>[] = [];
  #running = false;
  #stopped = false;
  #invocations = 0;
  readonly #client: SqsJsonClient;

  constructor(config: SqsEventSourceConfig, deps: SqsPollerDeps) {
    this.config = config;
    this.#deps = deps;
    const endpoint = deps.emulatorUrl('sqs');
    if (!endpoint) throw new LocalCloudError('SQS is not running, so no SQS mapping can poll.');
    this.#client = new SqsJsonClient(endpoint);
    this.description = `SQS mapping ${config.sourceArn.split(':')[5]} → ${config.functionName}`;
  }

  state(): EventSourceState {
    return {
      state: this.#stopped ? 'Stopped' : this.config.enabled ? 'Enabled' : 'Disabled',
      invocations: this.#invocations,
      ...(this.#lastError ? { lastProblem: this.#lastError } : {}),
    };
  }

  /** Starts the pollers; a disabled mapping does nothing. */
  start(): void {
    if (this.#running || !this.config.enabled) return;
    this.#running = true;
    this.#abort = new AbortController();
    const concurrency = Math.max(1, this.config.maximumConcurrency ?? DEFAULT_CONCURRENCY);
    this.#loops = Array.from({ length: concurrency }, () => this.#poll());
  }

  /** Stops polling at once (an open long poll is aborted) and waits for batches being processed. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
    // Idle kept-alive sockets would hold the emulator's server open.
    this.#client.destroy();
  }

  #lastError: string | undefined;

  #report(message: string): void {
    if (message === this.#lastError) return;
    this.#lastError = message;
    this.#deps.warn(message);
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      let step = 'receive from';
      try {
        const messages = await this.#gatherBatch();
        step = 'invoke its function for';
        if (messages.length > 0) await this.#process(messages);
        this.#lastError = undefined; // a whole round worked: report the next failure again
      } catch (error) {
        // A failed receive or invoke: messages left undeleted come back after the visibility timeout.
        if (!this.#running) continue;
        this.#report(
          `The SQS mapping of ${this.config.functionName} cannot ${step} ${this.#deps.queueUrl}: ${messageOf(error)}`,
        );
        await this.#pause(ERROR_BACKOFF_MS);
      }
    }
  }

  /** Receives until the batch is full or the batching window has passed since the first message arrived. */
  async #gatherBatch(): Promise<QueueMessage[]> {
    const batch: QueueMessage[] = [];
    // The window is emulated time; the long polls that fill it are real.
    const windowMs = this.#deps.clock.realMs(this.config.maximumBatchingWindowSeconds * 1000);
    let deadline: number | undefined;
    while (this.#running && batch.length < this.config.batchSize) {
      const remainingMs = deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
      if (remainingMs <= 0) break;
      // Whole seconds only: never wait past the window's end; its last fraction is short-polled.
      const waitSeconds = Math.min(LONG_POLL_SECONDS, Math.floor(remainingMs / 1000));
      let received: QueueMessage[];
      try {
        received = await this.#receive(
          Math.min(MAX_RECEIVE, this.config.batchSize - batch.length),
          waitSeconds,
        );
      } catch (error) {
        // Stopping aborts the open poll; what was already received is still processed.
        if (!this.#running && batch.length > 0) break;
        throw error;
      }
      if (received.length > 0) {
        addUnique(batch, received);
        if (deadline === undefined) {
          if (windowMs === 0) break;
          deadline = Date.now() + windowMs;
        }
      } else if (deadline !== undefined && waitSeconds === 0) {
        await this.#pause(Math.min(SHORT_PAUSE_MS, Math.max(0, deadline - Date.now())));
      }
    }
    return batch;
  }

  async #receive(maxMessages: number, waitSeconds: number): Promise<QueueMessage[]> {
    const client = this.#client;
    return client.receiveMessage(
      {
        QueueUrl: this.#deps.queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      },
      this.#abort.signal,
    );
  }

  async #process(messages: QueueMessage[]): Promise<void> {
    const records = messages.map((message) => this.#record(message));
    const patterns = this.config.filterPatterns;
    const selected =
      patterns.length === 0 ? records : records.filter((record) => matchesAnyFilter(patterns, record));
    const chosen = new Set(selected);
    const filteredOut = records.filter((record) => !chosen.has(record));
    // Lambda deletes messages no filter matches, without invoking the function.
    const deletions = [...filteredOut];
    // A batch stays within Lambda's 6 MB synchronous payload: what does not fit goes in the next invocation.
    // The event is serialized once; only a batch over the limit (rare: large messages) is split and serialized again.
    const whole = JSON.stringify({ Records: selected });
    const batches =
      Buffer.byteLength(whole) <= SYNCHRONOUS_REQUEST_LIMIT ? [selected] : withinPayloadLimit(selected);
    for (const batch of batches) {
      if (batch.length === 0) continue; // every record was filtered out
      const event = { Records: batch };
      this.#invocations += 1;
      const payload = batch === selected ? whole : JSON.stringify(event);
      const result = await this.#deps.invoke(this.config.functionName, payload, {
        source: 'aws:sqs',
        event,
      });
      const succeeded = this.#succeeded(batch, result);
      deletions.push(...succeeded);
      const kept = new Set(succeeded);
      const failed = batch.filter((record) => !kept.has(record));
      await this.#hideForVisibilityTimeout(failed);
      await this.#tellOfFailures(failed);
    }
    await this.#delete(deletions);
  }

  /**
   * A failed record comes back after the queue's visibility timeout. At real time the queue does that alone; on a
   * scaled clock the timeout is scaled here, so retries and the move to the DLQ keep their order, only sooner.
   */
  async #hideForVisibilityTimeout(records: SqsRecord[]): Promise<void> {
    const seconds = this.config.visibilityTimeoutSeconds;
    if (records.length === 0 || seconds === undefined || this.#deps.clock.scale === 1) return;
    const scaled = Math.round(this.#deps.clock.realMs(seconds * 1000) / 1000);
    await Promise.allSettled(
      chunked(records, MAX_RECEIVE).map((chunk) =>
        this.#client.changeMessageVisibilityBatch(
          this.#deps.queueUrl,
          chunk.map((record, index) => ({
            Id: String(index),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: scaled,
          })),
        ),
      ),
    );
  }

  /**
   * One notice per failed record: its receive count against the queue's maxReceiveCount and when it comes back,
   * or, after its last receive, that SQS moves it to the dead-letter queue once it is visible again. The queue's
   * settings are read at each failure (failures are rare, and they may change while the mapping runs).
   */
  async #tellOfFailures(records: readonly SqsRecord[]): Promise<void> {
    if (records.length === 0) return;
    const { redrive, visibilityTimeoutSeconds } = await this.#failurePath();
    const after =
      visibilityTimeoutSeconds === undefined
        ? 'after the visibility timeout'
        : `in ${visibilityTimeoutSeconds} s`;
    for (const record of records) {
      const receives = Number(record.attributes?.ApproximateReceiveCount) || 1;
      const last = redrive !== undefined && receives >= redrive.maxReceiveCount;
      this.#deps.notice({
        at: this.#deps.clock.now(),
        functionName: this.config.functionName,
        source: 'aws:sqs',
        kind: last ? 'dead-letter' : 'retry',
        message: last
          ? `last receive (${receives} of ${redrive.maxReceiveCount}) failed: moves to the DLQ ${redrive.deadLetterQueue} ${after}`
          : redrive
            ? `receive ${receives} of ${redrive.maxReceiveCount} failed: visible again ${after}`
            : `receive ${receives} failed: visible again ${after} (no DLQ: it returns until it succeeds or expires)`,
      });
    }
  }

  /**
   * The queue's RedrivePolicy (after how many receives SQS moves a message, and to which queue) and its visibility
   * timeout, as the queue has them now.
   */
  async #failurePath(): Promise<{
    redrive?: { maxReceiveCount: number; deadLetterQueue: string };
    visibilityTimeoutSeconds?: number;
  }> {
    let attributes: Readonly<Record<string, string>>;
    try {
      attributes = await this.#client.getQueueAttributes(this.#deps.queueUrl, [
        'RedrivePolicy',
        'VisibilityTimeout',
      ]);
    } catch {
      return {}; // the notice then says less; the poller goes on
    }
    const visibility = Number(attributes.VisibilityTimeout);
    const visibilityTimeoutSeconds = attributes.VisibilityTimeout && visibility >= 0 ? visibility : undefined;
    let policy: { deadLetterTargetArn?: string; maxReceiveCount?: unknown } = {};
    try {
      policy = JSON.parse(attributes.RedrivePolicy ?? '{}');
    } catch {
      // an unreadable policy is no policy
    }
    const maxReceiveCount = Number(policy.maxReceiveCount);
    const redrive =
      policy.deadLetterTargetArn && maxReceiveCount > 0
        ? { maxReceiveCount, deadLetterQueue: policy.deadLetterTargetArn.split(':').pop() ?? '' }
        : undefined;
    return {
      ...(redrive ? { redrive } : {}),
      ...(visibilityTimeoutSeconds === undefined ? {} : { visibilityTimeoutSeconds }),
    };
  }

  /** Which records to delete after an invoke: all, none, or all but the reported failures. */
  #succeeded(records: SqsRecord[], result: InvokeResult): SqsRecord[] {
    if (result.functionError) return [];
    if (!this.config.reportBatchItemFailures) return records;
    const failedIds = batchItemFailures(result.payload, new Set(records.map((record) => record.messageId)));
    if (failedIds === undefined) return [];
    return records.filter((record) => !failedIds.has(record.messageId));
  }

  /**
   * Deletes processed messages, every chunk even if one fails. A message that could not be deleted (its receipt
   * handle expired because processing outlasted the visibility timeout, say) is delivered again — on AWS too — so
   * say so instead of hiding a double delivery.
   */
  async #delete(records: SqsRecord[]): Promise<void> {
    if (records.length === 0) return;
    const client = this.#client;
    const chunks = chunked(records, MAX_RECEIVE);
    const outcomes = await Promise.allSettled(
      chunks.map((chunk) =>
        client.deleteMessageBatch(
          this.#deps.queueUrl,
          chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        ),
      ),
    );
    const problems = outcomes.flatMap((outcome, index) => {
      if (outcome.status === 'rejected')
        return [{ count: chunks[index]?.length ?? 0, reason: messageOf(outcome.reason) }];
      return outcome.value.map((failed) => ({ count: 1, reason: failed.Message || failed.Code || 'failed' }));
    });
    if (problems.length === 0) return;
    const count = problems.reduce((sum, problem) => sum + problem.count, 0);
    this.#report(
      `The SQS mapping of ${this.config.functionName} could not delete ${count} processed message(s) from ${this.#deps.queueUrl} (${problems[0]?.reason}): they will be delivered again.`,
    );
  }

  #record(message: QueueMessage): SqsRecord {
    return sqsRecordOf(
      {
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: message.Attributes ?? {},
        messageAttributes: Object.fromEntries(
          Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, attributeOf(value)]),
        ),
        md5OfBody: message.MD5OfBody,
        md5OfMessageAttributes: message.MD5OfMessageAttributes,
      },
      this.config.sourceArn,
    );
  }

  #pause(ms: number): Promise<void> {
    return realSleep(ms, this.#abort.signal);
  }
}

/** Records split into batches whose event (`{"Records":[…]}`) stays within the synchronous payload limit. */
export function withinPayloadLimit(records: readonly SqsRecord[]): SqsRecord[][] {
  const envelope = Buffer.byteLength('{"Records":[]}');
  const batches: SqsRecord[][] = [];
  let batch: SqsRecord[] = [];
  let bytes = envelope;
  for (const record of records) {
    const size = Buffer.byteLength(JSON.stringify(record)) + 1; // and its comma
    if (batch.length > 0 && bytes + size > SYNCHRONOUS_REQUEST_LIMIT) {
      batches.push(batch);
      batch = [];
      bytes = envelope;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * A message whose visibility timeout ends while the batching window is still open is received again: keep one
 * record per message, with the newest receipt handle (the only one that can delete it).
 */
function addUnique(batch: QueueMessage[], received: QueueMessage[]): void {
  for (const message of received) {
    const index = batch.findIndex((existing) => existing.MessageId === message.MessageId);
    if (index >= 0) batch[index] = message;
    else batch.push(message);
  }
}

/** For filtering, Lambda reads an SQS body that is JSON as an object (pattern key `body`). */
function matchesAnyFilter(patterns: readonly unknown[], record: SqsRecord): boolean {
  const candidate = { ...record, body: parseJsonObject(record.body) ?? record.body };
  return patterns.some((pattern) => matchesPattern(pattern, candidate));
}

function parseJsonObject(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The message ids the function reported as failed, or undefined when the whole batch counts as failed:
 * a response that is not JSON or not shaped like `{batchItemFailures: [{itemIdentifier}]}`, or an identifier
 * that is empty or not a message of this batch. No response, `{}`, or an empty / null list is full success.
 */
function batchItemFailures(payload: string | undefined, batchIds: Set<string>): Set<string> | undefined {
  if (payload === undefined || payload === '') return new Set();
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (response === null) return new Set();
  if (typeof response !== 'object' || Array.isArray(response)) return undefined;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return undefined;
  const ids = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !batchIds.has(id)) return undefined;
    ids.add(id);
  }
  return ids;
}

/** The JSON protocol's attribute in the events model's terms; binary values stay base64, as records hold them. */
function attributeOf(value: QueueMessageAttribute): SqsAttribute {
  return {
    dataType: value.DataType ?? 'String',
    stringValue: value.StringValue,
    binaryValue: value.BinaryValue,
    stringListValues: value.StringListValues,
    binaryListValues: value.BinaryListValues,
  };
}
