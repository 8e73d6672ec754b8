/**
 * One execution environment: a child Node process running the function's bundled code under AWS's runtime
 * interface client (aws-lambda-ric), and the Runtime API server it talks to (one small server per environment,
 * on 127.0.0.1). It serves one invocation at a time; the service reuses it while it stays idle.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LogStore } from '../logs/store.ts';
import type { AwsContext, FunctionConfig, LogEvent } from '../types.ts';
import { header } from './helpers.ts';
import { lineReader, telemetryFrameReader } from './log-capture.ts';
import { RESPONSE_LIMIT, RESPONSE_TOO_LARGE } from './payload-limits.ts';
import { PeakMemory } from './peak-memory.ts';
import {
  endLine,
  type InvokeStatus,
  initStartLine,
  reportLine,
  startLine,
  timeoutLine,
  timeoutMessage,
} from './platform-logs.ts';

export interface EnvironmentOptions {
  readonly config: FunctionConfig;
  /** The version this environment runs: '$LATEST' or a published version number. */
  readonly version: string;
  readonly aws: AwsContext;
  readonly logs: LogStore;
  /** The runtime interface client's entry (aws-lambda-ric/index.mjs). */
  readonly runtimeEntry: string;
  /** Node flags placed before the entry (module hooks). */
  readonly nodeArgs: readonly string[];
  /** Extra variables only the platform sets (LAMBDA_RUNTIME_DIR, credentials). */
  readonly platformEnvironment: Readonly<Record<string, string>>;
  /** Idle this long, the environment is stopped, as Lambda reclaims idle environments (real time, not scaled). */
  readonly idleTimeoutMs: number;
  /** Called once when the environment is gone (timeout, crash, stop, idle), so the service forgets it. */
  readonly onExit: (environment: ExecutionEnvironment) => void;
}

export interface Invocation {
  readonly requestId: string;
  readonly payload: string;
  readonly invokedFunctionArn: string;
  /** Lambda-Runtime-Client-Context: the decoded X-Amz-Client-Context. */
  readonly clientContext?: string;
}

export interface InvocationOutcome {
  readonly status: InvokeStatus;
  /** The function's response, or the error document (`{errorType, errorMessage, trace}`), as JSON text. */
  readonly payload: string;
  readonly errorType?: string;
  readonly errorMessage?: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly initDurationMs?: number;
  readonly maxMemoryUsedMB: number;
  /** The messages logged for this invocation (platform lines included), for `X-Amz-Log-Result`. */
  readonly logs: readonly string[];
  /** The environment was stopped (the service is stopping) before the function answered. */
  readonly interrupted?: boolean;
}

interface ActiveInvocation {
  readonly invocation: Invocation;
  readonly resolve: (outcome: InvocationOutcome) => void;
  readonly startedAt: number;
  readonly logs: string[];
  readonly cold: boolean;
  dispatchedAt?: number;
  timer?: NodeJS.Timeout;
  finishing: boolean;
  /** Ended by stop() rather than by anything the function did. */
  interrupted?: boolean;
}

// Lambda gives the INIT phase up to 10 s; past that it retries init inside the invoke, which the timeout bounds.
const INIT_LIMIT_MS = 10_000;
const RUNTIME_API = '/2018-06-01/runtime';

export type EnvironmentState = 'starting' | 'idle' | 'busy' | 'stopping' | 'dead';

export class ExecutionEnvironment {
  readonly config: FunctionConfig;
  readonly version: string;
  readonly logStreamName: string;
  state: EnvironmentState = 'starting';

  readonly #options: EnvironmentOptions;
  readonly #server: Server;
  #child?: ChildProcess;
  #spawnedAt = 0;
  #initDurationMs?: number;
  #heldNext?: ServerResponse;
  #current?: ActiveInvocation;
  #initError?: { payload: string; errorType: string };
  #memory = new PeakMemory(undefined);
  #exited?: Promise<void>;
  #spawnError?: string;
  #stopping = false;
  #idleTimer?: NodeJS.Timeout;

  private constructor(options: EnvironmentOptions, server: Server) {
    this.#options = options;
    this.config = options.config;
    this.version = options.version;
    this.logStreamName = newLogStreamName(options.version);
    this.#server = server;
  }

