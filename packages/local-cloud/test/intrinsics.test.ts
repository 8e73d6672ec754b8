// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings hold ${…} on purpose.
import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../src/assembly.ts';
import { deploymentOrder } from '../src/deploy/graph.ts';
import { type ResolvedResource, TemplateScope } from '../src/deploy/intrinsics.ts';
import { LocalCloudError } from '../src/errors.ts';

const template: CfnTemplate = {
  Parameters: {
    Stage: { Type: 'String', Default: 'dev' },
    Zones: { Type: 'CommaDelimitedList', Default: 'a, b,c' },
    Required: { Type: 'String' },
    BootstrapVersion: {
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/cdk-bootstrap/hnb659fds/version',
    },
    OtherSsm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/my/parameter' },
  },
  Mappings: { Sizes: { dev: { Memory: 128 }, prod: { Memory: 1024 } } },
  Conditions: {
    IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
    IsDev: { 'Fn::Equals': ['dev', { Ref: 'Stage' }] },
    DevAndNotProd: { 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Not': [{ Condition: 'IsProd' }] }] },
    ProdOrDev: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsDev' }] },
    Loop: { 'Fn::Not': [{ Condition: 'Loop' }] },
  },
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue' },
    Later: { Type: 'AWS::SQS::Queue' },
    Skipped: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' },
  },
};

/** A scope in which `Queue` is created: Ref is its URL, GetAtt Arn/QueueName its ARN and name. */
function scopeFor(options: { parameters?: Record<string, string>; exports?: Record<string, string> } = {}) {
  const queue: ResolvedResource = {
    ref: 'http://127.0.0.1:4566/000000000000/my-queue',
    getAtt: (attribute) =>
      ({ Arn: 'arn:aws:sqs:us-east-1:000000000000:my-queue', QueueName: 'my-queue' })[attribute],
  };
  return new TemplateScope({
    template,
    stackName: 'Triggers-Test',
    parameters: { Required: 'given', ...options.parameters },
    resource: (logicalId) => (logicalId === 'Queue' ? queue : undefined),
    importValue: (name) => options.exports?.[name],
  });
}

