import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import type { AssertionRecord, CapacityGrowthStep, CapacityLoadStep, CapacityLogGrowthStep, CapacityResult, CapacityStep, RunEvent } from '../../../harness/events/run-events.ts';
import { renderXYChart } from '../../../reports/capacity-charts.ts';
import { HtmlReporter } from '../../../reports/html-reporter.ts';
import { JsonReporter } from '../../../reports/json-reporter.ts';
import { ListReporter } from '../../../reports/list-reporter.ts';
import { RunCollector } from '../../../reports/model.ts';
import { validateResults } from '../../../reports/results-schema.ts';
import { feed, passingRun, runInfo, t } from './fixtures.ts';

// ---------------------------------------------------------------------------------------
// A capacity run of terminal-mcp: an --auto search that visits 20, 120, 80, 40 req/s (out
// of order); 120 breaches the SLO (p99 812 ms > 500 ms), so the knee is 80 — below
// --min-rate 100, and the run fails.

const S = 'capacity-terminal-mcp';
const SUMMARY = 'terminal-mcp holds p99 ≤ 500 ms up to 80 req/s: knee < --min-rate 100 req/s';

interface LoadSpec {
  index: number;
  offered: number;
  achieved: number;
  requests: number;
  monRequests?: number;
  errorRatio: number;
  monErrorRatio?: number;
  p95: number;
  p99: number;
  est?: number;
  bound?: [number, number];
  firing?: string[];
  breaches?: string[];
}

function loadStep(x: LoadSpec): CapacityLoadStep {
  const start = 10 + (x.index - 1) * 65;
  return {
    kind: 'load',
    index: x.index,
    offeredRate: x.offered,
    startedAt: t(start),
    endedAt: t(start + 60),
    durationMs: 60_000,
    load: {
      engine: 'vegeta',
      requests: x.requests,
      achievedRate: x.achieved,
      throughput: x.achieved * (1 - x.errorRatio),
      noResponse: 0,
      serverErrors: Math.round(x.requests * x.errorRatio),
      errorRatio: x.errorRatio,
      latencyMs: { p50: x.p95 / 3, p90: x.p95 * 0.8, p95: x.p95, p99: x.p99, max: x.p99 * 1.5 },
    },
    monitoring: {
      ...(x.monRequests !== undefined ? { requests: x.monRequests } : {}),
      ...(x.monErrorRatio !== undefined ? { errorRatio: x.monErrorRatio } : {}),
      ...(x.est !== undefined ? { quantileMs: x.est } : {}),
      quantile: 0.95,
      ...(x.bound ? { quantileBoundMs: x.bound } : {}),
      maxScrapeSeconds: 0.012,
      scrapeTimeoutSeconds: 10,
      firing: x.firing ?? [],
    },
    slo: { ok: !x.breaches?.length, breaches: x.breaches ?? [] },
  };
}

const LOAD_STEPS: CapacityLoadStep[] = [
  loadStep({ index: 1, offered: 20, achieved: 20, requests: 1200, monRequests: 1200, errorRatio: 0, monErrorRatio: 0, p95: 12, p99: 20, est: 14.5, bound: [10, 25] }),
  loadStep({ index: 2, offered: 120, achieved: 118.4, requests: 7104, monRequests: 7092, errorRatio: 0.031, monErrorRatio: 0.0295, p95: 430, p99: 812, est: 610, bound: [250, 500], firing: ['HighLatency'], breaches: ['p99 812 ms > 500 ms', 'errors 3.10 % > 1.00 %'] }),
  loadStep({ index: 3, offered: 80, achieved: 79.9, requests: 4790, monRequests: 4790, errorRatio: 0, monErrorRatio: 0, p95: 45, p99: 123, est: 45, bound: [25, 50] }),
  loadStep({ index: 4, offered: 40, achieved: 40, requests: 2400, monRequests: 2401, errorRatio: 0.001, monErrorRatio: 0.0012, p95: 20, p99: 31, est: 22, bound: [10, 25] }),
];

