/**
 * The capacity part of `report.html`, for a scenario whose events carried capacity steps:
 * the verdict and summary first (the knee against --min-rate, or the monitoring's headroom
 * and breaking point), then for load steps a chart of offered against achieved rate and
 * throughput, a chart of latency (the load tool's p50/p95/p99 beside the monitoring's
 * quantile estimate with its bound) with the knee and the SLO drawn in, and a table per
 * step comparing the load tool's numbers with the monitoring's; for growth steps a table of
 * the stack's guarantees at each size and a chart of scrape duration against series.
 * Charts are sorted by offered rate (an --auto search visits rates out of order), tables by
 * step index. Every text is escaped.
 */
import type { CapacityGrowthStep, CapacityLoadStep, CapacityLogGrowthStep, CapacityResult } from '../harness/events/capacity.ts';
import { renderXYChart, type XYRule, type XYSeries } from './capacity-charts.ts';
import {
  estimateWithinBound,
  formatBound,
  formatErrorRatioDifference,
  formatMiBps,
  formatMs,
  formatMultiple,
  formatPercent,
  formatRate,
  formatRequestsDifference,
  formatSeconds,
  formatSlo,
  loadLatencyAt,
  quantileLabel,
  resultFacts,
} from './capacity-format.ts';
import { escapeHtml as esc, formatValue } from './format.ts';
import type { ScenarioCapacity } from './model.ts';

export interface CapacityHtmlOptions {
  /** Chart width in px (default 1040). */
  chartWidth?: number;
}

const COLOR = {
  offered: '#9a9a9a',
  achieved: '#4e79a7',
  throughput: '#59a14f',
  monitoring: '#f28e2b',
  p50: '#76b7b2',
  p95: '#4e79a7',
  p99: '#b07aa1',
  knee: '#2e7d32',
  gateFail: '#c62828',
  gate: '#555555',
  limit: '#c62828',
} as const;

/** The capacity section of one scenario (its steps and result), as an HTML fragment. */
export function renderCapacitySection(capacity: ScenarioCapacity, options: CapacityHtmlOptions = {}): string {
  const width = options.chartWidth ?? 1040;
  const load = capacity.steps.filter((s): s is CapacityLoadStep => s.kind === 'load');
  const growth = capacity.steps.filter((s): s is CapacityGrowthStep => s.kind === 'growth');
  const logGrowth = capacity.steps.filter((s): s is CapacityLogGrowthStep => s.kind === 'log-growth');
  const r = capacity.result;
  const parts: string[] = [`<h3>Capacity</h3>`, r ? resultBlock(r) : '<p class="muted capacity-no-result">No capacity result was recorded (the run ended before the search finished).</p>'];
  if (!capacity.steps.length) parts.push('<p class="muted">No capacity step was recorded.</p>');
  if (load.length) parts.push(loadPart(load, r, width));
  if (growth.length) parts.push(growthPart(growth, r, width));
  if (logGrowth.length) parts.push(logGrowthPart(logGrowth, r, width));
  return `<section class="capacity" data-capacity${r ? ` data-capacity-verdict="${esc(r.verdict)}"` : ''}>${parts.join('\n')}</section>`;
}

function resultBlock(r: CapacityResult): string {
  const facts = resultFacts(r);
  return `<div class="capacity-result v-${esc(r.verdict)}"><div class="cap-verdict">${esc(r.verdict === 'pass' ? 'PASS' : 'FAIL')}</div><div class="cap-body"><p class="cap-summary">${esc(r.summary)}</p><table class="kv">${facts
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('')}</table></div></div>`;
}

// ---------------------------------------------------------------------------------------
// Load steps

/** The knee and the --min-rate gate as vertical markers on an offered-rate axis. */
function rateMarkers(r: CapacityResult | undefined): XYRule[] {
  const out: XYRule[] = [];
  if (r?.knee !== undefined) out.push({ at: r.knee, label: `knee ${formatRate(r.knee)}/s`, color: COLOR.knee });
  if (r?.minRate !== undefined) {
    const met = r.knee !== undefined && r.knee >= r.minRate;
    out.push({ at: r.minRate, label: `min-rate ${formatRate(r.minRate)}/s`, color: met ? COLOR.gate : COLOR.gateFail, dash: '5 3' });
  }
  return out;
}

