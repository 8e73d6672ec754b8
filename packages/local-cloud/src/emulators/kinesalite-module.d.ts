declare module 'kinesalite' {
  import type { Server } from 'node:http';
  /** An HTTP server answering Kinesis's JSON and CBOR protocols; its streams live in memory unless `path` is set. */
  export default function kinesalite(options?: {
    readonly path?: string;
    readonly createStreamMs?: number;
    readonly deleteStreamMs?: number;
    readonly updateStreamMs?: number;
    readonly shardLimit?: number;
    readonly ssl?: boolean;
  }): Server;
}
