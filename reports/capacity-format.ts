/**
 * Text for a capacity run's numbers, shared by the live lines and the HTML report: rates,
 * latencies, ratios, the differences between the load tool's view and the monitoring's,
 * and one line per step or result. Pure functions; no I/O, no escaping (callers escape).
 */
import type { CapacityGrowthStep, CapacityLoadStep, CapacityLogGrowthStep, CapacityResult, CapacitySlo, LatencyView } from '../harness/events/capacity.ts';
import { formatValue } from './format.ts';

const finite = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const trim = (v: number, digits: number): string => {
  const f = 10 ** digits;
  const r = Math.round(v * f) / f;
  return (Object.is(r, -0) ? 0 : r).toString();
};

/** A rate in requests/s: "80", "79.9" (one decimal at most). */
export function formatRate(v: number | undefined): string {
  return finite(v) ? trim(v, 1) : '—';
}

/** Milliseconds: "123" from 10 up, "4.5" / "0.82" below. */
export function formatMs(v: number | undefined): string {
  if (!finite(v)) return '—';
  if (Math.abs(v) >= 10) return trim(v, 0);
  return Number(v.toPrecision(2)).toString();
}

/** Seconds, to three significant digits: "0.42", "10", "1.25". */
export function formatSeconds(v: number | undefined): string {
  return finite(v) ? Number(v.toPrecision(3)).toString() : '—';
}

/** A 0..1 share as a percentage: "0.00 %". */
export function formatPercent(ratio: number | undefined, digits = 2): string {
  return finite(ratio) ? `${(ratio * 100).toFixed(digits)} %` : '—';
}

/** A signed whole-number difference: "+10", "-10", "0". */
export function formatSignedCount(d: number): string {
  const r = Math.round(d);
  return r > 0 ? `+${r}` : `${r}`;
}

/** "p95" for 0.95, "p99.9" for 0.999. */
export function quantileLabel(q: number): string {
  return `p${Number((q * 100).toPrecision(4))}`;
}

/** The load tool's latency at the quantile the monitoring estimated, when the load tool reports that quantile. */
export function loadLatencyAt(latency: LatencyView, q: number): number | undefined {
  const byQ: Record<string, number> = { '0.5': latency.p50, '0.9': latency.p90, '0.95': latency.p95, '0.99': latency.p99, '1': latency.max };
  return byQ[String(q)];
}

/** Monitoring minus load tool, for the step's request count: absolute and relative to the load tool's count. */
export function requestsDifference(step: CapacityLoadStep): { diff: number; ratio?: number } | undefined {
  const m = step.monitoring.requests;
  if (!finite(m)) return undefined;
  const diff = m - step.load.requests;
  return step.load.requests > 0 ? { diff, ratio: diff / step.load.requests } : { diff };
}

/** "-10 (-0.21 %)", or "—" when the monitoring returned nothing. */
export function formatRequestsDifference(step: CapacityLoadStep): string {
  const d = requestsDifference(step);
  if (!d) return '—';
  return d.ratio !== undefined ? `${formatSignedCount(d.diff)} (${d.ratio > 0 ? '+' : ''}${(d.ratio * 100).toFixed(2)} %)` : formatSignedCount(d.diff);
}

/** Monitoring minus load tool error ratio, in percentage points: "+0.05 pp", or "—". */
export function formatErrorRatioDifference(step: CapacityLoadStep): string {
  const m = step.monitoring.errorRatio;
  if (!finite(m) || !finite(step.load.errorRatio)) return '—';
  const pp = (m - step.load.errorRatio) * 100;
  const s = pp.toFixed(2);
  return `${pp > 0 && s !== '0.00' ? '+' : ''}${s === '-0.00' ? '0.00' : s} pp`;
}

/** Whether the monitoring's quantile estimate lies inside the bound its bucket layout allows (undefined: nothing to compare). */
export function estimateWithinBound(step: CapacityLoadStep): boolean | undefined {
  const { quantileMs, quantileBoundMs } = step.monitoring;
  if (!finite(quantileMs) || !quantileBoundMs) return undefined;
  return quantileMs >= quantileBoundMs[0] && quantileMs <= quantileBoundMs[1];
}