function loadPart(steps: CapacityLoadStep[], r: CapacityResult | undefined, width: number): string {
  const byRate = [...steps].sort((a, b) => a.offeredRate - b.offeredRate || a.index - b.index);
  const byIndex = [...steps].sort((a, b) => a.index - b.index);
  const vLines = rateMarkers(r);
  const stepTitle = (s: CapacityLoadStep): string => `step ${s.index}: offered ${formatRate(s.offeredRate)}/s${s.slo.ok ? '' : ` — SLO breached${s.slo.breaches.length ? `: ${s.slo.breaches.join('; ')}` : ''}`}`;

  const rates: XYSeries[] = [
    { name: 'offered (ideal)', color: COLOR.offered, dash: '4 3', points: byRate.map((s) => ({ x: s.offeredRate, y: s.offeredRate })) },
    { name: 'achieved rate (load tool)', color: COLOR.achieved, points: byRate.map((s) => ({ x: s.offeredRate, y: s.load.achievedRate, bad: !s.slo.ok, title: `${stepTitle(s)}: achieved ${formatRate(s.load.achievedRate)}/s` })) },
    { name: 'throughput (2xx/3xx per s)', color: COLOR.throughput, points: byRate.map((s) => ({ x: s.offeredRate, y: s.load.throughput, title: `${stepTitle(s)}: throughput ${formatRate(s.load.throughput)}/s` })) },
  ];
  const monitoringRate = byRate.map((s) => ({ x: s.offeredRate, y: s.monitoring.requests !== undefined && s.durationMs > 0 ? s.monitoring.requests / (s.durationMs / 1000) : null }));
  if (monitoringRate.some((p) => p.y !== null)) rates.push({ name: 'monitoring counted (req/s)', color: COLOR.monitoring, dash: '2 2', points: monitoringRate });
  const rateChart = renderXYChart(rates, { width, title: 'Offered rate against achieved rate and throughput', xLabel: 'offered rate (requests/s)', yLabel: 'requests/s', vLines });

  const quantiles = [...new Set(steps.map((s) => s.monitoring.quantile))];
  const qName = quantiles.length === 1 ? quantileLabel(quantiles[0]!) : 'quantile';
  const latency: XYSeries[] = [
    { name: 'p50 (load tool)', color: COLOR.p50, points: byRate.map((s) => ({ x: s.offeredRate, y: s.load.latencyMs.p50 })) },
    { name: 'p95 (load tool)', color: COLOR.p95, points: byRate.map((s) => ({ x: s.offeredRate, y: s.load.latencyMs.p95 })) },
    { name: 'p99 (load tool)', color: COLOR.p99, points: byRate.map((s) => ({ x: s.offeredRate, y: s.load.latencyMs.p99, bad: !s.slo.ok, title: `${stepTitle(s)}: p99 ${formatMs(s.load.latencyMs.p99)} ms` })) },
    {
      name: `monitoring ${qName} estimate, bound`,
      color: COLOR.monitoring,
      line: false,
      offsetPx: 7,
      points: byRate.map((s) => {
        const m = s.monitoring;
        const within = estimateWithinBound(s);
        const bound = m.quantileBoundMs ? { lo: m.quantileBoundMs[0], hi: m.quantileBoundMs[1] } : {};
        return {
          x: s.offeredRate,
          y: m.quantileMs ?? null,
          ...bound,
          bad: within === false,
          title: `step ${s.index}: monitoring ${quantileLabel(m.quantile)} ${m.quantileMs !== undefined ? `${formatMs(m.quantileMs)} ms` : 'no data'}${m.quantileBoundMs ? ` (bound ${formatBound(m.quantileBoundMs)}${within === false ? ', outside' : ''})` : ''}`,
        };
      }),
    },
  ];
  const sloP99 = r?.slo.p99Ms;
  const latencyChart = renderXYChart(latency, {
    width,
    title: 'Latency against offered rate: the load tool beside the monitoring',
    xLabel: 'offered rate (requests/s)',
    yLabel: 'latency (ms)',
    vLines,
    hLines: sloP99 !== undefined ? [{ at: sloP99, label: `SLO p99 ≤ ${formatMs(sloP99)} ms`, color: COLOR.limit }] : [],
  });

  const knee = r?.knee;
  const rows = byIndex.map((s) => {
    const l = s.load;
    const m = s.monitoring;
    const atKnee = knee !== undefined && s.offeredRate === knee && s.slo.ok;
    const within = estimateWithinBound(s);
    const loadQ = loadLatencyAt(l.latencyMs, m.quantile);
    const scrapeBad = m.maxScrapeSeconds !== undefined && m.scrapeTimeoutSeconds !== undefined && m.maxScrapeSeconds > m.scrapeTimeoutSeconds;
    const q = quantiles.length === 1 ? '' : `${quantileLabel(m.quantile)} `;
    const cells = [
      `<td class="num" data-col="step">${esc(s.index)}${atKnee ? ' <span class="knee-tag">◆ knee</span>' : ''}</td>`,
      `<td class="num" data-col="offered">${esc(formatRate(s.offeredRate))}</td>`,
      `<td class="num" data-col="achieved">${esc(formatRate(l.achievedRate))}</td>`,
      `<td class="num" data-col="requests-load">${esc(l.requests)}</td>`,
      `<td class="num" data-col="requests-monitoring">${esc(m.requests !== undefined ? Math.round(m.requests) : '—')}</td>`,
      `<td class="num" data-col="requests-diff">${esc(formatRequestsDifference(s))}</td>`,
      `<td class="num" data-col="errors-load">${esc(formatPercent(l.errorRatio))}</td>`,
      `<td class="num" data-col="errors-monitoring">${esc(formatPercent(m.errorRatio))}</td>`,
      `<td class="num" data-col="errors-diff">${esc(formatErrorRatioDifference(s))}</td>`,
      `<td class="num" data-col="quantile-load">${esc(loadQ !== undefined ? `${q}${formatMs(loadQ)}` : '—')}</td>`,
      `<td class="num${within === false ? ' bad-cell' : ''}" data-col="quantile-monitoring">${esc(m.quantileMs !== undefined ? `${q}${formatMs(m.quantileMs)}` : 'no data')}${within === false ? ' <span class="msg">outside</span>' : ''}</td>`,
      `<td class="num" data-col="quantile-bound">${esc(formatBound(m.quantileBoundMs) || '—')}</td>`,
      `<td class="num${scrapeBad ? ' bad-cell' : ''}" data-col="scrape">${esc(`${formatSeconds(m.maxScrapeSeconds)} s / ${formatSeconds(m.scrapeTimeoutSeconds)} s`)}</td>`,
      `<td data-col="firing">${m.firing.length ? m.firing.map((a) => `<span class="state st-firing">${esc(a)}</span>`).join(' ') : '<span class="muted">none</span>'}</td>`,
      `<td data-col="slo">${s.slo.ok ? '<span class="ok-text">ok</span>' : `<span class="msg">breached${s.slo.breaches.length ? `: ${esc(s.slo.breaches.join('; '))}` : ''}</span>`}</td>`,
    ];
    return `<tr class="${[s.slo.ok ? '' : 'bad', atKnee ? 'knee' : ''].filter(Boolean).join(' ')}" data-step="${esc(s.index)}">${cells.join('')}</tr>`;
  });
  const head =
    `<thead><tr><th rowspan="2">step</th><th rowspan="2">offered /s</th><th rowspan="2">achieved /s</th><th colspan="3">requests</th><th colspan="3">error ratio</th><th colspan="3">${esc(qName)} latency (ms)</th><th rowspan="2">max scrape / timeout</th><th rowspan="2">alerts firing</th><th rowspan="2">SLO${r && formatSlo(r.slo) ? ` (${esc(formatSlo(r.slo))})` : ''}</th></tr>` +
    `<tr><th>load tool</th><th>monitoring</th><th>difference</th><th>load tool</th><th>monitoring</th><th>difference</th><th>load tool</th><th>monitoring estimate</th><th>allowed bound</th></tr></thead>`;
  return `<div class="capacity-load"><h4>Load steps (${steps.length})</h4>
<figure class="capacity-chart">${rateChart}<figcaption>Points sorted by offered rate; a red ring marks a step that breached the SLO.</figcaption></figure>
<figure class="capacity-chart">${latencyChart}<figcaption>The monitoring's estimate is drawn beside the load tool's values, with the interval its bucket layout allows as a bar; a red ring on it: outside that interval.</figcaption></figure>
<div class="table-scroll"><table class="grid capacity-steps"><caption>Per step, in the order run. Differences are the monitoring's value minus the load tool's.</caption>${head}<tbody>${rows.join('')}</tbody></table></div></div>`;
}


