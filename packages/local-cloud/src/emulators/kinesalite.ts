/**
 * kinesalite (Kinesis Data Streams), in-process, on 127.0.0.1 and a free port, its streams in memory (memdown).
 *
 * Picked over kinesis-local (kinesis-mock built for Node) by measurement, SDK v3 over HTTP/1.1 on Node 24: it starts
 * in ~10 ms in-process where kinesis-local is a child process that takes ~1 s, binds 0.0.0.0 and needs two ports
 * (TLS and plain); PutRecord runs ~4× and PutRecords ~5× faster, GetRecords ~2× (figures in the README). What it
 * lacks (UpdateShardCount, on-demand mode, enhanced fan-out, addressing by StreamARN) the local cloud does not need.
 */
// kinesalite ships no types: the reference brings ours to every package that type-checks this file.
/// <reference path="./kinesalite-module.d.ts" />
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import kinesalite from 'kinesalite';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../deploy/intrinsics.ts';
import { LocalCloudError, messageOf } from '../errors.ts';

export interface KinesaliteEmulator {
  /** Where kinesalite listens, e.g. http://127.0.0.1:38211. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Streams become ACTIVE this long after CreateStream (AWS takes seconds; kinesalite's default is 500 ms). */
const STREAM_TRANSITION_MS = 50;
/** AWS's default shard quota per account in the big regions. */
const SHARD_LIMIT = 500;

export async function startKinesalite(): Promise<KinesaliteEmulator> {
  // It reads the account and region for its ARNs from the environment once, as it is made.
  const saved = { account: process.env.AWS_ACCOUNT_ID, region: process.env.AWS_REGION };
  process.env.AWS_ACCOUNT_ID = LOCAL_ACCOUNT_ID;
  process.env.AWS_REGION = LOCAL_REGION;
  let server: Server;
  try {
    server = kinesalite({
      createStreamMs: STREAM_TRANSITION_MS,
      deleteStreamMs: STREAM_TRANSITION_MS,
      updateStreamMs: STREAM_TRANSITION_MS,
      shardLimit: SHARD_LIMIT,
    });
  } finally {
    restore('AWS_ACCOUNT_ID', saved.account);
    restore('AWS_REGION', saved.region);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new LocalCloudError(`kinesalite (Kinesis) could not start: ${messageOf(error)}`);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
