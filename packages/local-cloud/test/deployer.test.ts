import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAssembly, type StackArtifact, selectStacks } from '../src/assembly.ts';
import { type LocalCloud, startLocalCloud } from '../src/cloud.ts';
import { deployStack } from '../src/deploy/deployer.ts';
import type { DeployServices } from '../src/deploy/resource.ts';
import { LocalCloudError } from '../src/errors.ts';
import { startGateway } from '../src/gateway.ts';
import type { DeployedStack, FunctionConfig } from '../src/types.ts';

const ASSEMBLIES = join(import.meta.dirname, 'fixtures', 'assemblies');
const aws = { region: 'us-east-1', accountId: '000000000000', endpoint: 'http://127.0.0.1:1' };

async function eventually<T>(check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await sleep(20);
  }
}

function resource(stack: DeployedStack, logicalId: string) {
  const found = stack.resources.find((candidate) => candidate.logicalId === logicalId);
  if (!found) throw new Error(`${logicalId} is not in ${stack.stackName}`);
  return found;
}

describe('reading a cloud assembly', () => {
  let broken: string;

  beforeAll(() => {
    broken = mkdtempSync(join(tmpdir(), 'broken-assembly-'));
    writeFileSync(join(broken, 'manifest.json'), '{ "version": "55.0.0", "artifacts": {');
  });

  afterAll(() => {
    rmSync(broken, { recursive: true, force: true });
  });

  it.each([
    [
      'a directory without manifest',
      'nowhere',
      /^No cloud assembly in .*nowhere: manifest\.json is missing \(run `cdk synth` first\)\.$/,
    ],
    [
      'a broken manifest',
      'broken',
      /^The manifest \(.*broken-assembly-\w+\/manifest\.json\) is not valid JSON \(.+\): run `cdk synth` again\.$/,
    ],
    [
      'a missing template',
      'missing-template',
      /^Cannot read the template of stack Triggers-Missing \(.*Triggers-Missing\.template\.json\): it does not exist \(run `cdk synth` again\)\.$/,
    ],
  ])('explains %s in one sentence', (_name, directory, message) => {
    // Prepare
    const path = directory === 'broken' ? broken : join(ASSEMBLIES, directory);

    // Act
    const reading = () => readAssembly(path);

    // Assess
    expect(reading).toThrow(LocalCloudError);
    expect(reading).toThrow(message);
  });

  it('selects stacks by short name, with the stacks they depend on, in dependency order', () => {
    // Prepare
    const assembly = readAssembly(join(ASSEMBLIES, 'basic'));

    // Act: any case, hyphens ignored (as learners type `api-gateway` for Triggers-ApiGateway)
    const selected = selectStacks(assembly, ['con-SUMER']);

    // Assess
    expect(selected.map((stack) => [stack.id, stack.stackName])).toEqual([
      ['Triggers-Basic', 'Triggers-Basic'],
      ['Triggers-Consumer', 'Consumer'],
    ]);
  });

  it('names the stacks there are when asked for one that is not', () => {
    // Prepare
    const assembly = readAssembly(join(ASSEMBLIES, 'basic'));

    // Act
    const selecting = () => selectStacks(assembly, ['sns']);

    // Assess
    expect(selecting).toThrow(
      /^No stack named 'sns' in .*basic: choose one of Triggers-Basic, Triggers-Consumer\.$/,
    );
  });
});