// ---------------------------------------------------------------------------------------
// Log growth steps

function logGrowthPart(steps: CapacityLogGrowthStep[], r: CapacityResult | undefined, width: number): string {
  const byIndex = [...steps].sort((a, b) => a.index - b.index);
  const byRate = [...steps].sort((a, b) => a.writtenLinesPerSecond - b.writtenLinesPerSecond || a.index - b.index);
  const rows = byIndex.map((s) => {
    const bad = (cond: boolean): string => (cond ? ' bad-cell' : '');
    const cells = [
      `<td class="num" data-col="step">${esc(s.index)}</td>`,
      `<td class="num" data-col="offered">${esc(formatValue(s.offeredLinesPerSecond))}</td>`,
      `<td class="num" data-col="written">${esc(formatValue(s.writtenLinesPerSecond))}</td>`,
      `<td class="num" data-col="bytes">${esc(formatMiBps(s.writtenBytesPerSecond))}</td>`,
      `<td class="num${bad(s.carriedLinesPerSecond !== undefined && s.carriedLinesPerSecond < s.writtenLinesPerSecond * 0.9)}" data-col="carried">${esc(s.carriedLinesPerSecond !== undefined ? formatValue(s.carriedLinesPerSecond) : '—')}</td>`,
      `<td class="num" data-col="multiple">${esc(formatMultiple(s.multipleOfToday))}</td>`,
      `<td class="num${bad(s.missing > 0)}" data-col="missing">${esc(`${s.missing} / ${formatValue(s.lines)}`)}</td>`,
      `<td class="num${bad(s.duplicates > 0)}" data-col="duplicates">${esc(s.duplicates)}</td>`,
      `<td class="num${bad(s.deliveredAfterMs === undefined)}" data-col="delivered">${esc(`${s.deliveredAfterMs !== undefined ? `${formatSeconds(s.deliveredAfterMs / 1000)} s` : 'not'} / ${formatSeconds(s.deliveryBoundMs / 1000)} s`)}</td>`,
      `<td class="num" data-col="read-delay">${esc(`${formatMs(s.readDelayMs.p50)} / ${formatMs(s.readDelayMs.p99)}`)}</td>`,
      `<td class="num${bad(s.dropped > 0)}" data-col="refused">${esc(`${s.refused} / ${s.dropped}`)}</td>`,
      `<td class="num${bad(s.maxLogPanelQueryMs > s.dashboardQueryLimitMs)}" data-col="dashboard">${esc(`${formatMs(s.maxLogPanelQueryMs)} ms / ${formatMs(s.dashboardQueryLimitMs)} ms`)}</td>`,
      `<td data-col="result">${s.ok ? '<span class="ok-text">ok</span>' : `<span class="msg">breached${s.breaches.length ? `: ${esc(s.breaches.join('; '))}` : ''}</span>`}</td>`,
    ];
    return `<tr class="${s.ok ? '' : 'bad'}" data-step="${esc(s.index)}">${cells.join('')}</tr>`;
  });
  const head = `<thead><tr><th>step</th><th>offered lines/s</th><th>written lines/s</th><th>written</th><th>carried lines/s</th><th>× today</th><th>missing / lines</th><th>duplicates</th><th>all delivered after / bound</th><th>read delay p50 / p99 ms</th><th>refused / given up</th><th>slowest log panel / limit</th><th>guarantees</th></tr></thead>`;
  const series: XYSeries[] = [
    { name: 'all delivered after the last write (s)', color: COLOR.achieved, points: byRate.map((s) => ({ x: s.writtenLinesPerSecond, y: (s.deliveredAfterMs ?? s.deliveryBoundMs) / 1000, bad: !s.ok, title: `step ${s.index}: ${formatValue(s.writtenLinesPerSecond)} lines/s, ${s.deliveredAfterMs !== undefined ? `delivered after ${formatSeconds(s.deliveredAfterMs / 1000)} s` : 'not delivered within the bound'}${s.ok ? '' : ` — breached: ${s.breaches.join('; ')}`}` })) },
    { name: 'read delay p99 (s)', color: COLOR.p99, points: byRate.filter((s) => s.readDelayMs.p99 !== undefined).map((s) => ({ x: s.writtenLinesPerSecond, y: s.readDelayMs.p99! / 1000 })) },
  ];
  const vLines: XYRule[] = [];
  if (r?.logHeadroom) vLines.push({ at: r.logHeadroom.linesPerSecond, label: `headroom ${formatValue(r.logHeadroom.linesPerSecond)} lines/s (${formatMultiple(r.logHeadroom.multipleOfToday)})`, color: COLOR.knee });
  if (r?.logBreakingPoint) vLines.push({ at: r.logBreakingPoint.linesPerSecond, label: `breaking point ${formatValue(r.logBreakingPoint.linesPerSecond)} lines/s`, color: COLOR.gateFail, dash: '5 3' });
  const bound = byIndex[0]!.deliveryBoundMs / 1000;
  const chart = renderXYChart(series, { width, title: 'Log delivery against lines written per second', xLabel: 'lines/s written (all services)', yLabel: 'seconds', vLines, hLines: [{ at: bound, label: `delivery bound ${formatSeconds(bound)} s`, color: COLOR.limit }] });
  return `<div class="capacity-log-growth"><h4>Log growth steps (${steps.length})</h4>
<div class="table-scroll"><table class="grid capacity-growth-steps capacity-log-growth-steps"><caption>Per step, in the order run: the log pipeline's guarantees at each rate.</caption>${head}<tbody>${rows.join('')}</tbody></table></div>
<figure class="capacity-chart">${chart}<figcaption>A red ring marks a rate at which a guarantee broke.</figcaption></figure></div>`;
}

