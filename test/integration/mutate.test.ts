/**
 * npm run mutate on a real stack: a subset of the operators against the permissive
 * folder, each mutant killed by the scenario that watches it, with a report per mutant
 * and an index; and a folder whose unmutated scenarios already fail is refused (exit 2)
 * before any mutant runs.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { validateResults } from '../../reports/results-schema.ts';
import { runCli } from '../support/stack-helpers.ts';
import { brokenPromiseCopy } from '../support/broken-promises.ts';

describe('npm run mutate', () => {
  it('kills the route, annotation and interval mutants of the permissive folder, reporting each', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mutate-'));
    const cli = runCli('harness/cli/mutate.ts', ['--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs'), '--operators', 'route-no-integration,annotation-missing-label,interval-change', '--scenarios', 'service-down,scrape-coverage', '--port-offset', '6000', '--out', out]);
    expect(await cli.exited, cli.output().slice(-3000)).toBe(0);
    expect(cli.output()).toMatch(/Mutation score: 100\.0 % \(3 killed of 3\); 4 stacks started/);
    for (const [dir, by] of [
      ['route-no-integration_root', /killed by service-down: a firing notification names the service/],
      ['annotation-missing-label_ServiceDown', /killed by service-down: a firing notification names the service/],
      ['interval-change_global', /killed by scrape-coverage: every MCP job is scraped at the promised interval/],
    ] as const) {
      const doc = JSON.parse(readFileSync(join(out, dir, 'report', 'results.json'), 'utf8')) as { scenarios: { verdict: string; assertions: { message: string; logExcerpt?: string[] }[] }[] };
      expect(validateResults(doc)).toEqual([]);
      expect(doc.scenarios[0]!.verdict).toBe('pass');
      expect(doc.scenarios[0]!.assertions[0]!.message).toMatch(by);
      // The diff travels with the mutant: one line out, one line in.
      expect(doc.scenarios[0]!.assertions[0]!.logExcerpt!.filter((l) => /^[-+][^-+]/.test(l)).length).toBeGreaterThanOrEqual(2);
      expect(existsSync(join(out, dir, 'report', 'report.html'))).toBe(true);
    }
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('mutant route-no-integration:root');
    // The user's folder is never written: the mutants live in the run folder.
    expect(readFileSync(join(REPO_ROOT, 'monitoring-victorialogs/alertmanager/config.yml'), 'utf8')).not.toContain('nowhere');
  });

  it('refuses a folder whose unmutated scenarios fail (exit 2), before any mutant', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mutate-broken-'));
    const cli = runCli('harness/cli/mutate.ts', ['--monitoring-dir', brokenPromiseCopy('service-down-slow'), '--operators', 'route-no-integration', '--port-offset', '6500', '--out', out]);
    expect(await cli.exited, cli.output().slice(-3000)).toBe(2);
    expect(cli.output()).toMatch(/the unmutated folder does not pass its scenarios \(ServiceDown\{service=\"filesystem-mcp\"\} firing\): a mutation score would mean nothing/);
    expect(existsSync(join(out, 'route-no-integration_root'))).toBe(false);
    expect(existsSync(join(out, 'unmutated', 'results.json'))).toBe(true);
  });
});
