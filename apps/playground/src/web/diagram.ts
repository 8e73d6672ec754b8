/**
 * The flow of a stack, read from its template rather than written per package: for each function a trigger
 * invokes, where its events come from (source → trigger → function), what it writes (effects, from its role's
 * write permissions), and where failures go (DLQs, on-failure destinations, a queue's redrive policy).
 */
import type { CfnTemplate } from '@triggers/local-cloud';

/** One resource of the template as the diagram shows it. */
export interface FlowNode {
  readonly logicalId: string;
  readonly type: string;
  /** Short and readable: the logical id without CDK's hash, and a kind ("queue", "table"). */
  readonly label: string;
  readonly kind: string;
}

export interface FlowRow {
  readonly function: FlowNode;
  /** What invokes the function, each with what it reads from: a mapping and its queue, a notification and its bucket. */
  readonly triggers: readonly { readonly trigger: FlowNode; readonly sources: readonly FlowNode[] }[];
  /** What the function writes to. */
  readonly effects: readonly FlowNode[];
  /** Where failed events go, and from where: the queue (redrive policy), the mapping or the function. */
  readonly failures: readonly { readonly from: FlowNode; readonly to: FlowNode; readonly via: string }[];
}

type Resources = Readonly<Record<string, { Type: string; Properties?: unknown }>>;

const KINDS: Readonly<Record<string, string>> = {
  'AWS::SQS::Queue': 'queue',
  'AWS::SNS::Topic': 'topic',
  'AWS::S3::Bucket': 'bucket',
  'AWS::DynamoDB::Table': 'table',
  'AWS::Lambda::Function': 'function',
  'AWS::Lambda::EventSourceMapping': 'event source mapping',
  'AWS::Lambda::EventInvokeConfig': 'async invoke config',
  'Custom::S3BucketNotifications': 'S3 notification',
  'AWS::ApiGatewayV2::Integration': 'HTTP API integration',
  'AWS::ApiGatewayV2::Api': 'HTTP API',
  'AWS::Cognito::UserPool': 'user pool',
  'AWS::Kinesis::Stream': 'data stream',
  'AWS::KinesisFirehose::DeliveryStream': 'Firehose delivery stream',
  'AWS::Events::Rule': 'EventBridge rule',
  'AWS::SNS::Subscription': 'subscription',
  'AWS::Logs::SubscriptionFilter': 'subscription filter',
};

/** Types that connect things rather than being things in the flow. */
const PLUMBING =
  /^AWS::(IAM|CloudWatch|Logs::LogGroup|Logs::LogStream|Lambda::Permission|Lambda::Version|SQS::QueuePolicy|S3::BucketPolicy|SNS::TopicPolicy|KMS)/;

/** Property paths under which a trigger's reference is where it delivers (Firehose's S3 destination): an effect. */
const DELIVERY_KEYS = /DestinationConfiguration/;

/** Property paths (keys) under which a reference is a failure target. */
const FAILURE_KEYS = /DeadLetter|OnFailure|deadLetterTarget|ErrorOutput/;

/** Actions that change something: a role allowed one of these on a resource makes that resource an effect. */
const WRITE_ACTION = /:(Put|Send|Update|Write|Delete|Publish|Create|BatchWrite|Start)|:\*$|^\*$/;

