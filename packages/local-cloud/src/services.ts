/**
 * The services the local cloud runs in its own process, on top of the emulators: the Lambda service, CloudWatch
 * Logs, the destinations records are sent to, the S3 front and its notifications, the HTTP API fronts, and the
 * event sources (mappings' pollers) that run until the cloud stops. Each gateway route they answer is a row of
 * IN_PROCESS_ROUTES.
 */
import { Agent } from 'node:http';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Clock } from './clock.ts';
import type { DeployServices } from './deploy/resource.ts';
import { Destinations } from './destinations.ts';
import { cognitoUserPool } from './emulators/cognito-local.ts';
import { COGNITO_LOCAL, type Emulators, FAUXQS } from './emulators/index.ts';
import { LocalCloudError } from './errors.ts';
import { RecordFeed } from './feed.ts';
import { FirehoseService } from './firehose/service.ts';
import type { Gateway } from './gateway.ts';
import { HttpApis } from './http-api/index.ts';
import { LambdaService } from './lambda/service.ts';
import { LogStore } from './logs/store.ts';
import { S3Front } from './s3/front.ts';
import { S3Notifications } from './triggers/s3-notifications.ts';
import type {
  ApiHandler,
  AwsContext,
  ClientFactory,
  EventSource,
  LocalClientConfig,
  TriggerNotice,
  TriggerServices,
} from './types.ts';

/** The credentials local clients sign with; no emulator checks them. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface ServicesOptions {
  readonly aws: AwsContext;
  readonly clock: Clock;
  readonly gateway: Gateway;
  readonly emulators: Emulators;
  readonly workDirectory: string;
  readonly warn: (message: string) => void;
  readonly asyncRetryDelaysMs?: readonly number[];
  readonly maxConcurrency?: number;
  readonly runtimeModuleDirectories?: readonly string[];
  readonly apiPort?: number;
}

/** Gateway routes answered in-process, by signing name. */
const IN_PROCESS_ROUTES: readonly [route: string, handler: (services: CloudServices) => ApiHandler][] = [
  ['lambda', (services) => services.lambda],
  ['logs', (services) => services.logStore],
  ['s3', (services) => services.s3Front],
  ['firehose', (services) => services.firehose],
];

/** SDK clients of one endpoint, made once per client class and destroyed together. */
function clientFactory(aws: AwsContext): ClientFactory & { destroyAll(): void } {
  const made = new Map<unknown, { destroy(): void }>();
  const config: LocalClientConfig & Record<string, unknown> = {
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: LOCAL_CREDENTIALS,
    // Path-style S3 addressing: bucket names as host names do not resolve to the gateway (other clients ignore it).
    forcePathStyle: true,
    // Many long polls may be open at once: the SDK's default of 50 sockets would queue them.
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 1000 }) }),
  };
  const factory = (<T extends { destroy(): void }>(
    Client: new (config: LocalClientConfig & Record<string, unknown>) => T,
  ): T => {
    let client = made.get(Client) as T | undefined;
    if (!client) {
      client = new Client(config);
      made.set(Client, client);
    }
    return client;
  }) as ClientFactory & { destroyAll(): void };
  factory.destroyAll = () => {
    for (const client of made.values()) client.destroy();
    made.clear();
  };
  return factory;
}

export class CloudServices {
  readonly lambda: LambdaService;
  readonly logStore: LogStore;
  readonly destinations: Destinations;
  readonly s3Notifications: S3Notifications;
  readonly s3Front: S3Front;
  readonly httpApis: HttpApis;
  readonly firehose: FirehoseService;
  readonly triggers: TriggerServices;
  /** What triggers did that no function log shows (retries, moves to a DLQ), most recent 1,000. */
  readonly notices = new RecordFeed<TriggerNotice>(1000);
  readonly clients: ClientFactory & { destroyAll(): void };
  /** Every event source running: the S3 notifications and each mapping's poller. */
  readonly eventSources: EventSource[] = [];
  readonly #options: ServicesOptions;

