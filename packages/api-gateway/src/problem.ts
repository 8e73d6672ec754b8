/**
 * Errors as RFC 9457 problem details (`application/problem+json`). Every client error the API can give is listed
 * here, once, with its status and title; the `detail` says what was wrong with this request.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A stable identifier per kind of problem: clients switch on `type`, people read `title` and `detail`. */
const TYPE_PREFIX = 'tag:lambda-triggers,2026:problem:';

export const PROBLEMS = {
  'bad-request': { status: 400, title: 'The request could not be read' },
  'malformed-json': { status: 400, title: 'The body is not valid JSON' },
  'validation-failed': { status: 400, title: 'The request is not valid' },
  'invalid-cursor': { status: 400, title: 'The cursor is not valid' },
  unauthenticated: { status: 401, title: 'No authenticated user' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'note-exists': { status: 409, title: 'A note with this id exists' },
  'precondition-failed': { status: 412, title: 'The note has changed' },
  'content-too-large': { status: 413, title: 'The body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'precondition-required': { status: 428, title: 'If-Match is required' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

/** One invalid field, pointed at with a JSON Pointer (RFC 6901) into the body, or named for a query parameter. */
export interface FieldError {
  readonly pointer: string;
  readonly detail: string;
}

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  /** Extension: the API Gateway request id, to find the request in the logs. */
  readonly requestId?: string;
  /** Extension (validation-failed): every invalid field, not only the first. */
  readonly errors?: readonly FieldError[];
}

/** Thrown by route code; the router's error handler turns it into the problem response. */
export class Problem extends Error {
  override readonly name = 'Problem';
  readonly status: number;
  readonly title: string;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extras: { headers?: Record<string, string>; errors?: readonly FieldError[] } = {},
  ) {
    super(detail);
    this.status = PROBLEMS[kind].status;
    this.title = PROBLEMS[kind].title;
  }

  toJSON(instance: string, requestId?: string): ProblemDetails {
    return {
      type: `${TYPE_PREFIX}${this.kind}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      instance,
      ...(requestId && { requestId }),
      ...(this.extras.errors && { errors: this.extras.errors }),
    };
  }
}

/** The problem as an HTTP response. */
export function problemResponse(problem: Problem, instance: string, requestId?: string): Response {
  return new Response(JSON.stringify(problem.toJSON(instance, requestId)), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...problem.extras.headers },
  });
}
