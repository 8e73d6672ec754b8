/**
 * The emulators a local cloud can run, as a table: what each serves, which resource types need it, how it starts
 * (or, in one sentence, why it can't: Java missing), and which gateway routes it owns. A new emulator is a file
 * beside these and a row here.
 */
import { join } from 'node:path';
import type { CfnResource } from '../assembly.ts';
import { LocalCloudError, messageOf } from '../errors.ts';
import { type CognitoLocal, startCognitoLocal } from './cognito-local.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { startFauxqs } from './fauxqs.ts';
import { startKinesalite } from './kinesalite.ts';

/** A started emulator: where it listens, and how to stop it. */
export interface RunningEmulator {
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmulatorStartContext {
  /** The gateway's URL (tokens and URLs the emulator writes name it). */
  readonly gatewayUrl: string;
  /** A folder of the cloud's for the emulator's data. */
  readonly workDirectory: string;
}

export interface Emulator<Running extends RunningEmulator = RunningEmulator> {
  /** As the terminal names it: 'DynamoDB Local'. */
  readonly name: string;
  /** What it stands in for: 'SQS, SNS, S3'. */
  readonly serves: string;
  /** Gateway routes (SigV4 signing names) it answers. */
  readonly routes: readonly string[];
  /** Resource type prefixes that need it; absent: every cloud runs it. */
  readonly neededBy?: readonly string[];
  /** The LocalCloudOptions switch that forces it on or off (`dynamodb`), when there is one. */
  readonly option?: string;
  /** What a stack declares that needs it, for the sentence saying why it did not start: 'a table'. */
  readonly neededFor?: string;
  /** Without it nothing works (fauxqs: Lambda's own queues): its failure stops the start. */
  readonly essential?: boolean;
  /** Said once it runs, when there is something the user should know about it. */
  readonly note?: string;
  start(context: EmulatorStartContext): Promise<Running>;
}

export const FAUXQS: Emulator = {
  name: 'fauxqs',
  serves: 'SQS, SNS, S3',
  // S3 requests reach it through the S3 front, which sees the object changes notifications are made of.
  routes: ['sqs', 'sns', 'sts'],
  essential: true,
  start: () => startFauxqs(),
};

export const DYNAMODB_LOCAL: Emulator = {
  name: 'DynamoDB Local',
  serves: 'DynamoDB, DynamoDB Streams',
  routes: ['dynamodb'],
  neededBy: ['AWS::DynamoDB::'],
  option: 'dynamodb',
  neededFor: 'a table',
  note: 'it listens on all interfaces: it has no option to bind 127.0.0.1 only',
  start: () => startDynamoDbLocal(),
};

export const COGNITO_LOCAL: Emulator<CognitoLocal> = {
  name: 'cognito-local',
  serves: 'Cognito user pools',
  routes: ['cognito-idp'],
  neededBy: ['AWS::Cognito::'],
  option: 'cognito',
  neededFor: 'a Cognito resource',
  // Its tokens' issuer is the gateway, which also serves `<issuer>/.well-known/jwks.json`.
  start: ({ gatewayUrl, workDirectory }) =>
    startCognitoLocal({ directory: join(workDirectory, 'cognito'), issuerDomain: gatewayUrl }),
};

export const KINESALITE: Emulator = {
  name: 'kinesalite',
  serves: 'Kinesis Data Streams',
  routes: ['kinesis'],
  neededBy: ['AWS::Kinesis::'],
  option: 'kinesis',
  neededFor: 'a Kinesis stream',
  start: () => startKinesalite(),
};

/** Every emulator, in the order they are listed when the cloud starts. */
export const EMULATORS: readonly Emulator[] = [FAUXQS, DYNAMODB_LOCAL, KINESALITE, COGNITO_LOCAL];

/** true / false force an emulator on or off; 'auto' starts it when a selected stack needs it. */
export type EmulatorChoice = boolean | 'auto';

/** The emulators of one cloud: those running, and why each other one is not. */
export class Emulators {
  readonly #all: readonly Emulator[];
  readonly #running = new Map<Emulator, RunningEmulator>();
  readonly #notRunning = new Map<Emulator, string>();

