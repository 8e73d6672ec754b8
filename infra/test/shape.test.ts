/**
 * Every integration package has the same rooms, members and README sections, so a reader who knows one knows all
 * ten; and the root README's table agrees with the packages there are. Iterated over the descriptors: a new
 * package is checked by adding its import to src/integrations.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputsOf, TriggerAlarms } from '@triggers/kit';
import { NO_BUNDLING } from '@triggers/kit/testing';
import { App, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { descriptors } from '../src/integrations.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const packageDir = (name: string) => join(ROOT, 'packages', name);

/** The rooms of an integration package (DESIGN.md, "The shape of an integration package"). */
const ROOMS = [
  'README.md',
  'package.json',
  'src/integration.ts',
  'src/contract.ts',
  'src/construct.ts',
  'src/stack.ts',
  'test/handler.test.ts',
  'test/construct.test.ts',
  'test/local.test.ts',
];

/** The README headings every package has, in this order (others may stand between them). */
const README_SECTIONS = [
  '## How failures are handled',
  '## The construct',
  '## Try it locally',
  '## Deploy it',
  '## Cost',
  '## Pitfalls',
  '## Copy it out',
];

/** `Triggers-<Name>` from a name: `api-gateway` → `Triggers-ApiGateway`. */
const stackIdOf = (name: string) =>
  `Triggers-${name
    .split('-')
    .map((part) => `${part[0]?.toUpperCase()}${part.slice(1)}`)
    .join('')}`;

describe.each(descriptors.map((descriptor) => [descriptor.name, descriptor] as const))(
  'the %s package',
  (name, descriptor) => {
    it('is named alike everywhere: folder, package, stack id', () => {
      // Prepare
      const manifest = JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8'));

      // Assess
      expect(manifest.name).toBe(`@triggers/${name}`);
      expect(descriptor.stackId).toBe(stackIdOf(name));
    });

    it('has every room', () => {
      // Prepare
      const dir = packageDir(name);
      const missing = ROOMS.filter((room) => !existsSync(join(dir, room)));
      const hasHandler = existsSync(join(dir, 'src/handler.ts')) || existsSync(join(dir, 'src/handlers'));

      // Assess
      expect(missing).toEqual([]);
      expect(hasHandler).toBe(true);
    });

    it('has a README with a diagram and the sections every package has, in order', () => {
      // Prepare
      const readme = readFileSync(join(packageDir(name), 'README.md'), 'utf8');
      const headings = readme.split('\n').filter((line) => line.startsWith('## '));
      const positions = README_SECTIONS.map((section) => headings.indexOf(section));

      // Assess
      expect(readme).toMatch(/^# .+\n/);
      expect(readme).toContain('```mermaid');
      expect(README_SECTIONS.filter((_, index) => positions[index] === -1)).toEqual([]);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(readme).toMatch(/<!-- cost:start -->[\s\S]*<!-- cost:end -->/);
    });

    it('lists every src file in its README', () => {
      // Prepare
      const readme = readFileSync(join(packageDir(name), 'README.md'), 'utf8');
      const files = readdirSync(join(packageDir(name), 'src'), { recursive: true, encoding: 'utf8' }).filter(
        (file) => file.endsWith('.ts'),
      );

      // Assess
      expect(files.filter((file) => !readme.includes(`src/${file}`))).toEqual([]);
    });

    it('builds a construct with the members every integration has: fn, alarms, and its DLQ where it has one', () => {
      // Prepare
      const stack = descriptor.createStack(new App({ context: NO_BUNDLING }), descriptor.stackId);
      const integration = (stack as Stack & { integration?: Record<string, unknown> }).integration;

      // Assess
      expect(integration, 'the stack exposes its construct as `integration`').toBeDefined();
      expect(integration?.fn).toBeInstanceOf(lambda.Function);
      expect(integration?.alarms).toBeInstanceOf(TriggerAlarms);
      if ('deadLetterQueue' in (integration ?? {}) && integration?.deadLetterQueue !== undefined) {
        expect(integration.deadLetterQueue).toBeInstanceOf(sqs.Queue);
      }
    });

    it('gives each sample a poison twin, sent through the same trigger to a stack output that exists', () => {
      // Prepare
      const stack = descriptor.createStack(new App({ context: NO_BUNDLING }), descriptor.stackId);
      const outputs = new Set(Object.keys(templateOutputs(stack)));

      // Assess
      expect(descriptor.samples.length).toBeGreaterThan(0);
      for (const sample of descriptor.samples) {
        expect(sample.poison.input.kind).toBe(sample.input.kind);
        for (const output of [
          ...outputsOf(sample.input),
          ...outputsOf(sample.poison.input),
          sample.effect.output,
          sample.poison.failure.output,
        ]) {
          expect(outputs, `${sample.name}: output ${output}`).toContain(output);
        }
      }
    });
  },
);

function templateOutputs(stack: Stack): Record<string, unknown> {
  const app = stack.node.root as App;
  return app.synth().getStackByName(stack.stackName).template.Outputs ?? {};
}

describe('the root README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = readme
    .slice(readme.indexOf('## Integrations'), readme.indexOf('\n## ', readme.indexOf('## Integrations') + 1))
    .split('\n')
    .filter((line) => /^\| `[a-z0-9-]+` /.test(line))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      return { name: cells[1]?.replaceAll('`', '') ?? '', package: cells[3] ?? '', status: cells[5] ?? '' };
    });

  it('lists every integration package as built, linked to its folder', () => {
    // Assess
    for (const { name } of descriptors) {
      const row = rows.find((candidate) => candidate.name === name);
      expect(row, `a row for ${name}`).toBeDefined();
      expect(row?.package).toBe(`[\`packages/${name}\`](packages/${name})`);
      expect(row?.status).toMatch(/^✅/);
    }
  });

  it('marks as planned exactly the names that have no package yet', () => {
    // Prepare
    const built = new Set(descriptors.map((descriptor) => descriptor.name));

    // Assess
    expect(rows).toHaveLength(10);
    for (const row of rows.filter((candidate) => !built.has(candidate.name))) {
      expect(row.status).toBe('planned');
      expect(existsSync(packageDir(row.name))).toBe(false);
    }
  });
});
