/**
 * CloudFormation's intrinsic functions, conditions, parameters and pseudo parameters, resolved the way
 * CloudFormation resolves them at deploy time, against one stack's template and the resources created so far.
 */
import { randomUUID } from 'node:crypto';
import type { CfnParameter, CfnTemplate } from '../assembly.ts';
import { LocalCloudError } from '../errors.ts';
import { isRecord } from '../shared.ts';

/** What `Ref: AWS::NoValue` resolves to: the property (or list item) holding it is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

/** A created resource, as Ref and Fn::GetAtt see it. */
export interface ResolvedResource {
  readonly ref: string;
  getAtt(attribute: string): unknown;
}

export interface ScopeOptions {
  readonly template: CfnTemplate;
  readonly stackName: string;
  readonly region?: string;
  readonly accountId?: string;
  /** Parameter values that override the template's defaults (from the manifest). */
  readonly parameters?: Readonly<Record<string, string>>;
  /** A created resource by logical id; undefined while it is not created (or skipped). */
  readonly resource?: (logicalId: string) => ResolvedResource | undefined;
  /** An export of a stack deployed earlier. */
  readonly importValue?: (name: string) => string | undefined;
}

/** The bootstrap version CDK's `BootstrapVersion` SSM parameter would hold in a freshly bootstrapped account. */
const BOOTSTRAP_VERSION = '30';

/** `{ Ref: … }` or `{ 'Fn::…': … }`: an object with one key that names an intrinsic function. */
function intrinsicOf(value: Record<string, unknown>): [string, unknown] | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys as [string];
  if (key === 'Ref' || key.startsWith('Fn::')) return [key, value[key]];
  return undefined;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** One stack's view: resolves any template value against its parameters, conditions and created resources. */
export class TemplateScope {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly #options: ScopeOptions;
  readonly #conditions = new Map<string, boolean>();
  readonly #evaluating = new Set<string>();

  constructor(options: ScopeOptions) {
    this.#options = options;
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
    this.stackName = options.stackName;
    this.stackId = `arn:aws:cloudformation:${this.region}:${this.accountId}:stack/${options.stackName}/${randomUUID()}`;
  }

