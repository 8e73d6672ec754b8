/**
 * The HTTP APIs of a local cloud: one front per AWS::ApiGatewayV2::Api, each on its own 127.0.0.1 port (from the
 * fronts registry, which also rewrites the API's execute-api URLs to it), and the mapping from a template's JWT
 * issuer to a local user pool's keys.
 */
import { createRemoteJWKSet } from 'jose';
import { Fronts } from '../fronts/index.ts';
import { type FrontServices, HttpApiFront, type HttpApiFrontOptions } from './front.ts';
import type { IssuerKeys } from './jwt.ts';

export type { CorsConfig, IntegrationConfig, RouteConfig, StageConfig } from './front.ts';
export { DEFAULT_TIMEOUT_MS, HttpApiFront, MAX_BODY_BYTES } from './front.ts';
export { type IssuerKeys, JwtAuthorizer, type JwtAuthorizerConfig } from './jwt.ts';
export { LambdaAuthorizer, type LambdaAuthorizerConfig } from './lambda-authorizer.ts';

/** An HTTP API as `pnpm start` prints it. */
export interface HttpApiInfo {
  readonly stackName: string;
  readonly apiId: string;
  readonly name: string;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Stage names; `$default` serves at the root, others under `/<name>`. */
  readonly stages: readonly string[];
}

/** The local user pools an issuer can name: cognito-local's, when it runs. */
export interface LocalIssuers {
  /** The pool's JWKS URL and the `iss` its tokens carry, or undefined when there is no such local pool. */
  userPool(poolId: string): Promise<{ jwksUrl: string; issuer: string } | undefined>;
  /** The `iss` prefix local tokens carry (the gateway URL), for issuers written in the local form. */
  readonly issuerDomain?: string;
  /** Why there are no local user pools (cognito-local is not running), when there are none. */
  readonly unavailable?: string;
}

const COGNITO_ISSUER = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/([\w-]+)\/?$/;

export interface HttpApisOptions {
  readonly accountId: string;
  readonly region: string;
  readonly services: FrontServices;
  readonly issuers: LocalIssuers;
  readonly warn: (message: string) => void;
  /** The first API's port, the next ones counting up; free ports when absent. Unused when `fronts` is given. */
  readonly firstPort?: number;
  /** The registry of local fronts to share with other fronts (CloudFront); one of its own when absent. */
  readonly fronts?: Fronts;
}

export class HttpApis {
  readonly #fronts = new Map<string, HttpApiFront>();
  readonly #registry: Fronts;
  readonly #options: HttpApisOptions;

  constructor(options: HttpApisOptions) {
    this.#options = options;
    this.#registry = options.fronts ?? new Fronts({ firstPort: options.firstPort });
  }

  get warn(): (message: string) => void {
    return this.#options.warn;
  }

  /** Invokes a Lambda authorizer through the Lambda service, as API Gateway does. */
  invokeAuthorizer(functionArn: string, event: Record<string, unknown>) {
    return this.#options.services.invoke(functionArn, JSON.stringify(event), {
      invocationType: 'RequestResponse',
      source: 'aws:apigateway',
      event,
    });
  }

  async create(
    options: Omit<HttpApiFrontOptions, 'services' | 'accountId' | 'region'>,
  ): Promise<HttpApiFront> {
    const front = new HttpApiFront({
      ...options,
      accountId: this.#options.accountId,
      region: this.#options.region,
      services: this.#options.services,
      port: this.#registry.allocatePort(),
    });
    await front.listen();
    this.#fronts.set(front.apiId, front);
    this.#registry.register(`${front.apiId}.execute-api.*.amazonaws.com`, front.url);
    return front;
  }

  get(apiId: string): HttpApiFront | undefined {
    return this.#fronts.get(apiId);
  }

  list(): HttpApiInfo[] {
    return [...this.#fronts.values()].map((front) => ({
      stackName: front.stackName,
      apiId: front.apiId,
      name: front.name,
      url: front.url,
      stages: [...front.stages.keys()],
    }));
  }

  /**
   * The keys for a template's issuer. A Cognito issuer (`https://cognito-idp.<region>.amazonaws.com/<poolId>`)
   * or its local form (`<gateway>/<poolId>`) maps to the cognito-local pool with that id; anything else has no
   * local keys, since nothing is fetched from the internet.
   */
  async issuerKeys(issuer: string): Promise<IssuerKeys> {
    const { issuers } = this.#options;
    const local = issuers.issuerDomain && issuer.startsWith(`${issuers.issuerDomain}/`);
    const poolId = local
      ? issuer.slice((issuers.issuerDomain as string).length + 1).replace(/\/$/, '')
      : COGNITO_ISSUER.exec(issuer)?.[1];
    if (!poolId) {
      return {
        problem: `its issuer ${issuer} is not a Cognito user pool, and the local cloud fetches no keys from the internet`,
      };
    }
    if (issuers.unavailable) {
      return {
        problem: `its issuer is the user pool ${poolId}, but ${issuers.unavailable.replace(/\.$/, '')}`,
      };
    }
    const pool = await issuers.userPool(poolId);
    if (!pool) {
      return { problem: `its issuer names the user pool ${poolId}, which is not a pool of this local cloud` };
    }
    return { jwks: createRemoteJWKSet(new URL(pool.jwksUrl)), issuer: pool.issuer };
  }

  /**
   * Rewrites AWS's execute-api URLs of local APIs (`https://<id>.execute-api.<region>.amazonaws.com/…`) to local
   * ones, and those of the other fronts sharing the registry.
   */
  localize(text: string): string {
    return this.#registry.localize(text);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#fronts.values()].map((front) => front.stop()));
  }
}
