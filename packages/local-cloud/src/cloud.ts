/**
 * The composition root of the local cloud: the gateway, the emulators behind it, the in-process services
 * (Lambda, CloudWatch Logs), and the stacks of a cloud assembly deployed into them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readAssembly, selectStacks } from './assembly.ts';
import { deployStack } from './deploy/deployer.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './deploy/intrinsics.ts';
import type { DeployServices } from './deploy/resource.ts';
import { declaresCognito } from './deploy/resources/cognito.ts';
import { type CognitoLocal, cognitoUserPool, startCognitoLocal } from './emulators/cognito-local.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './emulators/dynamodb-local.ts';
import { type FauxqsEmulator, startFauxqs } from './emulators/fauxqs.ts';
import { messageOf } from './errors.ts';
import { type Gateway, startGateway } from './gateway.ts';
import { type HttpApiInfo, HttpApis } from './http-api/index.ts';
import type { Deliver } from './lambda/index.ts';
import { LambdaService } from './lambda/service.ts';
import { LogStore } from './logs/store.ts';
import { S3Front } from './s3/front.ts';
import { S3Notifications } from './triggers/s3-notifications.ts';
import { SqsPoller } from './triggers/sqs.ts';
import type {
  AwsContext,
  DeployedStack,
  InvocationRecord,
  InvocationType,
  InvokeResult,
  LogEvent,
} from './types.ts';

export interface LocalCloudOptions {
  /** The cloud assembly directory (`cdk.out`). */
  readonly assembly: string;
  /** Stacks to deploy, by id or short name (`sqs` for `Triggers-Sqs`), plus what they depend on; all by default. */
  readonly stacks?: readonly string[];
  /** The gateway port: 4566 by default, 0 for a free one. */
  readonly port?: number;
  /** The first HTTP API's port, the next ones counting up; 0 (default) gives each a free port. */
  readonly apiPort?: number;
  /** Progress while starting, one line each. */
  readonly onProgress?: (message: string) => void;
  /** Something that did not run (DynamoDB Local without Java, a destination we do not emulate), one line each. */
  readonly onWarning?: (message: string) => void;
  /** Start DynamoDB Local: 'auto' (default) starts it when a selected stack declares a DynamoDB table. */
  readonly dynamodb?: boolean | 'auto';
  /** Start cognito-local: 'auto' (default) starts it when a selected stack declares an AWS::Cognito::* resource. */
  readonly cognito?: boolean | 'auto';
  /** Waits before async-invoke retries (Lambda's 1 and 2 minutes, scaled down; 1 s and 2 s by default). */
  readonly asyncRetryDelaysMs?: readonly number[];
  /** Account-level concurrent executions (50 by default). */
  readonly maxConcurrency?: number;
  /**
   * Directories whose node_modules stand in for the SDK that Lambda's Node.js runtime provides (bundles leave
   * `@aws-sdk/*` external); this package's by default.
   */
  readonly runtimeModuleDirectories?: readonly string[];
}

export interface LocalLogEvent extends LogEvent {
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** A running local cloud. */
export interface LocalCloud {
  /** The one endpoint, e.g. http://127.0.0.1:4566: use it as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly aws: AwsContext;
  /** What an AWS SDK v3 client needs to talk to this cloud: `new SQSClient(cloud.clientConfig)`. */
  readonly clientConfig: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: typeof LOCAL_CREDENTIALS;
  };
  readonly stacks: readonly DeployedStack[];
  /** The HTTP APIs (AWS::ApiGatewayV2::Api), each on its own 127.0.0.1 port. */
  readonly httpApis: readonly HttpApiInfo[];
  /** What did not start or run, one sentence each (also sent to onWarning). */
  readonly warnings: readonly string[];
  readonly lambda: LambdaService;
  readonly logStore: LogStore;
  /** Every invocation so far, oldest first. */
  readonly invocations: readonly InvocationRecord[];
  /** Invokes a function by name or ARN with `event` as its JSON payload. */
  invoke(functionName: string, event: unknown, invocationType?: InvocationType): Promise<InvokeResult>;
  /** Log events in time order: of one log group (or of the function with that name), or of all groups. */
  logs(group?: string): LocalLogEvent[];
  /** Stops pollers, execution environments, the gateway and the emulators; safe to call twice. */
  stop(): Promise<void>;
}

