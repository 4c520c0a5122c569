/**
 * `report.html`: one self-contained page for someone who was not there. Inline CSS and
 * SVG only — no external requests (a Content-Security-Policy forbids them), no script
 * needed to read it (one small hashed inline script opens collapsed sections for
 * printing). It shows the verdict, the stack and every rendered config change, a timeline
 * of actions against observed alert state with fault windows shaded, each assertion with
 * its query, window, expectation, observed values and a chart, the alert-state timeline,
 * the notifications received, LogQL evidence as log lines, and component log tails when
 * something failed; for a capacity run, its steps and result (capacity-html.ts). Every
 * text is escaped; secrets are redacted before rendering.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AlertTransition, AssertionRecord, FaultWindow, RunEvent, StepPhase } from '../harness/events/run-events.ts';
import type { Reporter } from '../harness/events/event-bus.ts';
import type { ReceivedNotification } from '../harness/events/notification.ts';
import { CAPACITY_CSS, renderCapacitySection } from './capacity-html.ts';
import { logLineSeries, renderLineChart, renderTimeline, seriesFromObservations, type Band, type TimelineLane } from './charts.ts';
import { escapeHtml as esc, formatAny, formatDuration, formatLabels, formatValue, stripAnsi, toMs, truncate, utcDateTime, clockTime } from './format.ts';
import { assertionCounts, RunCollector, type ResultVerdict, type RunResult, type ScenarioResult } from './model.ts';
import { writeFileAtomic } from './write.ts';

export interface HtmlReporterOptions {
  /** File name inside the output dir (default report.html). */
  fileName?: string;
  /** Chart width in px (default 1040). */
  chartWidth?: number;
  /** Most log lines shown per excerpt or tail (default 60 / 40). */
  maxExcerptLines?: number;
  maxTailLines?: number;
}

export class HtmlReporter implements Reporter {
  private readonly collector = new RunCollector();
  readonly file: string;

  constructor(readonly outputDir: string, private readonly options: HtmlReporterOptions = {}) {
    this.file = join(outputDir, options.fileName ?? 'report.html');
  }

  onEvent(event: RunEvent): void {
    this.collector.onEvent(event);
  }

  /** The page finish() writes. */
  html(): string {
    return renderHtmlReport(this.collector.result(), this.options);
  }

  async finish(): Promise<void> {
    writeFileAtomic(this.file, this.html());
  }
}

// ---------------------------------------------------------------------------------------

const VERDICT_WORD: Record<ResultVerdict, string> = { pass: 'PASSED', fail: 'FAILED', error: 'ERROR', incomplete: 'INCOMPLETE', skipped: 'SKIPPED', interrupted: 'INTERRUPTED' };
const PHASE_COLOR: Record<StepPhase, string> = {
  'steady-state-before': '#8cb4d9',
  method: '#4e79a7',
  rollback: '#b07aa1',
  'steady-state-after': '#76b7b2',
};
const STATE_COLOR = { pending: '#edc948', firing: '#e15759', resolved: '#8cd17d' } as const;

const PRINT_SCRIPT = `addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true})});`;

