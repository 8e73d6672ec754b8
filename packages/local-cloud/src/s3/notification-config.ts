/**
 * S3 notification configurations: the rules a bucket holds (which events, which key prefix and suffix, which
 * target), read from CloudFormation's and the S3 API's shapes (JSON and XML) and written back as XML. What sends
 * the events is the trigger (`triggers/s3-notifications.ts`).
 */
import { randomUUID } from 'node:crypto';
import { isRecord } from '../shared.ts';
import { escapeXml, unescapeXml } from '../xml.ts';

export type NotificationTarget =
  | { readonly kind: 'lambda'; readonly arn: string }
  | { readonly kind: 'sqs'; readonly arn: string }
  | { readonly kind: 'sns'; readonly arn: string };

/** One notification configuration, in the S3 API's terms. */
export interface NotificationRule {
  readonly id: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, … */
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
  readonly target: NotificationTarget;
}

/** Where buckets' notification configurations are kept (S3Notifications; a stand-in in tests). */
export interface NotificationConfigurations {
  configure(bucket: string, rules: readonly NotificationRule[]): void;
  rules(bucket: string): readonly NotificationRule[];
}

/** Whether a configuration's event type (`s3:ObjectCreated:*`, `s3:ObjectCreated:Put`) covers an event. */
export function coversEvent(eventType: string, eventName: string): boolean {
  const full = `s3:${eventName}`;
  return eventType.endsWith('*') ? full.startsWith(eventType.slice(0, -1)) : eventType === full;
}

export function ruleMatches(rule: NotificationRule, eventName: string, key: string): boolean {
  return (
    rule.events.some((eventType) => coversEvent(eventType, eventName)) &&
    (rule.prefix === undefined || key.startsWith(rule.prefix)) &&
    (rule.suffix === undefined || key.endsWith(rule.suffix))
  );
}

function filterRules(rules: unknown): { prefix?: string; suffix?: string } {
  const filter: { prefix?: string; suffix?: string } = {};
  for (const rule of Array.isArray(rules) ? rules : []) {
    if (!isRecord(rule)) continue;
    const name = String(rule.Name ?? '').toLowerCase();
    if (name === 'prefix' || name === 'suffix') filter[name] = String(rule.Value ?? '');
  }
  return filter;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined ? [] : [String(value)];
}

/** A configuration id as S3 makes one when none is given: a random base64 token. */
function generatedId(): string {
  return Buffer.from(randomUUID()).toString('base64').replace(/=+$/, '');
}

/**
 * The rules of a NotificationConfiguration in the S3 API's shape (what CDK's custom resource carries:
 * `LambdaFunctionConfigurations[].LambdaFunctionArn`, `QueueConfigurations[].QueueArn`,
 * `TopicConfigurations[].TopicArn`, `Events`, `Filter.Key.FilterRules`), or in CloudFormation's shape on
 * AWS::S3::Bucket (`LambdaConfigurations[].Function`, `Queue`, `Topic`, `Event`, `Filter.S3Key.Rules`).
 */
export function notificationRules(configuration: unknown): NotificationRule[] {
  if (!isRecord(configuration)) return [];
  const kinds = [
    ['lambda', 'LambdaFunctionConfigurations', 'LambdaFunctionArn', 'LambdaConfigurations', 'Function'],
    ['sqs', 'QueueConfigurations', 'QueueArn', 'QueueConfigurations', 'Queue'],
    ['sns', 'TopicConfigurations', 'TopicArn', 'TopicConfigurations', 'Topic'],
  ] as const;
  const rules: NotificationRule[] = [];
  for (const [kind, apiList, apiArn, cfnList, cfnArn] of kinds) {
    const entries = new Set([
      ...(Array.isArray(configuration[apiList]) ? configuration[apiList] : []),
      ...(Array.isArray(configuration[cfnList]) ? configuration[cfnList] : []),
    ]);
    for (const entry of entries) {
      if (!isRecord(entry)) continue;
      const arn = entry[apiArn] ?? entry[cfnArn];
      if (typeof arn !== 'string') continue;
      const filter = isRecord(entry.Filter) ? entry.Filter : {};
      const key = isRecord(filter.Key)
        ? filter.Key.FilterRules
        : isRecord(filter.S3Key)
          ? filter.S3Key.Rules
          : [];
      rules.push({
        id: typeof entry.Id === 'string' ? entry.Id : generatedId(),
        events: [...stringList(entry.Events), ...stringList(entry.Event)],
        ...filterRules(key),
        target: { kind, arn },
      });
    }
  }
  return rules;
}

/** The S3 API's XML element of each kind of target, and of its ARN. */
const XML_TARGETS = [
  ['lambda', 'CloudFunctionConfiguration', 'CloudFunction'],
  ['sqs', 'QueueConfiguration', 'Queue'],
  ['sns', 'TopicConfiguration', 'Topic'],
] as const;

function elements(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => match[1] ?? '');
}

/**
 * The rules of a PutBucketNotificationConfiguration body (`<NotificationConfiguration>` with
 * `CloudFunctionConfiguration`, `QueueConfiguration`, `TopicConfiguration`), or why it cannot be read.
 */
export function notificationRulesFromXml(xml: string): NotificationRule[] | { problem: string } {
  const rules: NotificationRule[] = [];
  for (const [kind, block, arnTag] of XML_TARGETS) {
    for (const entry of elements(xml, block)) {
      const arn = elements(entry, arnTag)[0];
      const events = elements(entry, 'Event').map(unescapeXml);
      if (!arn || events.length === 0)
        return { problem: `a ${block} needs a ${arnTag} and at least one Event` };
      const filter = filterRules(
        elements(entry, 'FilterRule').map((rule) => ({
          Name: unescapeXml(elements(rule, 'Name')[0] ?? ''),
          Value: unescapeXml(elements(rule, 'Value')[0] ?? ''),
        })),
      );
      const id = elements(entry, 'Id')[0];
      rules.push({
        id: id ? unescapeXml(id) : generatedId(),
        events,
        ...filter,
        target: { kind, arn: unescapeXml(arn) },
      });
    }
  }
  return rules;
}

/** A bucket's rules as GetBucketNotificationConfiguration answers them. */
export function notificationXml(rules: readonly NotificationRule[]): string {
  const entries = XML_TARGETS.flatMap(([kind, block, arnTag]) =>
    rules
      .filter((rule) => rule.target.kind === kind)
      .map((rule) => {
        const filterRules = (['prefix', 'suffix'] as const)
          .filter((name) => rule[name] !== undefined)
          .map(
            (name) =>
              `<FilterRule><Name>${name}</Name><Value>${escapeXml(rule[name] ?? '')}</Value></FilterRule>`,
          )
          .join('');
        const filter = filterRules ? `<Filter><S3Key>${filterRules}</S3Key></Filter>` : '';
        const events = rule.events.map((event) => `<Event>${escapeXml(event)}</Event>`).join('');
        return `<${block}><Id>${escapeXml(rule.id)}</Id><${arnTag}>${escapeXml(rule.target.arn)}</${arnTag}>${events}${filter}</${block}>`;
      }),
  );
  return `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${entries.join('')}</NotificationConfiguration>`;
}
