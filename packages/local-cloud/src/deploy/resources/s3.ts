/**
 * AWS::S3::* → buckets in fauxqs (created through the SDK against the local endpoint), their notification
 * configurations in the local S3 notifications, and CDK's S3 custom resources handled by the deployer itself.
 *
 * What fauxqs does not do is said in each bucket's detail instead of pretended: versioning (one version per key),
 * encryption (objects are kept unencrypted in memory), access control (public access blocks, policies, ACLs,
 * ownership are recorded, not enforced), lifecycle rules (stored, but no object expires).
 */
import {
  CreateBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  type PutBucketLifecycleConfigurationCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { LocalCloudError, messageOf } from '../../errors.ts';
import { type NotificationRule, notificationRules } from '../../s3/notification-config.ts';
import {
  isRecord,
  optionalString,
  type ResourceContext,
  type ResourceHandler,
  recordedOnly,
  recordOf,
} from '../resource.ts';

/** Regions whose website endpoints use `s3-website-<region>` rather than `s3-website.<region>`. */
const DASH_WEBSITE_REGIONS = new Set([
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
  'us-gov-west-1',
]);

/** Fn::GetAtt of a bucket, as AWS builds them. */
export function bucketAttributes(name: string, region: string): Record<string, string> {
  const website = DASH_WEBSITE_REGIONS.has(region) ? `s3-website-${region}` : `s3-website.${region}`;
  return {
    Arn: `arn:aws:s3:::${name}`,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
    WebsiteURL: `http://${name}.${website}.amazonaws.com`,
  };
}

/** S3's bucket naming rules, checked before fauxqs sees the name, with S3's reasons. */
function checkBucketName(name: string, context: ResourceContext): void {
  const problem =
    name.length < 3 || name.length > 63
      ? 'it must be 3 to 63 characters long'
      : !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)
        ? 'it may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit'
        : /\.\.|^\d+\.\d+\.\d+\.\d+$/.test(name)
          ? 'it must not contain two adjacent dots or look like an IP address'
          : undefined;
  if (problem)
    throw new LocalCloudError(`${context.logicalId}: the bucket name ${name} is invalid: ${problem}.`);
}

/** Sentences for the properties fauxqs cannot honour. */
function notHonoured(properties: Readonly<Record<string, unknown>>): string[] {
  const notes: string[] = [];
  const versioning = optionalString(recordOf(properties.VersioningConfiguration).Status);
  if (versioning === 'Enabled')
    notes.push('versioning is not supported locally (one version per key, no versionId)');
  if (properties.BucketEncryption !== undefined)
    notes.push('encryption recorded (objects are kept unencrypted in memory)');
  const recorded = [
    'PublicAccessBlockConfiguration',
    'OwnershipControls',
    'AccessControl',
    'CorsConfiguration',
    'WebsiteConfiguration',
    'LoggingConfiguration',
    'ReplicationConfiguration',
    'ObjectLockConfiguration',
    'IntelligentTieringConfigurations',
    'InventoryConfigurations',
    'MetricsConfigurations',
    'AnalyticsConfigurations',
    'AccelerateConfiguration',
  ].filter((key) => properties[key] !== undefined);
  if (recorded.length > 0) notes.push(`${recorded.join(', ')} recorded, not enforced`);
  if (properties.LifecycleConfiguration !== undefined)
    notes.push('lifecycle rules stored in fauxqs, but no object expires or transitions locally');
  if (
    isRecord(properties.NotificationConfiguration) &&
    properties.NotificationConfiguration.EventBridgeConfiguration
  )
    notes.push('EventBridge notifications are not sent locally');
  return notes;
}

/** CloudFormation's lifecycle rule shape → the S3 API's. */
function lifecycleInput(bucket: string, configuration: unknown): PutBucketLifecycleConfigurationCommandInput {
  const rules = Array.isArray(recordOf(configuration).Rules)
    ? (recordOf(configuration).Rules as unknown[])
    : [];
  return {
    Bucket: bucket,
    LifecycleConfiguration: {
      Rules: rules
        .filter(isRecord)
        .filter(
          (rule) => rule.ExpirationInDays !== undefined || rule.AbortIncompleteMultipartUpload !== undefined,
        )
        .map((rule) => {
          const expirationDays = rule.ExpirationInDays;
          const abort = recordOf(rule.AbortIncompleteMultipartUpload).DaysAfterInitiation;
          const filterPrefix = rule.Prefix ?? undefined;
          return {
            ...(typeof rule.Id === 'string' ? { ID: rule.Id } : {}),
            Status: rule.Status === 'Disabled' ? 'Disabled' : 'Enabled',
            Filter: { Prefix: typeof filterPrefix === 'string' ? filterPrefix : '' },
            ...(expirationDays !== undefined ? { Expiration: { Days: Number(expirationDays) } } : {}),
            ...(abort !== undefined
              ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: Number(abort) } }
              : {}),
          };
        }),
    },
  };
}