// ---------------------------------------------------------------------------------------
// Growth steps

function growthPart(steps: CapacityGrowthStep[], r: CapacityResult | undefined, width: number): string {
  const byIndex = [...steps].sort((a, b) => a.index - b.index);
  const bySeries = [...steps].sort((a, b) => a.series - b.series || a.index - b.index);
  const rows = byIndex.map((s) => {
    const over = (v: number, limit: number): string => (v > limit ? ' bad-cell' : '');
    const cells = [
      `<td class="num" data-col="step">${esc(s.index)}</td>`,
      `<td class="num" data-col="targets">${esc(s.targets)}</td>`,
      `<td class="num" data-col="series">${esc(s.series)}</td>`,
      `<td class="num" data-col="scraped">${esc(s.scrapedSeries)}</td>`,
      `<td class="num" data-col="multiple">${esc(`${formatMultiple(s.multipleOfToday.targets)} / ${formatMultiple(s.multipleOfToday.series)}`)}</td>`,
      `<td class="num${over(s.maxScrapeSeconds, s.scrapeTimeoutSeconds)}" data-col="scrape">${esc(`${formatSeconds(s.maxScrapeSeconds)} s / ${formatSeconds(s.scrapeTimeoutSeconds)} s`)}</td>`,
      `<td class="num${over(s.maxRuleEvalSeconds, s.ruleIntervalSeconds)}" data-col="rule-eval">${esc(`${formatSeconds(s.maxRuleEvalSeconds)} s / ${formatSeconds(s.ruleIntervalSeconds)} s`)}</td>`,
      `<td class="num${s.droppedSamples > 0 ? ' bad-cell' : ''}" data-col="dropped">${esc(s.droppedSamples)}</td>`,
      `<td class="num${over(s.maxDashboardQueryMs, s.dashboardQueryLimitMs)}" data-col="dashboard">${esc(`${formatMs(s.maxDashboardQueryMs)} ms / ${formatMs(s.dashboardQueryLimitMs)} ms`)}</td>`,
      `<td data-col="result">${s.ok ? '<span class="ok-text">ok</span>' : `<span class="msg">breached${s.breaches.length ? `: ${esc(s.breaches.join('; '))}` : ''}</span>`}</td>`,
    ];
    return `<tr class="${s.ok ? '' : 'bad'}" data-step="${esc(s.index)}">${cells.join('')}</tr>`;
  });
  const head = `<thead><tr><th>step</th><th>targets</th><th>series exposed</th><th>series scraped</th><th>× today (targets / series)</th><th>max scrape / timeout</th><th>rule evaluation / interval</th><th>dropped samples</th><th>slowest dashboard query / limit</th><th>guarantees</th></tr></thead>`;

  const timeouts = [...new Set(steps.map((s) => s.scrapeTimeoutSeconds))];
  const series: XYSeries[] = [
    { name: 'max scrape duration (s)', color: COLOR.achieved, points: bySeries.map((s) => ({ x: s.series, y: s.maxScrapeSeconds, bad: !s.ok, title: `step ${s.index}: ${s.targets} targets, ${formatValue(s.series)} series, max scrape ${formatSeconds(s.maxScrapeSeconds)} s${s.ok ? '' : ` — breached: ${s.breaches.join('; ')}`}` })) },
  ];
  if (timeouts.length > 1) series.push({ name: 'scrape timeout (s)', color: COLOR.limit, dash: '6 3', points: bySeries.map((s) => ({ x: s.series, y: s.scrapeTimeoutSeconds })) });
  const vLines: XYRule[] = [];
  if (r?.headroom) vLines.push({ at: r.headroom.series, label: `headroom ${formatValue(r.headroom.series)} series (${formatMultiple(r.headroom.multipleOfToday.series)})`, color: COLOR.knee });
  if (r?.breakingPoint) vLines.push({ at: r.breakingPoint.series, label: `breaking point ${formatValue(r.breakingPoint.series)} series`, color: COLOR.gateFail, dash: '5 3' });
  const chart = renderXYChart(series, {
    width,
    title: 'Scrape duration against series exposed per scrape',
    xLabel: 'series exposed per scrape (fleet and virtual targets)',
    yLabel: 'seconds',
    vLines,
    hLines: timeouts.length === 1 ? [{ at: timeouts[0]!, label: `scrape timeout ${formatSeconds(timeouts[0])} s`, color: COLOR.limit }] : [],
  });
  return `<div class="capacity-growth"><h4>Growth steps (${steps.length})</h4>
<div class="table-scroll"><table class="grid capacity-growth-steps"><caption>Per step, in the order run: the monitoring stack's guarantees at each size.</caption>${head}<tbody>${rows.join('')}</tbody></table></div>
<figure class="capacity-chart">${chart}<figcaption>A red ring marks a size at which a guarantee broke.</figcaption></figure></div>`;
}

