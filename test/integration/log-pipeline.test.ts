/**
 * The log pipeline end to end on the permissive folder (VictoriaLogs + the OpenTelemetry
 * Collector, monitoring-victorialogs/): the five log scenarios in ONE scenario CLI run (one
 * shared stack, time scale 0.1, port offset 1000), then each scenario's results.json: its
 * verdict, and the evidence its delivery accounting, LogsQL audits and limiter checks
 * recorded. The same scenario files run on Loki + Promtail where the user supplies them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../support/stack-helpers.ts';
import { REPO_ROOT } from '../../harness/lib/paths.ts';

const SCENARIOS = ['log-pipeline', 'log-burst', 'log-store-outage', 'log-shipper-restart', 'malformed-logs'] as const;
const RUN_TIMEOUT_MS = 7 * 60_000;

interface Assertion {
  title: string;
  verdict: string;
  message: string;
  evidence: { observed: { ok: boolean; value?: Record<string, unknown> }[] };
}
interface Results {
  summary: { scenarios: number; passed: number; failedAssertions: number };
  scenarios: { name: string; verdict: string; error?: string; assertions: Assertion[] }[];
}

const dir = mkdtempSync(join(tmpdir(), 'log-pipeline-it-'));
let cli: CliRun;
let exitCode: number | null = null;
const results = new Map<string, Results>();

function scenario(name: string) {
  const r = results.get(name);
  if (!r) throw new Error(`no results.json for ${name} in ${dir}; CLI output:\n${cli.output().slice(-4000)}`);
  return r.scenarios[0]!;
}

/** The last observation's value of the (only) assertion whose title contains `text`. */
function observed(name: string, text: string): Record<string, unknown> & { summary: string } {
  const matches = scenario(name).assertions.filter((a) => a.title.includes(text));
  if (matches.length !== 1) throw new Error(`${name}: ${matches.length} assertions titled like "${text}": ${scenario(name).assertions.map((a) => a.title).join(' | ')}`);
  const a = matches[0]!;
  expect(a.verdict, `${a.title}: ${a.message}`).toBe('pass');
  return a.evidence.observed.at(-1)!.value as Record<string, unknown> & { summary: string };
}

type Totals = { emitted: number; stored: number; missing: number; duplicates: number; outOfOrder: number; expectedDropped: number };

