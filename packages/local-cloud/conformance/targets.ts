/**
 * Where the rules run: the local cloud (the default, inside `pnpm test`) or a real AWS account whose throwaway
 * stack `pnpm conformance --target aws` has deployed. A target gives the stack's outputs, SDK client settings,
 * and how long AWS's waits last on it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCloud } from '../src/index.ts';
import { CONFORMANCE_STACK_ID, type ConformanceOutputs, synthesizeConformanceStack } from './stack.ts';

export type TargetName = 'local' | 'aws';

export interface Target {
  readonly name: TargetName;
  readonly outputs: ConformanceOutputs;
  /** For SDK v3 clients: `new SQSClient(target.clientConfig)`. */
  readonly clientConfig: {
    readonly endpoint?: string;
    readonly region?: string;
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** Real milliseconds that `awsMs` of AWS time (a visibility timeout, a retry delay) last on this target. */
  realMs(awsMs: number): number;
  /** Room for what no clock scales: cold starts, polling, the network. */
  readonly slackMs: number;
  stop(): Promise<void>;
}

/**
 * AWS's minutes in a fiftieth: a 31 s visibility timeout passes in 0.6 s, Lambda's 1 and 2 minute async
 * retry delays in 1.2 s and 2.4 s.
 */
export const LOCAL_TIME_SCALE = 0.02;

/** The stack synthesized into a temp folder and deployed on a local cloud of its own. */
export async function localTarget(): Promise<Target> {
  const assembly = mkdtempSync(join(tmpdir(), 'conformance-'));
  try {
    synthesizeConformanceStack(assembly);
    const cloud = await startLocalCloud({ assembly, port: 0, timeScale: LOCAL_TIME_SCALE });
    return {
      name: 'local',
      outputs: cloud.stacks[0]?.outputs as unknown as ConformanceOutputs,
      clientConfig: cloud.clientConfig,
      realMs: (awsMs) => awsMs * LOCAL_TIME_SCALE,
      slackMs: 10_000,
      async stop() {
        await cloud.stop();
        rmSync(assembly, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(assembly, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The stack `cdk deploy` created, its outputs read from the file `--outputs-file` wrote (`CONFORMANCE_OUTPUTS`);
 * clients take credentials and region from the environment or the AWS config, as the CDK CLI did.
 */
export async function awsTarget(outputsFile = process.env.CONFORMANCE_OUTPUTS): Promise<Target> {
  if (!outputsFile) {
    throw new Error(
      'CONFORMANCE_OUTPUTS is not set: run the AWS target through `pnpm conformance --target aws`.',
    );
  }
  const deployed = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, ConformanceOutputs>;
  const outputs = deployed[CONFORMANCE_STACK_ID];
  if (!outputs) throw new Error(`${outputsFile} has no outputs for ${CONFORMANCE_STACK_ID}.`);
  return {
    name: 'aws',
    outputs,
    clientConfig: {},
    realMs: (awsMs) => awsMs,
    slackMs: 60_000,
    async stop() {},
  };
}
