import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { markdownTable, readmes, writeReadmes } from '../src/readmes.ts';

const repository = fileURLToPath(new URL('../../..', import.meta.url));

function write(root: string, path: string, text: string) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe('generated cost sections', () => {
  it('are in sync with the model in every README that has the markers', () => {
    // Act
    const files = readmes(repository);
    const stale = files.filter((f) => f.current !== f.expected).map((f) => f.path);

    // Assess
    expect(files.map((f) => f.path)).toContain('README.md');
    expect(files.map((f) => f.path)).toContain('packages/sqs/README.md');
    expect(
      stale,
      `${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} out of sync with the cost model: run \`pnpm cost:readmes\` and commit the result.`,
    ).toEqual([]);
  });

  describe('in a new integration package', () => {
    let root: string | undefined;
    afterEach(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('fill its empty markers and add it to the root summary without any other change', () => {
      // Prepare: a repository with the SQS package and a new S3 package whose README has empty markers.
      root = mkdtempSync(join(tmpdir(), 'pricing-readmes-'));
      write(
        root,
        'README.md',
        '# Root\n\n<!-- cost-summary:start -->\n<!-- cost-summary:end -->\n\nAfter.\n',
      );
      write(root, 'packages/sqs/package.json', '{}');
      write(root, 'packages/sqs/README.md', '# SQS\n');
      write(root, 'packages/s3/package.json', '{}');
      write(
        root,
        'packages/s3/README.md',
        '# S3\n\n## Cost\n\n<!-- cost:start -->\n<!-- cost:end -->\n\n## Pitfalls\n',
      );

      // Act
      const written = writeReadmes(root);

      // Assess
      expect(written.sort()).toEqual(['README.md', 'packages/s3/README.md']);
      const s3 = readFileSync(join(root, 'packages/s3/README.md'), 'utf8');
      expect(s3).toMatch(/^# S3\n\n## Cost\n\n<!-- cost:start -->\n/);
      expect(s3).toContain('**Workload:** 100,000 uploads a month');
      expect(s3).toContain('`pnpm cost s3 --events 10M');
      expect(s3).toMatch(/<!-- cost:end -->\n\n## Pitfalls\n$/);
      const summary = readFileSync(join(root, 'README.md'), 'utf8');
      expect(summary).toContain('[sqs](packages/sqs#cost)');
      expect(summary).toContain('[s3](packages/s3#cost)');
      expect(summary).not.toContain('api-gateway');
      expect(writeReadmes(root)).toEqual([]);
    });

    it('leave a package in its folder of before the rename alone until it moves', () => {
      // Prepare: the S3 package still at packages/s3-thumbnail, its section written under the old name.
      root = mkdtempSync(join(tmpdir(), 'pricing-readmes-'));
      write(root, 'README.md', '# Root\n\n<!-- cost-summary:start -->\n<!-- cost-summary:end -->\n');
      write(root, 'packages/s3-thumbnail/package.json', '{}');
      write(root, 'packages/s3-thumbnail/README.md', '<!-- cost:start -->\nold\n<!-- cost:end -->\n');

      // Act
      const files = readmes(root);

      // Assess: no error, the old README untouched, and no summary link to a folder that is not there yet.
      expect(files.map((f) => f.path)).toEqual(['README.md']);
      expect(files[0]?.expected).not.toContain('packages/s3');
    });

    it('summarize only the integrations whose package has a package.json', () => {
      root = mkdtempSync(join(tmpdir(), 'pricing-readmes-'));
      write(root, 'README.md', '<!-- cost-summary:start -->\n<!-- cost-summary:end -->\n');
      write(root, 'packages/sqs/package.json', '{}');
      write(root, 'packages/kinesis/README.md', '# Kinesis, planned\n');

      const [summary] = readmes(root);

      expect(summary?.expected).toContain('[sqs](packages/sqs#cost)');
      expect(summary?.expected).not.toContain('kinesis');
    });

    it('name a package whose markers have no estimate', () => {
      root = mkdtempSync(join(tmpdir(), 'pricing-readmes-'));
      mkdirSync(join(root, 'packages/queue-x'), { recursive: true });
      writeFileSync(join(root, 'README.md'), '# Root\n');
      writeFileSync(join(root, 'packages/queue-x/README.md'), '<!-- cost:start -->\n<!-- cost:end -->\n');

      expect(() => readmes(root as string)).toThrow(
        'packages/queue-x/README.md has cost markers but @triggers/pricing has no estimate named "queue-x".',
      );
    });
  });

  it('lay tables out the way Biome formats them', () => {
    const table = markdownTable(
      ['Item', 'Cost'],
      [
        ['a', '$1.00'],
        ['longer item', '$10.00'],
      ],
      ['left', 'right'],
    );

    expect(table).toBe(
      [
        '| Item        |   Cost |',
        '| ----------- | -----: |',
        '| a           |  $1.00 |',
        '| longer item | $10.00 |',
      ].join('\n'),
    );
  });
});
