/**
 * One Firehose delivery stream to S3, as Firehose runs it: records come from PutRecord(Batch) or from a Kinesis
 * stream source, wait in a buffer until BufferingHints' size or interval is reached (on the cloud's clock), go
 * through the Lambda transformation when one is configured, and land in the bucket as one object per flush:
 * the records' bytes concatenated as they are (Firehose adds no newlines: the transformation adds its own), under
 * the evaluated Prefix. Records the transformation marks ProcessingFailed, and every record of a batch whose
 * invocation keeps failing after NumberOfRetries, go under the ErrorOutputPrefix as Firehose's JSON error records.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type FirehoseEventRecord,
  type FirehoseKinesisRecordMetadata,
  firehoseEventOf,
  nextFirehoseRecordId,
} from '@triggers/events';
import { realSleep } from '../clock.ts';
import { messageOf } from '../errors.ts';
import { SYNCHRONOUS_REQUEST_LIMIT } from '../lambda/payload-limits.ts';
import type { StreamShards } from '../triggers/stream-poller.ts';
import type { ClientFactory, InvokeResult, TriggerServices } from '../types.ts';

export interface LambdaProcessor {
  readonly lambdaArn: string;
  /** NumberOfRetries: how often a failed invocation is retried (3 by default). */
  readonly retries: number;
  /** BufferSizeInMBs of the processor: records per invocation, by size (1 MB by default). */
  readonly bufferSizeBytes: number;
}

export interface DeliveryStreamConfig {
  readonly name: string;
  readonly arn: string;
  readonly type: 'DirectPut' | 'KinesisStreamAsSource';
  readonly sourceStreamArn?: string;
  readonly sourceRoleArn?: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly roleArn?: string;
  readonly prefix: string;
  readonly errorOutputPrefix?: string;
  readonly bufferSizeBytes: number;
  readonly bufferIntervalSeconds: number;
  readonly compression: 'UNCOMPRESSED' | 'GZIP';
  readonly processor?: LambdaProcessor;
  /** When it was made (epoch ms), for DescribeDeliveryStream. */
  readonly createdAt: number;
}

interface BufferedRecord {
  readonly recordId: string;
  readonly data: Buffer;
  /** Epoch ms. */
  readonly arrivalMs: number;
  readonly kinesisRecordMetadata?: FirehoseKinesisRecordMetadata;
}

/** Firehose's error record for data it could not transform. */
interface ErrorRecord {
  readonly attemptsMade: number;
  readonly arrivalTimestamp: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly attemptEndingTimestamp: number;
  readonly rawData: string;
  readonly lambdaArn: string;
}

export interface DeliveryStreamDeps {
  readonly triggers: TriggerServices;
  readonly clients: ClientFactory;
  /** The source stream's shards (Kinesis source only). */
  readonly shards?: StreamShards;
}

/** What a delivery stream has done, for tests and the playground. */
export interface DeliveryStreamState {
  readonly buffered: number;
  readonly invocations: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly failed: number;
  /** Keys written to the bucket, oldest first. */
  readonly objects: readonly string[];
}

const SOURCE_POLL_MS = 1000;

export class DeliveryStream {
  readonly config: DeliveryStreamConfig;
  readonly #deps: DeliveryStreamDeps;
  #buffer: BufferedRecord[] = [];
  #bufferBytes = 0;
  /** Ends the wait for the buffer interval (a full buffer flushes sooner). */
  #flushTimer: AbortController | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();
  #readers: Promise<void>[] = [];
  readonly #counts = { invocations: 0, delivered: 0, dropped: 0, failed: 0 };
  readonly #objects: string[] = [];

  constructor(config: DeliveryStreamConfig, deps: DeliveryStreamDeps) {
    this.config = config;
    this.#deps = deps;
  }

  state(): DeliveryStreamState {
    return { buffered: this.#buffer.length, ...this.#counts, objects: [...this.#objects] };
  }

  get #clock() {
    return this.#deps.triggers.clock;
  }