describe('intrinsic functions', () => {
  it.each([
    ['Ref of a parameter default', { Ref: 'Stage' }, 'dev'],
    ['Ref of a list parameter', { Ref: 'Zones' }, ['a', 'b', 'c']],
    ['Ref of a created resource', { Ref: 'Queue' }, 'http://127.0.0.1:4566/000000000000/my-queue'],
    [
      'Fn::GetAtt (list form)',
      { 'Fn::GetAtt': ['Queue', 'Arn'] },
      'arn:aws:sqs:us-east-1:000000000000:my-queue',
    ],
    ['Fn::GetAtt (string form)', { 'Fn::GetAtt': 'Queue.QueueName' }, 'my-queue'],
    ['Fn::Join', { 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 3]] }, 'a-dev-3'],
    [
      'Fn::Sub with pseudo parameters',
      { 'Fn::Sub': 'x-${AWS::Region}-${AWS::AccountId}' },
      'x-us-east-1-000000000000',
    ],
    [
      'Fn::Sub with Res.Attr',
      { 'Fn::Sub': 'queue ${Queue.QueueName} is ${Queue}' },
      'queue my-queue is http://127.0.0.1:4566/000000000000/my-queue',
    ],
    ['Fn::Sub with a literal', { 'Fn::Sub': '${!Literal} and ${Stage}' }, '${Literal} and dev'],
    [
      'Fn::Sub with a variable map',
      { 'Fn::Sub': ['${Name}@${Stage}', { Name: { Ref: 'Queue' } }] },
      'http://127.0.0.1:4566/000000000000/my-queue@dev',
    ],
    ['Fn::Select', { 'Fn::Select': ['1', ['a', 'b', 'c']] }, 'b'],
    [
      'Fn::Split',
      { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] },
      ['arn', 'aws', 'sqs', 'us-east-1', '000000000000', 'my-queue'],
    ],
    [
      'Fn::Select of Fn::Split',
      { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] },
      'my-queue',
    ],
    ['Fn::If (false branch)', { 'Fn::If': ['IsProd', 'big', 'small'] }, 'small'],
    ['Fn::If (true branch)', { 'Fn::If': ['IsDev', 'big', 'small'] }, 'big'],
    ['Fn::GetAZs', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, 'us-east-1a'],
    [
      'Fn::Base64',
      { 'Fn::Base64': { 'Fn::Sub': 'hello ${Stage}' } },
      Buffer.from('hello dev').toString('base64'),
    ],
    ['Fn::FindInMap', { 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] }, 128],
    ['AWS::Partition', { Ref: 'AWS::Partition' }, 'aws'],
    ['AWS::URLSuffix', { Ref: 'AWS::URLSuffix' }, 'amazonaws.com'],
    ['AWS::StackName', { Ref: 'AWS::StackName' }, 'Triggers-Test'],
    ["CDK's BootstrapVersion SSM parameter", { Ref: 'BootstrapVersion' }, '30'],
  ])('resolves %s', (_name, value, expected) => {
    // Prepare
    const scope = scopeFor();

    // Act
    const resolved = scope.resolve(value);

    // Assess
    expect(resolved).toEqual(expected);
  });

  it('gives AWS::StackId as a CloudFormation stack ARN', () => {
    // Prepare
    const scope = scopeFor();

    // Act
    const stackId = scope.resolve({ Ref: 'AWS::StackId' });

    // Assess
    expect(stackId).toMatch(
      /^arn:aws:cloudformation:us-east-1:000000000000:stack\/Triggers-Test\/[0-9a-f-]{36}$/,
    );
  });

  it('removes a property or list item that resolves to AWS::NoValue', () => {
    // Prepare
    const scope = scopeFor();
    const properties = {
      Kept: 'yes',
      Dropped: { 'Fn::If': ['IsDev', { Ref: 'AWS::NoValue' }, 'set'] },
      List: ['a', { Ref: 'AWS::NoValue' }, 'b'],
      Nested: { Inner: { Ref: 'AWS::NoValue' } },
    };

    // Act
    const resolved = scope.resolve(properties);

    // Assess
    expect(resolved).toEqual({ Kept: 'yes', List: ['a', 'b'], Nested: {} });
  });

  it('uses parameter values from the manifest over template defaults', () => {
    // Prepare
    const scope = scopeFor({ parameters: { Stage: 'prod' } });

    // Act
    const resolved = scope.resolve({
      'Fn::If': ['IsProd', { 'Fn::FindInMap': ['Sizes', 'prod', 'Memory'] }, 0],
    });

    // Assess
    expect(resolved).toBe(1024);
  });

  it('imports values exported by stacks deployed earlier', () => {
    // Prepare
    const scope = scopeFor({ exports: { 'Shared-QueueArn': 'arn:aws:sqs:us-east-1:000000000000:shared' } });

    // Act
    const resolved = scope.resolve({ 'Fn::ImportValue': { 'Fn::Sub': 'Shared-QueueArn' } });

    // Assess
    expect(resolved).toBe('arn:aws:sqs:us-east-1:000000000000:shared');
  });

  it.each([
    ['IsProd', false],
    ['IsDev', true],
    ['DevAndNotProd', true],
    ['ProdOrDev', true],
  ])('evaluates condition %s', (name, expected) => {
    // Prepare
    const scope = scopeFor();

    // Act
    const holds = scope.condition(name);

    // Assess
    expect(holds).toBe(expected);
  });

  it.each([
    [
      'an unknown function',
      { 'Fn::Cidr': ['10.0.0.0/16', 6, 5] },
      'The template uses Fn::Cidr, which the local cloud does not resolve yet.',
    ],
    ['a Ref to nothing', { Ref: 'Nope' }, "The template refers to 'Nope', which it does not define."],
    [
      'a GetAtt the resource lacks',
      { 'Fn::GetAtt': ['Queue', 'Color'] },
      "Fn::GetAtt asks Queue (AWS::SQS::Queue) for 'Color', which it does not have.",
    ],
    [
      'a skipped resource',
      { Ref: 'Skipped' },
      'The template refers to Skipped, which is not created because its condition IsProd is false.',
    ],
    [
      'a missing export',
      { 'Fn::ImportValue': 'Nobody-Exports-This' },
      "Fn::ImportValue needs export 'Nobody-Exports-This', which no stack deployed so far exports.",
    ],
    ['an index out of range', { 'Fn::Select': [3, ['a']] }, 'Fn::Select index 3 is outside a list of 1.'],
    ['a parameter without a value', { Ref: 'Required' }, undefined],
    [
      'an SSM parameter',
      { Ref: 'OtherSsm' },
      'Parameter OtherSsm of stack Triggers-Test reads SSM parameter /my/parameter, which the local cloud does not have.',
    ],
    [
      'a condition that refers to itself',
      { 'Fn::If': ['Loop', 'a', 'b'] },
      "Condition 'Loop' refers to itself.",
    ],
  ])('explains %s in one sentence', (name, value, message) => {
    // Prepare
    const scope =
      name === 'a parameter without a value' ? new TemplateScope({ template, stackName: 'S' }) : scopeFor();

    // Act
    const resolving = () => scope.resolve(value);

    // Assess
    expect(resolving).toThrow(LocalCloudError);
    expect(resolving).toThrow(message ?? 'Parameter Required of stack S has no value: give it a Default.');
  });
});

describe('deployment order', () => {
  it('creates each resource after those it refers to or depends on, otherwise in template order', () => {
    // Prepare
    const resources = {
      Function: {
        Type: 'AWS::Lambda::Function',
        Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } },
        DependsOn: 'Policy',
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'Function' }, Queue: { 'Fn::Sub': '${Queue.Arn}' } },
      },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: { Name: { 'Fn::Sub': ['${X}', { X: { Ref: 'AWS::Region' } }] } },
      },
      Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }] } },
      Role: { Type: 'AWS::IAM::Role' },
    };

    // Act
    const order = deploymentOrder(resources);

    // Assess
    expect(order).toEqual(['Role', 'Policy', 'Function', 'Queue', 'Mapping']);
  });

  it('names the resources of a cycle', () => {
    // Prepare
    const resources = {
      A: { Type: 'AWS::SQS::Queue', Properties: { X: { Ref: 'B' } } },
      B: { Type: 'AWS::SQS::Queue', Properties: { X: { 'Fn::GetAtt': ['C', 'Arn'] } } },
      C: { Type: 'AWS::SQS::Queue', DependsOn: ['A'] },
    };

    // Act
    const ordering = () => deploymentOrder(resources);

    // Assess
    expect(ordering).toThrow(
      new LocalCloudError('Resources depend on each other in a cycle: A → B → C → A.'),
    );
  });

  it('rejects DependsOn naming a resource the template lacks', () => {
    // Prepare
    const resources = { A: { Type: 'AWS::SQS::Queue', DependsOn: 'Ghost' } };

    // Act
    const ordering = () => deploymentOrder(resources);

    // Assess
    expect(ordering).toThrow('A DependsOn Ghost, which the template does not define.');
  });
});
