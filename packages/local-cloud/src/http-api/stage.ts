/**
 * What a stage adds to a request: throttling (a token bucket per route, as API Gateway's rate and burst limits)
 * and access logging (one line per request in the stage's Format, `$context.*` variables filled in).
 */

export interface ThrottleLimits {
  /** Requests per second, refilled continuously. */
  readonly rateLimit: number;
  /** The bucket's size: how many requests may arrive at once. */
  readonly burstLimit: number;
}

export class TokenBucket {
  readonly #limits: ThrottleLimits;
  #tokens: number;
  #updatedAt: number;

  constructor(limits: ThrottleLimits, now = Date.now()) {
    this.#limits = limits;
    this.#tokens = limits.burstLimit;
    this.#updatedAt = now;
  }

  /** Takes a token if there is one. */
  take(now = Date.now()): boolean {
    const refill = ((now - this.#updatedAt) / 1000) * this.#limits.rateLimit;
    this.#tokens = Math.min(this.#limits.burstLimit, this.#tokens + refill);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** `$context.identity.sourceIp` → its value; unknown or empty variables print as `-`, as API Gateway's do. */
export function formatAccessLog(format: string, context: Readonly<Record<string, unknown>>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.:-]*[A-Za-z0-9_:-])/g, (_match, name: string) => {
    const value = context[name];
    return value === undefined || value === null || value === '' ? '-' : String(value);
  });
}

/** `arn:aws:logs:us-east-1:000000000000:log-group:/my/group:*` → `/my/group`. */
export function logGroupOfArn(arn: string): string | undefined {
  const match = /^arn:aws[\w-]*:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$/.exec(arn);
  return match?.[1];
}
