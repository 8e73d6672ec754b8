import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface TriggerFunctionProps
  extends Omit<NodejsFunctionProps, 'runtime' | 'architecture' | 'logGroup' | 'role' | 'logRetention'> {
  /** Path to the handler's TypeScript file. */
  readonly entry: string;
  /** Powertools service name: the `service` key on every log line and the metrics namespace dimension. */
  readonly serviceName: string;
  /** Powertools and Lambda application log level. @default INFO */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** How long the function's log group keeps its events. @default one month */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A NodejsFunction with the defaults every integration shares: Node.js 24 on Graviton (arm64), a minified ESM
 * bundle with source maps, the AWS SDK v3 taken from the runtime, JSON logs into a log group of its own with a
 * retention, and an execution role that may write to that log group and nothing else.
 *
 * A package copied out takes this file along (its README's "Copy it out"): a plain NodejsFunction with "the same
 * props" would change the runtime, architecture, memory, timeout, log group, role and bundling.
 */
export class TriggerFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: TriggerFunctionProps) {
    const { serviceName, logLevel = 'INFO', logRetention = logs.RetentionDays.ONE_MONTH, ...rest } = props;

    // An explicit log group (instead of the `logRetention` custom resource, which needs `Resource: *`)
    // lets the role be scoped to exactly this group.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${serviceName}`,
    });
    logGroup.grantWrite(role);
    if (rest.vpc) {
      // A function in a VPC needs to manage its network interfaces; CDK adds this only to roles it creates.
      role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
    }

    super(scope, id, {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
      // INFO keeps the platform START and REPORT records: duration, billed duration and memory per invoke.
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      ...rest,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_LOG_LEVEL: logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        ...rest.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // Lambda's runtime logs a failed invoke's errorType from the error's class name: minified, an
        // InvalidOrderError would be logged as "Y". Costs a few KB.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // Prefer ESM builds of dependencies so esbuild can tree-shake them.
        mainFields: ['module', 'main'],
        // Some dependencies still `require()` Node built-ins; give the ESM bundle a `require` to do it with.
        banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
        ...rest.bundling,
      },
    });
  }
}