describe('deploying with stand-in services', () => {
  let workDirectory: string;
  const functions: FunctionConfig[] = [];
  const services = (): DeployServices => ({
    clients: () => {
      throw new Error('no clients in these tests');
    },
    unavailable: () => undefined,
    triggers: undefined as never,
    lambda: {
      createFunction: (config) => functions.push(config),
      setAsyncInvokeConfig: () => {},
      addAlias: () => {},
      publishVersion: () => '1',
      getFunction: (name) => functions.find((config) => config.name === name),
    },
    logs: { createLogGroup: () => {} },
    startEventSource: () => {},
    workDirectory,
  });

  beforeAll(() => {
    workDirectory = mkdtempSync(join(tmpdir(), 'deployer-test-'));
  });

  afterAll(() => {
    rmSync(workDirectory, { recursive: true, force: true });
  });

  function stackOf(directory: string): StackArtifact {
    return readAssembly(join(ASSEMBLIES, directory)).stacks[0] as StackArtifact;
  }

  it("finds a function's code through the asset manifest, writes inline code, and reports other runtimes", async () => {
    // Prepare
    const stack = stackOf('zip-fallback');

    // Act
    const deployed = await deployStack(stack, {
      aws,
      services: services(),
      assemblyDirectory: join(ASSEMBLIES, 'zip-fallback'),
      exports: new Map(),
    });

    // Assess
    const fromManifest = functions.find((config) => config.name === 'from-asset-manifest');
    expect(fromManifest?.codeDirectory).toBe(join(ASSEMBLIES, 'zip-fallback', 'asset.hello'));
    const inline = functions.find((config) => config.name === 'inline');
    expect(readFileSync(join(inline?.codeDirectory ?? '', 'index.js'), 'utf8')).toContain('inline: event');
    expect(resource(deployed, 'Python')).toMatchObject({
      status: 'unsupported',
      detail: 'only Node.js functions run locally, and this one is python3.13',
    });
    for (const attached of ['PythonVersion', 'PythonInvokeConfig']) {
      expect(resource(deployed, attached)).toMatchObject({
        status: 'unsupported',
        detail: expect.stringMatching(/^its function \S+ does not run locally$/),
      });
    }
  });

  it('names the resource, its type and stack when creating it fails', async () => {
    // Prepare
    const stack = stackOf('queue-only');
    const failing = {
      'AWS::SQS::Queue': {
        create: async () => {
          throw new Error('the emulator said no');
        },
      },
    };

    // Act
    const deploying = deployStack(stack, {
      aws,
      services: services(),
      assemblyDirectory: join(ASSEMBLIES, 'queue-only'),
      exports: new Map(),
      handlers: failing,
    });

    // Assess
    await expect(deploying).rejects.toThrow(
      new LocalCloudError(
        'Cannot create Queue (AWS::SQS::Queue) in stack Triggers-Queue: the emulator said no',
      ),
    );
  });

  it('refuses a second stack exporting a name another stack exports, as CloudFormation does', async () => {
    // Prepare
    const exporting = (stackName: string) => ({
      ...stackOf('queue-only'),
      stackName,
      template: { Resources: {}, Outputs: { Out: { Value: 'x', Export: { Name: 'Shared' } } } },
    });
    const exports = new Map<string, string>();
    const options = { aws, services: services(), assemblyDirectory: ASSEMBLIES, exports };
    await deployStack(exporting('First'), options);

    // Act
    const deploying = deployStack(exporting('Second'), options);

    // Assess
    await expect(deploying).rejects.toThrow(
      'Cannot resolve output Out of stack Second: the export name Shared is already exported by another stack',
    );
  });

  it.each([
    ['AWS::SNS::Topic', /^arn:aws:sns:us-east-1:000000000000:Triggers-Queue-Thing-[A-Z0-9]{12}$/],
    ['AWS::SQS::Queue', /^http:\/\/127\.0\.0\.1:1\/000000000000\/Triggers-Queue-Thing-[A-Z0-9]{12}$/],
    ['AWS::KMS::Key', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/],
    [
      'AWS::StepFunctions::StateMachine',
      /^arn:aws:states:us-east-1:000000000000:stateMachine:Triggers-Queue-Thing-/,
    ],
    ['AWS::Events::Rule', /^Triggers-Queue-Thing-[A-Z0-9]{12}$/],
  ])('gives Ref of a %s it does not run what CloudFormation would give', async (type, shape) => {
    // Prepare: a stack whose only resource has no handler here
    const stack = {
      ...stackOf('queue-only'),
      template: { Resources: { Thing: { Type: type } }, Outputs: { Out: { Value: { Ref: 'Thing' } } } },
    };

    // Act
    const deployed = await deployStack(stack, {
      aws,
      services: services(),
      assemblyDirectory: ASSEMBLIES,
      exports: new Map(),
      handlers: {},
    });

    // Assess
    expect(deployed.outputs.Out).toMatch(shape);
    expect(deployed.resources[0]).toMatchObject({
      status: 'unsupported',
      detail: `the local cloud does not run ${type} yet`,
    });
  });

  it('refuses a template with a transform it cannot expand', async () => {
    // Prepare
    const stack = {
      ...stackOf('queue-only'),
      template: { Transform: 'AWS::Serverless-2016-10-31', Resources: {} },
    };

    // Act
    const deploying = deployStack(stack, {
      aws,
      services: services(),
      assemblyDirectory: ASSEMBLIES,
      exports: new Map(),
    });

    // Assess
    await expect(deploying).rejects.toThrow(
      'Stack Triggers-Queue uses the transform "AWS::Serverless-2016-10-31", which the local cloud does not expand.',
    );
  });
});

