#!/usr/bin/env -S npx tsx
/**
 * Prints a sample event, like `sam local generate-event`:
 *   pnpm event sqs --body '{"orderId":"o-1"}' --count 3
 *   pnpm event s3 --key 'my photo.jpg' --bucket uploads --size 1234 --event put
 *   pnpm event kinesis --data '{"page":"/home"}' --partition-key user-1 --count 3 [--window 60 | --firehose]
 */
import { parseArgs } from 'node:util';
import { apiGatewayV1Event, apiGatewayV2Event, cognitoIdTokenClaims } from './api-gateway.ts';
import { firehoseEvent } from './firehose.ts';
import { kinesisEvent, kinesisRecord, kinesisWindowEvent, streamArn } from './kinesis.ts';
import { type S3EventName, s3Event } from './s3.ts';
import { sqsEvent } from './sqs.ts';

interface Source {
  readonly usage: string;
  readonly build: (args: string[]) => unknown;
}

const sources: Record<string, Source> = {
  sqs: {
    usage: 'sqs [--body TEXT] [--count N] [--queue NAME] [--attribute NAME=VALUE ...]',
    build(args) {
      const { values } = parseArgs({
        args,
        options: {
          body: { type: 'string', default: '{"hello":"world"}' },
          count: { type: 'string', default: '1' },
          queue: { type: 'string' },
          attribute: { type: 'string', multiple: true, default: [] },
        },
        strict: true,
      });
      const count = Number(values.count);
      if (!Number.isInteger(count) || count < 1 || count > 10_000) {
        throw new UsageError(`--count must be a whole number from 1 to 10000, not "${values.count}"`);
      }
      const messageAttributes = Object.fromEntries(
        values.attribute.map((pair) => {
          const at = pair.indexOf('=');
          if (at < 1) throw new UsageError(`--attribute takes NAME=VALUE, not "${pair}"`);
          return [pair.slice(0, at), pair.slice(at + 1)];
        }),
      );
      const record = { body: values.body, messageAttributes };
      return sqsEvent(
        Array.from({ length: count }, () => record),
        { queueName: values.queue },
      );
    },
  },
  s3: {
    usage:
      's3 --key KEY [--bucket NAME] [--size BYTES] [--event put|post|copy|complete-multipart-upload|delete] [--versioned]',
    build(args) {
      const { values } = parseArgs({
        args,
        options: {
          key: { type: 'string' },
          bucket: { type: 'string' },
          size: { type: 'string', default: '1024' },
          event: { type: 'string', default: 'put' },
          versioned: { type: 'boolean', default: false },
        },
        strict: true,
      });
      if (!values.key) throw new UsageError('--key is required: the object key, e.g. --key "my photo.jpg"');
      if (Buffer.byteLength(values.key) > 1024)
        throw new UsageError('--key is longer than S3 allows (1024 bytes)');
      const size = Number(values.size);
      if (!Number.isInteger(size) || size < 0) {
        throw new UsageError(`--size must be a whole number of bytes, not "${values.size}"`);
      }
      const eventName = Object.hasOwn(s3EventNames, values.event) ? s3EventNames[values.event] : undefined;
      if (!eventName) {
        throw new UsageError(
          `--event must be one of ${Object.keys(s3EventNames).join(', ')}, not "${values.event}"`,
        );
      }
      // In a versioned bucket a plain DELETE leaves a delete marker, and that is the event S3 sends.
      const name =
        eventName === 'ObjectRemoved:Delete' && values.versioned
          ? 'ObjectRemoved:DeleteMarkerCreated'
          : eventName;
      return s3Event([{ key: values.key, size, eventName: name }], {
        bucketName: values.bucket,
        versioned: values.versioned,
      });
    },
  },
  kinesis: {
    usage:
      'kinesis [--data TEXT] [--partition-key KEY] [--count N] [--stream NAME] [--shard ID] [--window SECONDS]\n' +
      '              [--firehose [--delivery-stream NAME] [--direct-put]]\n' +
      '              a Kinesis stream event (with --window, a tumbling-window invocation); with --firehose, the\n' +
      '              Firehose transformation event for the same records (read from the stream, or --direct-put)',
    build(args) {
      const { values } = parseArgs({
        args,
        options: {
          data: { type: 'string', default: '{"hello":"world"}' },
          'partition-key': { type: 'string', default: 'partition-1' },
          count: { type: 'string', default: '1' },
          stream: { type: 'string' },
          shard: { type: 'string' },
          window: { type: 'string' },
          firehose: { type: 'boolean', default: false },
          'delivery-stream': { type: 'string' },
          'direct-put': { type: 'boolean', default: false },
        },
        strict: true,
      });
      const count = Number(values.count);
      if (!Number.isInteger(count) || count < 1 || count > 10_000) {
        throw new UsageError(`--count must be a whole number from 1 to 10000, not "${values.count}"`);
      }
      if (values['partition-key'].length < 1 || values['partition-key'].length > 256) {
        throw new UsageError('--partition-key must be 1 to 256 characters, as Kinesis requires');
      }
      if (values.shard !== undefined && !/^shardId-\d{12}$/.test(values.shard)) {
        throw new UsageError(`--shard takes a shard id such as shardId-000000000001, not "${values.shard}"`);
      }
      if (!values.firehose && (values['delivery-stream'] !== undefined || values['direct-put'])) {
        throw new UsageError('--delivery-stream and --direct-put go with --firehose');
      }
      const record = { data: values.data, partitionKey: values['partition-key'] };
      const records = Array.from({ length: count }, () => record);
      if (values.firehose) {
        if (values.window !== undefined)
          throw new UsageError('--window is for stream events, not --firehose');
        return firehoseEvent(
          records.map((input) => ({ ...input, ...(values.shard && { shardId: values.shard }) })),
          {
            deliveryStreamName: values['delivery-stream'],
            ...(!values['direct-put'] && { sourceStreamName: values.stream ?? 'clickstream' }),
          },
        );
      }
      const stream = { streamName: values.stream, shardId: values.shard };
      if (values.window === undefined) return kinesisEvent(records, stream);
      const seconds = Number(values.window);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 900) {
        throw new UsageError(`--window takes TumblingWindowInSeconds, 1 to 900, not "${values.window}"`);
      }
      // Windows start on multiples of their length (in epoch time), as Lambda's do.
      const start = Math.floor(Date.now() / (seconds * 1000)) * seconds * 1000;
      return kinesisWindowEvent(
        records.map((input) => kinesisRecord(input, stream)),
        { start: new Date(start), end: new Date(start + seconds * 1000) },
        { shardId: values.shard ?? 'shardId-000000000000', eventSourceARN: streamArn(stream) },
      );
    },
  },
  'api-gateway': {
    usage:
      "api-gateway [--method GET] [--path /] [--query 'a=1&b=2'] [--route 'GET /notes/{id}'] [--body TEXT]\n" +
      '              [--header NAME=VALUE ...] [--sub USER] [--version 2|1]',
    build(args) {
      const { values } = parseArgs({
        args,
        options: {
          method: { type: 'string', default: 'GET' },
          path: { type: 'string', default: '/' },
          query: { type: 'string' },
          route: { type: 'string' },
          body: { type: 'string' },
          header: { type: 'string', multiple: true, default: [] },
          sub: { type: 'string' },
          version: { type: 'string', default: '2' },
        },
        strict: true,
      });
      if (!/^[A-Za-z]+$/.test(values.method)) {
        throw new UsageError(`--method takes an HTTP method such as GET or POST, not "${values.method}"`);
      }
      if (!values.path.startsWith('/'))
        throw new UsageError(`--path must start with "/", not "${values.path}"`);
      const headers: Record<string, string[]> = {};
      for (const pair of values.header) {
        const at = pair.indexOf('=');
        if (at < 1) throw new UsageError(`--header takes NAME=VALUE, not "${pair}"`);
        const name = pair.slice(0, at);
        headers[name] = [...(headers[name] ?? []), pair.slice(at + 1)];
      }
      if (values.route !== undefined && !/^([A-Za-z]+|ANY) \/\S*$|^\$default$/.test(values.route)) {
        throw new UsageError(`--route takes "METHOD /path/{param}" or "$default", not "${values.route}"`);
      }
      const request = {
        method: values.method,
        path: values.path,
        query: values.query,
        headers,
        body: values.body,
        ...(values.sub !== undefined && { jwtClaims: cognitoIdTokenClaims({ sub: values.sub }) }),
      };
      if (values.version === '2') return apiGatewayV2Event({ ...request, routeKey: values.route });
      if (values.version === '1') {
        return apiGatewayV1Event({ ...request, resource: values.route?.replace(/^\S+ /, '') });
      }
      throw new UsageError(
        `--version is 2 (HTTP API, payload 2.0) or 1 (REST API, payload 1.0), not "${values.version}"`,
      );
    },
  },
};

const s3EventNames: Record<string, S3EventName> = {
  put: 'ObjectCreated:Put',
  post: 'ObjectCreated:Post',
  copy: 'ObjectCreated:Copy',
  'complete-multipart-upload': 'ObjectCreated:CompleteMultipartUpload',
  delete: 'ObjectRemoved:Delete',
};

class UsageError extends Error {}

function usage(): string {
  return [
    'Usage: pnpm event <source> [options]',
    '',
    'Sources:',
    ...Object.values(sources).map((s) => `  ${s.usage}`),
  ].join('\n');
}

function main(argv: string[]): number {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const source = sources[name];
  if (!source) {
    console.error(`Unknown event source "${name}". Known: ${Object.keys(sources).join(', ')}.\n\n${usage()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`Usage: pnpm event ${source.usage}`);
    return 0;
  }
  try {
    console.log(JSON.stringify(source.build(args), null, 2));
    return 0;
  } catch (error) {
    // parseArgs throws TypeErrors with a readable message for unknown or malformed options.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${message}\n\nUsage: pnpm event ${source.usage}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
