/**
 * The inner-loop smoke: one real scenario on a real stack at a twentieth of real time,
 * on the permissive folder, every report written. `npm run test:quick` runs it with the
 * unit tests; `npm test` runs it too.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { validateResults } from '../../reports/results-schema.ts';
import { runCli } from '../support/stack-helpers.ts';

describe('smoke', () => {
  it('baseline passes on the permissive folder, with every report', async () => {
    const out = mkdtempSync(join(tmpdir(), 'smoke-'));
    const cli = runCli('harness/cli/scenario.ts', ['baseline', '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs'), '--time-scale', '0.05', '--port-offset', '4000', '--out', out]);
    expect(await cli.exited, cli.output().slice(-3000)).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { scenarios: { verdict: string }[] };
    expect(validateResults(doc)).toEqual([]);
    expect(doc.scenarios[0]!.verdict).toBe('pass');
    for (const f of ['junit.xml', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
  });
});
