import { CfnOutput } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** A stack output: its value and what a learner does with it. */
export interface Output {
  readonly value: string;
  readonly description: string;
}

/**
 * Adds a stack's outputs by name (`QueueUrl`, `FunctionName`); an undefined entry is left out (a queue the
 * construct did not create). `pnpm start` prints them and the playground reads them.
 */
export function addOutputs(scope: Construct, outputs: Readonly<Record<string, Output | undefined>>): void {
  for (const [name, output] of Object.entries(outputs)) {
    if (output) new CfnOutput(scope, name, output);
  }
}