/** "25–50 ms", or "" when the bound is unknown. */
export function formatBound(bound: [number, number] | undefined): string {
  return bound ? `${formatMs(bound[0])}–${formatMs(bound[1])} ms` : '';
}

/** "p99 ≤ 500 ms, errors ≤ 1.00 %", or "" when no SLO was set. */
export function formatSlo(slo: CapacitySlo): string {
  const parts: string[] = [];
  if (finite(slo.p99Ms)) parts.push(`p99 ≤ ${formatMs(slo.p99Ms)} ms`);
  if (finite(slo.errorRatio)) parts.push(`errors ≤ ${formatPercent(slo.errorRatio)}`);
  return parts.join(', ');
}

/** "SLO ok" or "SLO breached: p99 812 ms > 500 ms". */
export function formatStepVerdict(ok: boolean, breaches: readonly string[], what = 'SLO'): string {
  if (ok) return `${what} ok`;
  return `${what} breached${breaches.length ? `: ${breaches.join('; ')}` : ''}`;
}

/**
 * One load step as a line:
 * `step 3: offered 80/s → achieved 79.9/s, p99 123 ms, errors 0.00 %, monitoring: 4790/4790 requests, p95 45 ms (bound 25–50 ms) — SLO ok`.
 */
export function loadStepLine(step: CapacityLoadStep): string {
  const l = step.load;
  const m = step.monitoring;
  const q = quantileLabel(m.quantile);
  const bound = m.quantileBoundMs ? ` (bound ${formatBound(m.quantileBoundMs)})` : '';
  const estimate = finite(m.quantileMs) ? `${q} ${formatMs(m.quantileMs)} ms${bound}` : `${q} no data`;
  const requests = `${finite(m.requests) ? Math.round(m.requests) : '?'}/${l.requests} requests`;
  const firing = m.firing.length ? `, firing: ${m.firing.join(', ')}` : '';
  return `step ${step.index}: offered ${formatRate(step.offeredRate)}/s → achieved ${formatRate(l.achievedRate)}/s, p99 ${formatMs(l.latencyMs.p99)} ms, errors ${formatPercent(l.errorRatio)}, monitoring: ${requests}, ${estimate}${firing} — ${formatStepVerdict(step.slo.ok, step.slo.breaches)}`;
}

/** "1.5×", "12×". */
export function formatMultiple(v: number | undefined): string {
  return finite(v) ? `${Number(v.toPrecision(3))}×` : '—';
}

/**
 * One growth step as a line:
 * `growth step 2: 170 targets, 51.2k series (10× / 12× today), max scrape 0.8 s / 10 s timeout, rule eval 0.12 s / 15 s interval, dropped 0, dashboard 840 ms / 2000 ms — ok`.
 */
export function growthStepLine(step: CapacityGrowthStep): string {
  return (
    `growth step ${step.index}: ${step.targets} targets, ${formatValue(step.series)} series (${formatMultiple(step.multipleOfToday.targets)} / ${formatMultiple(step.multipleOfToday.series)} today), ` +
    `max scrape ${formatSeconds(step.maxScrapeSeconds)} s / ${formatSeconds(step.scrapeTimeoutSeconds)} s timeout, ` +
    `rule eval ${formatSeconds(step.maxRuleEvalSeconds)} s / ${formatSeconds(step.ruleIntervalSeconds)} s interval, dropped ${step.droppedSamples}, ` +
    `dashboard ${formatMs(step.maxDashboardQueryMs)} ms / ${formatMs(step.dashboardQueryLimitMs)} ms — ${step.ok ? 'ok' : `breached${step.breaches.length ? `: ${step.breaches.join('; ')}` : ''}`}`
  );
}

/** Bytes/s as MiB/s: "16", "0.42". */
export function formatMiBps(bytesPerSecond: number | undefined): string {
  return finite(bytesPerSecond) ? `${Number((bytesPerSecond / 1048576).toPrecision(3))} MiB/s` : '—';
}

