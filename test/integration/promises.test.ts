/**
 * Test the promise, not the config (issue 13): configs that are consistent with
 * themselves but break a promise of the seed are caught, live, by the scenario that
 * watches that promise, and statically by `npm run check`, each naming both files.
 * (The third, Loki's ingestion limit cut to a sixteenth, needs a user-supplied Loki for
 * the live part; `npm run check` catches it here.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/stack-helpers.ts';
import { assertion, readScenarioResult } from '../support/results.ts';
import { brokenPromiseCopy } from '../support/broken-promises.ts';

async function scenario(name: string, dir: string, offset: number) {
  const out = mkdtempSync(join(tmpdir(), `promise-run-${name}-`));
  const cli = runCli('harness/cli/scenario.ts', [name, '--monitoring-dir', dir, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out]);
  const code = await cli.exited;
  return { code, output: cli.output(), result: readScenarioResult(out) };
}

describe('a config that breaks a promise fails the scenario that watches it', () => {
  it('ServiceDown ten times slower to fire: service-down fails on the promised 1m45s, naming the spec and the rule file', async () => {
    const dir = brokenPromiseCopy('service-down-slow');
    const r = await scenario('service-down', dir, 5000);
    expect(r.code, r.output.slice(-2000)).toBe(1);
    const a = assertion(r.result, 'ServiceDown fires within its promised');
    expect(a.verdict).toBe('fail');
    expect(a.message).toContain(`${dir}/spec.yml: alerts.ServiceDown.firesWithin`);
    expect(a.message).toContain(`${dir}/prometheus/alerts.yml`);
    expect(a.message).toMatch(/has for 10m/);
  });

  it('every target scraped four times less often: scrape-coverage fails on the promised 15s', async () => {
    const dir = brokenPromiseCopy('scrape-slow');
    const r = await scenario('scrape-coverage', dir, 5500);
    expect(r.code, r.output.slice(-2000)).toBe(1);
    const a = assertion(r.result, 'every MCP job is scraped at the promised interval');
    expect(a.verdict).toBe('fail');
    expect(a.message).toContain('mcp-core-services is scraped every 1m');
    expect(a.message).toContain(`${dir}/spec.yml: scrape.interval`);
  });
});

describe('npm run check compares the config with the promise before anything starts', () => {
  it.each([
    ['service-down-slow', /prometheus\/alerts\.yml: groups\[name=mcp_services\]\.rules\[alert=ServiceDown\]\.for: for 10m .* promised within 1m45s \(.*spec\.yml: alerts\.ServiceDown\.firesWithin\)/],
    ['scrape-slow', /prometheus\/prometheus\.yml: scrape_configs\[job_name=mcp-core-services\]\.scrape_interval \(global\): scraped every 1m; promised every 15s/],
    ['ingestion-cut', /loki\/loki-config\.yml: limits_config\.ingestion_rate_mb: admits 1\.00 MiB\/s; promised at least 16MiB\/s/],
  ] as const)('%s', async (name, finding) => {
    const cli = runCli('harness/cli/check.ts', ['--monitoring-dir', brokenPromiseCopy(name)]);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toMatch(finding);
  });
});
