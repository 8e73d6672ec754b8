import { S3Schema, S3SqsEventNotificationSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { encodeS3Key, type S3EventRecord } from '@triggers/events';
import { describe, expect, it } from 'vitest';
import { bucketAttributes } from '../src/deploy/resources/s3.ts';
import type { ObjectChange } from '../src/s3/front.ts';
import {
  type NotificationRule,
  notificationRules,
  notificationRulesFromXml,
  notificationXml,
  ruleMatches,
} from '../src/s3/notification-config.ts';
import { S3Notifications } from '../src/triggers/s3-notifications.ts';

/** The one record of each event a target got. */
const recordsOf = (sent: readonly { event: unknown }[]): (S3EventRecord | undefined)[] =>
  sent.map((delivery) => (delivery.event as { Records: S3EventRecord[] }).Records[0]);

const aws = { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:4566' };

function change(overrides: Partial<ObjectChange> = {}): ObjectChange {
  return {
    eventName: 'ObjectCreated:Put',
    bucket: 'uploads',
    key: 'images/a.jpg',
    size: 3,
    eTag: 'abc',
    time: new Date(Date.UTC(2026, 10, 26, 12, 0, 0, 5)),
    principalId: 'AWS:test',
    sourceIPAddress: '127.0.0.1',
    requestId: 'REQ',
    hostId: 'HOST',
    ...overrides,
  };
}

/** A notifications object whose targets are recorded, not run. */
function recording(failing: readonly string[] = []) {
  const sent: { arn: string; event: unknown }[] = [];
  const warnings: string[] = [];
  const notifications = new S3Notifications({
    aws,
    invokeAsync: async (arn, payload) => {
      if (failing.includes(arn)) throw new Error('Function not found');
      sent.push({ arn, event: JSON.parse(payload) });
    },
    deliver: async (arn, event) => {
      if (failing.includes(arn)) throw new Error('queue gone');
      sent.push({ arn, event });
    },
    onWarning: (message) => warnings.push(message),
  });
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  return { notifications, sent, warnings, settled };
}

const lambdaRule = (overrides: Partial<NotificationRule> = {}): NotificationRule => ({
  id: 'images',
  events: ['s3:ObjectCreated:*'],
  prefix: 'images/',
  suffix: '.jpg',
  target: { kind: 'lambda', arn: 'arn:aws:lambda:us-east-1:000000000000:function:thumbs' },
  ...overrides,
});

describe('S3 event keys', () => {
  it.each([
    ['images/my photo.jpg', 'images/my+photo.jpg'],
    ['a+b.jpg', 'a%2Bb.jpg'],
    ['été/日本.png', '%C3%A9t%C3%A9/%E6%97%A5%E6%9C%AC.png'],
    ['x (1)=y&z:~.txt', 'x+%281%29%3Dy%26z%3A%7E.txt'],
    ['keep-_.*/as is', 'keep-_.*/as+is'],
  ])('encodes %s as %s', (key, encoded) => {
    // Act + Assess
    expect(encodeS3Key(key)).toBe(encoded);
    expect(decodeURIComponent(encoded.replaceAll('+', ' '))).toBe(key);
  });
});

describe('matching a configuration', () => {
  it.each([
    ['s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload', 'images/a.jpg', true],
    ['s3:ObjectCreated:Put', 'ObjectCreated:Copy', 'images/a.jpg', false],
    ['s3:ObjectRemoved:*', 'ObjectCreated:Put', 'images/a.jpg', false],
    ['s3:ObjectCreated:*', 'ObjectCreated:Put', 'images/a.jpeg', false],
    ['s3:ObjectCreated:*', 'ObjectCreated:Put', 'other/images/a.jpg', false],
    ['s3:ObjectCreated:*', 'ObjectCreated:Put', 'images/sub dir/ü.jpg', true],
  ])('%s, %s of %s: %s', (eventType, eventName, key, matches) => {
    // Act + Assess
    expect(ruleMatches(lambdaRule({ events: [eventType] }), eventName, key)).toBe(matches);
  });

  it("reads CDK's S3 API shape and CloudFormation's bucket shape alike", () => {
    // Prepare
    const cdk = {
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'suffix', Value: '.jpg' },
                { Name: 'prefix', Value: 'in/' },
              ],
            },
          },
          LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
        },
      ],
      QueueConfigurations: [
        { Id: 'q', Events: ['s3:ObjectRemoved:Delete'], QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q' },
      ],
    };
    const cloudFormation = {
      TopicConfigurations: [
        {
          Event: 's3:ObjectCreated:Put',
          Filter: { S3Key: { Rules: [{ Name: 'Prefix', Value: 'docs/' }] } },
          Topic: 'arn:aws:sns:us-east-1:000000000000:t',
        },
      ],
    };

    // Act
    const [lambda, queue] = notificationRules(cdk);
    const [topic] = notificationRules(cloudFormation);

    // Assess
    expect(lambda).toMatchObject({
      events: ['s3:ObjectCreated:*'],
      prefix: 'in/',
      suffix: '.jpg',
      target: { kind: 'lambda', arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
    });
    expect(lambda?.id).toMatch(/^[A-Za-z0-9+/]+$/);
    expect(queue).toEqual({
      id: 'q',
      events: ['s3:ObjectRemoved:Delete'],
      target: { kind: 'sqs', arn: 'arn:aws:sqs:us-east-1:000000000000:q' },
    });
    expect(topic).toMatchObject({
      events: ['s3:ObjectCreated:Put'],
      prefix: 'docs/',
      target: { kind: 'sns' },
    });
  });
});