const LOAD_RESULT: CapacityResult = {
  target: 'terminal-mcp',
  mode: 'auto',
  slo: { p99Ms: 500, errorRatio: 0.01 },
  knee: 80,
  firstBreach: 120,
  minRate: 100,
  verdict: 'fail',
  summary: SUMMARY,
};

function check(id: string, title: string, verdict: 'pass' | 'fail', at: string, message = ''): AssertionRecord {
  return {
    id,
    phase: 'method',
    title,
    kind: 'once',
    verdict,
    message,
    startedAt: at,
    endedAt: at,
    evidence: { query: 'capacity', language: 'promql', evaluatedAt: [at], expectation: title, observed: [{ at, ok: verdict === 'pass' }], verdict },
  };
}

function capacityRun(scenario: string, steps: CapacityStep[], result: CapacityResult): RunEvent[] {
  const events: RunEvent[] = [
    { type: 'run-begin', run: runInfo([scenario], 'capacity-2025-05-12') },
    { type: 'scenario-begin', scenario, title: `Capacity of ${result.target}`, description: 'Constant-rate steps until the SLO breaks.', at: t(5) },
  ];
  for (const st of steps) {
    const action = { id: `step-${st.index}`, phase: 'method' as const, title: `capacity step ${st.index}`, kind: 'load', target: result.target, startedAt: st.startedAt };
    events.push({ type: 'action-begin', scenario, action });
    if (st.kind === 'load' && st.monitoring.firing.length) {
      events.push({ type: 'alert-transition', scenario, transition: { alertname: 'HighLatency', labels: { alertname: 'HighLatency', service: 'terminal-mcp' }, state: 'firing', at: st.endedAt } });
    }
    events.push({ type: 'action-end', scenario, action: { ...action, endedAt: st.endedAt } });
    // A load step is judged against the SLO; a growth step's breaking point is a finding, not a failure.
    if (st.kind === 'load') events.push({ type: 'assertion', scenario, assertion: check(`slo-${st.index}`, `step ${st.index}: SLO holds`, st.slo.ok ? 'pass' : 'fail', st.endedAt, st.slo.breaches.join('; ')) });
    events.push({ type: 'capacity-step', scenario, step: st });
  }
  events.push({ type: 'assertion', scenario, assertion: check('gate', 'the knee is at least --min-rate', result.verdict, t(300), result.verdict === 'fail' ? 'knee 80 req/s < min-rate 100 req/s' : '') });
  events.push({ type: 'capacity-result', scenario, result });
  events.push({ type: 'scenario-end', scenario, verdict: result.verdict, at: t(320), durationMs: 315_000, faultWindows: [] });
  events.push({ type: 'run-end', verdict: result.verdict, at: t(321), durationMs: 321_000, runDir: '/tmp/runs/capacity-2025-05-12' });
  return events;
}

const loadRun = (): RunEvent[] => capacityRun(S, LOAD_STEPS, LOAD_RESULT);

// A growth run of the monitoring stack: 1×, 4×, 10× today; 10× breaks the scrape timeout.
function growthStep(index: number, mult: number, scrape: number, ok: boolean, breaches: string[] = []): CapacityGrowthStep {
  return {
    kind: 'growth',
    index,
    startedAt: t(10 + index * 40),
    endedAt: t(45 + index * 40),
    targets: 17 * mult,
    series: 5120 * mult,
    // Failed scrapes take nothing in: the breaking step got less than its targets expose.
    scrapedSeries: ok ? 5120 * mult : 4096 * mult,
    multipleOfToday: { targets: mult, series: mult },
    maxScrapeSeconds: scrape,
    scrapeTimeoutSeconds: 10,
    maxRuleEvalSeconds: 0.05 * mult,
    ruleIntervalSeconds: 15,
    droppedSamples: ok ? 0 : 312,
    maxDashboardQueryMs: 90 * mult,
    dashboardQueryLimitMs: 2000,
    ok,
    breaches,
  };
}