export function flowOf(template: CfnTemplate): FlowRow[] {
  const resources = (template.Resources ?? {}) as Resources;
  const node = (logicalId: string): FlowNode => {
    const type = resources[logicalId]?.Type ?? 'unknown';
    return {
      logicalId,
      type,
      label: readableId(logicalId),
      kind: KINDS[type] ?? type.split('::').pop() ?? type,
    };
  };
  // Functions that back custom resources (CDK's providers) are deployment machinery, not part of the flow.
  const machinery = new Set(
    Object.values(resources)
      .filter(
        (resource) =>
          resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource',
      )
      .flatMap((resource) => referencesIn(propertyOf(resource, 'ServiceToken'))),
  );
  const functions = Object.keys(resources).filter(
    (id) => resources[id]?.Type === 'AWS::Lambda::Function' && !machinery.has(id),
  );
  return functions.map((fn) => {
    const triggers: { trigger: FlowNode; sources: FlowNode[] }[] = [];
    const failures: { from: FlowNode; to: FlowNode; via: string }[] = [];
    /** Where a trigger delivers what the function returns (a Firehose's bucket): effects too. */
    const delivered: string[] = [];
    for (const [id, resource] of Object.entries(resources)) {
      if (id === fn || PLUMBING.test(resource.Type)) continue;
      const refs = referencePaths(resource.Properties);
      if (!refs.some((ref) => ref.id === fn)) continue;
      const failureTargets = refs.filter((ref) => FAILURE_KEYS.test(ref.path) && ref.id !== fn);
      for (const target of failureTargets)
        failures.push({ from: node(id), to: node(target.id), via: node(id).kind });
      // A resource naming only the function and failure targets configures it (an async invoke config).
      const flowing = refs.filter(
        (ref) => ref.id !== fn && !FAILURE_KEYS.test(ref.path) && !isPlumbing(resources, ref.id),
      );
      delivered.push(...flowing.filter((ref) => DELIVERY_KEYS.test(ref.path)).map((ref) => ref.id));
      const sources = unique(
        flowing.filter((ref) => !DELIVERY_KEYS.test(ref.path)).map((ref) => ref.id),
      ).filter((source) => !machinery.has(source) && resources[source]?.Type !== 'AWS::Lambda::Function');
      if (resource.Type === 'AWS::Lambda::EventInvokeConfig') continue;
      // One row per kind of trigger and its sources: an HTTP API has an integration per route, shown once.
      const key = `${resource.Type} ${sources.join(' ')}`;
      if (
        triggers.some(
          (seen) => `${seen.trigger.type} ${seen.sources.map((s) => s.logicalId).join(' ')}` === key,
        )
      )
        continue;
      triggers.push({ trigger: node(id), sources: sources.map(node) });
    }
    // A source queue's redrive policy is the failure path of what the function could not process.
    for (const { sources } of triggers) {
      for (const source of sources) {
        for (const target of referencePaths(resources[source.logicalId]?.Properties)) {
          if (FAILURE_KEYS.test(target.path))
            failures.push({ from: source, to: node(target.id), via: 'redrive policy' });
        }
      }
    }
    const deadLetter = referencesIn(propertyOf(resources[fn], 'DeadLetterConfig'));
    for (const target of deadLetter)
      failures.push({ from: node(fn), to: node(target), via: 'dead-letter queue' });
    // Deleting what it read (an SQS batch) or sending to its DLQ is part of the trigger, not an effect.
    const notEffects = new Set([
      ...failures.map((failure) => failure.to.logicalId),
      ...triggers.flatMap(({ sources }) => sources.map((source) => source.logicalId)),
    ]);
    const effects = unique([...writesOf(resources, fn), ...delivered]).filter(
      (id) => !notEffects.has(id) && !isPlumbing(resources, id),
    );
    return { function: node(fn), triggers, effects: effects.map(node), failures };
  });
}

/** What the function's role may write to (by the policies attached to it). */
function writesOf(resources: Resources, fn: string): string[] {
  const role = referencesIn(propertyOf(resources[fn], 'Role'))[0];
  if (!role) return [];
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => referencesIn(propertyOf(policy, 'Roles')).includes(role))
    .flatMap((policy) => {
      const document = propertyOf(policy, 'PolicyDocument') as { Statement?: unknown[] } | undefined;
      return (document?.Statement ?? []).flatMap((statement) => {
        const { Action, Effect, Resource } = statement as {
          Action?: unknown;
          Effect?: string;
          Resource?: unknown;
        };
        const actions = [Action].flat().filter((action): action is string => typeof action === 'string');
        if (Effect !== 'Allow' || !actions.some((action) => WRITE_ACTION.test(action))) return [];
        return referencesIn(Resource);
      });
    });
}

function isPlumbing(resources: Resources, id: string): boolean {
  const type = resources[id]?.Type;
  return type === undefined || PLUMBING.test(type);
}

function propertyOf(resource: { Properties?: unknown } | undefined, key: string): unknown {
  return (resource?.Properties as Record<string, unknown> | undefined)?.[key];
}

/** Every Ref / Fn::GetAtt in a value, with the key path it sits under. */
function referencePaths(value: unknown, path = ''): { id: string; path: string }[] {
  if (Array.isArray(value)) return value.flatMap((item) => referencePaths(item, path));
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string' && !record.Ref.startsWith('AWS::')) return [{ id: record.Ref, path }];
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [{ id: getAtt[0], path }];
  return Object.entries(record).flatMap(([key, item]) => referencePaths(item, `${path}/${key}`));
}

function referencesIn(value: unknown): string[] {
  return unique(referencePaths(value).map((ref) => ref.id));
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** `OrdersQueueC538DD4C` → `OrdersQueue`: CDK appends an 8-character hash to logical ids. */
export function readableId(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '') || logicalId;
}
