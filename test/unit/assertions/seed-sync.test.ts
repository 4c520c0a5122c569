/**
 * Keeps fixtures/seed-queries.ts honest: when the seed spec is present, its fenced
 * ```promql and ```logql blocks and the `expr` of its alert rules (a ```yaml block) must
 * be exactly the fixture's lists, and must parse. Skipped when the seed is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseLogQL, parsePromQL } from '../../../assertions/query-language.ts';
import { SEED_ALERT_EXPRS, SEED_LOGQL_EXAMPLES, SEED_PROMQL_EXAMPLES } from './fixtures/seed-queries.ts';

const SEED = process.env.MONITORING_SEED ?? '/work/shared/seed/monitoring-stack.md';

/** The contents of every fenced block tagged `lang` (markdown fences, line by line). */
function fencedBlocks(markdown: string, lang: string): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  for (const line of markdown.split('\n')) {
    const trimmed = line.trim();
    if (current === undefined) {
      if (trimmed === '```' + lang) current = [];
    } else if (trimmed === '```') {
      blocks.push(current.join('\n'));
      current = undefined;
    } else {
      current.push(line);
    }
  }
  return blocks;
}

/** Query lines of a block: non-blank lines that are not `#` comments. */
function queryLines(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe.skipIf(!existsSync(SEED))('seed spec sync', () => {
  const markdown = existsSync(SEED) ? readFileSync(SEED, 'utf8') : '';

  it('PromQL examples match the fixture and parse', () => {
    const queries = fencedBlocks(markdown, 'promql').flatMap(queryLines);
    expect(queries).toEqual(SEED_PROMQL_EXAMPLES);
    for (const q of queries) expect(parsePromQL(q).ok, q).toBe(true);
  });

  it('LogQL examples match the fixture and parse', () => {
    const queries = fencedBlocks(markdown, 'logql').flatMap(queryLines);
    expect(queries).toEqual(SEED_LOGQL_EXAMPLES);
    for (const q of queries) expect(parseLogQL(q).ok, q).toBe(true);
  });

  it('alert rule expressions match the fixture and parse', () => {
    const exprs: string[] = [];
    for (const block of fencedBlocks(markdown, 'yaml')) {
      const doc = parseYaml(block) as { groups?: Array<{ rules?: Array<{ expr?: unknown }> }> } | null;
      for (const group of doc?.groups ?? []) {
        for (const rule of group.rules ?? []) if (typeof rule.expr === 'string') exprs.push(rule.expr);
      }
    }
    expect(exprs).toEqual(SEED_ALERT_EXPRS);
    for (const q of exprs) expect(parsePromQL(q).ok, q).toBe(true);
  });
});