  /** Starts the Runtime API server and the runtime process; the INIT phase runs until the runtime asks for work. */
  static async start(options: EnvironmentOptions): Promise<ExecutionEnvironment> {
    const server = createServer();
    // The runtime keeps one connection open and long-polls /next on it: no idle or request timeouts.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const environment = new ExecutionEnvironment(options, server);
    server.on('request', (request, response) => environment.#onRequest(request, response));
    try {
      environment.#spawn((server.address() as AddressInfo).port);
    } catch (error) {
      // spawn() throws at once on bad arguments (a NUL byte in a variable, say): no runtime will call this server.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw error;
    }
    return environment;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Runs one invocation; resolves when the runtime answered, failed, crashed or timed out. */
  invoke(invocation: Invocation): Promise<InvocationOutcome> {
    if (this.state === 'dead' || this.state === 'stopping') {
      throw new Error('The execution environment has exited.');
    }
    clearTimeout(this.#idleTimer);
    this.state = 'busy';
    return new Promise<InvocationOutcome>((resolve) => {
      const cold = this.#initDurationMs === undefined;
      const active: ActiveInvocation = {
        invocation,
        resolve,
        startedAt: Date.now(),
        logs: [],
        cold,
        finishing: false,
      };
      this.#current = active;
      if (this.#initError) {
        void this.#finishWithInitError(active);
      } else if (this.#heldNext) {
        this.#dispatch(active, this.#heldNext);
      } else {
        active.timer = setTimeout(() => void this.#timeOut(active), INIT_LIMIT_MS + this.#timeoutMs());
      }
    });
  }

  /** Kills the runtime and closes the Runtime API server; resolves once the process has exited. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#idleTimer);
    // No longer idle from here on: the service must not hand it an invoke while it is going.
    if (this.state !== 'dead') this.state = 'stopping';
    this.#kill();
    await this.#exited;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #spawn(port: number): void {
    const { config, aws, logs } = this.#options;
    const environment = this.#environmentVariables(port);
    logs.createLogGroup(config.logGroupName);
    if (this.#systemLogsEnabled()) {
      this.#log(
        initStartLine(config.logFormat, aws.region, config.name, this.version, Date.now()),
        Date.now(),
      );
    }
    this.#spawnedAt = performance.now();
    const child = spawn(
      process.execPath,
      [
        // As Lambda's Node runtime does: V8's old space gets most of the configured memory.
        `--max-old-space-size=${Math.max(16, Math.floor(config.memorySize * 0.85))}`,
        ...this.#options.nodeArgs,
        this.#options.runtimeEntry,
        config.handler,
      ],
      {
        cwd: config.codeDirectory,
        env: environment,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        // Its own process group, so stopping the environment also ends processes the function started.
        detached: true,
      },
    );
    this.#child = child;
    this.#memory = new PeakMemory(child.pid);
    const sink = (message: string, timestamp: number) => this.#log(message, timestamp);
    const stdout = lineReader(sink);
    const stderr = lineReader(sink);
    child.stdout?.on('data', stdout.write);
    child.stderr?.on('data', stderr.write);
    const telemetry = child.stdio[3];
    if (telemetry && 'on' in telemetry) telemetry.on('data', telemetryFrameReader(sink));
    this.#exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (done) return;
        done = true;
        stdout.flush();
        stderr.flush();
        this.#onExit(code, signal);
        resolve();
      };
      // 'close' comes once the output is fully read; a process the function started may hold the pipes open,
      // so do not wait for them long after the runtime itself has exited.
      child.once('close', finish);
      child.once('exit', (code, signal) => {
        setTimeout(() => {
          for (const stream of child.stdio) stream?.destroy();
          finish(code, signal);
        }, 250).unref();
      });
    });
    child.once('error', (error) => {
      // Spawning itself failed (a missing code directory, say); 'close' follows and fails the invocation.
      const { code } = error as NodeJS.ErrnoException;
      this.#spawnError =
        code === 'ENOENT' ? `the code directory ${this.config.codeDirectory} does not exist` : error.message;
      this.#log(`Runtime failed to start: ${this.#spawnError}`, Date.now());
    });
  }

  #environmentVariables(port: number): Record<string, string> {
    const { config, aws, platformEnvironment } = this.#options;
    const variables: Record<string, string> = {
      ...config.environment,
      ...platformEnvironment,
      AWS_REGION: aws.region,
      AWS_DEFAULT_REGION: aws.region,
      AWS_LAMBDA_FUNCTION_NAME: config.name,
      AWS_LAMBDA_FUNCTION_VERSION: this.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: config.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: this.logStreamName,
      AWS_LAMBDA_LOG_FORMAT: config.logFormat,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: `AWS_Lambda_${config.runtime}`,
      LAMBDA_TASK_ROOT: config.codeDirectory,
      _HANDLER: config.handler,
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      // The runtime client writes console output as framed records to this descriptor, then forgets it.
      _LAMBDA_TELEMETRY_LOG_FD: '3',
    };
    // Application log level filtering is a JSON-format feature, as in Lambda.
    if (config.logFormat === 'JSON' && config.applicationLogLevel) {
      variables.AWS_LAMBDA_LOG_LEVEL = config.applicationLogLevel.toUpperCase();
    }
    return variables;
  }

  #onRequest(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '';
    if (request.method === 'GET' && url === `${RUNTIME_API}/invocation/next`) {
      this.#onNext(response);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.#onPost(request, url, body, response);
    });
  }

  #onNext(response: ServerResponse): void {
    if (this.#initDurationMs === undefined) {
      this.#initDurationMs = performance.now() - this.#spawnedAt;
      if (this.state === 'starting') this.#becomeIdle();
      // A first reading, so a runtime that dies before its first report still has a Max Memory Used.
      this.#memory.read();
    }
    const current = this.#current;
    if (current && current.dispatchedAt === undefined && !current.finishing)
      this.#dispatch(current, response);
    else this.#heldNext = response;
  }

  #dispatch(active: ActiveInvocation, response: ServerResponse): void {
    this.#heldNext = undefined;
    const { invocation } = active;
    const timeoutMs = this.#timeoutMs();
    if (active.timer) clearTimeout(active.timer);
    active.timer = setTimeout(() => void this.#timeOut(active), timeoutMs);
    active.dispatchedAt = performance.now();
    if (this.#systemLogsEnabled()) {
      this.#log(startLine(this.config.logFormat, invocation.requestId, this.version, Date.now()), Date.now());
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(invocation.payload),
      'lambda-runtime-aws-request-id': invocation.requestId,
      'lambda-runtime-deadline-ms': Date.now() + timeoutMs,
      'lambda-runtime-invoked-function-arn': invocation.invokedFunctionArn,
      'lambda-runtime-trace-id': newTraceId(),
    };
    if (invocation.clientContext) headers['lambda-runtime-client-context'] = invocation.clientContext;
    response.writeHead(200, headers);
    response.end(invocation.payload);
  }

  #onPost(request: IncomingMessage, url: string, bytes: Buffer, response: ServerResponse): void {
    const body = bytes.toString('utf8');
    const answer = (status: number, payload: object) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    if (request.method !== 'POST') {
      answer(404, { errorMessage: 'Not found', errorType: 'InvalidRequest' });
      return;
    }
    if (url === `${RUNTIME_API}/init/error`) {
      this.#initError = { payload: body, errorType: header(request, 'lambda-runtime-function-error-type') };
      answer(202, { status: 'OK' });
      if (this.#current && !this.#current.finishing) void this.#finishWithInitError(this.#current);
      return;
    }
    const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    const current = this.#current;
    if (!match || !current || decodeRequestId(match[1] as string) !== current.invocation.requestId) {
      answer(400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      return;
    }
    if (match[2] === 'response' && bytes.length > RESPONSE_LIMIT) {
      // Lambda's Runtime API refuses the response, and the invoke fails with Function.ResponseSizeTooLarge.
      answer(413, RESPONSE_TOO_LARGE);
      void this.#finish(current, 'error', JSON.stringify(RESPONSE_TOO_LARGE));
      return;
    }
    answer(202, { status: 'OK' });
    // A streamed response reports a mid-stream failure in trailers.
    const trailerError = request.trailers['lambda-runtime-function-error-type'];
    if (match[2] === 'error' || trailerError) {
      const errorBody = trailerError
        ? Buffer.from(
            String(request.trailers['lambda-runtime-function-error-body'] ?? ''),
            'base64',
          ).toString()
        : body;
      void this.#finish(current, 'error', errorBody, header(request, 'lambda-runtime-function-error-type'));
    } else {
      void this.#finish(current, 'success', body);
    }
  }

  async #finish(
    active: ActiveInvocation,
    status: InvokeStatus,
    payload: string,
    errorType?: string,
  ): Promise<void> {
    if (!this.#claim(active)) return;
    const durationMs = this.#durationOf(active);
    // Console output was written before the response was posted; let the event loop read it first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const error = status === 'success' ? undefined : parseError(payload, errorType);
    this.#settle(active, status, payload, error, durationMs, this.#memory.read());
  }

  async #finishWithInitError(active: ActiveInvocation): Promise<void> {
    if (!this.#claim(active)) return;
    const initError = this.#initError as { payload: string; errorType: string };
    const error = parseError(initError.payload, initError.errorType);
    const initMs = performance.now() - this.#spawnedAt;
    this.#log(
      `INIT_REPORT Init Duration: ${initMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${error.errorType}`,
      Date.now(),
    );
    const maxMemoryUsedMB = this.#memory.read();
    this.#kill();
    await this.#exited;
    this.#settle(active, 'error', initError.payload, error, 0, maxMemoryUsedMB, initMs);
  }

  async #timeOut(active: ActiveInvocation): Promise<void> {
    if (!this.#claim(active)) return;
    const timeoutSeconds = this.config.timeoutSeconds;
    const durationMs = this.#durationOf(active);
    const maxMemoryUsedMB = this.#memory.read();
    // Lambda stops the whole environment at the deadline; the next invoke gets a fresh one (a cold start).
    this.#kill();
    await this.#exited;
    const { requestId } = active.invocation;
    this.#log(timeoutLine(requestId, timeoutSeconds, Date.now()), Date.now());
    const error = {
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${requestId} Error: ${timeoutMessage(timeoutSeconds)}`,
    };
    this.#settle(active, 'timeout', JSON.stringify(error), error, durationMs, maxMemoryUsedMB);
  }

  /** Takes the invocation for one of the ways it can end; false when another way already has. */
  #claim(active: ActiveInvocation): boolean {
    if (active.finishing) return false;
    active.finishing = true;
    if (active.timer) clearTimeout(active.timer);
    return true;
  }

  #durationOf(active: ActiveInvocation): number {
    return active.dispatchedAt === undefined ? 0 : performance.now() - active.dispatchedAt;
  }

  /** Ends the invocation: writes END and REPORT, frees the environment (unless it is gone), answers the caller. */
  #settle(
    active: ActiveInvocation,
    status: InvokeStatus,
    payload: string,
    error: { errorType: string; errorMessage: string } | undefined,
    durationMs: number,
    maxMemoryUsedMB: number,
    initDurationOverride?: number,
  ): void {
    const { requestId } = active.invocation;
    const initDurationMs = active.cold ? (initDurationOverride ?? this.#initDurationMs) : undefined;
    // Billed per 1 ms. Since August 2025 Lambda bills the INIT phase of on-demand functions as well, so a cold
    // start's Billed Duration covers Init Duration too (initDurationMs stays recorded on its own for the breakdown).
    const billedDurationMs = Math.ceil(durationMs + (initDurationMs ?? 0));
    const metrics = {
      durationMs,
      billedDurationMs,
      memorySizeMB: this.config.memorySize,
      maxMemoryUsedMB,
      initDurationMs,
    };
    const now = Date.now();
    const format = this.config.logFormat;
    const lines: LogEvent[] = [];
    if (format === 'Text') lines.push({ timestamp: now, message: endLine(requestId) });
    lines.push({
      timestamp: now,
      message: reportLine(format, requestId, metrics, status, error?.errorType, now),
    });
    if (this.#systemLogsEnabled()) {
      this.#options.logs.putLogEvents(this.config.logGroupName, this.logStreamName, lines);
      for (const line of lines) active.logs.push(line.message);
    }
    if (this.#current === active) this.#current = undefined;
    if (this.state === 'busy') this.#becomeIdle();
    active.resolve({
      status,
      payload,
      errorType: error?.errorType,
      errorMessage: error?.errorMessage,
      startedAt: active.startedAt,
      durationMs,
      billedDurationMs,
      initDurationMs,
      maxMemoryUsedMB,
      logs: active.logs,
      ...(active.interrupted ? { interrupted: true } : {}),
    });
  }

  #becomeIdle(): void {
    this.state = 'idle';
    // Unref'd, so a waiting reclaim never keeps the process alive.
    this.#idleTimer = setTimeout(() => void this.stop(), this.#options.idleTimeoutMs).unref();
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    // Processes the function started outlive a runtime that exited on its own; Lambda's sandbox would not.
    this.#kill();
    const wasAlive = this.state !== 'dead';
    this.state = 'dead';
    clearTimeout(this.#idleTimer);
    this.#heldNext?.destroy();
    this.#heldNext = undefined;
    this.#server.closeAllConnections();
    this.#server.close();
    const current = this.#current;
    if (current && this.#claim(current)) {
      // The runtime died mid-invoke (process.exit, out of memory, uncaught exception, stop()): Runtime.ExitError.
      current.interrupted = this.#stopping;
      const reason = this.#spawnError
        ? `Runtime failed to start: ${this.#spawnError}`
        : `Runtime exited with error: ${signal ? `signal: ${signalName(signal)}` : `exit status ${code ?? 0}`}`;
      const error = {
        errorType: 'Runtime.ExitError',
        errorMessage: `RequestId: ${current.invocation.requestId} Error: ${reason}`,
      };
      this.#settle(
        current,
        'error',
        JSON.stringify(error),
        error,
        this.#durationOf(current),
        this.#memory.read(),
      );
    }
    this.#memory.close();
    if (wasAlive) this.#options.onExit(this);
  }

  /** Kills the runtime's process group: the runtime and whatever the function started. */
  #kill(): void {
    const child = this.#child;
    // Once the environment is gone its process group id may belong to someone else: leave it alone.
    if (!child?.pid || this.state === 'dead') return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // No process group (Windows, or the group is already empty): kill the runtime itself.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  #log(message: string, timestamp: number): void {
    this.#options.logs.putLogEvents(this.config.logGroupName, this.logStreamName, [{ timestamp, message }]);
    this.#current?.logs.push(message);
  }

  #systemLogsEnabled(): boolean {
    // JSON-format system logs at WARN or above leave out the INFO-level platform records (initStart, start, report).
    const level = this.config.systemLogLevel?.toUpperCase();
    return !(this.config.logFormat === 'JSON' && (level === 'WARN' || level === 'ERROR'));
  }

