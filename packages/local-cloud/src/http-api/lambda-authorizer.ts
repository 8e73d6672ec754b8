/**
 * The Lambda (REQUEST) authorizer of an HTTP API: the identity sources must all be present (else 401 without an
 * invoke); the authorizer function gets the 2.0 or 1.0 authorizer event and answers with a simple response
 * (`{isAuthorized, context}`, 2.0 with EnableSimpleResponses) or an IAM policy (`{principalId, policyDocument,
 * context}`) whose Allow must match the route's ARN and no Deny; else 403. A failing authorizer is a 500.
 * Answers are cached per identity for AuthorizerResultTtlInSeconds.
 */
import { isRecord } from '../shared.ts';
import type { InvokeResult } from '../types.ts';
import {
  buildEventV1,
  buildEventV2,
  type HttpAnswer,
  INTERNAL_ERROR,
  jsonMessage,
  type RequestFacts,
} from './event.ts';

export interface LambdaAuthorizerConfig {
  readonly authorizerId: string;
  readonly name: string;
  readonly functionArn: string;
  /** `$request.header.Authorization`, `$request.querystring.token`, `$context.…`, `$stageVariables.…`. */
  readonly identitySource: readonly string[];
  readonly payloadFormatVersion: '1.0' | '2.0';
  readonly simpleResponses: boolean;
  readonly resultTtlSeconds: number;
}

export type LambdaAuthorizeResult =
  | { readonly ok: true; readonly context: Record<string, unknown>; readonly principalId?: string }
  | { readonly ok: false; readonly answer: HttpAnswer; readonly error: string };

export type InvokeAuthorizer = (functionArn: string, event: Record<string, unknown>) => Promise<InvokeResult>;

