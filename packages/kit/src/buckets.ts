import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/** CDK's flag: grant S3's log delivery by bucket policy rather than by the legacy LogDeliveryWrite ACL. */
const LOGS_BY_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

export interface SafeBucketsProps {
  /** Of every bucket made with the recipe; DESTROY also empties them (autoDeleteObjects). @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The props every bucket of an integration starts from (spread them, then add its own). */
export type SafeBucketProps = Required<
  Pick<
    s3.BucketProps,
    'blockPublicAccess' | 'enforceSSL' | 'encryption' | 'removalPolicy' | 'autoDeleteObjects'
  >
>;

export interface AccessLogsBucketOptions {
  /** The buckets that log to it, for cdk-nag's reason ("the archive bucket"). */
  readonly logsOf: string;
}

export interface SafeBuckets {
  /** Public access blocked, TLS only, S3-managed encryption, the removal policy (DESTROY empties the bucket). */
  readonly props: SafeBucketProps;
  /**
   * A bucket for the server access logs of the others (`serverAccessLogsBucket`, each under its own
   * `serverAccessLogsPrefix`): the safe props, object ownership enforced, logs kept 90 days.
   */
  accessLogsBucket(id: string, options: AccessLogsBucketOptions): s3.Bucket;
}

/**
 * The buckets every integration makes, in one recipe (Solutions Constructs' `buildS3Bucket` in spirit): safe props
 * for its data buckets and a server access logs bucket they log to. Call it first in the construct, before it has
 * children: it makes S3's log delivery be granted by a bucket policy on the logs bucket (AWS's recommendation; ACLs
 * are disabled on new buckets) whatever the app's feature flags say, and CDK reads that flag from the logs bucket's
 * ancestors.
 */
export function safeBuckets(scope: Construct, props: SafeBucketsProps = {}): SafeBuckets {
  if (scope.node.tryGetContext(LOGS_BY_BUCKET_POLICY) !== true) {
    if (scope.node.children.length > 0) {
      throw new Error(
        `safeBuckets: call it before adding anything to ${scope.node.path} (it sets ${LOGS_BY_BUCKET_POLICY} there, which CDK allows only on a construct with no children yet).`,
      );
    }
    scope.node.setContext(LOGS_BY_BUCKET_POLICY, true);
  }
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const safe: SafeBucketProps = {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    // SSE-S3: the only encryption S3 server access logging delivers to, and nothing for readers to be granted.
    encryption: s3.BucketEncryption.S3_MANAGED,
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  };
  return {
    props: safe,
    accessLogsBucket(id, options) {
      const bucket = new s3.Bucket(scope, id, {
        ...safe,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ expiration: Duration.days(90) }],
      });
      // A log bucket that logged its own access would log the writing of its logs, forever.
      Validations.of(bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason: `This is the server access log bucket of ${options.logsOf}; it cannot log to itself.`,
      });
      return bucket;
    },
  };
}