  /** Pseudo parameters as CloudFormation sets them, for our one local account and region. */
  pseudoParameter(name: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return this.stackId;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return undefined;
    }
  }

  /** Resolves every intrinsic in `value`; properties and list items that resolve to AWS::NoValue are dropped. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(item)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const intrinsic = intrinsicOf(value);
    if (intrinsic) return this.#call(intrinsic[0], intrinsic[1]);
    const resolved: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const result = this.resolve(item);
      if (result !== NO_VALUE) resolved[key] = result;
    }
    return resolved;
  }

  /** Whether the named condition of the template holds. */
  condition(name: string): boolean {
    const known = this.#conditions.get(name);
    if (known !== undefined) return known;
    const expression = this.#options.template.Conditions?.[name];
    if (expression === undefined)
      throw new LocalCloudError(`The template uses condition '${name}', which it does not define.`);
    if (this.#evaluating.has(name)) throw new LocalCloudError(`Condition '${name}' refers to itself.`);
    this.#evaluating.add(name);
    const result = this.#truth(expression);
    this.#evaluating.delete(name);
    this.#conditions.set(name, result);
    return result;
  }

  /** A condition expression: Fn::Equals/And/Or/Not, `{ Condition: name }`, or a value that is true or "true". */
  #truth(expression: unknown): boolean {
    if (
      isRecord(expression) &&
      typeof expression.Condition === 'string' &&
      Object.keys(expression).length === 1
    ) {
      return this.condition(expression.Condition);
    }
    const value = this.resolve(expression);
    return value === true || value === 'true';
  }

  /** The value of `Ref: name` for a parameter, or undefined when `name` is not a parameter. */
  parameter(name: string): unknown {
    const declared: CfnParameter | undefined = this.#options.template.Parameters?.[name];
    if (!declared) return undefined;
    const given = this.#options.parameters?.[name] ?? declared.Default;
    if (given === undefined) {
      throw new LocalCloudError(
        `Parameter ${name} of stack ${this.stackName} has no value: give it a Default.`,
      );
    }
    const text = String(given);
    if (declared.Type.startsWith('AWS::SSM::Parameter::Value<')) {
      // CDK's BootstrapVersion reads the bootstrap stack's version from SSM; locally nothing is bootstrapped.
      if (text.startsWith('/cdk-bootstrap/')) return BOOTSTRAP_VERSION;
      throw new LocalCloudError(
        `Parameter ${name} of stack ${this.stackName} reads SSM parameter ${text}, which the local cloud does not have.`,
      );
    }
    if (declared.Type === 'CommaDelimitedList' || declared.Type.startsWith('List<')) {
      return text.split(',').map((item) => item.trim());
    }
    return text;
  }

  #ref(name: unknown): unknown {
    if (typeof name !== 'string') throw new LocalCloudError(`Ref needs a name, not ${describe(name)}.`);
    const pseudo = this.pseudoParameter(name);
    if (pseudo !== undefined) return pseudo;
    const parameter = this.parameter(name);
    if (parameter !== undefined) return parameter;
    return this.#resource(name).ref;
  }

  #getAtt(logicalId: string, attribute: string): unknown {
    const value = this.#resource(logicalId).getAtt(attribute);
    if (value === undefined) {
      const type = this.#options.template.Resources?.[logicalId]?.Type ?? 'resource';
      throw new LocalCloudError(
        `Fn::GetAtt asks ${logicalId} (${type}) for '${attribute}', which it does not have.`,
      );
    }
    return value;
  }

  #resource(logicalId: string): ResolvedResource {
    const declared = this.#options.template.Resources?.[logicalId];
    if (!declared)
      throw new LocalCloudError(`The template refers to '${logicalId}', which it does not define.`);
    const resource = this.#options.resource?.(logicalId);
    if (resource) return resource;
    if (declared.Condition && !this.condition(declared.Condition)) {
      throw new LocalCloudError(
        `The template refers to ${logicalId}, which is not created because its condition ${declared.Condition} is false.`,
      );
    }
    throw new LocalCloudError(`${logicalId} is referred to before it is created.`);
  }

  #call(name: string, args: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.#ref(args);
      case 'Fn::GetAtt':
        return this.#fnGetAtt(args);
      case 'Fn::Join':
        return this.#fnJoin(args);
      case 'Fn::Sub':
        return this.#fnSub(args);
      case 'Fn::Select':
        return this.#fnSelect(args);
      case 'Fn::Split': {
        const [delimiter, text] = this.#list(name, args, 2);
        return this.#string(name, this.resolve(text)).split(this.#string(name, delimiter));
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = this.#list(name, args, 3);
        return this.resolve(this.condition(this.#string(name, condition)) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [left, right] = this.#list(name, args, 2);
        return String(this.resolve(left)) === String(this.resolve(right));
      }
      case 'Fn::And':
        return this.#list(name, args).every((item) => this.#truth(item));
      case 'Fn::Or':
        return this.#list(name, args).some((item) => this.#truth(item));
      case 'Fn::Not': {
        const [item] = this.#list(name, args, 1);
        return !this.#truth(item);
      }
      case 'Fn::GetAZs': {
        const region = this.resolve(args);
        const azRegion = typeof region === 'string' && region !== '' ? region : this.region;
        return ['a', 'b', 'c', 'd', 'e', 'f'].map((zone) => `${azRegion}${zone}`);
      }
      case 'Fn::Base64':
        return Buffer.from(this.#string(name, this.resolve(args))).toString('base64');
      case 'Fn::ImportValue': {
        const exportName = this.#string(name, this.resolve(args));
        const value = this.#options.importValue?.(exportName);
        if (value === undefined) {
          throw new LocalCloudError(
            `Fn::ImportValue needs export '${exportName}', which no stack deployed so far exports.`,
          );
        }
        return value;
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = this.#list(name, args, 3).map((item) =>
          this.#string(name, this.resolve(item)),
        );
        const value = this.#options.template.Mappings?.[map as string]?.[top as string]?.[second as string];
        if (value === undefined)
          throw new LocalCloudError(`Fn::FindInMap finds nothing at ${map}.${top}.${second}.`);
        return value;
      }
      case 'Fn::ToJsonString':
        return JSON.stringify(this.resolve(args));
      case 'Fn::Length': {
        const list = this.resolve(args);
        if (!Array.isArray(list))
          throw new LocalCloudError(`Fn::Length needs a list, not ${describe(list)}.`);
        return list.length;
      }
      default:
        throw new LocalCloudError(`The template uses ${name}, which the local cloud does not resolve yet.`);
    }
  }

  #fnGetAtt(args: unknown): unknown {
    let logicalId: unknown;
    let attribute: unknown;
    if (typeof args === 'string') {
      const dot = args.indexOf('.');
      [logicalId, attribute] = [args.slice(0, dot), args.slice(dot + 1)];
    } else {
      const [first, second] = this.#list('Fn::GetAtt', args, 2);
      [logicalId, attribute] = [first, this.resolve(second)];
    }
    return this.#getAtt(this.#string('Fn::GetAtt', logicalId), this.#string('Fn::GetAtt', attribute));
  }

  #fnJoin(args: unknown): string {
    const [delimiter, items] = this.#list('Fn::Join', args, 2);
    const list = this.resolve(items);
    if (!Array.isArray(list)) throw new LocalCloudError(`Fn::Join needs a list, not ${describe(list)}.`);
    return list.map((item) => this.#string('Fn::Join', item)).join(this.#string('Fn::Join', delimiter));
  }

  #fnSub(args: unknown): string {
    let template: unknown = args;
    let variables: Record<string, unknown> = {};
    if (Array.isArray(args)) {
      const [text, vars] = this.#list('Fn::Sub', args, 2);
      template = text;
      const resolved = this.resolve(vars);
      if (!isRecord(resolved))
        throw new LocalCloudError(`Fn::Sub needs a variable map, not ${describe(vars)}.`);
      variables = resolved;
    }
    return this.#string('Fn::Sub', template).replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
      // ${!Literal} writes ${Literal} itself.
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      if (name in variables) return this.#string('Fn::Sub', variables[name]);
      const dot = name.indexOf('.');
      const value = dot > 0 ? this.#getAtt(name.slice(0, dot), name.slice(dot + 1)) : this.#ref(name);
      return this.#string('Fn::Sub', value);
    });
  }

  #fnSelect(args: unknown): unknown {
    const [index, items] = this.#list('Fn::Select', args, 2);
    const position = Number(this.resolve(index));
    const list = this.resolve(items);
    if (!Array.isArray(list)) throw new LocalCloudError(`Fn::Select needs a list, not ${describe(list)}.`);
    if (!Number.isInteger(position) || position < 0 || position >= list.length) {
      throw new LocalCloudError(`Fn::Select index ${describe(index)} is outside a list of ${list.length}.`);
    }
    return list[position];
  }

  #list(name: string, args: unknown, length?: number): unknown[] {
    if (!Array.isArray(args) || (length !== undefined && args.length !== length)) {
      const expected = length === undefined ? 'a list' : `a list of ${length}`;
      throw new LocalCloudError(`${name} needs ${expected}, not ${describe(args)}.`);
    }
    return args;
  }

  #string(name: string, value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new LocalCloudError(`${name} needs a string here, not ${describe(value)}.`);
  }
}
