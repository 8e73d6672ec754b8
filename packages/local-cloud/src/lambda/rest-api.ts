/**
 * The Lambda REST API on the gateway: Invoke, ListFunctions, GetFunction and GetFunctionConfiguration, with
 * Lambda's headers and error shapes, so the SDK's LambdaClient, the AWS CLI and cognito-local work against it.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../shared.ts';
import type { FunctionConfig, InvocationType, InvokeResult } from '../types.ts';
import { LambdaApiError, sendLambdaError } from './errors.ts';
import { header } from './helpers.ts';

/** What the REST API asks of the Lambda service; the service implements it and hands its requests here. */
export interface LambdaApiBackend {
  listFunctions(): FunctionConfig[];
  /** Throws a 404 LambdaApiError when there is no such function, version or alias. */
  resolveFunction(nameOrArn: string, qualifier?: string): { config: FunctionConfig };
  invokeWithLogs(
    nameOrArn: string,
    payload: string,
    options: { invocationType: InvocationType; source: string; clientContext?: string; qualifier?: string },
  ): Promise<{ result: InvokeResult; logs: readonly string[] }>;
}

const PREFIX = '/2015-03-31/functions';
const LOG_RESULT_BYTES = 4096;
const INVOCATION_TYPES = new Set<string>(['RequestResponse', 'Event', 'DryRun']);

export async function handleLambdaApi(
  service: LambdaApiBackend,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '');
  try {
    if (request.method === 'GET' && path === PREFIX) {
      sendJson(response, 200, { Functions: service.listFunctions().map((config) => configuration(config)) });
      return;
    }
    const match = /^\/2015-03-31\/functions\/([^/]+)(?:\/(invocations|configuration))?$/.exec(path);
    if (!match) throw unknownOperation(request, path);
    const name = decodeURIComponent(match[1] as string);
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;
    if (request.method === 'POST' && match[2] === 'invocations') {
      await invoke(service, request, response, body, name, qualifier);
    } else if (request.method === 'GET' && match[2] === undefined) {
      const { config } = service.resolveFunction(name, qualifier);
      sendJson(response, 200, {
        Configuration: configuration(config),
        Code: { RepositoryType: 'S3', Location: `file://${config.codeDirectory}` },
        Tags: {},
      });
    } else if (request.method === 'GET' && match[2] === 'configuration') {
      const { config } = service.resolveFunction(name, qualifier);
      sendJson(response, 200, configuration(config));
    } else {
      throw unknownOperation(request, path);
    }
  } catch (error) {
    const apiError =
      error instanceof LambdaApiError
        ? error
        : new LambdaApiError(500, 'ServiceException', error instanceof Error ? error.message : String(error));
    sendLambdaError(response, apiError, randomUUID());
  }
}

async function invoke(
  service: LambdaApiBackend,
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  name: string,
  qualifier: string | undefined,
): Promise<void> {
  const invocationType = header(request, 'x-amz-invocation-type') || 'RequestResponse';
  if (!INVOCATION_TYPES.has(invocationType)) {
    throw new LambdaApiError(
      400,
      'InvalidParameterValueException',
      `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
    );
  }
  const clientContext = header(request, 'x-amz-client-context') || undefined;
  const { result, logs } = await service.invokeWithLogs(name, body.toString('utf8'), {
    invocationType: invocationType as InvocationType,
    source: invocationType,
    clientContext,
    qualifier,
  });
  const headers: Record<string, string | number> = {
    'x-amzn-requestid': result.requestId,
    'x-amz-executed-version': result.executedVersion,
  };
  if (result.statusCode !== 200) {
    response.writeHead(result.statusCode, { ...headers, 'content-length': 0 });
    response.end();
    return;
  }
  if (result.functionError) headers['x-amz-function-error'] = result.functionError;
  if (header(request, 'x-amz-log-type') === 'Tail') headers['x-amz-log-result'] = logResult(logs);
  const payload = result.payload ?? '';
  response.writeHead(200, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

/** The last 4 KB of the invocation's log, base64-encoded. */
function logResult(lines: readonly string[]): string {
  const text = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
  return text.subarray(Math.max(0, text.length - LOG_RESULT_BYTES)).toString('base64');
}

/** FunctionConfiguration, as GetFunction and ListFunctions return it. */
function configuration(config: FunctionConfig): Record<string, unknown> {
  return {
    FunctionName: config.name,
    FunctionArn: config.arn,
    Runtime: config.runtime,
    Handler: config.handler,
    CodeSize: 0,
    Description: '',
    Timeout: config.timeoutSeconds,
    MemorySize: config.memorySize,
    Version: '$LATEST',
    Environment: { Variables: { ...config.environment } },
    TracingConfig: { Mode: 'PassThrough' },
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: [config.architecture],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: {
      LogFormat: config.logFormat,
      LogGroup: config.logGroupName,
      ...(config.applicationLogLevel ? { ApplicationLogLevel: config.applicationLogLevel } : {}),
      ...(config.systemLogLevel ? { SystemLogLevel: config.systemLogLevel } : {}),
    },
    ...(config.deadLetterTargetArn ? { DeadLetterConfig: { TargetArn: config.deadLetterTargetArn } } : {}),
  };
}

function unknownOperation(request: IncomingMessage, path: string): LambdaApiError {
  return new LambdaApiError(
    400,
    'UnknownOperationException',
    `The local Lambda service does not support ${request.method ?? 'GET'} ${path}.`,
  );
}
