/**
 * The seed's promises proven on a running stack, in ONE scenario run (one stack start):
 * the dashboard's seven panels live and following faults, scrape coverage, retention,
 * and config reload. Time scale 0.1, port offset 2000, on the permissive folder
 * (monitoring-victorialogs/), so the log parts (Live Error Logs in LogsQL, log
 * retention) run natively rather than being skipped for want of a Loki.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/stack-helpers.ts';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { assertion, readScenarioResult, type ScenarioResult } from '../support/results.ts';

const SCENARIOS = ['dashboards', 'scrape-coverage', 'retention', 'config-reload'] as const;
const out = mkdtempSync(join(tmpdir(), 'monitoring-promises-'));
let code: number | null = null;
let output = '';
const results = new Map<string, ScenarioResult>();

beforeAll(async () => {
  const run = runCli('harness/cli/scenario.ts', [...SCENARIOS, '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs'), '--time-scale', '0.1', '--port-offset', '2000', '--out', out]);
  const timer = setTimeout(() => run.child.kill('SIGINT'), 7 * 60_000);
  code = await run.exited;
  clearTimeout(timer);
  output = run.output();
  for (const s of SCENARIOS) {
    try {
      results.set(s, readScenarioResult(join(out, s)));
    } catch {
      /* reported by the tests below */
    }
  }
}, 8 * 60_000);

afterAll(() => {
  if (code === 0) rmSync(out, { recursive: true, force: true });
  else console.log(`run folder kept for inspection: ${out}`);
});

function scenario(name: string): ScenarioResult {
  const r = results.get(name);
  if (!r) throw new Error(`no results.json for ${name}; CLI output:\n${output.slice(-4000)}`);
  return r;
}
const passed = (s: ScenarioResult, title: string) => expect(assertion(s, title).verdict, `${s.name}: ${title}: ${assertion(s, title).message}`).toBe('pass');

describe('one scenario run: dashboards, scrape-coverage, retention, config-reload', () => {
  it('exits 0 with every scenario passing', () => {
    expect(code, output.slice(-3000)).toBe(0);
    for (const s of SCENARIOS) expect(scenario(s).verdict, s).toBe('pass');
  });

  it('dashboards: every panel returns data on the healthy stack, and follows its fault', () => {
    const s = scenario('dashboards');
    passed(s, 'seven panels, datasources provisioned, every query parses');
    passed(s, 'dashboard variable $service_group lists the service groups');
    for (const p of ['"Service Health Status" A', '"Service Health Status" B', '"Request Rate" A', '"Response Time (p95)" A', '"Error Rate" A', '"Infrastructure Metrics" A', '"Infrastructure Metrics" B', '"MQTT Activity" A', '"MQTT Activity" B', '"Live Error Logs" A']) passed(s, `panel ${p} returns data`);
    passed(s, 'shows exactly the 10 core services');
    passed(s, 'shows security-mcp DOWN (0)');
    passed(s, 'rises above 1 error/s for terminal-mcp');
    passed(s, 'shows the injected errors of terminal-mcp');
    passed(s, 'crosses 1 s for git-mcp /mcp');
    passed(s, 'PostgreSQL connections fall below the healthy value');
    passed(s, 'Redis clients fall below the healthy value');
    passed(s, 'PostgreSQL connections recover');
    passed(s, 'received rate rises above 3× its healthy value during the burst');
    passed(s, 'drops to 0 while mqtt-mcp');
  });

  it("scrape-coverage: every configured target up and labelled, scrapes within timeout, the seed's queries return data", () => {
    const s = scenario('scrape-coverage');
    passed(s, 'every job and target of the config is scraped and up');
    passed(s, "the seed's eight scrape jobs");
    passed(s, "each target's labels are job, instance and its static_config's labels");
    passed(s, 'every scrape stays below its timeout');
    for (const q of ['rate(http_requests_total[5m])', 'histogram_quantile(0.99', '(sum(rate(http_requests_total{status=~"5.."}[5m]))', 'sum(process_resident_memory_bytes) by (service)']) passed(s, `seed example: ${q}`);
    passed(s, 'names the killed service');
    passed(s, 'is empty again after the restart');
  });

  it('retention: Prometheus 15d effective and enforced on backfilled blocks; the log store keeps 6-day-old entries and not ones past 7 days', () => {
    const s = scenario('retention');
    passed(s, "Prometheus's effective retention is the promised one");
    passed(s, 'the 20-day-old block loaded');
    passed(s, 'the 20-day-old samples are gone');
    passed(s, 'the 10-day-old samples stay queryable');
    passed(s, 'has no block 20 days old');
    passed(s, 'the log store keeps an entry 6d old');
    passed(s, 'the log store does not keep an entry 8d2h old');
    // The Loki-only checks say why they did not run on this folder.
    const lokiOnly = assertion(s, "Loki's effective limits");
    expect(lokiOnly.verdict).toBe('skipped');
    expect(lokiOnly.message).toMatch(/not part of this folder's log pipeline \(victorialogs \+ otelcol\)/);
  });

  it('config-reload: new target and rules live after POST /-/reload, no missing sample', () => {
    const s = scenario('config-reload');
    passed(s, 'reloaded its config successfully');
    passed(s, 'the new target (job harness-reload-probe) is scraped and up');
    passed(s, 'rule group harness_config_reload is loaded');
    passed(s, 'the new recording rule records');
    passed(s, 'no missing sample in up{job!="harness-reload-probe"} across the config reload');
    passed(s, 'job harness-reload-probe is gone again after the restore');
  });
});
