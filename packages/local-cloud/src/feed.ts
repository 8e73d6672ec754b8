/**
 * A bounded record of what happened (invocations, deliveries, trigger notices), oldest first, with listeners:
 * what tests, the terminal and the playground read. Old records are dropped so a long run stays in bounded memory.
 */
export class RecordFeed<T> {
  /** The most recent records, oldest first. */
  readonly records: T[] = [];
  readonly #listeners = new Set<(record: T) => void>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  push(record: T): void {
    this.records.push(record);
    // Trim in chunks: one splice per many pushes, not one per record.
    if (this.records.length > this.#max * 1.1) this.records.splice(0, this.records.length - this.#max);
    for (const listener of this.#listeners) {
      try {
        listener(record);
      } catch {
        // A listener is an observer: its failure must not fail what it observes, nor keep others from the record.
      }
    }
  }

  /** Calls `listener` with every record from now on; returns a function that stops it. */
  subscribe(listener: (record: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