export function renderHtmlReport(r: RunResult, options: HtmlReporterOptions = {}): string {
  const width = options.chartWidth ?? 1040;
  const scriptHash = createHash('sha256').update(PRINT_SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  const names = r.scenarios.map((s) => s.name).join(', ') || r.run?.scenarios.join(', ') || 'run';
  const title = `${VERDICT_WORD[r.verdict]} · ${names} · mcp-monitoring-harness`;

  const body = [
    header(r),
    whyItFailed(r),
    r.scenarios.length > 1 ? scenarioIndex(r) : '',
    ...r.scenarios.map((s, i) => scenarioSection(s, i, r, width, options)),
    stackSection(r),
    `<footer>Generated ${esc(utcDateTime(new Date()))} by mcp-monitoring-harness. All times UTC.</footer>`,
  ].join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}${CAPACITY_CSS}</style>
</head>
<body>
${body}
<script>${PRINT_SCRIPT}</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------
// Header and summaries

function verdictBadge(v: ResultVerdict | 'pass' | 'fail', small = true): string {
  return `<span class="badge v-${v}${small ? '' : ' big'}">${esc(small ? v.toUpperCase() : VERDICT_WORD[v])}</span>`;
}

function header(r: RunResult): string {
  const run = r.run;
  const single = r.scenarios.length === 1 ? r.scenarios[0] : undefined;
  const heading = single ? `${single.name}${single.title && single.title !== single.name ? ` — ${single.title}` : ''}` : `Run ${run?.runId ?? ''}`;
  const duration = single?.durationMs ?? r.durationMs;
  const facts: Array<[string, string]> = [];
  if (run?.runId) facts.push(['run', run.runId]);
  facts.push(['started', utcDateTime(single?.startedAt ?? r.startedAt) || '—']);
  if (duration !== undefined) facts.push(['duration', formatDuration(duration)]);
  if (run) {
    facts.push(['seed', String(run.seed)]);
    facts.push(['time scale', `${run.timeScale}${run.timeScale !== 1 ? ` (${formatScale(run.timeScale)})` : ' (real timings)'}`]);
  }
  const counts = r.scenarios.map(assertionCounts);
  const total = counts.reduce((n, c) => n + c.total, 0);
  const failed = counts.reduce((n, c) => n + c.failed, 0);
  facts.push(['assertions', `${total - failed} passed, ${failed} failed`]);
  if (run?.components.length) facts.push(['stack', run.components.map((c) => `${c.name} ${c.version}`).join(', ')]);
  if (!single && r.scenarios.length) facts.push(['scenarios', `${r.scenarios.filter((s) => s.verdict === 'pass').length}/${r.scenarios.length} passed`]);
  return `<header class="banner v-${r.verdict}">
<div class="verdict" id="verdict" data-verdict="${esc(r.verdict)}">${esc(VERDICT_WORD[r.verdict])}</div>
<div class="headline"><h1>${esc(heading)}</h1>${single?.description ? `<p class="desc">${esc(single.description)}</p>` : ''}
<ul class="facts">${facts.map(([k, v]) => `<li><span>${esc(k)}</span> ${esc(v)}</li>`).join('')}</ul>
<nav class="toc">${r.verdict !== 'pass' && r.verdict !== 'skipped' ? '<a href="#why">why it failed</a> · ' : ''}${r.scenarios.map((s, i) => `<a href="#${scenarioId(i)}">${esc(s.name)}</a>`).join(' · ')}${r.scenarios.length ? ' · ' : ''}<a href="#stack">stack and configuration${run ? ` (${run.configChanges.length} config change${run.configChanges.length === 1 ? '' : 's'})` : ''}</a></nav></div>
</header>`;
}

function formatScale(scale: number): string {
  const f = 1 / scale;
  return `${Number.isInteger(f) ? f : f.toFixed(1)}× faster than real time`;
}

/** What went wrong, first: failed assertions with their messages, errors, failed actions. */
function whyItFailed(r: RunResult): string {
  const items: string[] = [];
  r.scenarios.forEach((s, si) => {
    const prefix = r.scenarios.length > 1 ? `<b>${esc(s.name)}</b>: ` : '';
    if (s.error) items.push(`<li>${prefix}scenario ${esc(s.verdict)}: <span class="msg">${esc(s.error)}</span></li>`);
    if (s.verdict === 'incomplete' || s.verdict === 'interrupted') items.push(`<li>${prefix}the scenario did not finish${s.lastProgress ? `; it was last ${esc(s.lastProgress.message)}` : ''}.</li>`);
    for (const a of s.actions.filter((x) => x.error)) items.push(`<li>${prefix}action <b>${esc(a.title)}</b> failed: <span class="msg">${esc(a.error)}</span></li>`);
    s.assertions.forEach((a, ai) => {
      if (a.verdict === 'fail') items.push(`<li>${prefix}<a href="#${assertionId(si, ai)}">${esc(a.title)}</a>: <span class="msg">${esc(a.message)}</span></li>`);
    });
  });
  if (!items.length) return '';
  return `<section class="why" id="why"><h2>Why it ${r.verdict === 'error' ? 'errored' : r.verdict === 'incomplete' ? 'is incomplete' : r.verdict === 'interrupted' ? 'was interrupted' : 'failed'}</h2><ul>${items.join('')}</ul></section>`;
}

function scenarioIndex(r: RunResult): string {
  const rows = r.scenarios.map((s, i) => {
    const c = assertionCounts(s);
    return `<tr><td>${verdictBadge(s.verdict)}</td><td><a href="#${scenarioId(i)}">${esc(s.name)}</a></td><td>${esc(s.title)}</td><td class="num">${c.passed}/${c.total}</td><td class="num">${esc(formatDuration(s.durationMs))}</td></tr>`;
  });
  return `<section id="scenarios"><h2>Scenarios</h2><table class="grid"><thead><tr><th>verdict</th><th>scenario</th><th>title</th><th>assertions passed</th><th>duration</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

const scenarioId = (i: number): string => `scenario-${i}`;
const assertionId = (si: number, ai: number): string => `assertion-${si}-${ai}`;

// ---------------------------------------------------------------------------------------
// Stack and configuration

function stackSection(r: RunResult): string {
  const run = r.run;
  if (!run) return `<section class="stack" id="stack"><h2>Stack and configuration</h2><p class="muted">No run information was recorded (the run-begin event never arrived).</p></section>`;
  const comps = run.components.length
    ? `<table class="grid components"><thead><tr><th>component</th><th>version</th><th>address</th><th>pid</th></tr></thead><tbody>${run.components
        .map((c) => `<tr><td>${esc(c.name)}</td><td><code>${esc(c.version)}</code></td><td><code>${esc(c.url ?? '')}</code></td><td class="num">${esc(c.pid ?? '')}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">No component versions were recorded.</p>';
  const settings: Array<[string, string]> = [
    ['time scale', `${run.timeScale}${run.timeScale !== 1 ? ` — ${formatScale(run.timeScale)}; every interval and window below is already scaled` : ' — real timings'}`],
    ['seed', String(run.seed)],
    ['monitoring folder', run.monitoringDir],
    ['run folder', run.runDir],
    ...flatten(run.timing).map(([k, v]): [string, string] => [`timing: ${k}`, v]),
  ];
  const warnings = run.configWarnings.length
    ? `<div class="warnings"><h3>Config warnings</h3><ul>${run.configWarnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`
    : '';
  const changes = run.configChanges.length
    ? `<table class="grid config-changes" id="config-changes"><thead><tr><th>file</th><th>key</th><th>from → to</th><th>class</th><th>reason</th></tr></thead><tbody>${run.configChanges
        .map(
          (c) =>
            `<tr><td><code>${esc(c.file)}</code></td><td><code>${esc(c.key)}</code></td><td class="change"><code class="from">${esc(truncate(formatAny(c.from), 400))}</code> <span class="arrow">→</span> <code class="to">${esc(truncate(formatAny(c.to), 400))}</code></td><td class="change-kind ${esc(c.kind ?? 'harness-plumbing')}">${esc(c.kind ?? 'harness-plumbing')}${c.storage ? ` (${esc(c.storage)})` : ''}</td><td>${esc(c.reason)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted" id="config-changes">The harness changed nothing in the monitoring configuration.</p>';
  return `<section class="stack" id="stack"><h2>Stack and configuration</h2>
<h3>Components</h3>${comps}
<h3>Settings</h3><table class="kv">${settings.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
${warnings}
<h3>Config changes the harness rendered (${run.configChanges.length})</h3>
<p class="muted">The monitoring folder under test is never modified; these are the differences in the copy the stack ran with.</p>
${changes}
</section>`;
}

function flatten(v: unknown, prefix = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out.push([prefix, formatAny(v)]);
  return out;
}

// ---------------------------------------------------------------------------------------
// Scenario

function scenarioSection(s: ScenarioResult, si: number, r: RunResult, width: number, o: HtmlReporterOptions): string {
  const c = assertionCounts(s);
  const bands = faultBands(s.faultWindows);
  const span = scenarioSpan(s);
  const parts: string[] = [];
  parts.push(`<h2>${verdictBadge(s.verdict)} ${esc(s.name)}${s.title && s.title !== s.name ? ` — ${esc(s.title)}` : ''}</h2>`);
  if (r.scenarios.length > 1 && s.description) parts.push(`<p class="desc">${esc(s.description)}</p>`);
  parts.push(
    `<ul class="facts small"><li><span>started</span> ${esc(utcDateTime(s.startedAt) || '—')}</li><li><span>ended</span> ${esc(utcDateTime(s.endedAt) || '—')}</li><li><span>duration</span> ${esc(formatDuration(s.durationMs) || '—')}</li><li><span>assertions</span> ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}</li><li><span>fault windows</span> ${s.faultWindows.length}</li></ul>`,
  );
  if (s.error) parts.push(`<p class="error-box"><b>${esc(s.verdict === 'error' ? 'Error' : 'Failure')}:</b> ${esc(s.error)}</p>`);
  if (s.skipReason) parts.push(`<p class="skip-box" data-skip-reason><b>Skipped:</b> ${esc(s.skipReason)}</p>`);
  if (s.capacity) parts.push(renderCapacitySection(s.capacity, { chartWidth: width }));

  parts.push(`<h3>Timeline</h3>`);
  parts.push(`<figure class="timeline-fig">${scenarioTimeline(s, span, bands, width)}<figcaption>Actions, checks and alert states over time. Shaded: fault windows (${s.faultWindows.length ? s.faultWindows.map((f) => esc(f.label)).join('; ') : 'none'}).</figcaption></figure>`);
  parts.push(faultTable(s.faultWindows));
  parts.push(actionsTable(s.actions));

  parts.push(`<h3>Assertions (${c.total})</h3>`);
  if (!s.assertions.length) parts.push('<p class="muted">No assertion was evaluated.</p>');
  s.assertions.forEach((a, ai) => parts.push(assertionArticle(a, assertionId(si, ai), bands, width, o)));

  parts.push(alertsSection(s, span, bands, width));
  parts.push(notificationsSection(s.notifications));
  if (s.logTails && s.verdict !== 'pass' && Object.keys(s.logTails).length) parts.push(logTailsSection(s.logTails, o.maxTailLines ?? 40));
  return `<section class="scenario v-${s.verdict}" id="${scenarioId(si)}" data-scenario="${esc(s.name)}">${parts.join('\n')}</section>`;
}

function faultBands(ws: readonly FaultWindow[]): Band[] {
  return ws.flatMap((w) => {
    const start = toMs(w.start);
    if (start === undefined) return [];
    const end = toMs(w.end);
    return [end === undefined ? { start, label: w.label } : { start, end, label: w.label }];
  });
}

/** The scenario's time span: begin → end, widened to every recorded time. */
function scenarioSpan(s: ScenarioResult): [number, number] {
  const ts = [
    s.startedAt,
    s.endedAt,
    ...s.phases.map((p) => p.at),
    ...s.actions.flatMap((a) => [a.startedAt, a.endedAt]),
    ...s.assertions.flatMap((a) => [a.startedAt, a.endedAt]),
    ...s.alertTransitions.map((t) => t.at),
    ...s.notifications.map((n) => n.receivedAt),
    ...s.faultWindows.flatMap((f) => [f.start, f.end]),
  ]
    .map(toMs)
    .filter((t): t is number => t !== undefined);
  if (!ts.length) return [0, 60_000];
  let lo = ts[0]!;
  let hi = ts[0]!;
  for (const t of ts) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return [lo, hi];
}

interface AlertInterval {
  key: string;
  alertname: string;
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'resolved';
  start: number;
  end: number;
  open: boolean;
}

/** Alert transitions as state intervals per alert (alertname + labels). */
export function alertIntervals(transitions: readonly AlertTransition[], endOfTime: number): AlertInterval[] {
  const byKey = new Map<string, AlertTransition[]>();
  for (const t of transitions) {
    const { alertname: _a, ...rest } = t.labels;
    const key = `${t.alertname}${formatLabels(rest)}`;
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(t);
  }
  const out: AlertInterval[] = [];
  for (const [key, ts] of byKey) {
    const sorted = [...ts].sort((a, b) => (toMs(a.at) ?? 0) - (toMs(b.at) ?? 0));
    sorted.forEach((t, i) => {
      const start = toMs(t.at);
      if (start === undefined) return;
      const next = sorted[i + 1];
      const nextAt = next ? toMs(next.at) : undefined;
      const state = t.state === 'inactive' ? 'resolved' : t.state;
      const { alertname: _a, ...rest } = t.labels;
      out.push({ key, alertname: t.alertname, labels: rest, state, start, end: nextAt ?? Math.max(endOfTime, start), open: nextAt === undefined && state !== 'resolved' });
    });
  }
  return out;
}

function scenarioTimeline(s: ScenarioResult, [t0, t1]: [number, number], bands: Band[], width: number): string {
  const lanes: TimelineLane[] = [];
  if (s.phases.length) {
    lanes.push({
      label: 'phase',
      items: s.phases.flatMap((p, i) => {
        const start = toMs(p.at);
        if (start === undefined) return [];
        const end = toMs(s.phases[i + 1]?.at) ?? t1;
        return [{ start, end, label: p.phase, color: PHASE_COLOR[p.phase] ?? '#888', title: `${p.phase} from ${clockTime(start)}` }];
      }),
    });
  }
  const actions = s.actions.length > 24 ? [{ title: `actions (${s.actions.length})`, items: s.actions }] : s.actions.map((a) => ({ title: a.title, items: [a] }));
  for (const group of actions) {
    lanes.push({
      label: group.title,
      items: group.items.flatMap((a) => {
        const start = toMs(a.startedAt);
        if (start === undefined) return [];
        const end = toMs(a.endedAt);
        const took = end !== undefined ? formatDuration(end - start) : 'not ended';
        return [{ start, end: end ?? t1, open: end === undefined, label: a.title, color: a.error ? '#e15759' : '#4e79a7', title: `${a.title} (${a.phase}) ${clockTime(start)}, ${took}${a.error ? ` — failed: ${a.error}` : ''}` }];
      }),
    });
  }
  const checkItem = (a: AssertionRecord): TimelineLane['items'] => {
    const start = toMs(a.startedAt);
    const end = toMs(a.endedAt);
    if (start === undefined) return [];
    return [{ start, end: end ?? start, label: a.verdict === 'pass' ? '✓ passed' : '✗ failed', color: a.verdict === 'pass' ? '#59a14f' : '#e15759', title: `${a.verdict.toUpperCase()} ${a.title} (${clockTime(start)}–${end !== undefined ? clockTime(end) : '?'})` }];
  };
  // One lane per check while that stays readable; else one lane for all.
  if (s.assertions.length > 12) lanes.push({ label: `checks (${s.assertions.length})`, items: s.assertions.flatMap(checkItem) });
  else for (const a of s.assertions) lanes.push({ label: `${a.verdict === 'pass' ? '✓' : '✗'} ${a.title}`, items: checkItem(a) });
  const intervals = alertIntervals(s.alertTransitions, t1);
  for (const key of [...new Set(intervals.map((i) => i.key))]) {
    lanes.push({ label: `⚑ ${key}`, items: intervals.filter((i) => i.key === key).map(alertItem) });
  }
  if (s.notifications.length) {
    lanes.push({
      label: 'notifications',
      items: s.notifications.flatMap((n) => {
        const t = toMs(n.receivedAt);
        if (t === undefined) return [];
        return [{ start: t, color: n.payload.status === 'firing' ? '#b07aa1' : '#59a14f', title: `${clockTime(t)} notification ${n.payload.status}: ${n.payload.alerts.map((a) => a.labels.alertname ?? '?').join(', ')}` }];
      }),
    });
  }
  return renderTimeline(lanes, {
    start: t0,
    end: t1,
    width,
    bands,
    title: `${s.name}: timeline`,
    key: [
      ['action', '#4e79a7'],
      ['failed', '#e15759'],
      ['passed check', '#59a14f'],
      ['alert pending', STATE_COLOR.pending],
      ['alert firing', STATE_COLOR.firing],
      ['alert resolved', STATE_COLOR.resolved],
      ['fault window', '#f3c4c5'],
    ],
  });
}

function alertItem(i: AlertInterval): { start: number; end: number; label: string; color: string; title: string; open: boolean } {
  return {
    start: i.start,
    end: i.end,
    label: i.state,
    color: STATE_COLOR[i.state],
    open: i.open,
    title: `${i.alertname}${formatLabels(i.labels)} ${i.state} from ${clockTime(i.start)}${i.open ? ' (still at the end)' : ` for ${formatDuration(i.end - i.start)}`}`,
  };
}

function faultTable(ws: readonly FaultWindow[]): string {
  if (!ws.length) return '<p class="muted">No fault was injected.</p>';
  return `<table class="grid faults"><thead><tr><th>fault injected</th><th>from</th><th>to</th><th>duration</th></tr></thead><tbody>${ws
    .map((w) => {
      const s = toMs(w.start);
      const e = toMs(w.end);
      return `<tr><td>${esc(w.label)}</td><td>${esc(utcDateTime(w.start))}</td><td>${w.end ? esc(utcDateTime(w.end)) : '<em>not ended</em>'}</td><td class="num">${s !== undefined && e !== undefined ? esc(formatDuration(e - s)) : ''}</td></tr>`;
    })
    .join('')}</tbody></table>`;
}

function actionsTable(actions: ScenarioResult['actions']): string {
  if (!actions.length) return '';
  const rows = actions.map((a) => {
    const s = toMs(a.startedAt);
    const e = toMs(a.endedAt);
    const params = a.params && Object.keys(a.params).length ? `<div class="params"><code>${esc(truncate(formatAny(a.params), 300))}</code></div>` : '';
    return `<tr class="${a.error ? 'bad' : ''}"><td>${esc(a.phase)}</td><td>${esc(a.title)}${params}</td><td>${esc(a.kind)}</td><td>${esc(a.target ?? '')}</td><td>${esc(clockTime(a.startedAt))}</td><td class="num">${s !== undefined && e !== undefined ? esc(formatDuration(e - s)) : '<em>not ended</em>'}</td><td>${a.error ? `<span class="msg">${esc(a.error)}</span>` : 'ok'}</td></tr>`;
  });
  return `<h3>Actions (${actions.length})</h3><table class="grid actions"><thead><tr><th>phase</th><th>action</th><th>kind</th><th>target</th><th>start</th><th>took</th><th>result</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------
// Assertions

function assertionArticle(a: AssertionRecord, id: string, bands: Band[], width: number, o: HtmlReporterOptions): string {
  const ev = a.evidence;
  const s = toMs(a.startedAt);
  const e = toMs(a.endedAt);
  const ws = toMs(ev.windowStart) ?? s;
  const we = toMs(ev.windowEnd) ?? e;
  const evals = ev.observed.flatMap((obs) => {
    const t = toMs(obs.at);
    return t === undefined ? [] : [obs.error !== undefined ? { t, ok: obs.ok, error: obs.error } : { t, ok: obs.ok }];
  });
  const satisfied = ev.observed.filter((x) => x.ok).length;
  let series = seriesFromObservations(ev.observed);
  const logCounts = series.length === 0 && ev.language === 'logql';
  if (logCounts) series = logLineSeries(ev.observed);
  const lang = ev.language === 'logql' ? 'LogQL' : 'PromQL';
  const window = ws !== undefined || we !== undefined ? { ...(ws !== undefined ? { start: ws } : {}), ...(we !== undefined ? { end: we } : {}) } : undefined;
  const chart = renderLineChart(series, {
    width,
    title: logCounts && series.length ? `${a.title} — log lines received (cumulative)` : a.title,
    bands,
    evaluations: evals,
    ...(window ? { window } : {}),
    emptyMessage: ev.language === 'logql' ? 'log query: no numeric samples (lines below)' : evals.length ? 'no numeric samples — see the evaluations below' : 'not evaluated',
  });

  const facts: Array<[string, string]> = [
    ['kind', a.kind],
    ['phase', a.phase],
    ['window', `${utcDateTime(ws)} → ${utcDateTime(we)}${ws !== undefined && we !== undefined ? ` (${formatDuration(we - ws)})` : ''}`],
    ['expectation', ev.expectation],
    ['evaluations', `${ev.observed.length}, ${satisfied} satisfied the condition`],
  ];
  if (ev.reason) facts.push(['observed', ev.reason]);
  for (const [k, v] of Object.entries(a.timing ?? {})) facts.push([k, typeof v === 'number' && /ms$/i.test(k) ? `${formatDuration(v)} (${v} ms)` : String(v)]);

  const parts = [
    `<h4>${verdictBadge(a.verdict)} ${esc(a.title)}</h4>`,
    `<div class="query"><span class="lang">${lang}</span><pre><code>${esc(ev.query)}</code></pre></div>`,
    `<table class="kv">${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`,
    a.verdict === 'fail' ? `<p class="error-box"><b>Why it failed:</b> ${esc(a.message)}</p>` : a.verdict === 'skipped' ? `<p class="skip-box"><b>Skipped:</b> ${esc(a.message)}</p>` : a.message ? `<p class="muted">${esc(a.message)}</p>` : '',
    `<figure class="chart-fig">${chart}</figure>`,
    observedTable(a),
    logExcerpt(a, o.maxExcerptLines ?? 60),
    evaluationsDetails(a),
  ];
  return `<article class="assertion v-${a.verdict}" id="${esc(id)}" data-assertion="${esc(a.title)}">${parts.join('\n')}</article>`;
}

/** The series seen at the last evaluation that saw any, with values. */
function observedTable(a: AssertionRecord): string {
  const obs = [...a.evidence.observed].reverse().find((o) => (o.series?.length ?? 0) > 0 || o.value !== undefined);
  if (!obs) {
    const last = a.evidence.observed.at(-1);
    if (!last) return '<p class="muted">The query was never evaluated.</p>';
    return `<p class="observed muted">Last evaluation at ${esc(clockTime(last.at))}: ${last.error ? `error: ${esc(last.error)}` : 'no series returned'}.</p>`;
  }
  const series = obs.series ?? [];
  const last = a.evidence.observed.at(-1);
  const later =
    last && last !== obs
      ? `<p class="observed muted">The last evaluation, at ${esc(utcDateTime(last.at))}, ${last.error ? `failed: ${esc(last.error)}` : 'returned no series'} (${last.ok ? 'condition held' : 'condition not met'}).</p>`
      : '';
  const head = `${later}<p class="observed">${later ? 'Last series seen' : 'Observed'} at ${esc(utcDateTime(obs.at))} (${obs.ok ? 'condition held' : 'condition not met'}${obs.error ? `; error: ${esc(obs.error)}` : ''}):</p>`;
  if (!series.length) return `${head}<pre class="value">${esc(truncate(formatAny(obs.value), 2000))}</pre>`;
  const max = 25;
  const rows = series.slice(0, max).map((sr) => {
    const v = sr.value ?? sr.values?.at(-1)?.[1];
    const shown = v !== undefined ? formatValue(v) : sr.lines ? `${sr.lines.length} log line(s)` : '—';
    return `<tr><td><code>${esc(formatLabels(sr.labels))}</code></td><td class="num">${esc(shown)}</td></tr>`;
  });
  const more = series.length > max ? `<tr><td colspan="2" class="muted">… ${series.length - max} more series</td></tr>` : '';
  return `${head}<table class="grid observed-series"><thead><tr><th>series</th><th>value</th></tr></thead><tbody>${rows.join('')}${more}</tbody></table>`;
}

function logExcerpt(a: AssertionRecord, max: number): string {
  let lines: string[] = [];
  if (a.logExcerpt?.length) lines = a.logExcerpt;
  else if (a.evidence.language === 'logql') {
    const seen = new Set<string>();
    const all: Array<[number, string]> = [];
    for (const o of a.evidence.observed) {
      for (const sr of o.series ?? []) {
        for (const [ts, line] of sr.lines ?? []) {
          const k = `${ts}\u0000${line}`;
          if (seen.has(k)) continue;
          seen.add(k);
          all.push([toMs(ts) ?? 0, `${clockTime(ts)} ${formatLabels(sr.labels)} ${line}`]);
        }
      }
    }
    lines = all.sort((x, y) => x[0] - y[0]).map(([, l]) => l);
  }
  if (!lines.length) return '';
  const shown = lines.slice(-max);
  const omitted = lines.length - shown.length;
  return `<div class="log-excerpt"><h5>Log lines (evidence)</h5>${omitted > 0 ? `<p class="muted">${omitted} earlier line(s) omitted</p>` : ''}<pre class="log">${shown.map((l) => esc(stripAnsi(l))).join('\n')}</pre></div>`;
}

function evaluationsDetails(a: AssertionRecord): string {
  const obs = a.evidence.observed;
  if (!obs.length) return '';
  const rows = obs.map(
    (o) =>
      `<tr class="${o.error ? 'err' : o.ok ? 'ok' : 'bad'}"><td>${esc(clockTime(o.at))}</td><td>${o.error ? 'error' : o.ok ? 'held' : 'not met'}</td><td class="num">${o.series?.length ?? ''}</td><td>${esc(truncate(o.error ?? summarizeObservation(o), 300))}</td></tr>`,
  );
  return `<details class="evaluations"><summary>All ${obs.length} evaluation${obs.length === 1 ? '' : 's'}</summary><table class="grid"><thead><tr><th>time</th><th>condition</th><th>series</th><th>observed</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

function summarizeObservation(o: AssertionRecord['evidence']['observed'][number]): string {
  if (o.series?.length) {
    return o.series
      .slice(0, 6)
      .map((s) => {
        const v = s.value ?? s.values?.at(-1)?.[1];
        return `${formatLabels(s.labels)}${v !== undefined ? ` ${formatValue(v)}` : s.lines ? ` (${s.lines.length} lines)` : ''}`;
      })
      .join('; ') + (o.series.length > 6 ? '; …' : '');
  }
  return o.value !== undefined ? formatAny(o.value) : 'no series';
}

// ---------------------------------------------------------------------------------------
// Alerts, notifications, logs

function alertsSection(s: ScenarioResult, [, t1]: [number, number], bands: Band[], width: number): string {
  const head = `<h3>Alert states</h3>`;
  if (!s.alertTransitions.length) return `<section class="alerts">${head}<p class="muted">No alert changed state during this scenario.</p></section>`;
  const intervals = alertIntervals(s.alertTransitions, t1);
  const keys = [...new Set(intervals.map((i) => i.key))];
  const firstT = Math.min(...intervals.map((i) => i.start), ...bands.map((b) => b.start));
  const [s0] = scenarioSpan(s);
  const svg = renderTimeline(
    keys.map((k) => ({ label: k, items: intervals.filter((i) => i.key === k).map(alertItem) })),
    { start: Math.min(s0, firstT), end: t1, width, bands, title: 'Alert states (from Prometheus ALERTS)', key: [['pending', STATE_COLOR.pending], ['firing', STATE_COLOR.firing], ['resolved', STATE_COLOR.resolved], ['fault window', '#f3c4c5']] },
  );
  const rows = [...s.alertTransitions]
    .sort((a, b) => (toMs(a.at) ?? 0) - (toMs(b.at) ?? 0))
    .map((t) => {
      const { alertname: _a, ...rest } = t.labels;
      const state = t.state === 'inactive' ? 'resolved' : t.state;
      return `<tr><td>${esc(utcDateTime(t.at))}</td><td>${esc(t.alertname)}</td><td><code>${esc(formatLabels(rest))}</code></td><td><span class="state st-${state}">${esc(state)}</span></td></tr>`;
    });
  return `<section class="alerts">${head}<figure class="alert-timeline">${svg}</figure><table class="grid transitions"><thead><tr><th>time</th><th>alert</th><th>labels</th><th>state</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function notificationsSection(ns: readonly ReceivedNotification[]): string {
  const head = `<h3>Notifications received (${ns.length})</h3>`;
  if (!ns.length) return `<section class="notifications">${head}<p class="muted">Alertmanager sent no notification to the webhook receiver during this scenario.</p></section>`;
  const cards = ns.map((n) => {
    const p = n.payload;
    const alerts = p.alerts.map((a) => {
      const ends = a.endsAt && !a.endsAt.startsWith('0001-') ? utcDateTime(a.endsAt) : '—';
      const ann = Object.entries(a.annotations ?? {});
      return `<li class="alert-item"><span class="state st-${a.status === 'firing' ? 'firing' : 'resolved'}">${esc(a.status)}</span> <b>${esc(a.labels.alertname ?? '?')}</b> <span class="muted">starts ${esc(utcDateTime(a.startsAt))}, ends ${esc(ends)}</span>
<div class="labels">${Object.entries(a.labels)
        .filter(([k]) => k !== 'alertname')
        .map(([k, v]) => `<span class="chip">${esc(k)}=${esc(v)}</span>`)
        .join(' ')}</div>${ann.length ? `<dl class="annotations">${ann.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>` : ''}</li>`;
    });
    return `<div class="notification"><div class="n-head"><span class="state st-${p.status === 'firing' ? 'firing' : 'resolved'}">${esc(p.status)}</span> received ${esc(utcDateTime(n.receivedAt))} by <code>${esc(p.receiver)}</code>${Object.keys(p.groupLabels ?? {}).length ? ` · group ${esc(formatLabels(p.groupLabels))}` : ''}</div><ul>${alerts.join('')}</ul></div>`;
  });
  return `<section class="notifications">${head}${cards.join('')}</section>`;
}

function logTailsSection(tails: Record<string, string>, maxLines: number): string {
  const items = Object.entries(tails).map(([component, tail]) => {
    const lines = stripAnsi(tail).replace(/\n+$/, '').split('\n');
    const shown = lines.slice(-maxLines);
    return `<details class="log-tail" open><summary>${esc(component)} <span class="muted">(last ${shown.length} line${shown.length === 1 ? '' : 's'})</span></summary><pre class="log">${shown.map(esc).join('\n') || '<span class="muted">(empty)</span>'}</pre></details>`;
  });
  return `<section class="log-tails"><h3>Component log tails</h3><p class="muted">The end of each component's log when the scenario ended, attached because something failed.</p>${items.join('')}</section>`;
}

// ---------------------------------------------------------------------------------------

const CSS = `
:root{--pass:#2e7d32;--fail:#c62828;--error:#8e24aa;--incomplete:#ef6c00;--skipped:#607d8b;--muted:#666;--line:#dde1e6;--bg:#fff;--soft:#f6f7f9}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0 auto;max-width:1120px;padding:0 20px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d1d1f;background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px}h3{font-size:16px;margin:22px 0 8px}h4{font-size:15px;margin:0 0 8px}h5{font-size:13px;margin:10px 0 4px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-word;margin:0}
a{color:#1f5fa8}
.muted{color:var(--muted)}
.banner{display:flex;gap:22px;align-items:center;margin:20px 0 8px;padding:18px 22px;border-radius:10px;border:2px solid;background:var(--soft)}
.banner.v-pass{border-color:var(--pass);background:#eef7ee}.banner.v-fail{border-color:var(--fail);background:#fdeeee}.banner.v-error{border-color:var(--error);background:#f7eef9}.banner.v-incomplete{border-color:var(--incomplete);background:#fff4e5}.banner.v-skipped{border-color:var(--skipped);background:#eef2f4}.banner.v-interrupted{border-color:var(--incomplete);background:#fff4e5}
.verdict{font-size:44px;font-weight:800;letter-spacing:1px;color:#fff;padding:8px 20px;border-radius:8px;white-space:nowrap}
.v-pass .verdict{background:var(--pass)}.v-fail .verdict{background:var(--fail)}.v-error .verdict{background:var(--error)}.v-incomplete .verdict{background:var(--incomplete)}.v-skipped .verdict{background:var(--skipped)}.v-interrupted .verdict{background:var(--incomplete)}
.desc{margin:2px 0 6px;color:#333}
.facts{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:4px 18px}.facts span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.3px}
.facts.small{margin-bottom:8px}
.toc{margin-top:6px;font-size:13px}
.badge{display:inline-block;font-size:11px;font-weight:700;color:#fff;border-radius:4px;padding:1px 6px;vertical-align:2px}
.badge.v-pass{background:var(--pass)}.badge.v-fail{background:var(--fail)}.badge.v-error{background:var(--error)}.badge.v-incomplete{background:var(--incomplete)}.badge.v-skipped{background:var(--skipped)}.badge.v-interrupted{background:var(--incomplete)}
.skip-box{border-left:4px solid var(--skipped);background:#eef2f4;padding:6px 12px}
.why{border-left:5px solid var(--fail);background:#fff6f6;padding:4px 16px 8px;margin:12px 0}.why h2{margin-top:8px}.why li{margin:4px 0}
.msg{color:#8a1c1c}
.error-box{border-left:4px solid var(--fail);background:#fff6f6;padding:8px 12px;margin:8px 0}
section.scenario{border-top:3px solid var(--line);margin-top:26px}
table{border-collapse:collapse;margin:6px 0 12px}
table.grid{width:100%}table.grid td{overflow-wrap:anywhere}table.grid th,table.grid td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}table.grid thead th{background:var(--soft);font-weight:600}
table.kv th{text-align:left;color:var(--muted);font-weight:500;padding:2px 14px 2px 0;vertical-align:top;white-space:nowrap}table.kv td{padding:2px 0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.bad td{background:#fff3f3}
.config-changes td.change code{word-break:break-all}.config-changes .from{color:#8a1c1c;background:#fdeeee;padding:0 3px}.config-changes .to{color:#1b5e20;background:#eaf6ea;padding:0 3px}.arrow{color:var(--muted)}.change-kind.cannot-keep-meaning{color:#8a1c1c;font-weight:600}
.params{color:var(--muted);font-size:12px;margin-top:2px}
article.assertion{border:1px solid var(--line);border-left:5px solid var(--pass);border-radius:6px;padding:12px 14px;margin:12px 0;break-inside:avoid}
article.assertion.v-fail{border-left-color:var(--fail)}
.query{display:flex;gap:8px;align-items:flex-start;background:#f4f6fa;border:1px solid var(--line);border-radius:4px;padding:6px 8px;margin:6px 0}.query .lang{font-size:11px;font-weight:700;color:#fff;background:#555;border-radius:3px;padding:1px 5px;margin-top:1px}.query pre{flex:1}
figure{margin:8px 0;overflow-x:auto}figcaption{color:var(--muted);font-size:12px}
svg{max-width:100%;height:auto;display:block}
pre.log{background:#101418;color:#e6e6e6;padding:8px 10px;border-radius:4px;font-size:12px;max-height:420px;overflow:auto}
.state{display:inline-block;font-size:11px;font-weight:700;border-radius:3px;padding:0 6px;color:#222}.st-pending{background:#edc948}.st-firing{background:#e15759;color:#fff}.st-resolved{background:#8cd17d}
.notification{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0}.notification ul{list-style:none;padding:0;margin:6px 0 0}.alert-item{margin:6px 0}
.chip{display:inline-block;background:#eef1f5;border:1px solid var(--line);border-radius:10px;padding:0 7px;font-size:12px;font-family:ui-monospace,Menlo,Consolas,monospace;margin:2px 0}
dl.annotations{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:4px 0 0}dl.annotations dt{color:var(--muted)}dl.annotations dd{margin:0}
details summary{cursor:pointer;color:#1f5fa8;margin:6px 0}
tr.ok td:nth-child(2){color:var(--pass)}tr.bad td:nth-child(2){color:var(--fail)}tr.err td:nth-child(2){color:var(--error)}
.warnings{border-left:4px solid var(--incomplete);background:#fff8ec;padding:4px 12px}
footer{margin-top:36px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{max-width:none;padding:0;font-size:11.5px}.banner{margin-top:0}article.assertion,figure,tr,.notification{break-inside:avoid}section.scenario+section.scenario{break-before:page}pre.log{max-height:none;overflow:visible;white-space:pre-wrap}details>summary{list-style:none}a{color:inherit;text-decoration:none}}
`;
