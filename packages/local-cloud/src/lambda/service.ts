/**
 * The Lambda service: functions, their execution environments (warm reuse, cold starts), concurrency limits,
 * the Invoke API's three invocation types, and a record of every invocation.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Clock, scaledClock } from '../clock.ts';
import { RecordFeed } from '../feed.ts';
import type { LogStore } from '../logs/store.ts';
import type {
  ApiHandler,
  AsyncInvokeConfig,
  AwsContext,
  FunctionConfig,
  InvocationRecord,
  InvocationType,
  InvokeResult,
  TriggerNotice,
} from '../types.ts';
import { type AsyncEvent, AsyncInvoker, type AttemptResult, type Deliver } from './async-invoke.ts';
import { ConcurrencyLimiter } from './concurrency.ts';
import { ExecutionEnvironment, type InvocationOutcome } from './environment.ts';
import { functionNotFound, LambdaApiError, throttled } from './errors.ts';
import { parseJsonOrText } from './helpers.ts';
import { requestTooLarge } from './payload-limits.ts';
import { handleLambdaApi, type LambdaApiBackend } from './rest-api.ts';

export interface LambdaServiceOptions {
  readonly aws: AwsContext;
  readonly logs: LogStore;
  /**
   * Sends a destination record or dead-lettered event to an SQS queue, SNS topic, function or bus ARN. A
   * dead-lettered event comes with Lambda's DLQ message attributes (RequestID, ErrorCode, ErrorMessage), ready
   * to pass on as SendMessage's MessageAttributes.
   */
  readonly deliver: Deliver;
  /** Told of each async retry and of where a failed async event went (a DLQ, an on-failure destination). */
  readonly notice?: (notice: TriggerNotice) => void;
  /**
   * Waits before the first and second retry of a failed async invoke, in emulated time: AWS waits about one
   * minute, then about two (the default). Scale the clock to see them sooner.
   */
  readonly asyncRetryDelaysMs?: readonly number[];
  /** The emulation's clock (real time by default): async retry delays and event ages read it. */
  readonly clock?: Clock;
  /** Account-level concurrent executions (AWS's default quota is 1,000; locally 50 processes is plenty). */
  readonly maxConcurrency?: number;
  /**
   * Directories whose node_modules stand in for the SDK Lambda's Node runtime provides (`@aws-sdk/*`,
   * `@smithy/*`). Default: this package. The pnpm virtual store's hoisted folder above this package is searched
   * after them, so any SDK package installed in the workspace is importable.
   */
  readonly runtimeModuleDirectories?: readonly string[];
  /** The credentials functions get (Lambda hands them the execution role's temporary ones). */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
  };
  /** Oldest invocation records are dropped past this many. */
  readonly maxInvocationRecords?: number;
  /**
   * An execution environment idle this long is stopped and its process ended, so a long session does not keep
   * every environment it ever started; the next invoke is a cold start. Lambda reclaims idle environments after
   * roughly 5 to 15 minutes; default 10 minutes (real time: the clock's scale does not apply).
   */
  readonly idleEnvironmentMs?: number;
}

export interface InvokeOptions {
  readonly invocationType?: InvocationType;
  /** Who invokes, recorded on the invocation: a trigger such as 'aws:sqs'; defaults to the invocation type. */
  readonly source?: string;
  /** Base64 JSON, as in X-Amz-Client-Context. */
  readonly clientContext?: string;
  /**
   * At the concurrency limit, wait for a slot instead of failing with TooManyRequestsException. Lambda's own
   * pollers (SQS, Kinesis, DynamoDB Streams) wait; other synchronous callers are throttled. Async always waits.
   */
  readonly waitForCapacity?: boolean;
  /** The payload as the object it was serialized from, when the caller has it: saves parsing it again. */
  readonly event?: unknown;
}