describe('the S3 API notification XML', () => {
  it('reads what it writes, for every kind of target', () => {
    // Prepare
    const rules: NotificationRule[] = [
      lambdaRule(),
      {
        id: 'q&1',
        events: ['s3:ObjectRemoved:Delete'],
        target: { kind: 'sqs', arn: 'arn:aws:sqs:us-east-1:000000000000:q' },
      },
      {
        id: 't',
        events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Post'],
        suffix: '<x>',
        target: { kind: 'sns', arn: 'arn:aws:sns:us-east-1:000000000000:t' },
      },
    ];

    // Act
    const read = notificationRulesFromXml(notificationXml(rules));

    // Assess
    expect(read).toEqual(rules);
  });

  it('explains a configuration without a target or an event', () => {
    // Act
    const read = notificationRulesFromXml(
      '<NotificationConfiguration><QueueConfiguration><Event>s3:ObjectCreated:*</Event></QueueConfiguration></NotificationConfiguration>',
    );

    // Assess
    expect(read).toEqual({ problem: 'a QueueConfiguration needs a Queue and at least one Event' });
  });
});

describe('S3Notifications', () => {
  it('sends one event per matching configuration, each with its configuration id and the same sequencer', async () => {
    // Prepare
    const { notifications, sent, settled } = recording();
    const queueArn = 'arn:aws:sqs:us-east-1:000000000000:audit';
    notifications.configure('uploads', [
      lambdaRule(),
      { id: 'audit', events: ['s3:ObjectCreated:Put'], target: { kind: 'sqs', arn: queueArn } },
    ]);
    await settled();
    sent.length = 0; // the s3:TestEvent of the queue

    // Act
    notifications.notify([change()]);
    await settled();

    // Assess
    expect(sent.map((delivery) => delivery.arn)).toEqual([lambdaRule().target.arn, queueArn]);
    const [first, second] = sent.map(
      (delivery) => (delivery.event as { Records: S3EventRecord[] }).Records[0],
    );
    expect(first?.s3.configurationId).toBe('images');
    expect(second?.s3.configurationId).toBe('audit');
    expect(first?.s3.object.sequencer).toBe(second?.s3.object.sequencer);
    expect(first).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-26T12:00:00.005Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:test' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'REQ', 'x-amz-id-2': 'HOST' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'images',
        bucket: {
          name: 'uploads',
          ownerIdentity: { principalId: '000000000000' },
          arn: 'arn:aws:s3:::uploads',
        },
        object: { key: 'images/a.jpg', size: 3, eTag: 'abc', sequencer: first?.s3.object.sequencer },
      },
    });
  });

  it.each([
    ['ObjectCreated:Put', {}],
    ['ObjectRemoved:Delete', { size: undefined, eTag: undefined }],
  ] as const)(
    "makes %s events that Powertools' S3 schemas accept, as a function and as an SQS message",
    async (eventName, object) => {
      // Prepare
      const { notifications, sent, settled } = recording();
      const queueArn = 'arn:aws:sqs:us-east-1:000000000000:q';
      notifications.configure('uploads', [
        lambdaRule({ events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }),
        {
          id: 'q',
          events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
          target: { kind: 'sqs', arn: queueArn },
        },
      ]);
      await settled();
      sent.length = 0;

      // Act
      notifications.notify([change({ eventName, key: 'images/a b+c.jpg', ...object })]);
      await settled();

      // Assess
      const [toFunction, toQueue] = sent;
      expect(S3Schema.safeParse(toFunction?.event).success).toBe(true);
      const sqsEvent = {
        Records: [
          {
            messageId: 'm-1',
            receiptHandle: 'r-1',
            body: JSON.stringify(toQueue?.event),
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: '1',
              SenderId: 'AIDA',
              ApproximateFirstReceiveTimestamp: '1',
            },
            messageAttributes: {},
            md5OfBody: 'x',
            eventSource: 'aws:sqs',
            eventSourceARN: queueArn,
            awsRegion: 'us-east-1',
          },
        ],
      };
      const parsed = S3SqsEventNotificationSchema.safeParse(sqsEvent);
      expect(parsed.error?.issues ?? []).toEqual([]);
    },
  );

  it('sends queues and topics the s3:TestEvent when configured, as S3 does, and functions nothing', async () => {
    // Prepare
    const { notifications, sent, settled } = recording();

    // Act
    notifications.configure('uploads', [
      lambdaRule(),
      {
        id: 't',
        events: ['s3:ObjectCreated:*'],
        target: { kind: 'sns', arn: 'arn:aws:sns:us-east-1:000000000000:t' },
      },
    ]);
    await settled();

    // Assess
    expect(sent).toEqual([
      {
        arn: 'arn:aws:sns:us-east-1:000000000000:t',
        event: expect.objectContaining({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'uploads' }),
      },
    ]);
  });

  it('gives later changes of a key greater sequencers, even within one millisecond', async () => {
    // Prepare
    const { notifications, sent, settled } = recording();
    notifications.configure('uploads', [
      lambdaRule({ events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }),
    ]);

    // Act
    notifications.notify([
      change(),
      change({ eventName: 'ObjectRemoved:Delete' }),
      change({ eventName: 'ObjectCreated:Copy' }),
    ]);
    await settled();

    // Assess
    const sequencers = sent.map((d) =>
      BigInt(`0x${(d.event as { Records: S3EventRecord[] }).Records[0]?.s3.object.sequencer}`),
    );
    expect(sequencers).toHaveLength(3);
    expect(sequencers[0]).toBeLessThan(sequencers[1] as bigint);
    expect(sequencers[1]).toBeLessThan(sequencers[2] as bigint);
    const removed = recordsOf(sent)[1];
    expect(removed?.s3.object).not.toHaveProperty('size');
    expect(removed?.s3.object).not.toHaveProperty('eTag');
  });

  it('turns a delivery that fails into one warning line and keeps delivering', async () => {
    // Prepare
    const broken = 'arn:aws:lambda:us-east-1:000000000000:function:gone';
    const { notifications, sent, warnings, settled } = recording([broken]);
    notifications.configure('uploads', [
      lambdaRule({ target: { kind: 'lambda', arn: broken } }),
      lambdaRule({ id: 'ok' }),
    ]);

    // Act
    notifications.notify([change()]);
    await settled();

    // Assess
    expect(sent).toHaveLength(1);
    expect(warnings).toEqual([
      `The S3 event ObjectCreated:Put for uploads/images/a.jpg did not reach ${broken}: Function not found`,
    ]);
  });

  it('sends nothing for a bucket without configuration, or after it stopped', async () => {
    // Prepare
    const { notifications, sent, settled } = recording();
    notifications.configure('uploads', [lambdaRule()]);

    // Act
    notifications.notify([change({ bucket: 'other' })]);
    notifications.stop();
    notifications.notify([change()]);
    await settled();

    // Assess
    expect(sent).toEqual([]);
  });
});