const GROWTH_STEPS = [growthStep(1, 1, 0.42, true), growthStep(2, 4, 2.5, true), growthStep(3, 10, 11.2, false, ['max scrape 11.2 s > timeout 10 s', 'dropped 312 samples'])];
const GROWTH_RESULT: CapacityResult = {
  target: 'monitoring',
  mode: 'stages',
  slo: {},
  headroom: { targets: 68, series: 20480, multipleOfToday: { targets: 4, series: 4 } },
  breakingPoint: { targets: 170, series: 51200, breaches: ['max scrape 11.2 s > timeout 10 s'] },
  verdict: 'pass',
  summary: 'the monitoring holds 4× today (68 targets, 20.5k series); at 10× a scrape exceeds its timeout',
};
const growthRun = (): RunEvent[] => capacityRun('capacity-monitoring', GROWTH_STEPS, GROWTH_RESULT);

function logStep(index: number, written: number, ok: boolean, extra: Partial<CapacityLogGrowthStep> = {}): CapacityLogGrowthStep {
  return {
    kind: 'log-growth',
    index,
    startedAt: t(10 + index * 20),
    endedAt: t(25 + index * 20),
    offeredLinesPerSecond: Math.round(written * 1.02),
    writtenLinesPerSecond: written,
    writtenBytesPerSecond: written * 167,
    carriedLinesPerSecond: written,
    multipleOfToday: written / 59,
    lines: written * 8,
    missing: 0,
    duplicates: 0,
    deliveredAfterMs: 2100,
    deliveryBoundMs: 47_000,
    readDelayMs: { p50: 120, p99: 199 },
    refused: 0,
    dropped: 0,
    maxLogPanelQueryMs: 12,
    dashboardQueryLimitMs: 2000,
    ok,
    breaches: [],
    ...extra,
  };
}
const LOG_STEPS = [
  logStep(0, 236, true),
  logStep(1, 59_000, true),
  logStep(2, 236_000, false, { carriedLinesPerSecond: 177_000, missing: 103, deliveredAfterMs: undefined, readDelayMs: { p50: 900, p99: 6117 }, breaches: ['the pipeline carried 177000 lines/s of the 236000 written: it falls behind', '103 of 1888000 lines not in the store <b>'] }),
];
const LOG_RESULT: CapacityResult = {
  target: 'monitoring (logs)',
  mode: 'auto',
  slo: {},
  logHeadroom: { linesPerSecond: 59_000, bytesPerSecond: 59_000 * 167, multipleOfToday: 1000, todayLinesPerSecond: 59 },
  logBreakingPoint: { linesPerSecond: 236_000, breaches: ['the pipeline carried 177000 lines/s of the 236000 written: it falls behind'] },
  promisedLogBytesPerSecond: 16 * 1048576,
  verdict: 'pass',
  summary: 'log headroom ×1000 today',
};
const logRun = (): RunEvent[] => capacityRun('capacity-monitoring-logs', LOG_STEPS, LOG_RESULT);

// ---------------------------------------------------------------------------------------

async function htmlOf(events: RunEvent[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'capacity-html-'));
  await feed(new HtmlReporter(dir), events);
  return readFileSync(join(dir, 'report.html'), 'utf8');
}

function resultsOf(events: RunEvent[]): Record<string, unknown> {
  const r = new JsonReporter('/nonexistent');
  for (const e of events) r.onEvent(e);
  return JSON.parse(JSON.stringify(r.results())) as Record<string, unknown>;
}

function linesOf(events: RunEvent[]): string[] {
  const r = new ListReporter({ stream: { write: () => true } as unknown as NodeJS.WritableStream, color: false, utc: true, timestamps: false });
  return events.flatMap((e) => r.format(e));
}

/** The cell of a step's row in a table. */
function cell(html: string, table: string, step: number, col: string): string | undefined {
  const t0 = html.indexOf(`<table class="grid ${table}">`);
  const body = html.slice(t0, html.indexOf('</table>', t0));
  const row = body.match(new RegExp(`<tr[^>]*data-step="${step}">(.*?)</tr>`))?.[1];
  return row?.match(new RegExp(`data-col="${col}">(.*?)</td>`))?.[1];
}

