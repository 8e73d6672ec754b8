import type { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * What an integration package says about itself (`src/integration.ts`), so the shared CDK app, `pnpm start`, the
 * tests and the playground all read one set of data: its name, its stack, its sample inputs (each with a poison
 * variant), how they are sent through the real trigger, and where their effects and failures show.
 */
export interface IntegrationDescriptor {
  /** The one name everywhere: package folder, `@triggers/<name>`, `pnpm run deploy <name>`, `pnpm event <name>`. */
  readonly name: string;
  /** As the README titles it: "SQS → Lambda: an order worker". */
  readonly title: string;
  /** `Triggers-<Name>`. */
  readonly stackId: string;
  /** Makes the integration's stack alone, as `pnpm run deploy <name>` deploys it. */
  readonly createStack: (scope: Construct, id: string) => Stack;
  /** What to send to see it work, and its poison twin. */
  readonly samples: readonly Sample[];
  /** Commands `pnpm start` prints before the samples' own (signing in: `TOKEN=$(aws …)`). */
  readonly commandsBefore?: (outputs: Outputs) => readonly string[];
  /** Commands it prints after them (reading what was made, the DLQ). */
  readonly commandsAfter?: (outputs: Outputs) => readonly string[];
}

/** A stack's outputs by name. */
export type Outputs = Readonly<Record<string, string>>;

export interface Sample {
  /** Short and unique within the package: 'order', 'photo', 'note'. */
  readonly name: string;
  readonly description: string;
  readonly input: TriggerInput;
  /** What the sample does, in the stack's own terms: the output that names where to look, and what to expect. */
  readonly effect: Observation;
  /** The same input made bad (malformed, oversized, the wrong type), which must end at the failure destination. */
  readonly poison: {
    readonly description: string;
    readonly input: TriggerInput;
    readonly failure: Observation;
  };
}

/** Where something shows: a stack output naming the place (a table, a bucket, a queue) and what to look for. */
export interface Observation {
  readonly output: string;
  readonly description: string;
}

/** One way of sending an input through a real trigger; each names the stack output it is sent to. */
export type TriggerInput =
  | { readonly kind: 'sqs-message'; readonly queueOutput: string; readonly body: string }
  | {
      readonly kind: 's3-object';
      readonly bucketOutput: string;
      /** The object key; the file the CLI uploads is named after its last segment. */
      readonly key: string;
      /** The object's bytes: text, or base64 for binary content (a small photo). */
      readonly content: { readonly text: string } | { readonly base64: string };
    }
  | {
      readonly kind: 'http-request';
      readonly apiOutput: string;
      readonly method: string;
      readonly path: string;
      readonly body?: string;
      /**
       * Send a signed-in user's ID token: `$TOKEN` in the printed commands (the descriptor's `commandsBefore` set it);
       * the playground signs a user up and in through the user pool and app client these outputs name.
       */
      readonly signedIn?: { readonly userPoolOutput: string; readonly clientOutput: string };
    }
  | {
      readonly kind: 'kinesis-record';
      readonly streamOutput: string;
      readonly partitionKey: string;
      /** The record's data as text (JSON, usually); the CLI sends it base64-encoded, as the API carries blobs. */
      readonly data: string;
    }
  | {
      readonly kind: 'firehose-record';
      readonly deliveryStreamOutput: string;
      readonly data: string;
    };

/** The stack outputs an input is sent through: its target, and the user pool it signs in with. */
export function outputsOf(input: TriggerInput): string[] {
  switch (input.kind) {
    case 'sqs-message':
      return [input.queueOutput];
    case 's3-object':
      return [input.bucketOutput];
    case 'http-request':
      return [
        input.apiOutput,
        ...(input.signedIn ? [input.signedIn.userPoolOutput, input.signedIn.clientOutput] : []),
      ];
    case 'kinesis-record':
      return [input.streamOutput];
    case 'firehose-record':
      return [input.deliveryStreamOutput];
  }
}

/** The AWS CLI (or curl) commands that send an input, as a learner types them. */
export function commandsFor(input: TriggerInput, outputs: Outputs): string[] {
  switch (input.kind) {
    case 'sqs-message':
      return [
        `aws sqs send-message --queue-url ${outputs[input.queueOutput]} --message-body ${quote(input.body)}`,
      ];
    case 's3-object': {
      const file = input.key.split('/').pop() || 'object';
      const make =
        'text' in input.content
          ? `printf '%s' ${quote(input.content.text)} > ${quote(file)}`
          : `echo ${input.content.base64} | base64 -d > ${quote(file)}`;
      return [make, `aws s3 cp ${quote(file)} ${quote(`s3://${outputs[input.bucketOutput]}/${input.key}`)}`];
    }
    case 'http-request': {
      const parts = [
        'curl -s',
        input.method === 'GET' ? '' : `-X ${input.method}`,
        `${outputs[input.apiOutput]}${input.path}`,
      ];
      if (input.signedIn) parts.push('-H "Authorization: Bearer $TOKEN"');
      if (input.body !== undefined) parts.push(`-H 'Content-Type: application/json' -d ${quote(input.body)}`);
      return [parts.filter(Boolean).join(' ')];
    }
    case 'kinesis-record':
      return [
        `aws kinesis put-record --stream-name ${outputs[input.streamOutput]} --partition-key ${quote(input.partitionKey)} --data ${base64(input.data)}`,
      ];
    case 'firehose-record':
      return [
        `aws firehose put-record --delivery-stream-name ${outputs[input.deliveryStreamOutput]} --record Data=${base64(input.data)}`,
      ];
  }
}

/** AWS CLI v2 reads blob arguments as base64 (its default `cli_binary_format`), whatever the data is. */
function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** A shell word in single quotes (a `'` inside becomes `'\''`). */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** What `pnpm start` prints for an integration: each sample and its poison, as commands a learner pastes. */
export function tryItCommands(descriptor: IntegrationDescriptor, outputs: Outputs): string[] {
  return [
    ...(descriptor.commandsBefore?.(outputs) ?? []),
    ...descriptor.samples.flatMap((sample) => [
      `# ${sample.description}`,
      ...commandsFor(sample.input, outputs),
      `# poison: ${sample.poison.description}`,
      ...commandsFor(sample.poison.input, outputs),
    ]),
    ...(descriptor.commandsAfter?.(outputs) ?? []),
  ];
}