  #timeoutMs(): number {
    return this.config.timeoutSeconds * 1000;
  }
}

function parseError(payload: string, errorType?: string): { errorType: string; errorMessage: string } {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    return {
      errorType: typeof parsed.errorType === 'string' ? parsed.errorType : (errorType ?? 'Unhandled'),
      errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : '',
    };
  } catch {
    return { errorType: errorType || 'Unhandled', errorMessage: payload };
  }
}

/** The request ID in a Runtime API path; undefined when its percent-encoding is malformed (Lambda answers 400). */
function decodeRequestId(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** `YYYY/MM/DD/[$LATEST]<32 hex>`, like Lambda's stream names. */
function newLogStreamName(version: string): string {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[${version}]${randomBytes(16).toString('hex')}`;
}

function newTraceId(): string {
  const epochHex = Math.floor(Date.now() / 1000).toString(16);
  const bytes = randomBytes(20).toString('hex');
  return `Root=1-${epochHex}-${bytes.slice(0, 24)};Parent=${bytes.slice(24, 40)};Sampled=0`;
}

const SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGABRT: 'aborted',
  SIGSEGV: 'segmentation fault',
  SIGTERM: 'terminated',
};

function signalName(signal: NodeJS.Signals): string {
  return SIGNAL_NAMES[signal] ?? signal;
}
