import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { markdownTable, readmes, writeReadmes } from '../src/readmes.ts';

const repository = fileURLToPath(new URL('../../..', import.meta.url));

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
      const write = (path: string, text: string) => {
        mkdirSync(join(root as string, path, '..'), { recursive: true });
        writeFileSync(join(root as string, path), text);
      };
      write('README.md', '# Root\n\n<!-- cost-summary:start -->\n<!-- cost-summary:end -->\n\nAfter.\n');
      write('packages/sqs/README.md', '# SQS\n');
      write(
        'packages/s3-thumbnail/README.md',
        '# S3\n\n## Cost\n\n<!-- cost:start -->\n<!-- cost:end -->\n\n## Pitfalls\n',
      );

      // Act
      const written = writeReadmes(root);

      // Assess
      expect(written.sort()).toEqual(['README.md', 'packages/s3-thumbnail/README.md']);
      const s3 = readFileSync(join(root, 'packages/s3-thumbnail/README.md'), 'utf8');
      expect(s3).toMatch(/^# S3\n\n## Cost\n\n<!-- cost:start -->\n/);
      expect(s3).toContain('**Workload:** 100,000 uploads a month');
      expect(s3).toMatch(/<!-- cost:end -->\n\n## Pitfalls\n$/);
      const summary = readFileSync(join(root, 'README.md'), 'utf8');
      expect(summary).toContain('[sqs](packages/sqs#cost)');
      expect(summary).toContain('[s3-thumbnail](packages/s3-thumbnail#cost)');
      expect(summary).not.toContain('api-gateway');
      expect(writeReadmes(root)).toEqual([]);
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