interface FunctionState {
  readonly config: FunctionConfig;
  asyncConfig: AsyncInvokeConfig;
  readonly aliases: Map<string, string>;
  readonly versions: string[];
  readonly environments: Map<string, ExecutionEnvironment[]>;
}

interface ResolvedFunction {
  readonly state: FunctionState;
  readonly version: string;
  /** The ARN as invoked (qualified when a qualifier was given). */
  readonly invokedArn: string;
}

const DEFAULT_ASYNC_CONFIG: AsyncInvokeConfig = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };
const POLLER_SOURCES = new Set(['aws:sqs', 'aws:kinesis', 'aws:dynamodb', 'aws:kafka', 'aws:mq']);
const PACKAGE_DIRECTORY = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const RUNTIME_ENTRY = createRequire(import.meta.url).resolve('aws-lambda-ric');
const RUNTIME_MODULES_HOOK = new URL('./runtime/runtime-modules.mjs', import.meta.url);
const CALLBACK_HANDLERS_HOOK = new URL('./runtime/callback-handlers.mjs', import.meta.url);
const PNPM_HOISTED_FOLDER = pnpmHoistedFolder(PACKAGE_DIRECTORY);

export class LambdaService implements ApiHandler, LambdaApiBackend {
  readonly aws: AwsContext;
  readonly logs: LogStore;

  readonly #functions = new Map<string, FunctionState>();
  readonly #limiter: ConcurrencyLimiter;
  readonly #async: AsyncInvoker;
  readonly #starting = new Set<Promise<unknown>>();
  readonly #nodeArgs: string[];
  readonly #platformEnvironment: Record<string, string>;
  readonly #records: RecordFeed<InvocationRecord>;
  readonly #idleEnvironmentMs: number;
  readonly #clock: Clock;
  #stopped = false;

