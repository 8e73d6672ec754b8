/**
 * Reading what a function writes. Like Lambda, the runtime client's `console.*` goes through a telemetry file
 * descriptor as framed records (so a multi-line message stays one event, with the child's own timestamp), while
 * raw stdout/stderr writes are split into one event per line.
 */
import { StringDecoder } from 'node:string_decoder';

export type LogSink = (message: string, timestamp: number) => void;

const FRAME_HEADER_SIZE = 16;

/** Parses the runtime client's telemetry frames: type (4 bytes), length (4), timestamp in µs (8), message. */
export function telemetryFrameReader(sink: LogSink): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= FRAME_HEADER_SIZE) {
      const length = pending.readInt32BE(offset + 4);
      const end = offset + FRAME_HEADER_SIZE + length;
      if (pending.length < end) break;
      const timestamp = Number(pending.readBigInt64BE(offset + 8) / 1000n);
      let message = pending.toString('utf8', offset + FRAME_HEADER_SIZE, end);
      if (message.endsWith('\n')) message = message.slice(0, -1);
      sink(message, timestamp);
      offset = end;
    }
    pending = offset === pending.length ? Buffer.alloc(0) : pending.subarray(offset);
  };
}

/** Splits a byte stream into lines; `flush` emits a last unterminated line. */
export function lineReader(sink: LogSink): { write(chunk: Buffer): void; flush(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  return {
    write(chunk) {
      const text = partial + decoder.write(chunk);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      const now = Date.now();
      for (const line of lines) sink(line.endsWith('\r') ? line.slice(0, -1) : line, now);
    },
    flush() {
      const rest = partial + decoder.end();
      partial = '';
      if (rest !== '') sink(rest, Date.now());
    },
  };
}
