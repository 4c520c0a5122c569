import { describe, expect, it } from 'vitest';
import { JsonReporter } from '../../../reports/json-reporter.ts';
import { validateResults } from '../../../reports/results-schema.ts';
import { combinedRun, failingRun, feed, passingRun } from './fixtures.ts';

async function resultsOf(events: Parameters<typeof feed>[1]) {
  const r = new JsonReporter('/nonexistent');
  for (const e of events) r.onEvent(e);
  return JSON.parse(JSON.stringify(r.results())) as Record<string, unknown>;
}

describe('results.json schema', () => {
  it.each([['passing', passingRun], ['failing', failingRun], ['combined', combinedRun]] as const)('the %s run validates', async (_n, run) => {
    expect(validateResults(await resultsOf(run()))).toEqual([]);
  });

  it('names what is wrong in a damaged document', async () => {
    const doc = await resultsOf(passingRun());
    (doc.scenarios as Record<string, unknown>[])[0]!.verdict = 'maybe';
    delete (doc.summary as Record<string, unknown>).failed;
    const problems = validateResults(doc);
    expect(problems.some((p) => p.startsWith('scenarios.0.verdict:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('summary.failed:'))).toBe(true);
  });
});