function services(context: ResourceContext) {
  const { s3Notifications } = context.services;
  if (!s3Notifications) throw new LocalCloudError('S3 is not running in this local cloud.');
  return { s3: context.services.clients(S3Client), s3Notifications };
}

const bucket: ResourceHandler = {
  async create(properties, context) {
    const { s3, s3Notifications } = services(context);
    // CloudFormation's generated bucket names are the stack and logical id, lower-cased, with a random suffix.
    const name =
      optionalString(properties.BucketName) ?? context.physicalName({ maxLength: 63 }).toLowerCase();
    checkBucketName(name, context);
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    let lifecycleProblem: string | undefined;
    if (properties.LifecycleConfiguration !== undefined) {
      // Rules are kept for GetBucketLifecycleConfiguration; nothing expires locally, so a rule fauxqs refuses
      // (only transitions, say) is a note, not a failed deploy.
      const input = lifecycleInput(name, properties.LifecycleConfiguration);
      try {
        if ((input.LifecycleConfiguration?.Rules ?? []).length > 0)
          await s3.send(new PutBucketLifecycleConfigurationCommand(input));
      } catch (error) {
        lifecycleProblem = `lifecycle rules not stored (${messageOf(error)})`;
      }
    }
    const rules = notificationRules(properties.NotificationConfiguration);
    if (rules.length > 0) s3Notifications.configure(name, rules);
    const notes = [...notHonoured(properties), ...(lifecycleProblem ? [lifecycleProblem] : [])];
    return {
      physicalId: name,
      attributes: bucketAttributes(name, context.aws.region),
      ...(notes.length > 0 ? { detail: `${notes.join('; ')}.` } : {}),
    };
  },
};

/**
 * CDK's Custom::S3BucketNotifications: its handler is an inline Python function, which does not run locally, so
 * the deployer does what that function does — PutBucketNotificationConfiguration with the resource's
 * NotificationConfiguration (merged with the rules already there when `Managed` is false, as CDK does for
 * imported buckets).
 */
const bucketNotifications: ResourceHandler = {
  async create(properties, context) {
    const { s3Notifications } = services(context);
    const name = optionalString(properties.BucketName);
    if (!name) throw new LocalCloudError(`${context.logicalId} (${context.type}) has no BucketName.`);
    let rules: NotificationRule[];
    try {
      rules = notificationRules(properties.NotificationConfiguration);
    } catch (error) {
      throw new LocalCloudError(
        `${context.logicalId}: its NotificationConfiguration cannot be read: ${messageOf(error)}`,
      );
    }
    const managed = properties.Managed !== false && properties.Managed !== 'false';
    s3Notifications.configure(name, managed ? rules : [...s3Notifications.rules(name), ...rules]);
    const targets = rules.map(
      (rule) => `${rule.events.join('+')} → ${rule.target.arn.split(':').slice(-1)[0]}`,
    );
    const eventBridge = isRecord(recordOf(properties.NotificationConfiguration).EventBridgeConfiguration)
      ? '; EventBridge notifications are not sent locally'
      : '';
    return {
      physicalId: context.physicalName({ maxLength: 128 }),
      detail: `applied by the deployer (CDK's Python handler does not run locally): ${targets.join(', ') || 'no notifications'}${eventBridge}.`,
    };
  },
};

export const s3Handlers: Readonly<Record<string, ResourceHandler>> = {
  'AWS::S3::Bucket': bucket,
  'AWS::S3::BucketPolicy': recordedOnly('bucket policies are recorded, not enforced, locally', 128),
  'Custom::S3BucketNotifications': bucketNotifications,
  // CDK's autoDeleteObjects empties the bucket when the stack is deleted; the local cloud keeps objects in memory
  // and discards them all when it stops, which has the same effect.
  'Custom::S3AutoDeleteObjects': recordedOnly(
    'handled by the deployer: the local cloud discards every object when it stops, as this resource empties the bucket on stack deletion',
    128,
  ),
};