export function logGrowthStepLine(step: CapacityLogGrowthStep): string {
  return (
    `log step ${step.index}: ${formatValue(step.writtenLinesPerSecond)} lines/s written of ${formatValue(step.offeredLinesPerSecond)} offered (${formatMiBps(step.writtenBytesPerSecond)}, ${formatMultiple(step.multipleOfToday)} today), carried ${step.carriedLinesPerSecond !== undefined ? formatValue(step.carriedLinesPerSecond) : '—'} lines/s, ` +
    `${step.missing} of ${formatValue(step.lines)} missing, ${step.duplicates} duplicated, ` +
    `${step.deliveredAfterMs !== undefined ? `all delivered ${formatSeconds(step.deliveredAfterMs / 1000)} s after the last write` : 'not all delivered'} (bound ${formatSeconds(step.deliveryBoundMs / 1000)} s), read delay p99 ${formatMs(step.readDelayMs.p99)} ms, ` +
    `refused ${step.refused}, given up ${step.dropped}, log panel ${formatMs(step.maxLogPanelQueryMs)} ms / ${formatMs(step.dashboardQueryLimitMs)} ms — ${step.ok ? 'ok' : `breached${step.breaches.length ? `: ${step.breaches.join('; ')}` : ''}`}`
  );
}

/** The result's key numbers: knee and min-rate for load, headroom and breaking point for growth. */
export function resultFacts(r: CapacityResult): Array<[string, string]> {
  const facts: Array<[string, string]> = [['target', r.target], ['mode', r.mode]];
  const slo = formatSlo(r.slo);
  if (slo) facts.push(['SLO', slo]);
  const isLogGrowth = r.promisedLogBytesPerSecond !== undefined;
  const isGrowth = isLogGrowth || r.headroom !== undefined || r.breakingPoint !== undefined;
  if (!isGrowth || r.knee !== undefined || r.minRate !== undefined) {
    facts.push(['knee', r.knee !== undefined ? `${formatRate(r.knee)}/s` : 'none — the SLO broke at every rate tried']);
    if (r.firstBreach !== undefined) facts.push(['first breach', `${formatRate(r.firstBreach)}/s`]);
    if (r.minRate !== undefined) facts.push(['min-rate', `${formatRate(r.minRate)}/s${r.knee !== undefined ? (r.knee >= r.minRate ? ' (met)' : ' (not met)') : ''}`]);
  }
  if (r.headroom) {
    const h = r.headroom;
    facts.push(['headroom', `${h.targets} targets, ${formatValue(h.series)} series (${formatMultiple(h.multipleOfToday.targets)} targets / ${formatMultiple(h.multipleOfToday.series)} series of today)`]);
  }
  if (r.breakingPoint) {
    const b = r.breakingPoint;
    facts.push(['breaking point', `${b.targets} targets, ${formatValue(b.series)} series${b.breaches.length ? `: ${b.breaches.join('; ')}` : ''}`]);
  } else if (isGrowth && !isLogGrowth) facts.push(['breaking point', 'none reached']);
  if (isLogGrowth) {
    const h = r.logHeadroom;
    facts.push(['log headroom', h ? `${formatValue(h.linesPerSecond)} lines/s, ${formatMiBps(h.bytesPerSecond)} (${formatMultiple(h.multipleOfToday)} today's ${formatValue(h.todayLinesPerSecond)} lines/s)` : 'none — no rate above today held every guarantee']);
    const b = r.logBreakingPoint;
    facts.push(['log breaking point', b ? `${formatValue(b.linesPerSecond)} lines/s${b.breaches.length ? `: ${b.breaches.join('; ')}` : ''}` : 'none reached']);
    facts.push(['promised ingestion', `${formatMiBps(r.promisedLogBytesPerSecond)}${h ? (h.bytesPerSecond >= r.promisedLogBytesPerSecond! ? ' (within the headroom)' : ' (beyond the headroom measured)') : ''}`]);
  }
  return facts;
}

/** The result as one line: "capacity terminal-mcp FAIL: knee 80/s below --min-rate 100/s". */
export function resultLine(r: CapacityResult): string {
  return `capacity ${r.target} ${r.verdict.toUpperCase()}: ${r.summary}`;
}
