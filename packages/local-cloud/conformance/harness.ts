/**
 * What the rules share on one target: SDK clients, and collectors reading the queues where the stack reports
 * (the recorder's observations, the SQS dead-letter queue, the S3 on-failure destination). Each rule gets a
 * context that sees only what carries its own token.
 */
import { randomUUID } from 'node:crypto';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueueCollector } from './queue-collector.ts';
import type { Invocation, RuleContext, S3FailureRecord, StreamFailureRecord } from './rule.ts';
import type { Target } from './targets.ts';

const POLL_MS = 100;

export class Harness {
  readonly #target: Target;
  readonly #sqs: SQSClient;
  readonly #s3: S3Client;
  readonly #kinesis: KinesisClient;
  readonly #observations: QueueCollector;
  readonly #deadLetters: QueueCollector;
  readonly #s3Failures: QueueCollector;
  readonly #streamFailures: QueueCollector;

  constructor(target: Target) {
    this.#target = target;
    this.#sqs = new SQSClient(target.clientConfig);
    this.#s3 = new S3Client(target.clientConfig);
    this.#kinesis = new KinesisClient(target.clientConfig);
    this.#observations = new QueueCollector(this.#sqs, target.outputs.ObservationsQueueUrl);
    this.#deadLetters = new QueueCollector(this.#sqs, target.outputs.DeadLetterQueueUrl);
    this.#s3Failures = new QueueCollector(this.#sqs, target.outputs.S3FailureQueueUrl);
    this.#streamFailures = new QueueCollector(this.#sqs, target.outputs.StreamFailureQueueUrl);
  }

  context(ruleId: string): RuleContext {
    const target = this.#target;
    // Short and key-safe: it goes into S3 keys and message bodies.
    const token = `${ruleId}-${randomUUID().slice(0, 8)}`;
    const carriesToken = (body: string) => body.includes(token);
    return {
      outputs: target.outputs,
      sqs: this.#sqs,
      s3: this.#s3,
      kinesis: this.#kinesis,
      token,
      invocations: () =>
        this.#observations
          .bodies()
          .filter(carriesToken)
          .map((body) => JSON.parse(body) as Invocation),
      deadLetters: () => this.#deadLetters.bodies().filter(carriesToken),
      s3Failures: () =>
        this.#s3Failures
          .bodies()
          .filter(carriesToken)
          .map((body) => JSON.parse(body) as S3FailureRecord),
      streamFailures: () =>
        this.#streamFailures.bodies().map((body) => JSON.parse(body) as StreamFailureRecord),
      async waitFor(check, awsMs) {
        const deadline = Date.now() + target.realMs(awsMs) + target.slackMs;
        while (Date.now() < deadline) {
          if (await check()) return true;
          await sleep(POLL_MS);
        }
        return check();
      },
      async elapse(awsMs) {
        // A tenth of the slack: enough for a poll and an invoke to happen if the rule is broken.
        await sleep(target.realMs(awsMs) + target.slackMs / 10);
      },
    };
  }

  async stop(): Promise<void> {
    await Promise.all([
      this.#observations.stop(),
      this.#deadLetters.stop(),
      this.#s3Failures.stop(),
      this.#streamFailures.stop(),
    ]);
    this.#sqs.destroy();
    this.#s3.destroy();
    this.#kinesis.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