/** `*` and `?` wildcards, as IAM matches resources. */
function resourceMatches(pattern: string, arn: string): boolean {
  const expression = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${expression}$`).test(arn);
}

function listOfStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.map(String) : [];
}

/** Whether an IAM policy lets `execute-api:Invoke` on `routeArn`: an Allow matches and no Deny does. */
export function policyAllows(policy: unknown, routeArn: string): boolean {
  if (!isRecord(policy)) return false;
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  let allowed = false;
  for (const statement of statements) {
    if (!isRecord(statement)) continue;
    const actions = listOfStrings(statement.Action);
    const coversInvoke = actions.some((action) =>
      resourceMatches(action.toLowerCase(), 'execute-api:invoke'),
    );
    const coversRoute = listOfStrings(statement.Resource).some((resource) =>
      resourceMatches(resource, routeArn),
    );
    if (!coversInvoke || !coversRoute) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

export class LambdaAuthorizer {
  readonly config: LambdaAuthorizerConfig;
  readonly #invoke: InvokeAuthorizer;
  /** The authorizer's answers by identity, as API Gateway caches them: not by route. */
  readonly #cache = new Map<string, { expiresAt: number; answer: Record<string, unknown> }>();

  constructor(config: LambdaAuthorizerConfig, invoke: InvokeAuthorizer) {
    this.config = config;
    this.#invoke = invoke;
  }

  /** The identity source values, or undefined when one is missing (API Gateway then answers 401 at once). */
  #identity(facts: RequestFacts): string[] | undefined {
    const query = new URLSearchParams(facts.rawQueryString);
    const values: string[] = [];
    for (const source of this.config.identitySource) {
      let value: string | undefined;
      const header = /^\$request\.header\.(.+)$/i.exec(source)?.[1];
      const queryName = /^\$request\.querystring\.(.+)$/i.exec(source)?.[1];
      const stageVariable = /^\$stageVariables\.(.+)$/.exec(source)?.[1];
      if (header) {
        const raw = facts.request.headers[header.toLowerCase()];
        value = Array.isArray(raw) ? raw.join(',') : raw;
      } else if (queryName) value = query.getAll(queryName).join(',') || undefined;
      else if (stageVariable) value = facts.stageVariables[stageVariable];
      else value = source; // a $context variable: the same for every request of a route
      if (!value) return undefined;
      values.push(value);
    }
    return values;
  }

  async authorize(facts: RequestFacts, routeArn: string): Promise<LambdaAuthorizeResult> {
    const identity = this.#identity(facts);
    if (!identity) {
      return { ok: false, answer: jsonMessage(401, 'Unauthorized'), error: 'an identity source is missing' };
    }
    const ttl = this.config.resultTtlSeconds;
    // Cached per identity only, as API Gateway does: a policy cached for one route is judged again on the next, so
    // one that names only the first route denies the others (the classic "first route works, then 403").
    const key = JSON.stringify(identity);
    const cached = ttl > 0 ? this.#cache.get(key) : undefined;
    if (cached && cached.expiresAt > Date.now()) return this.#decide(cached.answer, routeArn);
    const asked = await this.#ask(facts, routeArn, identity);
    if ('failed' in asked) return asked.failed;
    const result = this.#decide(asked.response, routeArn);
    // Failures are not cached: API Gateway caches the authorizer's answers, not its errors.
    if (ttl > 0 && (result.ok || result.answer.statusCode === 403)) {
      this.#cache.set(key, { expiresAt: Date.now() + ttl * 1000, answer: asked.response });
    }
    return result;
  }

  /** The authorizer's answer as an object, or the failure to answer. */
  async #ask(
    facts: RequestFacts,
    routeArn: string,
    identity: string[],
  ): Promise<{ response: Record<string, unknown> } | { failed: LambdaAuthorizeResult }> {
    const event =
      this.config.payloadFormatVersion === '2.0'
        ? { ...withoutBody(buildEventV2(facts)), type: 'REQUEST', routeArn, identitySource: identity }
        : {
            ...withoutBody(buildEventV1(facts)),
            type: 'REQUEST',
            methodArn: routeArn,
            identitySource: identity.join(','),
            ...(facts.request.headers.authorization
              ? { authorizationToken: String(facts.request.headers.authorization) }
              : {}),
          };
    let outcome: InvokeResult;
    try {
      outcome = await this.#invoke(this.config.functionArn, event);
    } catch (error) {
      return {
        failed: {
          ok: false,
          answer: INTERNAL_ERROR,
          error: `the authorizer could not be invoked: ${String(error)}`,
        },
      };
    }
    if (outcome.functionError)
      return { failed: { ok: false, answer: INTERNAL_ERROR, error: 'the authorizer failed' } };
    let answer: unknown;
    try {
      answer = JSON.parse(outcome.payload ?? 'null');
    } catch {
      return { failed: { ok: false, answer: INTERNAL_ERROR, error: 'the authorizer answered no JSON' } };
    }
    if (!isRecord(answer))
      return { failed: { ok: false, answer: INTERNAL_ERROR, error: 'the authorizer answered no object' } };
    return { response: answer };
  }

  /** Whether an answer lets this route through: its simple response, or its policy judged against the route. */
  #decide(answer: Record<string, unknown>, routeArn: string): LambdaAuthorizeResult {
    const context = isRecord(answer.context) ? answer.context : {};
    const allowed = this.config.simpleResponses
      ? typeof answer.isAuthorized === 'boolean'
        ? answer.isAuthorized
        : undefined
      : isRecord(answer.policyDocument)
        ? policyAllows(answer.policyDocument, routeArn)
        : undefined;
    if (allowed === undefined) {
      return { ok: false, answer: INTERNAL_ERROR, error: 'the authorizer answered in the wrong format' };
    }
    if (!allowed)
      return { ok: false, answer: jsonMessage(403, 'Forbidden'), error: 'the authorizer denied access' };
    return {
      ok: true,
      context,
      ...(typeof answer.principalId === 'string' ? { principalId: answer.principalId } : {}),
    };
  }
}

/** The authorizer event carries the request but not its body. */
function withoutBody(event: Record<string, unknown>): Record<string, unknown> {
  const { body: _body, isBase64Encoded: _encoded, ...rest } = event;
  return rest;
}