describe('capacity: model and results.json', () => {
  it('folds capacity-step and capacity-result events into the scenario', () => {
    const c = new RunCollector();
    for (const e of loadRun()) c.onEvent(e);
    const s = c.result().scenarios[0]!;
    expect(s.capacity?.steps.map((x) => x.index)).toEqual([1, 2, 3, 4]);
    expect(s.capacity?.result?.knee).toBe(80);
    expect(s.capacity?.result?.verdict).toBe('fail');
    // A scenario without capacity events has no capacity key.
    const plain = new RunCollector();
    for (const e of passingRun()) plain.onEvent(e);
    expect(plain.result().scenarios.every((x) => !('capacity' in x))).toBe(true);
  });

  it('redacts credentials in capacity text like the rest', () => {
    const c = new RunCollector();
    const result = { ...LOAD_RESULT, summary: 'pushed to http://ops:pa55w0rd-in-url@hooks.internal/x' };
    for (const e of capacityRun(S, LOAD_STEPS.slice(0, 1), result)) c.onEvent(e);
    expect(JSON.stringify(c.result())).not.toContain('pa55w0rd-in-url');
  });

  it('results.json validates and holds the steps and the result', () => {
    const doc = resultsOf(loadRun());
    expect(validateResults(doc)).toEqual([]);
    const cap = (doc.scenarios as Array<{ capacity: { steps: CapacityLoadStep[]; result: CapacityResult } }>)[0]!.capacity;
    expect(cap.steps).toHaveLength(4);
    expect(cap.steps.map((x) => [x.kind, x.index, x.offeredRate])).toEqual([['load', 1, 20], ['load', 2, 120], ['load', 3, 80], ['load', 4, 40]]);
    expect(cap.steps[1]!.monitoring.quantileBoundMs).toEqual([250, 500]);
    expect(cap.result).toMatchObject({ target: 'terminal-mcp', knee: 80, minRate: 100, verdict: 'fail', summary: SUMMARY });
    expect(validateResults(resultsOf(growthRun()))).toEqual([]);
    expect(validateResults(resultsOf(passingRun()))).toEqual([]);
  });

  it('the schema names a damaged capacity record', () => {
    const doc = resultsOf(loadRun());
    const cap = (doc.scenarios as Array<{ capacity: { steps: Array<Record<string, unknown>>; result: Record<string, unknown> } }>)[0]!.capacity;
    cap.steps[0]!.kind = 'spike';
    cap.steps[2]!.startedAt = 'yesterday';
    cap.result.verdict = 'maybe';
    const problems = validateResults(doc);
    expect(problems.some((p) => p.startsWith('scenarios.0.capacity.steps.0.kind:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('scenarios.0.capacity.steps.2.startedAt:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('scenarios.0.capacity.result.verdict:'))).toBe(true);
  });
});

describe('capacity: list reporter', () => {
  it('prints one line per step and one for the result', () => {
    const lines = linesOf(loadRun());
    const steps = lines.filter((l) => /^\s+▸ step \d+:/.test(l));
    expect(steps).toHaveLength(4);
    expect(steps[2]!.trim()).toBe('▸ step 3: offered 80/s → achieved 79.9/s, p99 123 ms, errors 0.00 %, monitoring: 4790/4790 requests, p95 45 ms (bound 25–50 ms) — SLO ok');
    expect(steps[1]).toContain('step 2: offered 120/s → achieved 118.4/s, p99 812 ms, errors 3.10 %, monitoring: 7092/7104 requests, p95 610 ms (bound 250–500 ms), firing: HighLatency — SLO breached: p99 812 ms > 500 ms; errors 3.10 % > 1.00 %');
    expect(lines.filter((l) => l.includes(SUMMARY))).toEqual([`    ✘ capacity terminal-mcp FAIL: ${SUMMARY}`]);
  });

  it('prints growth steps with targets, series, scrape, rule evaluation and dashboard', () => {
    const lines = linesOf(growthRun()).filter((l) => l.includes('growth step'));
    expect(lines).toHaveLength(3);
    expect(lines[2]!.trim()).toBe(
      '▸ growth step 3: 170 targets, 51.2k series (10× / 10× today), max scrape 11.2 s / 10 s timeout, rule eval 0.5 s / 15 s interval, dropped 312, dashboard 900 ms / 2000 ms — breached: max scrape 11.2 s > timeout 10 s; dropped 312 samples',
    );
  });
});

describe('capacity: log growth', () => {
  it('prints each log step with written, carried, missing, delivery against its bound and the panel time', () => {
    const lines = linesOf(logRun()).filter((l) => l.includes('log step'));
    expect(lines).toHaveLength(3);
    expect(lines[0]!.trim()).toBe(
      '▸ log step 0: 236 lines/s written of 241 offered (0.0376 MiB/s, 4× today), carried 236 lines/s, 0 of 1888 missing, 0 duplicated, all delivered 2.1 s after the last write (bound 47 s), read delay p99 199 ms, refused 0, given up 0, log panel 12 ms / 2000 ms — ok',
    );
    expect(lines[2]).toContain('103 of 1.888M missing');
    expect(lines[2]).toContain('not all delivered (bound 47 s)');
    expect(lines[2]).toContain('— breached: the pipeline carried 177000 lines/s');
  });

  it('renders a table per rate with the bad cells marked, the headroom beside the promise, and a well-formed chart', async () => {
    const html = await htmlOf(logRun());
    expect(html).toContain('<tr><th>log headroom</th><td>59k lines/s, 9.4 MiB/s (1000× today&#39;s 59 lines/s)</td></tr>');
    expect(html).toContain('<tr><th>promised ingestion</th><td>16 MiB/s (beyond the headroom measured)</td></tr>');
    expect(html).toContain('<tr><th>log breaking point</th><td>236k lines/s: the pipeline carried 177000 lines/s of the 236000 written: it falls behind</td></tr>');
    expect(html).not.toContain('<tr><th>knee</th>');
    expect(cell(html, 'capacity-growth-steps capacity-log-growth-steps', 1, 'written')).toBe('59k');
    expect(cell(html, 'capacity-growth-steps capacity-log-growth-steps', 0, 'delivered')).toBe('2.1 s / 47 s');
    expect(html).toMatch(/<td class="num bad-cell" data-col="carried">177k<\/td>/);
    expect(html).toMatch(/<td class="num bad-cell" data-col="missing">103 \/ 1.888M<\/td>/);
    expect(html).toMatch(/<td class="num bad-cell" data-col="delivered">not \/ 47 s<\/td>/);
    expect(html).toContain('not in the store &lt;b&gt;');
    const charts = html.match(/<svg [^>]*class="xy-chart"[\s\S]*?<\/svg>/g) ?? [];
    expect(charts).toHaveLength(1);
    expect(XMLValidator.validate(charts[0]!)).toBe(true);
    expect(charts[0]).toContain('>delivery bound 47 s</text>');
    expect(charts[0]).toContain('>headroom 59k lines/s (1000×)</text>');
  });

  it('results.json validates with log-growth steps', () => {
    expect(validateResults(resultsOf(logRun()))).toEqual([]);
  });
});

describe('capacity: HTML report', () => {
  let html: string;
  let growth: string;
  beforeAll(async () => {
    [html, growth] = await Promise.all([htmlOf(loadRun()), htmlOf(growthRun())]);
  });

  it('puts the verdict and the escaped summary at the top of the capacity section', () => {
    const section = html.indexOf('<section class="capacity"');
    expect(section).toBeGreaterThan(0);
    expect(html).toContain('data-capacity-verdict="fail"');
    const verdict = html.indexOf('<div class="capacity-result v-fail"><div class="cap-verdict">FAIL</div>');
    expect(verdict).toBeGreaterThan(section);
    expect(verdict).toBeLessThan(html.indexOf('<svg', section));
    expect(html).toContain(`<p class="cap-summary">terminal-mcp holds p99 ≤ 500 ms up to 80 req/s: knee &lt; --min-rate 100 req/s</p>`);
    expect(html).not.toContain('knee < --min-rate');
    expect(html).toContain('<tr><th>knee</th><td>80/s</td></tr>');
    expect(html).toContain('<tr><th>min-rate</th><td>100/s (not met)</td></tr>');
    // The failed gate is still an assertion, listed under "why it failed".
    expect(html).toMatch(/<section class="why" id="why">.*the knee is at least --min-rate/s);
  });

  it('draws the knee, the min-rate gate and the SLO limit on well-formed charts', () => {
    const section = html.slice(html.indexOf('<section class="capacity"'), html.indexOf('</section>', html.indexOf('<section class="capacity"')));
    const charts = section.match(/<svg [^>]*class="xy-chart"[\s\S]*?<\/svg>/g) ?? [];
    expect(charts).toHaveLength(2);
    for (const svg of html.match(/<svg [\s\S]*?<\/svg>/g) ?? []) expect(XMLValidator.validate(svg)).toBe(true);
    for (const svg of charts) {
      expect(svg).toMatch(/<g class="vline">.*?>knee 80\/s<\/text><\/g>/);
      expect(svg).toContain('>min-rate 100/s</text>');
    }
    expect(charts[1]).toContain('>SLO p99 ≤ 500 ms</text>');
    // The monitoring's estimate with its bound as an error bar, one per step.
    expect((charts[1]!.match(/<g class="error-bar">/g) ?? []).length).toBe(4);
    expect(charts[1]).toContain('step 2: monitoring p95 610 ms (bound 250–500 ms, outside)');
    // Sorted by offered rate although the search visited 20, 120, 80, 40: the achieved-rate line's x only grows.
    const achieved = charts[0]!.match(/<g class="xy-series"><title>achieved rate \(load tool\)<\/title><path d="([^"]+)"/)?.[1];
    const xs = [...(achieved ?? '').matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(4);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
  });

  it('has a table row per step, in index order, with the differences between load tool and monitoring', () => {
    const rows = [...html.matchAll(/<tr[^>]*data-step="(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows).toEqual([1, 2, 3, 4]);
    expect(cell(html, 'capacity-steps', 1, 'requests-diff')).toBe('0 (0.00 %)');
    expect(cell(html, 'capacity-steps', 2, 'requests-diff')).toBe('-12 (-0.17 %)');
    expect(cell(html, 'capacity-steps', 4, 'requests-diff')).toBe('+1 (+0.04 %)');
    expect(cell(html, 'capacity-steps', 2, 'errors-diff')).toBe('-0.15 pp');
    expect(cell(html, 'capacity-steps', 4, 'errors-diff')).toBe('+0.02 pp');
    expect(cell(html, 'capacity-steps', 3, 'errors-diff')).toBe('0.00 pp');
    expect(cell(html, 'capacity-steps', 3, 'quantile-load')).toBe('45');
    expect(cell(html, 'capacity-steps', 3, 'quantile-bound')).toBe('25–50 ms');
    expect(cell(html, 'capacity-steps', 2, 'scrape')).toBe('0.012 s / 10 s');
    expect(html).toMatch(/<td class="num bad-cell" data-col="quantile-monitoring">610 <span class="msg">outside<\/span><\/td>/);
    expect(cell(html, 'capacity-steps', 2, 'firing')).toBe('<span class="state st-firing">HighLatency</span>');
    expect(cell(html, 'capacity-steps', 2, 'slo')).toBe('<span class="msg">breached: p99 812 ms &gt; 500 ms; errors 3.10 % &gt; 1.00 %</span>');
    expect(html).toMatch(/<tr class="bad" data-step="2">/);
    expect(html).toMatch(/<tr class="knee" data-step="3"><td class="num" data-col="step">3 <span class="knee-tag">◆ knee<\/span>/);
    // The existing sections stay: the alert timeline from alert-transition events, the assertions.
    expect(html).toContain('<section class="alerts"><h3>Alert states</h3>');
    expect((html.match(/<article class="assertion /g) ?? []).length).toBe(5);
  });

  it('renders growth steps: a table of guarantees per size and scrape duration against series', () => {
    expect(growth).toContain('data-capacity-verdict="pass"');
    expect(growth).toContain('<tr><th>headroom</th><td>68 targets, 20.48k series (4× targets / 4× series of today)</td></tr>');
    expect(growth).toContain('<tr><th>breaking point</th><td>170 targets, 51.2k series: max scrape 11.2 s &gt; timeout 10 s</td></tr>');
    expect(growth).not.toContain('<tr><th>knee</th>');
    const rows = [...growth.matchAll(/<tr[^>]*data-step="(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows).toEqual([1, 2, 3]);
    expect(cell(growth, 'capacity-growth-steps', 1, 'targets')).toBe('17');
    expect(cell(growth, 'capacity-growth-steps', 2, 'series')).toBe('20480');
    expect(cell(growth, 'capacity-growth-steps', 2, 'scraped')).toBe('20480');
    expect(cell(growth, 'capacity-growth-steps', 3, 'series')).toBe('51200');
    expect(cell(growth, 'capacity-growth-steps', 3, 'scraped')).toBe('40960');
    expect(cell(growth, 'capacity-growth-steps', 3, 'multiple')).toBe('10× / 10×');
    expect(cell(growth, 'capacity-growth-steps', 1, 'scrape')).toBe('0.42 s / 10 s');
    expect(cell(growth, 'capacity-growth-steps', 3, 'rule-eval')).toBe('0.5 s / 15 s');
    expect(cell(growth, 'capacity-growth-steps', 2, 'dashboard')).toBe('360 ms / 2000 ms');
    expect(growth).toMatch(/<td class="num bad-cell" data-col="scrape">11.2 s \/ 10 s<\/td>/);
    expect(growth).toMatch(/<td class="num bad-cell" data-col="dropped">312<\/td>/);
    expect(cell(growth, 'capacity-growth-steps', 3, 'result')).toBe('<span class="msg">breached: max scrape 11.2 s &gt; timeout 10 s; dropped 312 samples</span>');
    expect(cell(growth, 'capacity-growth-steps', 1, 'result')).toBe('<span class="ok-text">ok</span>');
    const charts = growth.match(/<svg [^>]*class="xy-chart"[\s\S]*?<\/svg>/g) ?? [];
    expect(charts).toHaveLength(1);
    expect(XMLValidator.validate(charts[0]!)).toBe(true);
    expect(charts[0]).toContain('>scrape timeout 10 s</text>');
    expect(charts[0]).toContain('>headroom 20.48k series (4×)</text>');
    expect(growth).not.toContain('class="grid capacity-steps"');
  });

  it('a report without capacity events has no capacity section', async () => {
    expect(await htmlOf(passingRun())).not.toContain('class="capacity');
  });
});

describe('renderXYChart', () => {
  it('escapes every text and draws an empty chart without data', () => {
    const svg = renderXYChart([{ name: '<b>x</b> & y', points: [{ x: 1, y: 2, title: '"quoted" <t>' }] }], { title: 'a < b', vLines: [{ at: 1, label: 'k <1>' }], hLines: [{ at: 3, label: 'limit & more' }] });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).not.toMatch(/<b>|<t>|<1>/);
    expect(svg).toContain('&lt;b&gt;x&lt;/b&gt; &amp; y');
    const empty = renderXYChart([{ name: 's', points: [{ x: 1, y: null }] }], { emptyMessage: 'no steps ran' });
    expect(XMLValidator.validate(empty)).toBe(true);
    expect(empty).toContain('>no steps ran</text>');
  });
});