/** The credentials local clients sign with; no emulator checks them. */
const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    // Pollers keep many long polls open at once: the SDK's default of 50 sockets would queue them.
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 1000 }) }),
  };
}

/** Everything started so far, stopped in the reverse of the order requests flow through it. */
interface Parts {
  gateway?: Gateway;
  fauxqs?: FauxqsEmulator;
  dynamodb?: DynamoDbLocal;
  /** cognito-local while it starts (alongside the other emulators), then once started. */
  cognito?: Promise<CognitoLocal | undefined>;
  httpApis?: HttpApis;
  lambda?: LambdaService;
  s3?: { front: S3Front; notifications: S3Notifications };
  readonly pollers: SqsPoller[];
  readonly clients: { destroy(): void }[];
  workDirectory?: string;
}

async function stopParts(parts: Parts): Promise<void> {
  const errors: unknown[] = [];
  const attempt = async (step: () => unknown): Promise<void> => {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  };
  // Pollers stop polling at once but wait for the batch in hand; stopping Lambda alongside ends that batch
  // instead of waiting out a long function timeout.
  const pollersStopped = Promise.all(parts.pollers.map((poller) => attempt(() => poller.stop())));
  parts.s3?.notifications.stop();
  if (parts.httpApis) await attempt(() => parts.httpApis?.stop());
  if (parts.lambda) await attempt(() => parts.lambda?.stop());
  await pollersStopped;
  if (parts.gateway) await attempt(() => parts.gateway?.stop());
  await Promise.all([
    parts.dynamodb && attempt(() => parts.dynamodb?.stop()),
    parts.fauxqs && attempt(() => parts.fauxqs?.stop()),
    parts.cognito && attempt(async () => (await parts.cognito?.catch(() => undefined))?.stop()),
  ]);
  for (const client of parts.clients) client.destroy();
  parts.s3?.front.destroy();
  if (parts.workDirectory) rmSync(parts.workDirectory, { recursive: true, force: true });
  if (errors.length > 0) throw errors[0];
}

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const progress = options.onProgress ?? (() => {});
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  // Read everything first: a broken assembly fails before anything starts.
  const assembly = readAssembly(options.assembly);
  const selected = selectStacks(assembly, options.stacks);
  const wantsDynamoDb =
    options.dynamodb === 'auto' || options.dynamodb === undefined
      ? selected.some((stack) =>
          Object.values(stack.template.Resources ?? {}).some((resource) =>
            resource.Type.startsWith('AWS::DynamoDB::'),
          ),
        )
      : options.dynamodb;
  const wantsCognito =
    options.cognito === 'auto' || options.cognito === undefined
      ? selected.some((stack) => declaresCognito(stack.template.Resources ?? {}))
      : options.cognito;

  const parts: Parts = { pollers: [], clients: [] };
  try {
    const gateway = await startGateway({ port: options.port });
    parts.gateway = gateway;
    progress(`Gateway listening on ${gateway.url}`);
    const aws: AwsContext = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID, endpoint: gateway.url };
    parts.workDirectory = mkdtempSync(join(tmpdir(), 'local-cloud-'));
    if (wantsCognito) {
      progress('Starting cognito-local (Cognito user pools)');
      // Its tokens' issuer is the gateway, which also serves `<issuer>/.well-known/jwks.json`.
      parts.cognito = startCognitoLocal({
        directory: join(parts.workDirectory, 'cognito'),
        issuerDomain: gateway.url,
      });
      parts.cognito.catch(() => {});
    }

    progress(
      wantsDynamoDb ? 'Starting fauxqs (SQS, SNS, S3) and DynamoDB Local' : 'Starting fauxqs (SQS, SNS, S3)',
    );
    const [fauxqs, dynamodb] = await Promise.allSettled([
      startFauxqs(),
      wantsDynamoDb ? startDynamoDbLocal() : Promise.resolve(undefined),
    ]);
    if (fauxqs.status === 'fulfilled') parts.fauxqs = fauxqs.value;
    if (dynamodb.status === 'fulfilled') parts.dynamodb = dynamodb.value;
    if (fauxqs.status === 'rejected') throw fauxqs.reason;
    const fauxqsUrl = fauxqs.value.url;
    for (const service of ['sqs', 'sns', 'sts']) gateway.route(service, { url: fauxqsUrl });
    let dynamodbUnavailable: string | undefined;
    if (parts.dynamodb) {
      gateway.route('dynamodb', { url: parts.dynamodb.url });
      progress(
        'DynamoDB Local ready (it listens on all interfaces: it has no option to bind 127.0.0.1 only)',
      );
    } else {
      dynamodbUnavailable =
        dynamodb.status === 'rejected'
          ? messageOf(dynamodb.reason)
          : 'DynamoDB Local was not started: no selected stack declares a table.';
      gateway.route('dynamodb', { unavailable: dynamodbUnavailable });
      if (dynamodb.status === 'rejected') warn(dynamodbUnavailable);
    }

    let cognitoUnavailable: string | undefined;
    let cognito: CognitoLocal | undefined;
    try {
      cognito = await parts.cognito;
    } catch (error) {
      cognitoUnavailable = messageOf(error);
      warn(cognitoUnavailable);
    }
    if (cognito) gateway.route('cognito-idp', { url: cognito.url });
    else {
      cognitoUnavailable ??=
        options.cognito === false
          ? 'cognito-local was not started (the cognito option is false).'
          : 'cognito-local was not started: no selected stack declares a Cognito resource.';
      gateway.route('cognito-idp', { unavailable: cognitoUnavailable });
    }
    const cognitoClient = cognito ? new CognitoIdentityProviderClient(clientConfig(gateway.url)) : undefined;
    if (cognitoClient) parts.clients.push(cognitoClient);

    const sqsDirect = new SQSClient(clientConfig(fauxqsUrl));
    const snsDirect = new SNSClient(clientConfig(fauxqsUrl));
    const sqs = new SQSClient(clientConfig(gateway.url));
    const dynamoClient = parts.dynamodb ? new DynamoDBClient(clientConfig(gateway.url)) : undefined;
    // Path-style addressing: bucket names as host names do not resolve to the gateway.
    const s3 = new S3Client({ ...clientConfig(gateway.url), forcePathStyle: true });
    parts.clients.push(sqsDirect, snsDirect, sqs, s3, ...(dynamoClient ? [dynamoClient] : []));

    const logStore = new LogStore({ aws });
    // Where failed async events and destination records go: queues and topics in fauxqs, functions here.
    // Dead-lettered events carry Lambda's message attributes (RequestID, ErrorCode, ErrorMessage).
    const deliver: Deliver = async (destinationArn, payload, attributes) => {
      const [, , service, , , resource = ''] = destinationArn.split(':');
      const message = JSON.stringify(payload);
      const MessageAttributes = attributes ? { ...attributes } : undefined;
      if (service === 'sqs') {
        const queueUrl = `${fauxqsUrl}/${aws.accountId}/${resource}`;
        await sqsDirect.send(
          new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message, MessageAttributes }),
        );
      } else if (service === 'sns') {
        await snsDirect.send(
          new PublishCommand({ TopicArn: destinationArn, Message: message, MessageAttributes }),
        );
      } else if (service === 'lambda') {
        await lambda.invoke(destinationArn, message, { invocationType: 'Event' });
      } else {
        warn(`Dropped a record for ${destinationArn}: the local cloud does not deliver to ${service} yet.`);
      }
    };
    const lambda = new LambdaService({
      aws,
      logs: logStore,
      deliver,
      ...(options.asyncRetryDelaysMs ? { asyncRetryDelaysMs: options.asyncRetryDelaysMs } : {}),
      ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
      ...(options.runtimeModuleDirectories
        ? { runtimeModuleDirectories: options.runtimeModuleDirectories }
        : {}),
    });
    parts.lambda = lambda;
    gateway.route('lambda', { handler: lambda });
    // S3 goes through a front of ours: it tells the notifications which objects each request created or removed.
    const s3Notifications = new S3Notifications({
      aws,
      invokeAsync: (functionArn, payload) =>
        lambda.invoke(functionArn, payload, { invocationType: 'Event', source: 'aws:s3' }),
      deliver,
      onWarning: warn,
    });
    const s3Front = new S3Front({
      url: fauxqsUrl,
      onObjectChanges: (changes) => s3Notifications.notify(changes),
      notifications: s3Notifications,
      onWarning: warn,
    });
    parts.s3 = { front: s3Front, notifications: s3Notifications };
    gateway.route('s3', { handler: s3Front });
    gateway.route('logs', { handler: logStore });

    const httpApis = new HttpApis({
      accountId: aws.accountId,
      region: aws.region,
      services: {
        invoke: (arn, payload, invokeOptions) => lambda.invoke(arn, payload, invokeOptions),
        putLogEvents: (group, stream, events) => logStore.putLogEvents(group, stream, events),
      },
      issuers: {
        ...(cognito ? { issuerDomain: cognito.issuerDomain } : {}),
        ...(cognitoUnavailable ? { unavailable: cognitoUnavailable } : {}),
        userPool: async (poolId) =>
          cognito && cognitoClient ? cognitoUserPool(cognito, cognitoClient, poolId) : undefined,
      },
      warn,
      ...(options.apiPort ? { firstPort: options.apiPort } : {}),
    });
    parts.httpApis = httpApis;
    const services: DeployServices = {
      sqs,
      ...(dynamoClient ? { dynamodb: dynamoClient } : {}),
      ...(dynamodbUnavailable ? { dynamodbUnavailable } : {}),
      lambda,
      logs: logStore,
      s3,
      s3Notifications,
      workDirectory: parts.workDirectory,
      ...(cognitoClient ? { cognito: cognitoClient } : {}),
      ...(cognitoUnavailable ? { cognitoUnavailable } : {}),
      httpApis,
      startSqsPoller(config, queueUrl) {
        const poller = new SqsPoller(config, {
          sqsEndpoint: fauxqsUrl,
          lambda,
          queueUrl,
          aws,
          onError: warn,
        });
        parts.pollers.push(poller);
        poller.start();
      },
    };
    const exports = new Map<string, string>();
    const stacks: DeployedStack[] = [];
    for (const stack of selected) {
      const deployed = await deployStack(stack, {
        aws,
        services,
        assemblyDirectory: assembly.directory,
        exports,
        onProgress: progress,
      });
      // Outputs that hold an API's execute-api URL (CDK's `api.url`) point at its local front instead.
      const outputs = Object.fromEntries(
        Object.entries(deployed.outputs).map(([name, value]) => [name, httpApis.localize(value)]),
      );
      stacks.push({ ...deployed, outputs });
    }

    let stopping: Promise<void> | undefined;
    return {
      endpoint: gateway.url,
      aws,
      clientConfig: { endpoint: gateway.url, region: aws.region, credentials: LOCAL_CREDENTIALS },
      stacks,
      get httpApis() {
        return httpApis.list();
      },
      warnings,
      lambda,
      logStore,
      get invocations() {
        return lambda.invocations;
      },
      invoke(functionName, event, invocationType = 'RequestResponse') {
        return lambda.invoke(functionName, JSON.stringify(event ?? {}), { invocationType });
      },
      logs(group) {
        const groups = group
          ? [logStore.group(group) ? group : (lambda.getFunction(group)?.logGroupName ?? group)]
          : logStore.logGroupNames();
        return groups
          .flatMap((name) => logStore.getLogEvents(name).map((event) => ({ ...event, logGroupName: name })))
          .sort((a, b) => a.timestamp - b.timestamp);
      },
      stop() {
        stopping ??= stopParts(parts);
        return stopping;
      },
    };
  } catch (error) {
    // Leave nothing running behind a failed start.
    await stopParts(parts).catch(() => {});
    throw error;
  }
}