describe('log pipeline scenarios on VictoriaLogs + the collector (one CLI run, shared stack)', () => {
  beforeAll(async () => {
    cli = runCli('harness/cli/scenario.ts', [...SCENARIOS, '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs'), '--time-scale', '0.1', '--port-offset', '1000', '--out', dir]);
    const timer = setTimeout(() => cli.child.kill('SIGINT'), RUN_TIMEOUT_MS);
    exitCode = await cli.exited;
    clearTimeout(timer);
    for (const s of SCENARIOS) {
      const f = join(dir, s, 'results.json');
      if (existsSync(f)) results.set(s, JSON.parse(readFileSync(f, 'utf8')) as Results);
    }
  }, RUN_TIMEOUT_MS + 60_000);

  afterAll(() => {
    // Keep everything when something failed; otherwise drop the bulky logs and data (hundreds of MB after the bursts).
    if (exitCode === 0) rmSync(join(dir, 'stack'), { recursive: true, force: true });
    else console.log(`log pipeline run kept in ${dir}`);
  });

  it('the CLI passes every scenario and writes a report per scenario', () => {
    expect(exitCode, cli.output().slice(-3000)).toBe(0);
    for (const s of SCENARIOS) {
      expect(existsSync(join(dir, s, 'results.json')), s).toBe(true);
      expect(existsSync(join(dir, s, 'junit.xml')), s).toBe(true);
      expect(existsSync(join(dir, s, 'report.html')), s).toBe(true);
      expect(scenario(s).verdict, `${s}: ${scenario(s).error ?? ''}`).toBe('pass');
    }
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
  });

  it('log-pipeline: stream fields, every line once and in order, latency recorded, every seed log query (in LogsQL) and the dashboard panel exact', () => {
    expect(observed('log-pipeline', 'container, service and service_group').summary).toMatch(/^17 services, each with container, service and service_group/);
    const d = observed('log-pipeline', 'every line of the window in the store');
    const t = d.totals as Totals;
    expect(t.emitted).toBeGreaterThan(500);
    expect(t).toMatchObject({ stored: t.emitted, missing: 0, duplicates: 0, outOfOrder: 0 });
    const lat = d.latencyMs as { p50: number; p99: number };
    expect(lat.p99).toBeGreaterThan(0);
    expect(lat.p99).toBeGreaterThanOrEqual(lat.p50);
    const live = observed('log-pipeline', 'emit → queryable latency');
    expect(live).toMatchObject({ markers: 20, seen: 20 });
    expect((live.latencyMs as { p50: number }).p50).toBeGreaterThan(0);
    for (const q of ['{service=~".*mcp.*"} |= "ERROR"', '{service="terminal-mcp"} |~', 'duration.*[1-9]', 'database.*error', '{service_group="core"} |= "ERROR"', 'Live Error Logs']) {
      const a = observed('log-pipeline', q);
      expect(a.summary, q).toMatch(/^fault lines returned (\d+)\/\1 /);
      expect(a.summary, q).toMatch(/healthy services \(no such line in their own log\): \d+, returned 0 lines/);
      expect(a.summary, q).toMatch(/exactly the \d+ the log files say match/);
    }
    expect(observed('log-pipeline', 'Live Error Logs').expr).toBe('{service=~".*mcp.*"} ~"ERROR"');
  });

  it('log-burst: 0.75× and 1.5× the promised 16 MB/s, nothing refused (VictoriaLogs has no rate limit), every line delivered', () => {
    const near = observed('log-burst', 'below the promised rate: every line');
    expect((near.totals as Totals).missing).toBe(0);
    expect(observed('log-burst', 'below the promised rate: nothing refused')).toMatchObject({ storeDiscardedRateLimited: 0, shipperDroppedRateLimited: 0 });
    const over = observed('log-burst', 'above the promised rate: the loss');
    const p = (over.burst as { prediction: { exceedsTenantLimit: boolean; predictedLostLines: number; offeredBytesPerSecond: number } }).prediction;
    expect(p).toMatchObject({ exceedsTenantLimit: false, predictedLostLines: 0 });
    expect(p.offeredBytesPerSecond).toBeGreaterThanOrEqual(1.4 * 16 * 1024 * 1024);
    expect((over.totals as Totals).emitted).toBeGreaterThan(50_000);
    expect((over.totals as Totals)).toMatchObject({ missing: 0, duplicates: 0 });
    const lim = observed('log-burst', 'above the promised rate: refusals only') as unknown as { storeDiscardedRateLimited: number; shipperDroppedRateLimited: number; shipperDroppedOther: number };
    expect(lim).toMatchObject({ storeDiscardedRateLimited: 0, shipperDroppedRateLimited: 0, shipperDroppedOther: 0 });
  });

  it('log-store-outage: the collector retried; zero missing or duplicated after recovery, time to delivery recorded', () => {
    const d = observed('log-store-outage', 'before, during and after the outage');
    expect((d.totals as Totals).missing).toBe(0);
    expect((d.totals as Totals).duplicates).toBe(0);
    expect(d.completeSinceNoteMs).toEqual(expect.any(Number));
    const lim = observed('log-store-outage', 'the shipper retried during the outage') as unknown as { shipperRetries: number; shipperDroppedOther: number };
    expect(lim.shipperRetries).toBeGreaterThan(0);
    expect(lim.shipperDroppedOther).toBe(0);
  });

  it('log-shipper-restart: positions kept, zero missing, zero duplicates, after a process restart and after a recreate', () => {
    observed('log-shipper-restart', 'positions saved on the way down');
    for (const mode of ['after a process restart (container kept)', 'after a recreate (container removed and created again, volumes kept)']) {
      const d = observed('log-shipper-restart', `${mode}: every line of the window in the store exactly once`);
      expect(d.totals, mode).toMatchObject({ missing: 0, duplicates: 0, outOfOrder: 0 });
    }
    observed('log-shipper-restart', 'after a recreate: positions kept across it');
  });

  it('malformed-logs: the collector splits lines over its 256 KiB max_log_size (nothing dropped), every seq delivered, the store discards none', () => {
    const d = observed('malformed-logs', 'except exactly those the line limit drops');
    const t = d.totals as Totals;
    expect(t).toMatchObject({ expectedDropped: 0, missing: 0, duplicates: 0 });
    expect(t.emitted).toBeGreaterThan(100);
    expect(observed('malformed-logs', 'too-long discards').storeDiscardedLineTooLong).toBe(0);
  });
});
