import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MessageAttributes } from '../src/lambda/async-invoke.ts';
import { LambdaService } from '../src/lambda/service.ts';
import { LogStore } from '../src/logs/store.ts';
import type { AwsContext, FunctionConfig } from '../src/types.ts';

const aws: AwsContext = { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:4566' };

function functionConfig(
  name: string,
  fixture: string,
  overrides: Partial<FunctionConfig> = {},
): FunctionConfig {
  return {
    name,
    arn: `arn:aws:lambda:${aws.region}:${aws.accountId}:function:${name}`,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    architecture: 'arm64',
    codeDirectory: fileURLToPath(new URL(`./fixtures/functions/${fixture}`, import.meta.url)),
    timeoutSeconds: 5,
    memorySize: 256,
    environment: { GREETING: 'hello' },
    logGroupName: `/aws/lambda/${name}`,
    logFormat: 'Text',
    ...overrides,
  };
}

/** A copy of a fixture outside this package, so node_modules above the code cannot serve its imports. */
function copyOutside(fixture: string): string {
  const directory = mkdtempSync(join(tmpdir(), `local-cloud-${fixture}-`));
  cpSync(functionConfig(fixture, fixture).codeDirectory, directory, { recursive: true });
  return directory;
}

/** Whether a process still runs (a killed process nobody has reaped yet counts as gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function listeningServers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'TCPServerWrap').length;
}

function reportFor(logs: LogStore, group: string, requestId: string) {
  const event = logs
    .getLogEvents(group)
    .find((candidate) => candidate.message.startsWith(`REPORT RequestId: ${requestId}`));
  if (!event) throw new Error(`no REPORT line for ${requestId}`);
  return event;
}

describe('LambdaService', { timeout: 20_000 }, () => {
  const logs = new LogStore();
  const delivered: Array<{ destinationArn: string; payload: unknown; attributes?: MessageAttributes }> = [];
  const lambda = new LambdaService({
    aws,
    logs,
    deliver: async (destinationArn, payload, attributes) => {
      delivered.push({ destinationArn, payload, attributes });
    },
    asyncRetryDelaysMs: [10, 10],
  });

  afterAll(() => lambda.stop());

  describe('invoking', () => {
    beforeAll(() => {
      lambda.createFunction(functionConfig('echo', 'echo'));
      lambda.createFunction(functionConfig('env', 'env'));
      lambda.createFunction(functionConfig('sleepy', 'sleeps', { timeoutSeconds: 1 }));
    });

    it('writes a REPORT line with Init Duration on the cold start only, and reuses the warm environment', async () => {
      // Act
      const cold = await lambda.invoke('echo', JSON.stringify({ n: 1 }));
      const warm = await lambda.invoke('echo', JSON.stringify({ n: 2 }));

      // Assess
      const coldReport = reportFor(logs, '/aws/lambda/echo', cold.requestId);
      const warmReport = reportFor(logs, '/aws/lambda/echo', warm.requestId);
      expect(coldReport.message).toMatch(
        /^REPORT RequestId: \S+\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: [1-9]\d* MB\tInit Duration: \d+\.\d{2} ms$/,
      );
      expect(warmReport.message).toMatch(
        /^REPORT RequestId: \S+\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: [1-9]\d* MB$/,
      );
      expect(warmReport.logStreamName).toBe(coldReport.logStreamName);
      expect(JSON.parse(warm.payload ?? '').pid).toBe(JSON.parse(cold.payload ?? '').pid);
      expect(JSON.parse(warm.payload ?? '')).toMatchObject({ event: { n: 2 }, requestId: warm.requestId });
    });

    it('logs START, the function output, END and REPORT for each invoke', async () => {
      // Act
      const result = await lambda.invoke('echo', JSON.stringify({ marker: 'xyz' }));

      // Assess
      const lines = logs
        .getLogEvents('/aws/lambda/echo')
        .map((event) => event.message)
        .filter((message) => message.includes(result.requestId));
      expect(lines).toHaveLength(4);
      expect(lines[0]).toBe(`START RequestId: ${result.requestId} Version: $LATEST`);
      expect(lines[1]).toMatch(new RegExp(`^\\S+Z\\t${result.requestId}\\tINFO\\tevent {"marker":"xyz"}$`));
      expect(lines[2]).toBe(`END RequestId: ${result.requestId}`);
      expect(lines[3]).toMatch(/^REPORT RequestId: /);
    });

    it('gives the function the variables Lambda sets, its own, and nothing from the parent process', async () => {
      // Prepare
      process.env.LOCAL_CLOUD_PARENT_ONLY = 'secret';

      // Act
      const result = await lambda.invoke('env', '{}');

      // Assess
      delete process.env.LOCAL_CLOUD_PARENT_ONLY;
      const env = JSON.parse(result.payload ?? '{}') as Record<string, string>;
      expect(env).toMatchObject({
        GREETING: 'hello',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_LAMBDA_FUNCTION_NAME: 'env',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
        AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/env',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_ENDPOINT_URL: aws.endpoint,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
        LAMBDA_TASK_ROOT: functionConfig('env', 'env').codeDirectory,
        _HANDLER: 'index.handler',
        TZ: ':UTC',
      });
      expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
      expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(env.AWS_ACCESS_KEY_ID).toBeTruthy();
      expect(env.AWS_SECRET_ACCESS_KEY).toBeTruthy();
      expect(env.AWS_SESSION_TOKEN).toBeTruthy();
      expect(env.LOCAL_CLOUD_PARENT_ONLY).toBeUndefined();
      expect(env._LAMBDA_TELEMETRY_LOG_FD).toBeUndefined();
    });

    it("times out with Lambda's message, stops the environment, and starts a fresh one next time", async () => {
      // Act
      const result = await lambda.invoke('sleepy', JSON.stringify({ ms: 10_000 }));

      // Assess
      expect(result.functionError).toBe('Unhandled');
      expect(JSON.parse(result.payload ?? '')).toEqual({
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${result.requestId} Error: Task timed out after 1.00 seconds`,
      });
      const messages = logs.getLogEvents('/aws/lambda/sleepy').map((event) => event.message);
      expect(messages).toContainEqual(
        expect.stringMatching(new RegExp(`^\\S+Z ${result.requestId} Task timed out after 1\\.00 seconds$`)),
      );
      expect(reportFor(logs, '/aws/lambda/sleepy', result.requestId).message).toMatch(/\tStatus: timeout$/);
      const pid = Number(/pid (\d+)/.exec(messages.join('\n'))?.[1]);
      expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
      const next = await lambda.invoke('sleepy', JSON.stringify({ ms: 0 }));
      expect(next.functionError).toBeUndefined();
      expect(reportFor(logs, '/aws/lambda/sleepy', next.requestId).message).toContain('Init Duration');
      expect(lambda.invocations.find((record) => record.requestId === result.requestId)?.status).toBe(
        'timeout',
      );
    });

    it('records each invocation with its timings and result', async () => {
      // Prepare
      const seen: string[] = [];
      const unsubscribe = lambda.onInvocation((record) => seen.push(record.requestId));

      // Act
      const result = await lambda.invoke('echo', JSON.stringify({ n: 3 }), { source: 'aws:sqs' });

      // Assess
      unsubscribe();
      expect(seen).toEqual([result.requestId]);
      const record = lambda.invocations.find((candidate) => candidate.requestId === result.requestId);
      expect(record).toMatchObject({
        functionName: 'echo',
        source: 'aws:sqs',
        event: { n: 3 },
        memorySizeMB: 256,
        architecture: 'arm64', // as configured, whatever the host: the cost model prices by it
        status: 'success',
        result: { event: { n: 3 } },
      });
      // Billed per 1 ms: the duration (plus the init phase on a cold start) rounded up.
      expect(record?.billedDurationMs).toBe(
        Math.ceil((record?.durationMs ?? Number.NaN) + (record?.initDurationMs ?? 0)),
      );
    });

    it('keeps the invocation and the other listeners unaffected by a listener that throws', async () => {
      // Prepare
      const seen: string[] = [];
      const removeThrowing = lambda.onInvocation(() => {
        throw new Error('listener bug');
      });
      const removeSeeing = lambda.onInvocation((record) => seen.push(record.requestId));

      // Act
      const result = await lambda.invoke('echo', JSON.stringify({ n: 4 })).finally(() => {
        removeThrowing();
        removeSeeing();
      });

      // Assess
      expect(result.functionError).toBeUndefined();
      expect(JSON.parse(result.payload ?? '')).toMatchObject({ event: { n: 4 } });
      expect(seen).toEqual([result.requestId]);
    });

    it('checks that the function exists on DryRun without running it', async () => {
      // Prepare
      const before = lambda.invocations.length;

      // Act
      const result = await lambda.invoke('echo', '{}', { invocationType: 'DryRun' });

      // Assess
      expect(result.statusCode).toBe(204);
      expect(lambda.invocations).toHaveLength(before);
      await expect(lambda.invoke('missing', '{}', { invocationType: 'DryRun' })).rejects.toMatchObject({
        statusCode: 404,
        type: 'ResourceNotFoundException',
      });
    });

    it('resolves qualified ARNs of published versions and aliases', async () => {
      // Prepare
      const { arn } = functionConfig('echo', 'echo');
      const version = lambda.publishVersion('echo');
      lambda.addAlias(arn, 'live', version);

      // Act
      const viaAlias = await lambda.invoke(`${arn}:live`, '{}');

      // Assess
      expect(viaAlias.executedVersion).toBe(version);
      expect(lambda.getFunction(`${arn}:live`)?.name).toBe('echo');
      expect(lambda.getFunction('echo:$LATEST')?.name).toBe('echo');
      expect(lambda.getFunction(`${arn}:nope`)).toBeUndefined();
      await expect(lambda.invoke(`${arn}:99`, '{}')).rejects.toMatchObject({ statusCode: 404 });
    });
  });

  describe('the runtime', () => {
    const outside: string[] = [];

    beforeAll(() => {
      // Outside this package, so the function cannot find the SDK in node_modules above its code.
      for (const fixture of ['sdk', 'sdk-util', 'requires']) {
        const codeDirectory = copyOutside(fixture);
        outside.push(codeDirectory);
        lambda.createFunction(functionConfig(fixture, fixture, { codeDirectory }));
      }
      lambda.createFunction(functionConfig('runtime-api', 'runtime-api'));
      // spawn() refuses a variable holding a NUL byte before any process starts.
      lambda.createFunction(functionConfig('unstartable', 'echo', { environment: { BAD: 'a\u0000b' } }));
      lambda.createFunction(functionConfig('callback-24', 'callback'));
      lambda.createFunction(functionConfig('callback-22', 'callback', { runtime: 'nodejs22.x' }));
      lambda.createFunction(functionConfig('callback-cjs-20', 'callback-cjs', { runtime: 'nodejs20.x' }));
    });

    afterAll(() => {
      for (const directory of outside) rmSync(directory, { recursive: true, force: true });
    });

    it('provides the AWS SDK to code that leaves it out of its bundle, as the Node.js runtime does', async () => {
      // Act
      const result = await lambda.invoke('sdk', '{}');

      // Assess
      expect(result.functionError).toBeUndefined();
      expect(JSON.parse(result.payload ?? '')).toEqual({ region: 'us-east-1' });
    });

    it('provides any SDK package installed in the workspace, not only the clients the local cloud uses', async () => {
      // Act
      const result = await lambda.invoke('sdk-util', JSON.stringify({ id: 'a', n: 1 }));

      // Assess
      expect(result.functionError).toBeUndefined();
      expect(JSON.parse(result.payload ?? '')).toEqual({ id: { S: 'a' }, n: { N: '1' } });
    });

    it("lets CommonJS code require the SDK but none of the local cloud's other packages", async () => {
      // Act
      const sdk = await lambda.invoke('requires', JSON.stringify({ module: '@aws-sdk/util-dynamodb' }));
      const other = await lambda.invoke('requires', JSON.stringify({ module: 'fauxqs' }));

      // Assess
      expect(sdk.functionError).toBeUndefined();
      expect(JSON.parse(sdk.payload ?? '')).toContain('marshall');
      expect(other.functionError).toBe('Unhandled');
      expect(JSON.parse(other.payload ?? '')).toMatchObject({
        errorMessage: expect.stringContaining("Cannot find module 'fauxqs'"),
      });
    });

    it('answers a malformed request ID on the Runtime API with 400 and keeps serving', async () => {
      // Act
      const result = await lambda.invoke('runtime-api', '{}');

      // Assess
      expect(result.functionError).toBeUndefined();
      expect(JSON.parse(result.payload ?? '')).toEqual({ status: 400 });
    });

    it('refuses a callback-style handler at init on nodejs24.x, as Lambda does', async () => {
      // Act
      const result = await lambda.invoke('callback-24', '{}');

      // Assess
      expect(result.functionError).toBe('Unhandled');
      expect(JSON.parse(result.payload ?? '')).toMatchObject({
        errorType: 'Runtime.CallbackHandlerDeprecated',
        errorMessage:
          'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
      });
      const messages = logs.getLogEvents('/aws/lambda/callback-24').map((event) => event.message);
      expect(messages).toContainEqual(
        expect.stringMatching(/^INIT_REPORT .*Status: error\tError Type: Runtime.CallbackHandlerDeprecated$/),
      );
    });

    it('calls a callback-style handler on older Node.js runtimes, with its result or its error', async () => {
      // Act
      const answered = await lambda.invoke('callback-22', JSON.stringify({ n: 1 }));
      const failed = await lambda.invoke('callback-22', JSON.stringify({ fail: true }));
      const commonJs = await lambda.invoke('callback-cjs-20', JSON.stringify({ n: 2 }));

      // Assess
      expect(answered.functionError).toBeUndefined();
      expect(JSON.parse(answered.payload ?? '')).toEqual({ event: { n: 1 }, requestId: answered.requestId });
      expect(failed.functionError).toBe('Unhandled');
      expect(JSON.parse(failed.payload ?? '')).toMatchObject({
        errorType: 'Error',
        errorMessage: 'failed through the callback',
      });
      expect(JSON.parse(commonJs.payload ?? '')).toEqual({ event: { n: 2 }, requestId: commonJs.requestId });
    });

    it('fails an invoke whose environment cannot start, leaving no Runtime API server behind', async () => {
      // Prepare
      const before = listeningServers();

      // Act
      const invoke = lambda.invoke('unstartable', '{}');

      // Assess
      await expect(invoke).rejects.toThrow(/null bytes/);
      // A closed server's handle is released on a later turn of the event loop.
      await vi.waitFor(() => expect(listeningServers()).toBe(before));
    });
  });

  describe('async invocations', () => {
    beforeAll(() => {
      lambda.createFunction(functionConfig('failing', 'throws'));
      lambda.setAsyncInvokeConfig('failing', { onFailure: 'arn:aws:sqs:us-east-1:000000000000:failures' });
      lambda.createFunction(
        functionConfig('dead-lettered', 'throws', {
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
        }),
      );
      lambda.setAsyncInvokeConfig('dead-lettered', { maximumRetryAttempts: 0 });
      lambda.createFunction(functionConfig('succeeding', 'echo'));
      lambda.setAsyncInvokeConfig('succeeding', {
        onSuccess: 'arn:aws:sqs:us-east-1:000000000000:successes',
      });
      lambda.createFunction(
        functionConfig('both', 'throws', {
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:both-dlq',
        }),
      );
      lambda.setAsyncInvokeConfig('both', {
        maximumRetryAttempts: 0,
        onFailure: 'arn:aws:sqs:us-east-1:000000000000:both-failures',
      });
      lambda.createFunction(functionConfig('cannot-start', 'echo', { environment: { BAD: 'a\u0000b' } }));
      lambda.setAsyncInvokeConfig('cannot-start', {
        maximumRetryAttempts: 1,
        onFailure: 'arn:aws:sqs:us-east-1:000000000000:start-failures',
      });
    });

    function deliveryTo(suffix: string) {
      return vi.waitFor(
        () => {
          const found = delivered.find((candidate) => candidate.destinationArn.endsWith(suffix));
          if (!found) throw new Error('not delivered yet');
          return found;
        },
        { timeout: 10_000 },
      );
    }

    it('answers 202 at once, retries a failing event twice, then sends the record to the on-failure destination', async () => {
      // Act
      const result = await lambda.invoke('failing', JSON.stringify({ order: 7 }), {
        invocationType: 'Event',
      });

      // Assess
      expect(result.statusCode).toBe(202);
      const delivery = await deliveryTo(':failures');
      const attempts = lambda.invocations.filter((record) => record.requestId === result.requestId);
      expect(attempts).toHaveLength(3);
      expect(attempts.every((record) => record.source === 'Event' && record.status === 'error')).toBe(true);
      expect(delivery.payload).toMatchObject({
        version: '1.0',
        requestContext: {
          requestId: result.requestId,
          functionArn: `${functionConfig('failing', 'throws').arn}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: { order: 7 },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'Error', errorMessage: 'boom' },
      });
    });

    it('sends the event itself to the dead-letter queue when no on-failure destination is set', async () => {
      // Act
      const result = await lambda.invoke('dead-lettered', JSON.stringify({ order: 8 }), {
        invocationType: 'Event',
      });

      // Assess
      const delivery = await deliveryTo(':dlq');
      expect(delivery.payload).toEqual({ order: 8 });
      expect(lambda.invocations.filter((record) => record.requestId === result.requestId)).toHaveLength(1);
    });

    it('sends a Success record to the on-success destination', async () => {
      // Act
      const result = await lambda.invoke('succeeding', JSON.stringify({ order: 9 }), {
        invocationType: 'Event',
      });

      // Assess
      const delivery = await deliveryTo(':successes');
      expect(delivery.payload).toMatchObject({
        requestContext: { requestId: result.requestId, condition: 'Success', approximateInvokeCount: 1 },
        requestPayload: { order: 9 },
        responsePayload: { event: { order: 9 } },
      });
    });

    it('sends a failed event to both the on-failure destination and the dead-letter queue, with DLQ attributes', async () => {
      // Act
      const result = await lambda.invoke('both', JSON.stringify({ order: 10 }), { invocationType: 'Event' });

      // Assess
      const record = await deliveryTo(':both-failures');
      const deadLettered = await deliveryTo(':both-dlq');
      expect(record.payload).toMatchObject({
        requestContext: {
          requestId: result.requestId,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 1,
        },
      });
      expect(deadLettered.payload).toEqual({ order: 10 });
      expect(deadLettered.attributes).toEqual({
        RequestID: { DataType: 'String', StringValue: result.requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: 'boom' },
      });
    });

    it('retries an event whose environment cannot start, then sends it to the on-failure destination', async () => {
      // Act
      const result = await lambda.invoke('cannot-start', JSON.stringify({ order: 11 }), {
        invocationType: 'Event',
      });

      // Assess
      const delivery = await deliveryTo(':start-failures');
      expect(delivery.payload).toMatchObject({
        requestContext: {
          requestId: result.requestId,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 2,
        },
        requestPayload: { order: 11 },
        responseContext: { statusCode: 500, executedVersion: '$LATEST' },
        responsePayload: {
          errorType: 'ServiceException',
          errorMessage: expect.stringContaining('null bytes'),
        },
      });
    });
  });

  describe('concurrency', () => {
    beforeAll(() => {
      lambda.createFunction(functionConfig('single', 'sleeps', { reservedConcurrency: 1 }));
    });

    it('throttles a synchronous invoke over the reserved concurrency, and lets a poller wait instead', async () => {
      // Act
      const first = lambda.invoke('single', JSON.stringify({ ms: 300 }));
      const throttled = lambda.invoke('single', JSON.stringify({ ms: 0 }));
      const waiting = lambda.invoke('single', JSON.stringify({ ms: 0 }), { source: 'aws:sqs' });

      // Assess
      await expect(throttled).rejects.toMatchObject({
        statusCode: 429,
        type: 'TooManyRequestsException',
        reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
      const [firstResult, waitingResult] = await Promise.all([first, waiting]);
      expect(firstResult.functionError).toBeUndefined();
      expect(waitingResult.functionError).toBeUndefined();
      const recordOf = (requestId: string) =>
        lambda.invocations.find((record) => record.requestId === requestId);
      const firstRecord = recordOf(firstResult.requestId);
      // The poller's invoke began only once the first one had ended.
      expect(recordOf(waitingResult.requestId)?.startedAt).toBeGreaterThanOrEqual(
        Math.floor((firstRecord?.startedAt ?? Number.NaN) + (firstRecord?.durationMs ?? Number.NaN)),
      );
    });
  });

  describe('JSON log format', () => {
    beforeAll(() => {
      lambda.createFunction(functionConfig('structured', 'echo', { logFormat: 'JSON' }));
    });

    it('writes platform.start and platform.report records and JSON application logs', async () => {
      // Act
      const result = await lambda.invoke('structured', JSON.stringify({ n: 1 }));

      // Assess
      const records = logs
        .getLogEvents('/aws/lambda/structured')
        .map((event) => JSON.parse(event.message) as Record<string, unknown>);
      expect(records).toContainEqual(
        expect.objectContaining({
          type: 'platform.start',
          record: { requestId: result.requestId, version: '$LATEST' },
        }),
      );
      expect(records).toContainEqual(
        expect.objectContaining({ level: 'INFO', requestId: result.requestId, message: 'event {"n":1}' }),
      );
      const report = records.find((record) => record.type === 'platform.report');
      expect(report).toMatchObject({
        record: {
          requestId: result.requestId,
          status: 'success',
          metrics: {
            durationMs: expect.any(Number),
            billedDurationMs: expect.any(Number),
            memorySizeMB: 256,
            maxMemoryUsedMB: expect.any(Number),
            initDurationMs: expect.any(Number),
          },
        },
      });
    });
  });

  describe('Lambda API', () => {
    let server: Server;
    let endpoint: string;
    let client: LambdaClient;

    beforeAll(async () => {
      lambda.createFunction(functionConfig('api-echo', 'echo'));
      lambda.createFunction(functionConfig('api-throws', 'throws'));
      lambda.createFunction(functionConfig('api-sized', 'sized'));
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => void lambda.handle(request, response, Buffer.concat(chunks)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      client = new LambdaClient({
        endpoint,
        region: aws.region,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
    });

    afterAll(async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('invokes through the SDK and returns the log tail', async () => {
      // Act
      const output = await client.send(
        new InvokeCommand({
          FunctionName: 'api-echo',
          Payload: JSON.stringify({ via: 'sdk' }),
          LogType: 'Tail',
        }),
      );

      // Assess
      expect(output.StatusCode).toBe(200);
      expect(output.ExecutedVersion).toBe('$LATEST');
      expect(output.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(output.Payload ?? []).toString())).toMatchObject({
        event: { via: 'sdk' },
      });
      const tail = Buffer.from(output.LogResult ?? '', 'base64').toString();
      expect(tail).toMatch(/^START RequestId: /m);
      expect(tail).toMatch(/^REPORT RequestId: .*Init Duration/m);
    });

    it('marks a function error with X-Amz-Function-Error: Unhandled', async () => {
      // Act
      const output = await client.send(new InvokeCommand({ FunctionName: 'api-throws', Payload: '{}' }));

      // Assess
      expect(output.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(output.Payload ?? []).toString())).toMatchObject({
        errorType: 'Error',
        errorMessage: 'boom',
      });
    });

    it('answers an Event invoke with 202 and a DryRun with 204', async () => {
      // Act
      const event = await client.send(
        new InvokeCommand({ FunctionName: 'api-echo', Payload: '{}', InvocationType: 'Event' }),
      );
      const dryRun = await client.send(
        new InvokeCommand({ FunctionName: 'api-echo', Payload: '{}', InvocationType: 'DryRun' }),
      );

      // Assess
      expect(event.StatusCode).toBe(202);
      expect(dryRun.StatusCode).toBe(204);
    });

    it('answers an unknown function with 404 ResourceNotFoundException', async () => {
      // Act
      const response = await fetch(`${endpoint}/2015-03-31/functions/missing/invocations`, {
        method: 'POST',
        body: '{}',
      });
      const sdkError = await client
        .send(new InvokeCommand({ FunctionName: 'missing', Payload: '{}' }))
        .catch((error: unknown) => error);

      // Assess
      expect(response.status).toBe(404);
      expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
      expect(await response.json()).toEqual({
        Type: 'User',
        message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing',
      });
      expect(sdkError).toMatchObject({ name: 'ResourceNotFoundException' });
    });

    /** A request body of exactly `bytes` bytes; the function answers with 2 bytes (an empty string). */
    function payloadOf(bytes: number): string {
      const empty = JSON.stringify({ bytes: 2, padding: '' });
      return JSON.stringify({ bytes: 2, padding: 'x'.repeat(bytes - empty.length) });
    }

    function invocationsOf(functionName: string) {
      return lambda.invocations.filter((record) => record.functionName === functionName);
    }

    it('refuses a synchronous request over 6 MiB with 413 RequestEntityTooLargeException, running nothing', async () => {
      // Prepare
      const payload = payloadOf(6_291_456 + 1);

      // Act
      const error = await client
        .send(new InvokeCommand({ FunctionName: 'api-sized', Payload: payload }))
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toMatchObject({
        name: 'RequestEntityTooLargeException',
        message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
        $metadata: { httpStatusCode: 413 },
      });
      expect(invocationsOf('api-sized')).toEqual([]);
    });

    it('refuses an Event request over 1 MiB with 413 before queueing it, and takes one of 1 MiB', async () => {
      // Prepare
      const overLimit = payloadOf(1_048_576 + 1);
      const atLimit = payloadOf(1_048_576);

      // Act
      const refused = await client
        .send(new InvokeCommand({ FunctionName: 'api-sized', Payload: overLimit, InvocationType: 'Event' }))
        .catch((caught: unknown) => caught);
      const accepted = await client.send(
        new InvokeCommand({ FunctionName: 'api-sized', Payload: atLimit, InvocationType: 'Event' }),
      );

      // Assess
      expect(refused).toMatchObject({
        name: 'RequestEntityTooLargeException',
        message: '1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)',
        $metadata: { httpStatusCode: 413 },
      });
      expect(accepted.StatusCode).toBe(202);
      await vi.waitFor(() => expect(invocationsOf('api-sized')).toHaveLength(1));
      expect(invocationsOf('api-sized')[0]).toMatchObject({ requestId: accepted.$metadata.requestId });
    });

    it('answers a response over 6 MiB + 100 bytes with Function.ResponseSizeTooLarge, status 200 and Unhandled', async () => {
      // Act
      const atLimit = await client.send(
        new InvokeCommand({ FunctionName: 'api-sized', Payload: JSON.stringify({ bytes: 6_291_556 }) }),
      );
      const overLimit = await client.send(
        new InvokeCommand({ FunctionName: 'api-sized', Payload: JSON.stringify({ bytes: 6_291_556 + 1 }) }),
      );

      // Assess
      expect(atLimit.FunctionError).toBeUndefined();
      expect(atLimit.Payload).toHaveLength(6_291_556);
      expect(overLimit.StatusCode).toBe(200);
      expect(overLimit.FunctionError).toBe('Unhandled');
      expect(JSON.parse(Buffer.from(overLimit.Payload ?? []).toString())).toEqual({
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      });
      expect(invocationsOf('api-sized').at(-1)).toMatchObject({
        status: 'error',
        error: { errorType: 'Function.ResponseSizeTooLarge' },
      });
    });

    it('lists and describes functions', async () => {
      // Act
      const list = (await (await fetch(`${endpoint}/2015-03-31/functions/`)).json()) as {
        Functions: Array<{ FunctionName: string }>;
      };
      const one = (await (await fetch(`${endpoint}/2015-03-31/functions/api-echo`)).json()) as {
        Configuration: unknown;
      };

      // Assess
      expect(list.Functions.map((fn) => fn.FunctionName)).toContain('api-echo');
      expect(one.Configuration).toMatchObject({
        FunctionName: 'api-echo',
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        MemorySize: 256,
        LoggingConfig: { LogFormat: 'Text', LogGroup: '/aws/lambda/api-echo' },
      });
    });
  });
});

