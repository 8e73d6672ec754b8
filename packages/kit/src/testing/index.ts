/**
 * @triggers/kit/testing: the template-test helpers every integration uses — an app that skips bundling, the
 * template of a construct, cdk-nag's findings, and the bundle a function ships.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/** Context that skips esbuild: template tests look at templates; one test per package bundles for real. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/** An app for a template test: no bundling unless `bundle` is set (then with asset metadata, as `cdk synth`). */
export function testApp(options: { readonly bundle?: boolean } = {}): App {
  return new App({ context: options.bundle ? { 'aws:cdk:enable-asset-metadata': true } : NO_BUNDLING });
}

/** The template of what `build` adds to a fresh stack, and what it returned (the construct, say). */
export function templateOf<T>(build: (stack: Stack) => T): { template: Template; built: T } {
  const stack = new Stack(testApp(), 'Test');
  const built = build(stack);
  return { template: Template.fromStack(stack), built };
}

/**
 * cdk-nag's AwsSolutions findings for the stacks `build` adds to a fresh app, one line each (empty when clean).
 * Findings acknowledged in the construct, with a reason, are not findings.
 */
export function nagFindings(build: (app: App) => void): string[] {
  const app = testApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  build(app);
  try {
    app.synth();
    return [];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const findings = message.split('\n').filter((line) => /AwsSolutions-\w+/.test(line));
    return findings.length > 0 ? findings.map((line) => line.trim()) : [message];
  }
}

/** A function's bundle as `cdk synth` writes it: the entry file's text and size, and its source map. */
export interface Bundle {
  readonly directory: string;
  readonly code: string;
  readonly bytes: number;
  readonly hasSourceMap: boolean;
}

/**
 * Synthesizes the stack `build` makes, bundling for real, and returns the bundle of its function (the first one
 * whose logical id starts with `functionPrefix`, or the only one).
 */
export function bundleOf(build: (app: App) => Stack, functionPrefix = ''): Bundle {
  const app = testApp({ bundle: true });
  const stack = build(app);
  const assembly = app.synth();
  const functions = Object.entries(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  const found = functions.find(([logicalId, resource]) => {
    return logicalId.startsWith(functionPrefix) && resource.Metadata?.['aws:asset:path'];
  });
  if (!found) throw new Error(`No bundled function whose logical id starts with "${functionPrefix}".`);
  const directory = join(assembly.directory, found[1].Metadata['aws:asset:path']);
  const entry = join(directory, 'index.mjs');
  let hasSourceMap = false;
  try {
    hasSourceMap = statSync(`${entry}.map`).isFile();
  } catch {}
  return { directory, code: readFileSync(entry, 'utf8'), bytes: statSync(entry).size, hasSourceMap };
}