  /** Starts reading the source stream (from its latest records, as Firehose does) once each shard's iterator is held. */
  async start(): Promise<void> {
    const shards = this.#deps.shards;
    if (!shards) return;
    const ids = await shards.listShards();
    const iterators = await Promise.all(ids.map((id) => shards.iterator(id, { type: 'LATEST' })));
    this.#readers = ids.map((id, index) => this.#readShard(shards, id, iterators[index]));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#flushTimer?.abort();
    await Promise.all(this.#readers);
    await this.#flushing;
    this.#deps.shards?.destroy?.();
  }

  /** Direct PUT: buffers the records; returns their ids. */
  put(data: readonly Buffer[]): string[] {
    const now = this.#clock.now();
    const records = data.map((bytes) => ({ recordId: nextFirehoseRecordId(), data: bytes, arrivalMs: now }));
    this.#add(records);
    return records.map((record) => record.recordId);
  }

  async #readShard(shards: StreamShards, shardId: string, first: string | undefined): Promise<void> {
    let iterator = first;
    let last: string | undefined;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        iterator ??= await shards.iterator(
          shardId,
          last ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last } : { type: 'LATEST' },
        );
        if (iterator === undefined) return;
        const { records, next } = await shards.read(shardId, iterator, 10_000);
        iterator = next;
        if (records.length > 0) {
          last = records[records.length - 1]?.sequenceNumber;
          this.#add(
            records.map((record) => {
              const event = record.eventRecord as { kinesis: { data: string } };
              return {
                recordId: nextFirehoseRecordId(),
                data: Buffer.from(event.kinesis.data, 'base64'),
                arrivalMs: record.arrivalMs,
                kinesisRecordMetadata: {
                  shardId,
                  partitionKey: record.partitionKey,
                  approximateArrivalTimestamp: record.arrivalMs,
                  sequenceNumber: record.sequenceNumber,
                  subsequenceNumber: 0,
                },
              };
            }),
          );
        }
        if (next === undefined) return;
        if (records.length === 0) await realSleep(this.#pollMs(), signal);
      } catch (error) {
        if (signal.aborted) return;
        if (shards.isExpiredIterator(error)) {
          iterator = undefined;
          continue;
        }
        this.#deps.triggers.warn(
          `Firehose ${this.config.name} cannot read ${shardId} of its source stream: ${messageOf(error)}`,
        );
        await realSleep(1000, signal);
      }
    }
  }

  #pollMs(): number {
    return Math.min(SOURCE_POLL_MS, Math.max(5, this.#clock.realMs(SOURCE_POLL_MS)));
  }

  /** Buffers records: a full buffer flushes at once, otherwise the interval (from the first record) does. */
  #add(records: readonly BufferedRecord[]): void {
    if (records.length === 0) return;
    const wasEmpty = this.#buffer.length === 0;
    for (const record of records) {
      this.#buffer.push(record);
      this.#bufferBytes += record.data.length;
    }
    if (this.#bufferBytes >= this.config.bufferSizeBytes) this.#flushNow();
    else if (wasEmpty) this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    this.#flushTimer?.abort();
    const timer = new AbortController();
    this.#flushTimer = timer;
    const signal = AbortSignal.any([timer.signal, this.#abort.signal]);
    void this.#clock.sleep(this.config.bufferIntervalSeconds * 1000, signal).then(() => {
      if (!signal.aborted) this.#flushNow();
    });
  }

  #flushNow(): void {
    this.#flushTimer?.abort();
    this.#flushTimer = undefined;
    const records = this.#buffer;
    this.#buffer = [];
    this.#bufferBytes = 0;
    if (records.length === 0) return;
    // Flushes run one after another, so objects keep the records' order.
    this.#flushing = this.#flushing
      .then(() => this.#deliver(records))
      .catch((error: unknown) => {
        this.#deps.triggers.warn(
          `Firehose ${this.config.name} could not deliver ${records.length} record(s): ${messageOf(error)}`,
        );
      });
  }

  /** Waits for what is buffered to be delivered (tests, and `stop`). */
  async flush(): Promise<void> {
    this.#flushNow();
    await this.#flushing;
  }

  async #deliver(records: readonly BufferedRecord[]): Promise<void> {
    // Stopping: the cloud's S3 and Lambda are going too (a stopped cloud keeps no data anyway).
    if (this.#abort.signal.aborted) return;
    const processor = this.config.processor;
    const ok: Buffer[] = [];
    const failed: ErrorRecord[] = [];
    if (!processor) {
      for (const record of records) ok.push(record.data);
    } else {
      for (const batch of invocationBatches(records, processor.bufferSizeBytes)) {
        const outcome = await this.#transform(batch, processor);
        ok.push(...outcome.ok);
        failed.push(...outcome.failed);
      }
    }
    if (this.#abort.signal.aborted) return;
    const oldest = records.reduce((min, record) => Math.min(min, record.arrivalMs), Number.POSITIVE_INFINITY);
    if (ok.length > 0) {
      await this.#write(prefixOf(this.config.prefix, oldest, undefined), Buffer.concat(ok));
      this.#counts.delivered += ok.length;
    }
    if (failed.length > 0) {
      const errorPrefix = prefixOf(
        this.config.errorOutputPrefix ?? 'processing-failed/',
        oldest,
        'processing-failed',
      );
      await this.#write(
        errorPrefix,
        Buffer.from(failed.map((record) => `${JSON.stringify(record)}\n`).join('')),
      );
      this.#counts.failed += failed.length;
    }
  }

  /**
   * Invokes the transformation for one batch, retrying a failed invocation NumberOfRetries times. A result must
   * name every recordId exactly once with Ok, Dropped or ProcessingFailed (and base64 data for Ok); anything else
   * fails the invocation, as does a function error.
   */
  async #transform(
    batch: readonly BufferedRecord[],
    processor: LambdaProcessor,
  ): Promise<{ ok: Buffer[]; failed: ErrorRecord[] }> {
    const eventRecords: FirehoseEventRecord[] = batch.map((record) => ({
      recordId: record.recordId,
      approximateArrivalTimestamp: record.arrivalMs,
      data: record.data.toString('base64'),
      ...(record.kinesisRecordMetadata && { kinesisRecordMetadata: record.kinesisRecordMetadata }),
    }));
    const event = firehoseEventOf({
      deliveryStreamArn: this.config.arn,
      ...(this.config.sourceStreamArn && { sourceKinesisStreamArn: this.config.sourceStreamArn }),
      records: eventRecords,
    });
    const attempts = processor.retries + 1;
    let problem = { code: 'Lambda.FunctionError', message: '' };
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (this.#abort.signal.aborted) return { ok: [], failed: [] };
      this.#counts.invocations += 1;
      let result: InvokeResult | undefined;
      try {
        result = await this.#deps.triggers.invoke(functionOf(processor.lambdaArn), JSON.stringify(event), {
          source: 'aws:firehose',
          event,
        });
      } catch (error) {
        problem = { code: 'Lambda.InvokeAccessDenied', message: messageOf(error) };
      }
      if (result) {
        const judged = judge(batch, result);
        if ('records' in judged) return this.#split(batch, judged.records, attempt, processor);
        problem = judged;
      }
      if (attempt < attempts) {
        this.#notice(
          'retry',
          `transformation of ${batch.length} record(s) failed (${problem.code}); retry ${attempt} of ${processor.retries}`,
        );
        await this.#clock.sleep(1000 * attempt, this.#abort.signal);
      }
    }
    this.#notice(
      'dead-letter',
      `${batch.length} record(s) written under the error prefix after ${attempts} attempt(s) (${problem.code})`,
    );
    const ending = this.#clock.now();
    return {
      ok: [],
      failed: batch.map((record) =>
        this.#errorRecord(record, attempts, problem.code, problem.message, ending, processor),
      ),
    };
  }

  #split(
    batch: readonly BufferedRecord[],
    results: ReadonlyMap<string, { result: string; data?: string }>,
    attempt: number,
    processor: LambdaProcessor,
  ): { ok: Buffer[]; failed: ErrorRecord[] } {
    const ok: Buffer[] = [];
    const failed: ErrorRecord[] = [];
    const ending = this.#clock.now();
    for (const record of batch) {
      const outcome = results.get(record.recordId);
      if (outcome?.result === 'Ok') ok.push(Buffer.from(outcome.data ?? '', 'base64'));
      else if (outcome?.result === 'Dropped') this.#counts.dropped += 1;
      else
        failed.push(
          this.#errorRecord(
            record,
            attempt,
            'Lambda.ProcessingFailedStatus',
            'ProcessingFailed status set for record',
            ending,
            processor,
          ),
        );
    }
    return { ok, failed };
  }

  #errorRecord(
    record: BufferedRecord,
    attemptsMade: number,
    errorCode: string,
    errorMessage: string,
    ending: number,
    processor: LambdaProcessor,
  ): ErrorRecord {
    return {
      attemptsMade,
      arrivalTimestamp: record.arrivalMs,
      errorCode,
      errorMessage,
      attemptEndingTimestamp: ending,
      rawData: record.data.toString('base64'),
      lambdaArn: processor.lambdaArn,
    };
  }

  async #write(prefix: string, body: Buffer): Promise<void> {
    const time = new Date(this.#clock.now());
    const stamp = time.toISOString().slice(0, 19).replace('T', '-').replaceAll(':', '-');
    const gzip = this.config.compression === 'GZIP';
    const key = `${prefix}${this.config.name}-1-${stamp}-${randomUUID()}${gzip ? '.gz' : ''}`;
    await this.#deps.clients(S3Client).send(
      new PutObjectCommand({
        Bucket: this.config.bucketName,
        Key: key,
        Body: gzip ? gzipSync(body) : body,
      }),
    );
    this.#objects.push(key);
  }

  #notice(kind: 'retry' | 'dead-letter', message: string): void {
    const processor = this.config.processor;
    this.#deps.triggers.notice({
      at: this.#clock.now(),
      functionName: processor ? functionOf(processor.lambdaArn) : this.config.name,
      source: 'aws:firehose',
      kind,
      message: `${this.config.name}: ${message}`,
    });
  }
}

