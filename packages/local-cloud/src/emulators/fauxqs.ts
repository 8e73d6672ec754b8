/**
 * fauxqs (SQS, SNS, S3), in-process, on 127.0.0.1 and a free port.
 *
 * We build its app ourselves instead of calling `startFauxqs`, for two reasons: `startFauxqs` always listens on
 * 0.0.0.0 (its `host` option only names the host in queue URLs), and its queue URLs are
 * `http://sqs.<region>.localhost:<port>/…`, a name that does not resolve on most machines. With the queue-URL
 * host left empty, fauxqs builds URLs from the request's Host header, which the gateway passes through: queue URLs
 * then point at the gateway (`http://127.0.0.1:4566/000000000000/<name>`), as AWS's point at AWS.
 */
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildAppOptions, buildApp } from 'fauxqs';
import { LocalCloudError, messageOf } from '../errors.ts';

export interface FauxqsEmulator {
  /** Where fauxqs listens, e.g. http://127.0.0.1:38211. */
  readonly url: string;
  stop(): Promise<void>;
}

type Stores = NonNullable<BuildAppOptions['stores']>;

/** fauxqs's dist folder; its stores are not exported, so they are loaded from their files. */
function fauxqsDist(): string {
  const require = createRequire(import.meta.url);
  for (const modules of require.resolve.paths('fauxqs') ?? []) {
    const dist = join(modules, 'fauxqs', 'dist');
    if (existsSync(join(dist, 'app.js'))) return realpathSync(dist);
  }
  throw new LocalCloudError('fauxqs is not installed: run `pnpm install`.');
}

async function createStores(): Promise<Stores> {
  const dist = fauxqsDist();
  const load = async (path: string, name: string): Promise<new () => unknown> => {
    const module = (await import(pathToFileURL(join(dist, path)).href)) as Record<string, new () => unknown>;
    const store = module[name];
    if (!store) throw new LocalCloudError(`fauxqs has changed: ${path} no longer exports ${name}.`);
    return store;
  };
  const [SqsStore, SnsStore, S3Store] = await Promise.all([
    load('sqs/sqsStore.js', 'SqsStore'),
    load('sns/snsStore.js', 'SnsStore'),
    load('s3/s3Store.js', 'S3Store'),
  ]);
  const sqsStore = new SqsStore() as Stores['sqsStore'];
  // Empty: queue URLs are built from the request's Host header (the gateway's).
  sqsStore.host = '';
  return {
    sqsStore,
    snsStore: new SnsStore() as Stores['snsStore'],
    s3Store: new S3Store() as Stores['s3Store'],
  };
}

export async function startFauxqs(): Promise<FauxqsEmulator> {
  const app = buildApp({ logger: false, defaultRegion: 'us-east-1', stores: await createStores() });
  try {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: address, stop: () => app.close() };
  } catch (error) {
    await app.close();
    throw new LocalCloudError(`fauxqs (SQS, SNS, S3) could not start: ${messageOf(error)}`);
  }
}