  constructor(options: LambdaServiceOptions) {
    this.aws = options.aws;
    this.logs = options.logs;
    this.#limiter = new ConcurrencyLimiter(options.maxConcurrency ?? 50);
    this.#records = new RecordFeed(options.maxInvocationRecords ?? 10_000);
    this.#idleEnvironmentMs = options.idleEnvironmentMs ?? 600_000;
    this.#clock = options.clock ?? scaledClock();
    this.#async = new AsyncInvoker({
      attempt: (event) => this.#attemptAsync(event),
      target: (event) => {
        const state = this.#functions.get(functionNameOf(event.invokedArn));
        return state && { config: state.asyncConfig, deadLetterTargetArn: state.config.deadLetterTargetArn };
      },
      deliver: options.deliver,
      ...(options.notice ? { notice: options.notice } : {}),
      ...(options.asyncRetryDelaysMs ? { retryDelaysMs: options.asyncRetryDelaysMs } : {}),
      clock: this.#clock,
    });
    // The hook resolves SDK and platform packages only, for import and require alike: no NODE_PATH, so a function cannot
    // reach the local cloud's other dependencies (fauxqs, say), which Lambda would not have either.
    const moduleFolders = (options.runtimeModuleDirectories ?? [PACKAGE_DIRECTORY]).map((directory) =>
      join(directory, 'node_modules'),
    );
    if (PNPM_HOISTED_FOLDER) moduleFolders.push(PNPM_HOISTED_FOLDER);
    const hook = new URL(RUNTIME_MODULES_HOOK);
    for (const folder of moduleFolders) hook.searchParams.append('modules', folder);
    this.#nodeArgs = ['--import', hook.href];
    const credentials = options.credentials ?? {
      accessKeyId: 'test',
      secretAccessKey: 'test',
      sessionToken: 'test',
    };
    this.#platformEnvironment = {
      LAMBDA_RUNTIME_DIR: dirname(RUNTIME_ENTRY),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    };
  }

  createFunction(config: FunctionConfig): void {
    if (this.#functions.has(config.name)) {
      throw new LambdaApiError(409, 'ResourceConflictException', `Function already exist: ${config.name}`);
    }
    this.#functions.set(config.name, {
      config,
      asyncConfig: DEFAULT_ASYNC_CONFIG,
      aliases: new Map(),
      versions: [],
      environments: new Map(),
    });
    this.logs.createLogGroup(config.logGroupName);
  }

  setAsyncInvokeConfig(functionNameOrArn: string, config: Partial<AsyncInvokeConfig>): void {
    const { state } = this.#resolve(functionNameOrArn);
    state.asyncConfig = { ...state.asyncConfig, ...config };
  }

  /** Points an alias at a version ($LATEST unless given). */
  addAlias(functionNameOrArn: string, aliasName: string, version = '$LATEST'): void {
    const { state } = this.#resolve(functionNameOrArn);
    if (version !== '$LATEST' && !state.versions.includes(version)) {
      throw functionNotFound(`${state.config.arn}:${version}`);
    }
    state.aliases.set(aliasName, version);
  }

  /** Publishes the current code and configuration as the next numbered version; returns its number. */
  publishVersion(functionNameOrArn: string): string {
    const { state } = this.#resolve(functionNameOrArn);
    const version = String(state.versions.length + 1);
    state.versions.push(version);
    return version;
  }

  /** Accepts a name, an ARN, or a qualified name or ARN (`…:alias`, `…:1`). */
  getFunction(nameOrArn: string): FunctionConfig | undefined {
    try {
      return this.#resolve(nameOrArn).state.config;
    } catch {
      return undefined;
    }
  }

  listFunctions(): FunctionConfig[] {
    return [...this.#functions.values()].map((state) => state.config);
  }

  /** The resolved function, version and invoked ARN; throws a 404 LambdaApiError when there is none. */
  resolveFunction(
    nameOrArn: string,
    qualifier?: string,
  ): { config: FunctionConfig; version: string; arn: string } {
    const resolved = this.#resolve(nameOrArn, qualifier);
    return { config: resolved.state.config, version: resolved.version, arn: resolved.invokedArn };
  }

  async invoke(nameOrArn: string, payload: string, options: InvokeOptions = {}): Promise<InvokeResult> {
    return (await this.invokeWithLogs(nameOrArn, payload, options)).result;
  }

  /** Like invoke, plus the invocation's log lines (for `X-Amz-Log-Type: Tail`). */
  async invokeWithLogs(
    nameOrArn: string,
    payload: string,
    options: InvokeOptions & { qualifier?: string } = {},
  ): Promise<{ result: InvokeResult; logs: readonly string[] }> {
    const invocationType = options.invocationType ?? 'RequestResponse';
    // Refused before anything else happens: an oversize async event is never queued.
    const tooLarge = requestTooLarge(invocationType, Buffer.byteLength(payload));
    if (tooLarge) throw tooLarge;
    const resolved = this.#resolve(nameOrArn, options.qualifier);
    const requestId = randomUUID();
    const text = payload === '' ? '{}' : payload;
    const event = options.event === undefined ? parsePayload(text) : options.event;
    const executedVersion = resolved.version;
    if (invocationType === 'DryRun') {
      return { result: { requestId, statusCode: 204, executedVersion }, logs: [] };
    }
    if (this.#stopped) throw serviceStopped();
    if (invocationType === 'Event') {
      this.#async.enqueue({
        requestId,
        invokedArn: resolved.invokedArn,
        functionArn: qualifiedArn(resolved),
        version: resolved.version,
        source: options.source ?? 'Event',
        payload: text,
        event,
        enqueuedAt: this.#clock.now(),
      });
      return { result: { requestId, statusCode: 202, executedVersion }, logs: [] };
    }

    const { config } = resolved.state;
    const source = options.source ?? 'RequestResponse';
    const wait = options.waitForCapacity ?? POLLER_SOURCES.has(source);
    if (wait) {
      await this.#limiter.acquire(config.name, config.reservedConcurrency);
    } else {
      const reason = this.#limiter.tryAcquire(config.name, config.reservedConcurrency);
      if (reason) throw throttled(reason);
    }
    let outcome: InvocationOutcome;
    try {
      outcome = await this.#run(resolved, requestId, text, event, source, options.clientContext);
    } finally {
      this.#limiter.release(config.name);
    }
    return {
      result: {
        requestId,
        statusCode: 200,
        payload: outcome.payload,
        executedVersion,
        ...(outcome.status === 'success' ? {} : { functionError: 'Unhandled' as const }),
      },
      logs: outcome.logs,
    };
  }

  /** The most recent invocations (10,000 by default), oldest first. */
  get invocations(): readonly InvocationRecord[] {
    return this.#records.records;
  }

  onInvocation(listener: (record: InvocationRecord) => void): () => void {
    return this.#records.subscribe(listener);
  }

  handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    return handleLambdaApi(this, request, response, body);
  }

  /** Kills every execution environment and waits for them; queued async events are dropped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    // Retries stop being scheduled first; attempts under way end when their environment is killed.
    const asyncStopped = this.#async.stop();
    this.#limiter.rejectAll(serviceStopped());
    await Promise.allSettled([...this.#starting]);
    const environments = [...this.#functions.values()].flatMap((state) =>
      [...state.environments.values()].flat(),
    );
    await Promise.all(environments.map((environment) => environment.stop()));
    await asyncStopped;
  }

  async #attemptAsync(event: AsyncEvent): Promise<AttemptResult> {
    const resolved = this.#resolve(event.invokedArn);
    const { config } = resolved.state;
    await this.#limiter.acquire(config.name, config.reservedConcurrency);
    try {
      const outcome = await this.#run(resolved, event.requestId, event.payload, event.event, event.source);
      if (outcome.interrupted) throw serviceStopped();
      return {
        statusCode: 200,
        executedVersion: resolved.version,
        payload: outcome.payload,
        ...(outcome.status === 'success' ? {} : { functionError: 'Unhandled' as const }),
      };
    } finally {
      this.#limiter.release(config.name);
    }
  }

  async #run(
    resolved: ResolvedFunction,
    requestId: string,
    payload: string,
    event: unknown,
    source: string,
    clientContext?: string,
  ): Promise<InvocationOutcome> {
    const environment = this.#idleEnvironment(resolved) ?? (await this.#startEnvironment(resolved));
    const outcome = await environment.invoke({
      requestId,
      payload,
      invokedFunctionArn: resolved.invokedArn,
      clientContext: clientContext ? Buffer.from(clientContext, 'base64').toString('utf8') : undefined,
    });
    // Killed by stop(): not something the function did, so not recorded as its failure.
    if (outcome.interrupted) return outcome;
    this.#record({
      requestId,
      functionName: resolved.state.config.name,
      source,
      event,
      startedAt: outcome.startedAt,
      durationMs: outcome.durationMs,
      billedDurationMs: outcome.billedDurationMs,
      memorySizeMB: resolved.state.config.memorySize,
      architecture: resolved.state.config.architecture === 'arm64' ? 'arm64' : 'x86_64',
      maxMemoryUsedMB: outcome.maxMemoryUsedMB,
      ...(outcome.initDurationMs === undefined ? {} : { initDurationMs: outcome.initDurationMs }),
      status: outcome.status,
      ...(outcome.status === 'success'
        ? { result: parseJsonOrText(outcome.payload) }
        : {
            error: { errorType: outcome.errorType ?? 'Unhandled', errorMessage: outcome.errorMessage ?? '' },
          }),
    });
    return outcome;
  }

  #idleEnvironment(resolved: ResolvedFunction): ExecutionEnvironment | undefined {
    const pool = resolved.state.environments.get(resolved.version);
    if (!pool) return undefined;
    // Most recently added first: the warmest environment serves.
    for (let index = pool.length - 1; index >= 0; index--) {
      const environment = pool[index] as ExecutionEnvironment;
      if (environment.state === 'idle') return environment;
    }
    return undefined;
  }

  async #startEnvironment(resolved: ResolvedFunction): Promise<ExecutionEnvironment> {
    const { state, version } = resolved;
    const starting = ExecutionEnvironment.start({
      config: state.config,
      version,
      aws: this.aws,
      logs: this.logs,
      runtimeEntry: RUNTIME_ENTRY,
      nodeArgs: takesCallbackHandlers(state.config.runtime)
        ? [...this.#nodeArgs, '--import', CALLBACK_HANDLERS_HOOK.href]
        : this.#nodeArgs,
      platformEnvironment: this.#platformEnvironment,
      idleTimeoutMs: this.#idleEnvironmentMs,
      onExit: (environment) => {
        const pool = state.environments.get(version);
        const index = pool?.indexOf(environment) ?? -1;
        if (pool && index >= 0) pool.splice(index, 1);
      },
    });
    this.#starting.add(starting);
    try {
      const environment = await starting;
      let pool = state.environments.get(version);
      if (!pool) {
        pool = [];
        state.environments.set(version, pool);
      }
      pool.push(environment);
      if (this.#stopped) {
        await environment.stop();
        throw serviceStopped();
      }
      return environment;
    } finally {
      this.#starting.delete(starting);
    }
  }

  #record(record: InvocationRecord): void {
    this.#records.push(record);
  }

  #resolve(nameOrArn: string, explicitQualifier?: string): ResolvedFunction {
    const match = FUNCTION_REFERENCE.exec(nameOrArn);
    const name = match?.[1] ?? nameOrArn;
    const qualifier = explicitQualifier || match?.[2];
    const state = this.#functions.get(name);
    const arn =
      state?.config.arn ?? `arn:aws:lambda:${this.aws.region}:${this.aws.accountId}:function:${name}`;
    const invokedArn = qualifier ? `${arn}:${qualifier}` : arn;
    if (!state || !match) throw functionNotFound(invokedArn);
    if (qualifier === undefined || qualifier === '$LATEST') return { state, version: '$LATEST', invokedArn };
    if (state.versions.includes(qualifier)) return { state, version: qualifier, invokedArn };
    const aliased = state.aliases.get(qualifier);
    if (aliased !== undefined) return { state, version: aliased, invokedArn };
    throw functionNotFound(invokedArn);
  }
}

/** `name`, `name:qualifier`, `123456789012:function:name[:qualifier]`, or the full ARN with optional qualifier. */
const FUNCTION_REFERENCE =
  /^(?:arn:[^:]+:lambda:[^:]*:[^:]*:function:|\d{12}:function:)?([a-zA-Z0-9_-]+)(?::([^:]+))?$/;

/** The function name in a name, a partial ARN or a full ARN, with or without a qualifier. */
export function functionNameOf(nameOrArn: string): string {
  return FUNCTION_REFERENCE.exec(nameOrArn)?.[1] ?? nameOrArn;
}

/** Destination records name the version: an unqualified ARN gets `:$LATEST`. */
function qualifiedArn(resolved: ResolvedFunction): string {
  return resolved.invokedArn === resolved.state.config.arn
    ? `${resolved.invokedArn}:${resolved.version}`
    : resolved.invokedArn;
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new LambdaApiError(
      400,
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${detail}`,
    );
  }
}

/** Node.js runtimes before nodejs24.x still call `(event, context, callback)` handlers; nodejs24.x refuses them. */
function takesCallbackHandlers(runtime: string): boolean {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  return major !== undefined && Number(major) < 24;
}

function serviceStopped(): LambdaApiError {
  return new LambdaApiError(503, 'ServiceException', 'The Lambda service is stopped.');
}

/** pnpm's virtual store holds every installed package, flattened, in `node_modules/.pnpm/node_modules`. */
function pnpmHoistedFolder(from: string): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', '.pnpm', 'node_modules');
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}
