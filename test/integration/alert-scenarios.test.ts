/**
 * The alert scenarios on the real stack and the seed folder, time-scaled 0.1, in one CLI
 * run so they share a stack (as `npm run scenario all` does): the exit code, each
 * scenario's verdict and the assertions a user would read in the report. The seed folder's
 * log pipeline is Loki + Promtail, which this project never builds (AGPL): without a
 * user-supplied Loki, a log scenario in the same run is skipped, with the reason, in every
 * report, and the run still exits 0.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runCli } from '../support/stack-helpers.ts';
import { findUserSupplied } from '../../harness/stack/binaries.ts';
import { assertion, readScenarioResult, type ScenarioResult } from '../support/results.ts';

const SCENARIOS = ['baseline', 'service-down', 'high-error-rate', 'high-latency'];
const LOKI_SUPPLIED = findUserSupplied('loki') !== undefined && findUserSupplied('promtail') !== undefined;

describe('alert scenarios at time scale 0.1', () => {
  const out = mkdtempSync(join(tmpdir(), 'alert-scenarios-'));
  let exitCode: number | null;
  let output = '';
  const result: Record<string, ScenarioResult> = {};

  beforeAll(async () => {
    const cli = runCli('harness/cli/scenario.ts', [...SCENARIOS, 'log-store-outage', '--time-scale', '0.1', '--port-offset', '0', '--out', out]);
    exitCode = await cli.exited;
    output = cli.output();
    for (const s of [...SCENARIOS, 'log-store-outage']) if (existsSync(join(out, s, 'results.json'))) result[s] = readScenarioResult(join(out, s));
  }, 900_000);

  it('passes every scenario and exits 0', () => {
    expect({ exitCode, verdicts: Object.fromEntries(SCENARIOS.map((s) => [s, result[s]?.verdict])) }, output.slice(-3000)).toEqual({ exitCode: 0, verdicts: Object.fromEntries(SCENARIOS.map((s) => [s, 'pass'])) });
  });

  it('baseline: all targets up, the seed metrics present, no alert through the window', () => {
    const b = result.baseline!;
    for (const t of ['all 16 MCP services up', 'process_resident_memory_bytes for every service', 'http_request_duration_seconds histogram', 'pg_stat_activity_count', 'redis_connected_clients', 'mqtt_messages_received_total', 'no alert pending or firing through the window']) expect(assertion(b, t).verdict, t).toBe('pass');
    expect(b.alertTransitions.filter((t) => t.state !== 'inactive')).toEqual([]);
  });

  it('service-down: up == 0 within one scrape, ServiceDown fires no earlier than its for, notified, resolved', () => {
    const s = result['service-down']!;
    expect(assertion(s, 'up == 0 for filesystem-mcp').verdict).toBe('pass');
    const lifecycle = assertion(s, 'ServiceDown fires only after its for');
    expect(lifecycle.verdict).toBe('pass');
    const t = lifecycle.timing!;
    expect(Number(t.pendingToFiringObservedMs)).toBeGreaterThanOrEqual(Number(t.forMs));
    expect(Number(t.detectionMs)).toBeLessThanOrEqual(Number(t.boundMs));
    expect(assertion(s, 'a firing notification names the service').verdict).toBe('pass');
    expect(assertion(s, 'a resolved notification names the service').verdict).toBe('pass');
    // The notifications the run checked are in its event stream, so in every report: firing, then resolved, annotations rendered.
    const ns = s.notifications as { payload: { status: string; alerts: { labels: Record<string, string>; annotations?: Record<string, string> }[] } }[];
    const down = ns.filter((n) => n.payload.alerts.some((a) => a.labels.alertname === 'ServiceDown' && a.labels.service === 'filesystem-mcp'));
    expect(down.map((n) => n.payload.status)).toEqual(expect.arrayContaining(['firing', 'resolved']));
    expect(down[0]!.payload.alerts[0]!.annotations?.summary).toContain('filesystem-mcp');
    const html = readFileSync(join(out, 'service-down', 'report.html'), 'utf8');
    expect(html).toMatch(/Notifications received \([1-9]\d*\)/);
    expect(html).toContain('MCP Service filesystem-mcp is down');
    // Nothing but ServiceDown for the killed service fired.
    expect(s.alertTransitions.filter((x) => x.state === 'firing' && !(x.alertname === 'ServiceDown' && x.labels.service === 'filesystem-mcp'))).toEqual([]);
  });

  it('high-error-rate: 4 % never goes pending, 6 % fires after window + for, then resolves', () => {
    const s = result['high-error-rate']!;
    expect(assertion(s, 'never pending or firing at 4 %').verdict).toBe('pass');
    expect(assertion(s, 'HighErrorRate fires only after its for').verdict).toBe('pass');
    expect(assertion(s, 'HighErrorRate resolved').verdict).toBe('pass');
  });

  it('high-latency: p95 just under 1 s never fires, 1.5 s fires, then resolves', () => {
    const s = result['high-latency']!;
    expect(assertion(s, 'p95 rises to just under 1 s').verdict).toBe('pass');
    expect(assertion(s, 'HighLatency never pending or firing').verdict).toBe('pass');
    expect(assertion(s, 'HighLatency fires only after its for').verdict).toBe('pass');
    expect(assertion(s, 'HighLatency resolved').verdict).toBe('pass');
  });

  it.skipIf(LOKI_SUPPLIED)('without a user-supplied Loki, the log scenario is skipped with the reason and how to supply it, in JSON, JUnit and HTML', () => {
    const s = result['log-store-outage']!;
    expect(s.verdict).toBe('skipped');
    expect(s.skipReason).toMatch(/loki is absent: .*AGPL-3\.0.*LOKI_BIN/);
    expect(s.assertions).toEqual([]);
    const junit = readFileSync(join(out, 'log-store-outage', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<skipped message="loki is absent: [^"]*LOKI_BIN/);
    expect(junit).toMatch(/skipped="1"/);
    expect(readFileSync(join(out, 'log-store-outage', 'report.html'), 'utf8')).toMatch(/data-skip-reason><b>Skipped:<\/b> loki is absent/);
    expect(output).toMatch(/○ SKIPPED log-store-outage/);
  });

  it('writes a report, JUnit XML and JSON per scenario, and an index', () => {
    for (const s of SCENARIOS) for (const f of ['report.html', 'junit.xml', 'results.json']) expect(existsSync(join(out, s, f)), `${s}/${f}`).toBe(true);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });
});
