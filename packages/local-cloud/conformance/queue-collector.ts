/**
 * Drains a queue in the background and keeps every message body it saw: how a rule reads what the recorder
 * function observed, what reached a DLQ or an on-failure destination — the same way locally and on AWS.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export class QueueCollector {
  readonly #bodies: string[] = [];
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  #running = true;
  readonly #loop: Promise<void>;

  constructor(sqs: SQSClient, queueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#loop = this.#drain();
  }

  /** Every body received so far, oldest first. */
  bodies(): readonly string[] {
    return this.#bodies;
  }

  /** Stops after the poll in progress (at most a second). */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #drain(): Promise<void> {
    while (this.#running) {
      try {
        // Short long-polls: stopping never waits long.
        const { Messages = [] } = await this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        if (Messages.length === 0) continue;
        this.#bodies.push(...Messages.map((message) => message.Body ?? ''));
        await this.#sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      } catch (error) {
        if (!this.#running) return;
        // A rule waiting on this queue times out and says what it missed; keep trying meanwhile.
        console.warn(`Reading ${this.#queueUrl} failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}
