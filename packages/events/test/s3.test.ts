import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { describe, expect, it } from 'vitest';
import {
  compareSequencers,
  decodeS3Key,
  encodeS3Key,
  S3_EVENT_NAMES,
  type S3EventName,
  s3Event,
  s3Record,
} from '../src/index.ts';
import { runEventCli } from './run-cli.ts';

describe('s3Event', () => {
  it.each(
    S3_EVENT_NAMES.flatMap((eventName) =>
      [false, true]
        .filter((versioned) => versioned || eventName !== 'ObjectRemoved:DeleteMarkerCreated')
        .map((versioned) => [eventName, versioned] as [S3EventName, boolean]),
    ),
  )('builds a %s record (versioned: %s) the Powertools S3 schema accepts', (eventName, versioned) => {
    // Act
    const event = s3Event([{ key: 'photos/my photo.jpg', eventName, body: 'jpeg bytes' }], {
      bucketName: 'uploads',
      versioned,
    });

    // Assess
    expect(S3Schema.safeParse(event).success).toBe(true);
    const [record] = event.Records;
    expect(record).toMatchObject({ eventVersion: '2.1', eventSource: 'aws:s3', eventName });
    expect(record?.s3.bucket).toEqual({
      name: 'uploads',
      ownerIdentity: { principalId: expect.any(String) },
      arn: 'arn:aws:s3:::uploads',
    });
    expect('versionId' in (record?.s3.object ?? {})).toBe(versioned);
  });

  it('gives created objects a size and an eTag (the MD5 of the content), and removed ones neither', () => {
    // Act
    const [put, removed] = s3Event([
      { key: 'a.txt', body: 'hello' },
      { key: 'a.txt', eventName: 'ObjectRemoved:Delete' },
    ]).Records;

    // Assess
    expect(put?.s3.object).toMatchObject({ size: 5, eTag: '5d41402abc4b2a76b9719d911017c592' });
    expect(removed?.s3.object).toEqual({ key: 'a.txt', sequencer: expect.stringMatching(/^[0-9A-F]{18}$/) });
  });

  it('gives a multipart upload an eTag ending in its part count', () => {
    // Act
    const record = s3Record({ key: 'big.mp4', eventName: 'ObjectCreated:CompleteMultipartUpload', parts: 3 });

    // Assess
    expect(record.s3.object.eTag).toMatch(/^[0-9a-f]{32}-3$/);
  });

  it('numbers events with sequencers that grow, compared as AWS documents', () => {
    // Act
    const [first, second] = s3Event(['k', { key: 'k', eventName: 'ObjectRemoved:Delete' }]).Records;

    // Assess
    expect(compareSequencers(first?.s3.object.sequencer ?? '', second?.s3.object.sequencer ?? '')).toBe(-1);
    expect(compareSequencers('0A', 'B')).toBe(-1);
    expect(compareSequencers('B1', 'B')).toBe(1); // right-padded before comparing: B1 against B0
    expect(compareSequencers('FF00', 'ff')).toBe(0);
  });

  it('refuses a delete marker in a bucket without versioning', () => {
    // Assess
    expect(() => s3Record({ key: 'k', eventName: 'ObjectRemoved:DeleteMarkerCreated' })).toThrow(
      /only in a versioned bucket/,
    );
  });
});

describe('encodeS3Key', () => {
  it.each([
    ['my photo.jpg', 'my+photo.jpg'],
    ['photos/2026/a b+c.jpg', 'photos/2026/a+b%2Bc.jpg'],
    ['été/ñandú 🐦.png', '%C3%A9t%C3%A9/%C3%B1and%C3%BA+%F0%9F%90%A6.png'],
    ["it's (1)!~*.jpg", 'it%27s+%281%29%21%7E*.jpg'],
    ['a=b&c?.jpg', 'a%3Db%26c%3F.jpg'],
  ])('writes %j as S3 does (%s) and decodes it back', (key, encoded) => {
    // Act
    const result = encodeS3Key(key);

    // Assess
    expect(result).toBe(encoded);
    expect(decodeS3Key(result)).toBe(key);
    expect(s3Record(key).s3.object.key).toBe(encoded);
  });
});

describe('pnpm event s3', () => {
  const run = runEventCli;

  it('prints an S3 event for the given key, bucket, size and event type', async () => {
    // Act
    const { code, stdout } = await run(
      's3',
      '--key',
      'my photo.jpg',
      '--bucket',
      'b',
      '--size',
      '1234',
      '--event',
      'copy',
    );

    // Assess
    expect(code).toBe(0);
    const event = JSON.parse(stdout);
    expect(S3Schema.safeParse(event).success).toBe(true);
    expect(event.Records[0]).toMatchObject({
      eventName: 'ObjectCreated:Copy',
      s3: { bucket: { name: 'b' }, object: { key: 'my+photo.jpg', size: 1234 } },
    });
  });

  it('prints a delete-marker event for a delete in a versioned bucket', async () => {
    // Act
    const { code, stdout } = await run('s3', '--key', 'k', '--event', 'delete', '--versioned');

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout).Records[0]).toMatchObject({
      eventName: 'ObjectRemoved:DeleteMarkerCreated',
      s3: { object: { versionId: expect.any(String) } },
    });
  });

  it.each([
    [['s3'], /--key is required/],
    [['s3', '--key', 'k', '--size=-3'], /--size must be a whole number of bytes, not "-3"/],
    [['s3', '--key', 'k', '--event', 'restore'], /--event must be one of put, post, copy, .*not "restore"/],
    [['s3', '--key', 'k', '--event', 'constructor'], /--event must be one of/],
    [['s3', '--key', 'k', '--acl', 'public'], /Unknown option '--acl'/],
  ])('explains bad input %j in one message, without a stack trace', async (args, message) => {
    // Act
    const { code, stdout, stderr } = await run(...args);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/Usage: pnpm event s3 --key KEY/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