  constructor(options: ServicesOptions) {
    this.#options = options;
    const { aws, clock, emulators, warn } = options;
    this.clients = clientFactory(aws);
    this.logStore = new LogStore({ aws });
    const invoke: TriggerServices['invoke'] = (functionName, payload, invokeOptions) =>
      this.lambda.invoke(functionName, payload, invokeOptions);
    this.destinations = new Destinations({ aws, clock, clients: this.clients, invoke });
    this.lambda = new LambdaService({
      aws,
      clock,
      logs: this.logStore,
      deliver: this.destinations.deliver,
      notice: (notice) => this.notices.push(notice),
      ...(options.asyncRetryDelaysMs ? { asyncRetryDelaysMs: options.asyncRetryDelaysMs } : {}),
      ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
      ...(options.runtimeModuleDirectories
        ? { runtimeModuleDirectories: options.runtimeModuleDirectories }
        : {}),
    });
    this.triggers = {
      aws,
      clock,
      invoke,
      emulatorUrl: (route) => emulators.url(route),
      warn,
      notice: (notice) => this.notices.push(notice),
      deliver: (arn, payload) => this.destinations.deliver(arn, payload),
    };

    // S3 goes through a front of ours: it tells the notifications which objects each request created or removed.
    const fauxqs = emulators.get(FAUXQS);
    if (!fauxqs) throw new LocalCloudError('fauxqs is not running, so neither SQS nor S3 can.');
    this.s3Notifications = new S3Notifications({
      aws,
      invokeAsync: (functionArn, payload) =>
        invoke(functionArn, payload, { invocationType: 'Event', source: 'aws:s3' }),
      deliver: this.destinations.deliver,
      onWarning: warn,
    });
    this.eventSources.push(this.s3Notifications);
    this.firehose = new FirehoseService({ aws, register: (source) => this.eventSources.push(source) });
    this.s3Front = new S3Front({
      url: fauxqs.url,
      onObjectChanges: (changes) => this.s3Notifications.notify(changes),
      notifications: this.s3Notifications,
      onWarning: warn,
    });

    const cognito = emulators.get(COGNITO_LOCAL);
    const cognitoUnavailable = emulators.unavailable('cognito-idp');
    this.httpApis = new HttpApis({
      accountId: aws.accountId,
      region: aws.region,
      services: {
        invoke: (arn, payload, invokeOptions) => this.lambda.invoke(arn, payload, invokeOptions),
        putLogEvents: (group, stream, events) => this.logStore.putLogEvents(group, stream, events),
      },
      issuers: {
        ...(cognito ? { issuerDomain: cognito.issuerDomain } : {}),
        ...(cognitoUnavailable ? { unavailable: cognitoUnavailable } : {}),
        userPool: async (poolId) =>
          cognito ? cognitoUserPool(cognito, this.clients(CognitoIdentityProviderClient), poolId) : undefined,
      },
      warn,
      ...(options.apiPort ? { firstPort: options.apiPort } : {}),
    });

    for (const [route, backend] of emulators.routes()) options.gateway.route(route, backend);
    for (const [route, handler] of IN_PROCESS_ROUTES)
      options.gateway.route(route, { handler: handler(this) });
  }

  /** What the deployer creates resources with. */
  deployServices(): DeployServices {
    const { emulators, workDirectory } = this.#options;
    return {
      lambda: this.lambda,
      logs: this.logStore,
      clients: this.clients,
      unavailable: (route) => emulators.unavailable(route),
      triggers: this.triggers,
      startEventSource: (source) => {
        this.eventSources.push(source);
        source.start();
      },
      s3Notifications: this.s3Notifications,
      workDirectory,
      httpApis: this.httpApis,
      firehose: this.firehose,
    };
  }

  /**
   * Stops in the reverse of the order requests flow: event sources stop taking work at once but finish the batch
   * in hand; stopping Lambda alongside ends that batch instead of waiting out a long function timeout.
   */
  async stop(): Promise<void> {
    const sourcesStopped = Promise.allSettled(this.eventSources.map((source) => source.stop()));
    const outcomes = [
      await Promise.allSettled([this.httpApis.stop()]),
      await Promise.allSettled([this.lambda.stop()]),
      await sourcesStopped,
    ].flat();
    this.clients.destroyAll();
    this.s3Front.destroy();
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