  /**
   * Starts, side by side, every emulator the stacks need (or `choices` force), and says why each other one does
   * not run. An essential emulator that fails fails the start; another one's failure is a warning.
   */
  static async start(options: {
    readonly emulators?: readonly Emulator[];
    readonly resources: readonly CfnResource[];
    readonly choices?: ReadonlyMap<Emulator, EmulatorChoice | undefined>;
    readonly context: EmulatorStartContext;
    readonly onProgress?: (message: string) => void;
    readonly onWarning?: (message: string) => void;
  }): Promise<Emulators> {
    const emulators = new Emulators(options.emulators ?? EMULATORS);
    const wanted = emulators.#all.filter((emulator) => {
      const choice = options.choices?.get(emulator) ?? 'auto';
      if (choice === true) return true;
      if (choice === false) {
        emulators.#notRunning.set(
          emulator,
          `${emulator.name} was not started (the ${emulator.option ?? emulator.name} option is false).`,
        );
        return false;
      }
      const needed =
        !emulator.neededBy ||
        options.resources.some((resource) =>
          emulator.neededBy?.some((prefix) => resource.Type.startsWith(prefix)),
        );
      if (!needed) {
        emulators.#notRunning.set(
          emulator,
          `${emulator.name} was not started: no selected stack declares ${emulator.neededFor ?? `a resource it serves (${emulator.serves})`}.`,
        );
      }
      return needed;
    });
    options.onProgress?.(
      `Starting ${wanted.map((emulator) => `${emulator.name} (${emulator.serves})`).join(', ')}`,
    );
    const outcomes = await Promise.allSettled(wanted.map((emulator) => emulator.start(options.context)));
    let essentialFailure: unknown;
    outcomes.forEach((outcome, index) => {
      const emulator = wanted[index] as Emulator;
      if (outcome.status === 'fulfilled') {
        emulators.#running.set(emulator, outcome.value);
        if (emulator.note) options.onProgress?.(`${emulator.name} ready (${emulator.note})`);
      } else if (emulator.essential) {
        essentialFailure ??= outcome.reason;
      } else {
        const reason = messageOf(outcome.reason);
        emulators.#notRunning.set(emulator, reason);
        options.onWarning?.(reason);
      }
    });
    if (essentialFailure !== undefined) {
      await emulators.stop().catch(() => {});
      throw essentialFailure instanceof LocalCloudError
        ? essentialFailure
        : new LocalCloudError(messageOf(essentialFailure));
    }
    return emulators;
  }

  private constructor(all: readonly Emulator[]) {
    this.#all = all;
  }

  /** The running instance of an emulator. */
  get<Running extends RunningEmulator>(emulator: Emulator<Running>): Running | undefined {
    return this.#running.get(emulator as Emulator) as Running | undefined;
  }

  /** Each route (signing name) of every emulator: its URL, or why it is not running. */
  routes(): [route: string, backend: { url: string } | { unavailable: string }][] {
    const routes: [string, { url: string } | { unavailable: string }][] = [];
    for (const emulator of this.#all) {
      const running = this.#running.get(emulator);
      const reason = this.#notRunning.get(emulator);
      for (const route of emulator.routes) {
        if (running) routes.push([route, { url: running.url }]);
        else if (reason) routes.push([route, { unavailable: reason }]);
      }
    }
    return routes;
  }

  /** The URL of the emulator that answers a route, when it runs. */
  url(route: string): string | undefined {
    for (const [emulator, running] of this.#running) if (emulator.routes.includes(route)) return running.url;
    return undefined;
  }

  /** Why the emulator of a route is not running, or undefined when it runs (or no emulator serves it). */
  unavailable(route: string): string | undefined {
    for (const [emulator, reason] of this.#notRunning) if (emulator.routes.includes(route)) return reason;
    return undefined;
  }

  async stop(): Promise<void> {
    const running = [...this.#running.values()];
    this.#running.clear();
    const outcomes = await Promise.allSettled(running.map((emulator) => emulator.stop()));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