// ---------------------------------------------------------------------------------------

/** Styles for the section (the HTML reporter adds them to its own). */
export const CAPACITY_CSS = `
.capacity-result{display:flex;gap:18px;align-items:flex-start;border:2px solid var(--line);border-radius:8px;padding:12px 16px;margin:8px 0 14px}
.capacity-result.v-pass{border-color:var(--pass);background:#eef7ee}.capacity-result.v-fail{border-color:var(--fail);background:#fdeeee}
.cap-verdict{font-size:26px;font-weight:800;color:#fff;border-radius:6px;padding:4px 14px}.v-pass .cap-verdict{background:var(--pass)}.v-fail .cap-verdict{background:var(--fail)}
.cap-summary{font-size:16px;font-weight:600;margin:2px 0 6px}
table.capacity-steps caption,table.capacity-growth-steps caption{caption-side:bottom;text-align:left;color:var(--muted);font-size:12px;padding-top:4px}
.table-scroll{overflow-x:auto}
table.capacity-steps,table.capacity-growth-steps{font-size:12.5px}
table.capacity-steps td,table.capacity-growth-steps td{overflow-wrap:normal}
table.capacity-steps td[data-col="slo"],table.capacity-growth-steps td[data-col="result"]{min-width:240px}
table.capacity-steps th[colspan]{text-align:center}
table.grid td.bad-cell{background:#fbd3d3}
tr.knee td{box-shadow:inset 0 2px 0 #2e7d32,inset 0 -2px 0 #2e7d32}
.knee-tag{color:#2e7d32;font-weight:700;font-size:11px;white-space:nowrap}
.ok-text{color:var(--pass);font-weight:600}
@media print{.table-scroll{overflow:visible}table.capacity-steps,table.capacity-growth-steps{font-size:9.5px}}
`;
