/**
 * The README's "Conformance" table and the rule files say the same thing: every rule listed once, with its source,
 * and a verdict for the local cloud.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rules } from './rules/index.ts';

const README = new URL('../README.md', import.meta.url);

interface Row {
  readonly id: string;
  readonly source: string;
  readonly local: string;
}

/** The rows of the table in the README's "## Conformance" section: | `id` | [title](url) | verdict |, padded or not. */
function conformanceTable(markdown: string): Row[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Conformance\n')) ?? '';
  return [...section.matchAll(/^\|\s*`([^`]+)`\s*\|\s*\[[^\]]*\]\(([^)]+)\)\s*\|\s*(.+?)\s*\|$/gm)].map(
    ([, id = '', source = '', local = '']) => ({ id, source, local }),
  );
}

describe('the Conformance table of the README', () => {
  const rows = conformanceTable(readFileSync(README, 'utf8'));

  it('lists every rule id once, and nothing else', () => {
    expect(rows.map((row) => row.id).sort()).toEqual(rules.map((rule) => rule.id).sort());
  });

  it('cites the source each rule cites', () => {
    for (const rule of rules) {
      expect(rows.find((row) => row.id === rule.id)?.source, rule.id).toBe(rule.source);
    }
  });

  it('says for each rule whether the local cloud follows or differs', () => {
    for (const row of rows) expect(row.local, row.id).toMatch(/^(follows|differs)\b/);
  });
});

describe('the rules', () => {
  it('have unique ids and cite live AWS documentation', () => {
    expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
    for (const rule of rules) expect(rule.source, rule.id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});