describe('bucket attributes', () => {
  it.each([
    ['us-east-1', 'http://b.s3-website-us-east-1.amazonaws.com'],
    ['eu-central-1', 'http://b.s3-website.eu-central-1.amazonaws.com'],
  ])('builds the website URL of %s as AWS does', (region, url) => {
    // Act
    const attributes = bucketAttributes('b', region);

    // Assess
    expect(attributes).toEqual({
      Arn: 'arn:aws:s3:::b',
      DomainName: 'b.s3.amazonaws.com',
      RegionalDomainName: `b.s3.${region}.amazonaws.com`,
      DualStackDomainName: `b.s3.dualstack.${region}.amazonaws.com`,
      WebsiteURL: url,
    });
  });
});

describe('a filter with only a prefix, or only a suffix', () => {
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
  /** One rule with one filter rule, as each shape writes it: CloudFormation capitalizes the name. */
  const shapes = {
    "CloudFormation's AWS::S3::Bucket": (name: 'prefix' | 'suffix', value: string) =>
      notificationRules({
        LambdaConfigurations: [
          {
            Event: 's3:ObjectCreated:*',
            Filter: { S3Key: { Rules: [{ Name: name === 'prefix' ? 'Prefix' : 'Suffix', Value: value }] } },
            Function: arn,
          },
        ],
      }),
    "the S3 API's JSON (CDK's custom resource)": (name: 'prefix' | 'suffix', value: string) =>
      notificationRules({
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: name, Value: value }] } },
            LambdaFunctionArn: arn,
          },
        ],
      }),
    "the S3 API's XML": (name: 'prefix' | 'suffix', value: string) =>
      notificationRulesFromXml(
        `<NotificationConfiguration><CloudFunctionConfiguration><CloudFunction>${arn}</CloudFunction><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>${name}</Name><Value>${value}</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration></NotificationConfiguration>`,
      ),
  };
  const keys = ['uploads/a.jpg', 'uploads/deep/b.png', 'other/uploads/c.jpg', 'uploads.jpg', 'd.jpg.webp'];

  it.each(
    Object.keys(shapes).flatMap((shape) => [
      [shape, 'prefix', 'uploads/', ['uploads/a.jpg', 'uploads/deep/b.png']],
      [shape, 'suffix', '.jpg', ['uploads/a.jpg', 'other/uploads/c.jpg', 'uploads.jpg']],
    ]) as [keyof typeof shapes, 'prefix' | 'suffix', string, string[]][],
  )(
    'from %s, a %s-only rule (%j) matches the keys it names and no others',
    (shape, name, value, matching) => {
      // Prepare
      const rules = shapes[shape](name, value);

      // Act
      const matched = keys.filter((key) =>
        (rules as NotificationRule[]).some((rule) => ruleMatches(rule, 'ObjectCreated:Put', key)),
      );

      // Assess
      expect(rules).toHaveLength(1);
      expect(matched).toEqual(matching);
    },
  );
});
