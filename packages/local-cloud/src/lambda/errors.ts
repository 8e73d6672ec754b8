import type { ServerResponse } from 'node:http';

/** An error the Lambda API answers with: HTTP status, `x-amzn-ErrorType`, and Lambda's `{Type, message}` body. */
export class LambdaApiError extends Error {
  readonly statusCode: number;
  readonly type: string;
  readonly reason?: string;

  constructor(statusCode: number, type: string, message: string, reason?: string) {
    super(message);
    this.name = type;
    this.statusCode = statusCode;
    this.type = type;
    this.reason = reason;
  }
}

export function functionNotFound(arn: string): LambdaApiError {
  return new LambdaApiError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
}

export function throttled(reason: string): LambdaApiError {
  return new LambdaApiError(429, 'TooManyRequestsException', 'Rate Exceeded.', reason);
}

export function sendLambdaError(response: ServerResponse, error: LambdaApiError, requestId: string): void {
  const body = JSON.stringify({
    ...(error.reason ? { Reason: error.reason } : {}),
    Type: error.statusCode >= 500 ? 'Service' : 'User',
    message: error.message,
  });
  response.writeHead(error.statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': error.type,
    'x-amzn-requestid': requestId,
  });
  response.end(body);
}