describe('idle execution environments', { timeout: 20_000 }, () => {
  const lambda = new LambdaService({
    aws,
    logs: new LogStore(),
    deliver: async () => {},
    idleEnvironmentMs: 1_000,
  });

  afterAll(() => lambda.stop());

  it('stops an environment left idle past idleEnvironmentMs, so the next invoke is a cold start', async () => {
    // Prepare
    lambda.createFunction(functionConfig('idle-echo', 'echo'));
    const cold = await lambda.invoke('idle-echo', '{}');
    const warm = await lambda.invoke('idle-echo', '{}');
    const pid = JSON.parse(cold.payload ?? '{}').pid as number;

    // Act
    await vi.waitFor(() => expect(isRunning(pid)).toBe(false), { timeout: 10_000 });
    const next = await lambda.invoke('idle-echo', '{}');

    // Assess
    expect(JSON.parse(warm.payload ?? '{}').pid).toBe(pid);
    expect(JSON.parse(next.payload ?? '{}').pid).not.toBe(pid);
    expect(lambda.invocations.map((record) => record.initDurationMs !== undefined)).toEqual([
      true,
      false,
      true,
    ]);
  });
});

describe('LambdaService.stop', { timeout: 20_000 }, () => {
  const services: LambdaService[] = [];

  afterEach(async () => {
    await Promise.all(services.map((service) => service.stop()));
    services.length = 0;
  });

  function newService(asyncRetryDelaysMs: readonly number[]) {
    const logs = new LogStore();
    const delivered: Array<{ destinationArn: string; payload: unknown }> = [];
    const lambda = new LambdaService({
      aws,
      logs,
      deliver: async (destinationArn, payload) => {
        delivered.push({ destinationArn, payload });
      },
      asyncRetryDelaysMs,
    });
    services.push(lambda);
    return { lambda, logs, delivered };
  }

  it('drops the async events it cuts short: no retry wait, no failure recorded, nothing delivered', async () => {
    // Prepare
    const { lambda, logs, delivered } = newService([60_000]);
    const onFailure = 'arn:aws:sqs:us-east-1:000000000000:failures';
    lambda.createFunction(
      functionConfig('once', 'sleeps', { deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq' }),
    );
    lambda.setAsyncInvokeConfig('once', { maximumRetryAttempts: 0, onFailure });
    lambda.createFunction(functionConfig('retrying', 'sleeps'));
    lambda.setAsyncInvokeConfig('retrying', { maximumRetryAttempts: 2, onFailure });
    const events = await Promise.all(
      ['once', 'retrying'].map((name) =>
        lambda.invoke(name, JSON.stringify({ ms: 10_000 }), { invocationType: 'Event' }),
      ),
    );
    await vi.waitFor(
      () => {
        for (const [index, name] of ['once', 'retrying'].entries()) {
          const messages = logs.getLogEvents(`/aws/lambda/${name}`).map((event) => event.message);
          expect(messages).toContain(`START RequestId: ${events[index]?.requestId} Version: $LATEST`);
        }
      },
      { timeout: 10_000 },
    );

    // Act
    await lambda.stop();

    // Assess
    expect(delivered).toEqual([]);
    expect(lambda.invocations).toEqual([]);
  });

  it('ends the processes a function started along with its runtime', async () => {
    // Prepare
    const { lambda, logs } = newService([10]);
    lambda.createFunction(functionConfig('spawner', 'spawns'));
    const invoke = lambda.invoke('spawner', JSON.stringify({ ms: 10_000 }));
    const grandchild = await vi.waitFor(
      () => {
        const messages = logs.getLogEvents('/aws/lambda/spawner').map((event) => event.message);
        const pid = Number(/grandchild (\d+)/.exec(messages.join('\n'))?.[1]);
        if (!pid) throw new Error('no child process yet');
        return pid;
      },
      { timeout: 10_000 },
    );

    // Act
    await lambda.stop();

    // Assess
    await invoke;
    await vi.waitFor(() => expect(isRunning(grandchild)).toBe(false));
    expect(lambda.invocations).toEqual([]);
  });
});
