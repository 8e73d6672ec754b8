/**
 * Lambda's invocation payload limits and the errors AWS answers when one is passed. AWS documents "6 MB" and
 * "1 MB" (Invoke API reference); what it enforces, and names in its messages, is bytes: a synchronous request
 * must stay within 6 MiB, a response within 6 MiB plus 100 bytes, an asynchronous request within 1 MiB (256 KiB
 * until AWS raised it in 2025). The error type on the wire is RequestEntityTooLargeException, although the SDKs
 * model RequestTooLargeException (aws/aws-sdk#45).
 */
import type { InvocationType } from '../types.ts';
import { LambdaApiError } from './errors.ts';

/** A synchronous Invoke's request body (RequestResponse, DryRun), and the ceiling for any Invoke request. */
export const SYNCHRONOUS_REQUEST_LIMIT = 6_291_456;
/** An asynchronous Invoke's request body. */
export const ASYNCHRONOUS_REQUEST_LIMIT = 1_048_576;
/** A function's response, as Lambda's Runtime API takes it. */
export const RESPONSE_LIMIT = 6_291_556;

/** What an invoke returns (status 200, function error Unhandled) when the function's response is over the limit. */
export const RESPONSE_TOO_LARGE = {
  errorType: 'Function.ResponseSizeTooLarge',
  errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT} bytes).`,
} as const;

/** The 413 AWS answers for a request body over its invocation type's limit; undefined when it is within. */
export function requestTooLarge(invocationType: InvocationType, bytes: number): LambdaApiError | undefined {
  if (bytes > SYNCHRONOUS_REQUEST_LIMIT) {
    return new LambdaApiError(
      413,
      'RequestEntityTooLargeException',
      `Request must be smaller than ${SYNCHRONOUS_REQUEST_LIMIT} bytes for the InvokeFunction operation`,
    );
  }
  if (invocationType === 'Event' && bytes > ASYNCHRONOUS_REQUEST_LIMIT) {
    return new LambdaApiError(
      413,
      'RequestEntityTooLargeException',
      `${bytes} byte payload is too large for the Event invocation type (limit ${ASYNCHRONOUS_REQUEST_LIMIT} bytes)`,
    );
  }
  return undefined;
}