describe('an SQS mapping whose queue hides messages for less time than the function runs', () => {
  it('is refused, as AWS refuses it', async () => {
    // Prepare: the queue-only stack plus a mapping; the function may run 60 s, the queue hides messages 30 s
    const assembly = mkdtempSync(join(tmpdir(), 'short-visibility-'));
    cpSync(join(ASSEMBLIES, 'queue-only'), assembly, { recursive: true });
    const templateFile = join(assembly, 'Triggers-Queue.template.json');
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    template.Resources.Function.Properties.Timeout = 60;
    template.Resources.Mapping = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: { FunctionName: { Ref: 'Function' }, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
    };
    writeFileSync(templateFile, JSON.stringify(template));

    // Act
    const starting = startLocalCloud({ assembly, port: 0 });

    // Assess
    await expect(starting).rejects.toThrow(
      'Mapping: Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds (AWS refuses this mapping too).',
    );
    rmSync(assembly, { recursive: true, force: true });
  });
});

describe('deploying into the local cloud', () => {
  let cloud: LocalCloud;
  let basic: DeployedStack;
  let consumer: DeployedStack;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    cloud = await startLocalCloud({ assembly: join(ASSEMBLIES, 'basic'), port: 0 });
    [basic, consumer] = cloud.stacks as [DeployedStack, DeployedStack];
    const config = {
      endpoint: cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    sqs = new SQSClient(config);
    dynamodb = new DynamoDBClient(config);
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    dynamodb?.destroy();
    await cloud?.stop();
  });

  it('lists every resource with its status, and the types that do not run locally by name', () => {
    // Prepare
    const statuses = Object.fromEntries(basic.resources.map((r) => [r.logicalId, [r.type, r.status]]));

    // Act
    const topic = resource(basic, 'Topic');
    const streamMapping = resource(basic, 'StreamMapping');

    // Assess
    expect(statuses).toEqual({
      DeadLetterQueue: ['AWS::SQS::Queue', 'created'],
      Queue: ['AWS::SQS::Queue', 'created'],
      QueuePolicy: ['AWS::SQS::QueuePolicy', 'recorded'],
      Table: ['AWS::DynamoDB::Table', 'created'],
      Topic: ['AWS::SNS::Topic', 'unsupported'],
      Logs: ['AWS::Logs::LogGroup', 'created'],
      Role: ['AWS::IAM::Role', 'recorded'],
      RolePolicy: ['AWS::IAM::Policy', 'recorded'],
      Function: ['AWS::Lambda::Function', 'created'],
      Version: ['AWS::Lambda::Version', 'created'],
      Alias: ['AWS::Lambda::Alias', 'created'],
      Permission: ['AWS::Lambda::Permission', 'recorded'],
      Mapping: ['AWS::Lambda::EventSourceMapping', 'created'],
      StreamMapping: ['AWS::Lambda::EventSourceMapping', 'unsupported'],
      AsyncConfig: ['AWS::Lambda::EventInvokeConfig', 'created'],
      ErrorsAlarm: ['AWS::CloudWatch::Alarm', 'recorded'],
    });
    expect(topic.detail).toBe('the local cloud does not run AWS::SNS::Topic yet');
    expect(streamMapping.detail).toBe('DynamoDB Streams event sources do not run locally yet');
  });

  it('names unnamed resources the way CloudFormation does', () => {
    // Prepare
    const queueUrl = basic.outputs.QueueUrl;

    // Act
    const name = queueUrl?.split('/').pop();

    // Assess
    expect(queueUrl).toBe(`${cloud.endpoint}/000000000000/${name}`);
    expect(name).toMatch(/^Triggers-Basic-Queue-[A-Z0-9]{12}$/);
    expect(basic.outputs.FunctionName).toMatch(/^Triggers-Basic-Function-[A-Z0-9]{12}$/);
  });

  it('resolves outputs from created resources, with our region and account in ARNs', () => {
    // Prepare
    const { outputs } = basic;

    // Act
    const queueName = outputs.QueueUrl?.split('/').pop();

    // Assess
    expect(outputs.QueueArn).toBe(`arn:aws:sqs:us-east-1:000000000000:${queueName}`);
    expect(outputs.TableArn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${outputs.TableName}`);
    expect(outputs).not.toHaveProperty('ProdQueueUrl');
  });

  it('imports the exports of a stack deployed earlier', () => {
    // Prepare
    const exported = basic.outputs.QueueArn;

    // Act
    const imported = consumer.outputs.ImportedQueueArn;

    // Assess
    expect(consumer.stackName).toBe('Consumer');
    expect(imported).toBe(exported);
    expect(consumer.outputs.AlarmName).toBe('Consumer-depth');
  });

  it('creates queues with the attributes the template sets, redrive included', async () => {
    // Prepare
    const dlqArn = resource(basic, 'DeadLetterQueue').physicalId?.split('/').pop();

    // Act
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: basic.outputs.QueueUrl, AttributeNames: ['All'] }),
    );

    // Assess
    expect(Attributes?.VisibilityTimeout).toBe('30');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${dlqArn}`,
      maxReceiveCount: 3,
    });
  });

  it('creates tables with their keys, indexes and stream', async () => {
    // Prepare
    const TableName = basic.outputs.TableName;

    // Act
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName }));

    // Assess
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byStatus']);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('hands the Lambda service the function as the template configures it', () => {
    // Prepare
    const name = basic.outputs.FunctionName ?? '';

    // Act
    const config = cloud.lambda.getFunction(name);

    // Assess
    expect(config).toMatchObject({
      handler: 'index.handler',
      runtime: 'nodejs24.x',
      architecture: 'arm64',
      memorySize: 256,
      timeoutSeconds: 5,
      logFormat: 'JSON',
      applicationLogLevel: 'INFO',
      logGroupName: resource(basic, 'Logs').physicalId,
      codeDirectory: join(ASSEMBLIES, 'basic', 'asset.hello'),
      // STAGE comes from the manifest's parameters; NOT_IN_TEST resolved to AWS::NoValue.
      environment: {
        TABLE_NAME: basic.outputs.TableName,
        TOPIC_ARN: basic.outputs.TopicArn,
        STAGE: 'test',
      },
    });
    expect(existsSync(config?.codeDirectory ?? '')).toBe(true);
  });

  it('publishes versions and aliases that can be invoked by their qualified name', async () => {
    // Prepare
    const name = basic.outputs.FunctionName ?? '';

    // Act
    const result = await cloud.invoke(`${name}:live`, { through: 'alias' });

    // Assess
    expect(basic.outputs.AliasArn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${name}:live`);
    expect(resource(basic, 'Version').physicalId).toBe(
      `arn:aws:lambda:us-east-1:000000000000:function:${name}:1`,
    );
    expect(result).toMatchObject({ statusCode: 200, executedVersion: '1' });
    expect(JSON.parse(result.payload ?? '{}')).toMatchObject({ echo: { through: 'alias' } });
  });

  it("keeps a function's logs in the log group the template gives it, readable by function name", async () => {
    // Prepare
    const name = basic.outputs.FunctionName ?? '';

    // Act
    await cloud.invoke(name, { for: 'logs' });

    // Assess
    const lines = cloud.logs(name);
    expect(lines.map((line) => line.logGroupName)).toContain(resource(basic, 'Logs').physicalId);
    expect(lines.some((line) => line.message.includes('hello from the local cloud'))).toBe(true);
  });

  it('records IAM policies with their resolved documents', () => {
    // Prepare
    const policy = resource(basic, 'RolePolicy');

    // Act
    const document = policy.properties?.PolicyDocument as { Statement: { Resource: string }[] } | undefined;
    const statement = document?.Statement[0];

    // Assess
    expect(statement?.Resource).toBe(basic.outputs.TableArn);
  });

  it('runs the SQS event source mapping: a sent message reaches the function', async () => {
    // Prepare
    const body = JSON.stringify({ order: 'deployer-test' });

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: basic.outputs.QueueUrl, MessageBody: body }));

    // Assess
    const invocation = await eventually(() =>
      cloud.invocations.find(
        (record) => record.source === 'aws:sqs' && JSON.stringify(record.event).includes('deployer-test'),
      ),
    );
    expect(invocation.functionName).toBe(basic.outputs.FunctionName);
    expect(invocation.status).toBe('success');
  });
});

describe('a deploy that fails halfway', () => {
  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('stops what it started before the error reaches the caller', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const starting = startLocalCloud({ assembly: join(ASSEMBLIES, 'unresolvable'), port });

    // Assess
    await expect(starting).rejects.toThrow(
      "Cannot resolve the properties of Alarm (AWS::CloudWatch::Alarm) in stack Triggers-Unresolvable: The template refers to 'Missing', which it does not define.",
    );
    // The gateway is gone: its port can be taken again.
    const gateway = await startGateway({ port });
    await gateway.stop();
  });
});
