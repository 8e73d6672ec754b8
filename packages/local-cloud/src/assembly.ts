/**
 * Reads a cloud assembly (`cdk.out`): manifest.json → the stack artifacts, their templates, parameters and the
 * assets their functions point at. Only what the deployer needs; everything else in the manifest is ignored.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { LocalCloudError, messageOf } from './errors.ts';
import { isRecord } from './shared.ts';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Condition?: string;
  readonly Export?: { readonly Name: unknown };
}

export interface CfnTemplate {
  readonly Description?: string;
  readonly Transform?: unknown;
  readonly Parameters?: Readonly<Record<string, CfnParameter>>;
  readonly Mappings?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<Record<string, CfnOutput>>;
  readonly Rules?: unknown;
}

export interface StackArtifact {
  /** The artifact id, e.g. `Triggers-Sqs`. */
  readonly id: string;
  /** The CloudFormation stack name (`properties.stackName`, else the artifact id). */
  readonly stackName: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  /** Parameter values the manifest sets for this stack. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Ids of the stacks this one depends on (e.g. for Fn::ImportValue). */
  readonly dependencies: readonly string[];
  /** Asset object keys (`<hash>.zip`) → absolute source paths, from the stack's `*.assets.json`. */
  readonly assetSources: ReadonlyMap<string, string>;
}

export interface CloudAssembly {
  readonly directory: string;
  /** Every stack, each after the stacks it depends on. */
  readonly stacks: readonly StackArtifact[];
}

interface ManifestArtifact {
  readonly type?: string;
  readonly properties?: Record<string, unknown>;
  readonly dependencies?: readonly string[];
  readonly displayName?: string;
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source?: { readonly path?: string };
      readonly destinations?: Record<string, { readonly objectKey?: string }>;
    }
  >;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : messageOf(error);
    throw new LocalCloudError(`Cannot read ${what} (${file}): ${reason} (run \`cdk synth\` again).`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LocalCloudError(
      `${what[0]?.toUpperCase()}${what.slice(1)} (${file}) is not valid JSON (${messageOf(error)}): run \`cdk synth\` again.`,
    );
  }
}

/** Reads the assembly in `directory`; throws a LocalCloudError naming the file when something is missing or broken. */
export function readAssembly(directory: string): CloudAssembly {
  const dir = resolve(directory);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new LocalCloudError(
      `No cloud assembly in ${dir}: manifest.json is missing (run \`cdk synth\` first).`,
    );
  }
  const manifest = readJson(manifestFile, 'the manifest');
  if (!isRecord(manifest) || (manifest.artifacts !== undefined && !isRecord(manifest.artifacts))) {
    throw new LocalCloudError(
      `The manifest (${manifestFile}) has no valid "artifacts" map: run \`cdk synth\` again.`,
    );
  }
  const artifacts = (manifest.artifacts ?? {}) as Record<string, ManifestArtifact>;
  const stacks: StackArtifact[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    stacks.push(readStack(dir, id, artifact, artifacts));
  }
  if (stacks.length === 0) {
    throw new LocalCloudError(`The cloud assembly in ${dir} has no CloudFormation stacks.`);
  }
  return { directory: dir, stacks: inDependencyOrder(stacks) };
}

function readStack(
  dir: string,
  id: string,
  artifact: ManifestArtifact,
  artifacts: Record<string, ManifestArtifact>,
): StackArtifact {
  const properties = artifact.properties ?? {};
  const templateName = properties.templateFile;
  if (typeof templateName !== 'string') {
    throw new LocalCloudError(`Stack ${id} in ${join(dir, 'manifest.json')} names no templateFile.`);
  }
  const templateFile = join(dir, templateName);
  const template = readJson(templateFile, `the template of stack ${id}`);
  if (!isRecord(template)) {
    throw new LocalCloudError(`The template of stack ${id} (${templateFile}) is not a JSON object.`);
  }
  const parameters: Record<string, string> = {};
  if (isRecord(properties.parameters)) {
    for (const [name, value] of Object.entries(properties.parameters)) parameters[name] = String(value);
  }
  const dependencies = artifact.dependencies ?? [];
  return {
    id,
    stackName: typeof properties.stackName === 'string' ? properties.stackName : id,
    templateFile,
    template: template as CfnTemplate,
    parameters,
    dependencies: dependencies.filter((dep) => artifacts[dep]?.type === 'aws:cloudformation:stack'),
    assetSources: readAssetSources(dir, id, dependencies, artifacts),
  };
}

