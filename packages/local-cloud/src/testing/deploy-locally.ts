/**
 * `deployLocally`: synthesize a CDK app's stacks into a temporary folder, start a local cloud with them, and
 * hand a test the outputs, SDK clients of the endpoint and one `stop` that removes everything again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../cloud.ts';
import type { LocalClientConfig } from '../types.ts';

export interface LocalDeployment {
  readonly cloud: LocalCloud;
  /** The outputs of every stack, by stack id: `deployment.outputs['Triggers-Sqs'].QueueUrl`. */
  readonly stackOutputs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The outputs of the first stack, for a file that deploys one. */
  readonly outputs: Readonly<Record<string, string>>;
  /** An SDK v3 client of the local endpoint, made once per class and destroyed by `stop`. */
  client<T extends { destroy(): void }>(Client: new (config: LocalClientConfig) => T): T;
  /** Stops the cloud, destroys the clients and removes the synthesized assembly. */
  stop(): Promise<void>;
}

export interface DeployLocallyOptions extends Omit<LocalCloudOptions, 'assembly'> {
  /** Context for the app (asset metadata is always on: the local cloud finds each function's bundle by it). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * Builds the stacks `define` adds to a fresh CDK app, synthesizes them (bundling for real) and deploys them onto
 * a new local cloud on a free port.
 */
export async function deployLocally(
  define: (app: App) => void,
  options: DeployLocallyOptions = {},
): Promise<LocalDeployment> {
  const { App } = await import('aws-cdk-lib');
  const { context, ...cloudOptions } = options;
  const assembly = mkdtempSync(join(tmpdir(), 'local-deployment-'));
  let cloud: LocalCloud | undefined;
  try {
    const app = new App({ outdir: assembly, context: { ...context, 'aws:cdk:enable-asset-metadata': true } });
    define(app);
    app.synth();
    cloud = await startLocalCloud({ port: 0, ...cloudOptions, assembly });
  } catch (error) {
    rmSync(assembly, { recursive: true, force: true });
    throw error;
  }
  const running = cloud;
  const clients = new Map<unknown, { destroy(): void }>();
  const stackOutputs = Object.fromEntries(running.stacks.map((stack) => [stack.stackName, stack.outputs]));
  return {
    cloud: running,
    stackOutputs,
    outputs: running.stacks[0]?.outputs ?? {},
    client(Client) {
      let client = clients.get(Client);
      if (!client) {
        client = new Client(running.clientConfig);
        clients.set(Client, client);
      }
      return client as InstanceType<typeof Client>;
    },
    async stop() {
      for (const client of clients.values()) client.destroy();
      try {
        await running.stop();
      } finally {
        rmSync(assembly, { recursive: true, force: true });
      }
    },
  };
}