/** Records per invocation: up to the processor's buffer size, and always within Lambda's 6 MB request. */
function invocationBatches(records: readonly BufferedRecord[], bufferSizeBytes: number): BufferedRecord[][] {
  // base64 grows data by 4/3; each record carries ~200 bytes of ids and timestamps.
  const limit = Math.min(bufferSizeBytes, (SYNCHRONOUS_REQUEST_LIMIT - 4096) * 0.75);
  const batches: BufferedRecord[][] = [];
  let batch: BufferedRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.data.length + 200;
    if (batch.length > 0 && bytes + size > limit) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

const RESULTS = new Set(['Ok', 'Dropped', 'ProcessingFailed']);

/** The transformation's answer by recordId, or why Firehose counts the invocation as failed. */
function judge(
  batch: readonly BufferedRecord[],
  result: InvokeResult,
): { records: Map<string, { result: string; data?: string }> } | { code: string; message: string } {
  if (result.functionError) {
    return {
      code: 'Lambda.FunctionError',
      message: 'The Lambda function was successfully invoked but it returned an error result.',
    };
  }
  if (Buffer.byteLength(result.payload ?? '') > SYNCHRONOUS_REQUEST_LIMIT) {
    return {
      code: 'Lambda.ResponseTooLarge',
      message: 'The response from the Lambda function exceeds 6 MB.',
    };
  }
  let response: unknown;
  try {
    response = JSON.parse(result.payload ?? '');
  } catch {
    return {
      code: 'Lambda.JsonProcessingException',
      message: 'The Lambda function returned a response that is not JSON.',
    };
  }
  const records = (response as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) {
    return {
      code: 'Lambda.JsonProcessingException',
      message: 'The Lambda function response has no records list.',
    };
  }
  const expected = new Set(batch.map((record) => record.recordId));
  const answered = new Map<string, { result: string; data?: string }>();
  for (const entry of records) {
    const { recordId, result: status, data } = (entry ?? {}) as Record<string, unknown>;
    if (typeof recordId !== 'string' || !expected.has(recordId)) {
      return {
        code: 'Lambda.MissingRecordId',
        message: `The Lambda function returned a record id (${JSON.stringify(recordId ?? null)}) it was not given.`,
      };
    }
    if (answered.has(recordId)) {
      return {
        code: 'Lambda.DuplicatedRecordId',
        message:
          'Multiple records were returned with the same record Id. Ensure that the Lambda function returns unique record Ids for each record.',
      };
    }
    if (typeof status !== 'string' || !RESULTS.has(status)) {
      return {
        code: 'Lambda.InvalidRecordResult',
        message: `Record ${recordId} has result ${JSON.stringify(status ?? null)}: it must be Ok, Dropped or ProcessingFailed.`,
      };
    }
    if (status === 'Ok' && (typeof data !== 'string' || !isBase64(data))) {
      return {
        code: 'Lambda.InvalidReturnedDataFormat',
        message: `Record ${recordId} is Ok but its data is not base64.`,
      };
    }
    answered.set(recordId, { result: status, ...(typeof data === 'string' && { data }) });
  }
  if (answered.size !== expected.size) {
    return {
      code: 'Lambda.MissingRecordId',
      message:
        'One or more record Ids were not returned. Ensure that the Lambda function returns all received record Ids.',
    };
  }
  return { records: answered };
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
}

/** The function of a processor's LambdaArn (`…:function:name`, maybe with `:$LATEST`). */
function functionOf(lambdaArn: string): string {
  return lambdaArn.replace(/:\$LATEST$/, '');
}

/**
 * A prefix with Firehose's expressions evaluated: `!{timestamp:<Java date pattern>}` (UTC, the oldest record's
 * arrival) and `!{firehose:error-output-type}` (`processing-failed`) or `!{firehose:random-string}`. A prefix
 * without expressions gets Firehose's default `YYYY/MM/dd/HH/` after it.
 */
export function prefixOf(prefix: string, timeMs: number, errorOutputType: string | undefined): string {
  const time = new Date(timeMs);
  if (!prefix.includes('!{')) return `${prefix}${formatTime('yyyy/MM/dd/HH', time)}/`;
  return prefix.replace(/!\{([^}:]+):([^}]*)\}/g, (whole, namespace: string, name: string) => {
    if (namespace === 'timestamp') return formatTime(name, time);
    if (namespace === 'firehose' && name === 'error-output-type') return errorOutputType ?? whole;
    if (namespace === 'firehose' && name === 'random-string') return randomUUID().slice(0, 11);
    return whole;
  });
}

/** The Java DateTimeFormatter letters Firehose prefixes use: yyyy, MM, dd, HH, mm, ss. */
function formatTime(pattern: string, time: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return pattern
    .replaceAll('yyyy', String(time.getUTCFullYear()))
    .replaceAll('MM', pad(time.getUTCMonth() + 1))
    .replaceAll('dd', pad(time.getUTCDate()))
    .replaceAll('HH', pad(time.getUTCHours()))
    .replaceAll('mm', pad(time.getUTCMinutes()))
    .replaceAll('ss', pad(time.getUTCSeconds()));
}