/** Object key → source path, from the asset manifests this stack depends on (or `<id>.assets.json`). */
function readAssetSources(
  dir: string,
  id: string,
  dependencies: readonly string[],
  artifacts: Record<string, ManifestArtifact>,
): Map<string, string> {
  const files = dependencies
    .map((dep) => artifacts[dep])
    .filter((artifact) => artifact?.type === 'cdk:asset-manifest')
    .map((artifact) => artifact?.properties?.file)
    .filter((file): file is string => typeof file === 'string');
  if (files.length === 0 && existsSync(join(dir, `${id}.assets.json`))) files.push(`${id}.assets.json`);
  const sources = new Map<string, string>();
  for (const file of files) {
    const manifest = readJson(join(dir, file), 'the asset manifest') as AssetManifest;
    for (const asset of Object.values(manifest.files ?? {})) {
      const path = asset.source?.path;
      if (!path) continue;
      for (const destination of Object.values(asset.destinations ?? {})) {
        if (destination.objectKey) sources.set(destination.objectKey, resolve(dir, path));
      }
    }
  }
  return sources;
}

function inDependencyOrder(stacks: readonly StackArtifact[]): StackArtifact[] {
  const byId = new Map(stacks.map((stack) => [stack.id, stack]));
  const ordered: StackArtifact[] = [];
  const visiting = new Set<string>();
  const visit = (stack: StackArtifact): void => {
    if (ordered.includes(stack)) return;
    if (visiting.has(stack.id)) {
      throw new LocalCloudError(`Stacks ${[...visiting].join(', ')} depend on each other in a cycle.`);
    }
    visiting.add(stack.id);
    for (const dep of stack.dependencies) {
      const dependency = byId.get(dep);
      if (dependency) visit(dependency);
    }
    visiting.delete(stack.id);
    ordered.push(stack);
  };
  for (const stack of stacks) visit(stack);
  return ordered;
}

/** Case and hyphens don't count: `api-gateway` names `Triggers-ApiGateway`. */
const normalized = (name: string): string => name.toLowerCase().replaceAll('-', '');

function matches(stack: StackArtifact, name: string): boolean {
  const wanted = normalized(name);
  return [stack.id, stack.stackName, stack.id.replace(/^Triggers-/i, '')].some(
    (candidate) => normalized(candidate) === wanted,
  );
}

/**
 * The stacks to deploy, in dependency order: those named (by id, stack name, or short name: `sqs` for
 * `Triggers-Sqs`, `api-gateway` for `Triggers-ApiGateway`; case and hyphens don't count) plus the stacks they depend on, or all of them when no name is given.
 */
export function selectStacks(assembly: CloudAssembly, names?: readonly string[]): StackArtifact[] {
  if (!names || names.length === 0) return [...assembly.stacks];
  const wanted = new Set<string>();
  const byId = new Map(assembly.stacks.map((stack) => [stack.id, stack]));
  const add = (stack: StackArtifact): void => {
    if (wanted.has(stack.id)) return;
    wanted.add(stack.id);
    for (const dep of stack.dependencies) {
      const dependency = byId.get(dep);
      if (dependency) add(dependency);
    }
  };
  for (const name of names) {
    const stack = assembly.stacks.find((candidate) => matches(candidate, name));
    if (!stack) {
      const known = assembly.stacks.map((candidate) => candidate.id).join(', ');
      throw new LocalCloudError(`No stack named '${name}' in ${assembly.directory}: choose one of ${known}.`);
    }
    add(stack);
  }
  return assembly.stacks.filter((stack) => wanted.has(stack.id));
}

/**
 * Where a function's code is: the `aws:asset:path` metadata CDK puts on the resource (relative to the assembly),
 * else the asset whose object key is the function's `Code.S3Key`.
 */
export function assetPathOf(
  assemblyDir: string,
  stack: StackArtifact,
  resource: CfnResource,
  s3Key: unknown,
): string | undefined {
  const metadataPath = resource.Metadata?.['aws:asset:path'];
  const property = resource.Metadata?.['aws:asset:property'];
  if (typeof metadataPath === 'string' && (property === undefined || property === 'Code')) {
    return isAbsolute(metadataPath) ? metadataPath : join(assemblyDir, metadataPath);
  }
  return typeof s3Key === 'string' ? stack.assetSources.get(s3Key) : undefined;
}

/** Whether `path` is a directory (an asset that is a zip file is not unpacked here). */
export function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
