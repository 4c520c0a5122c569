/**
 * The SVG renderer for reports: time series → a line chart, and labelled intervals → a
 * timeline. Pure functions returning an inline `<svg>` string: no scripts, no ids (many
 * charts share one HTML page), no external references; every text is escaped, so the
 * output is well-formed XML as well as HTML.
 *
 * Times are milliseconds since the epoch and are labelled in UTC.
 */
import type { EvidenceObservation } from '../assertions/evidence.ts';
import { clockTime, escapeHtml as esc, formatLabels, formatValue, sampleNumber, truncate, utcDateTime } from './format.ts';

/** Ten distinguishable colours (Tableau 10); series past ten repeat them with a dash pattern. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#79706e'] as const;
const DASHES = ['', '7 3', '2 2', '9 3 2 3'] as const;

export function seriesStyle(i: number): { color: string; dash: string } {
  return { color: PALETTE[i % PALETTE.length]!, dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length]! };
}

export interface TimePoint {
  t: number;
  /** null (or a non-finite value) breaks the line. */
  v: number | null;
}

export interface ChartSeries {
  labels: Record<string, string>;
  points: TimePoint[];
  /** Legend text; defaults to the labels that differ between the chart's series. */
  name?: string;
}

/** A shaded time span (a fault window); no end means it was still open at the chart's end. */
export interface Band {
  start: number;
  end?: number;
  label: string;
}

export interface Evaluation {
  t: number;
  ok: boolean;
  error?: string;
}

export interface LineChartOptions {
  /** Total width in px (default 880). */
  width?: number;
  /** Height of the plot area in px (default 200); the legend adds rows below. */
  plotHeight?: number;
  title?: string;
  /** Shaded spans (fault windows). */
  bands?: Band[];
  /** The window the expectation covered, drawn as dashed verticals. */
  window?: { start?: number; end?: number };
  /** Each evaluation of the query: a strip of ok/not-ok ticks under the plot. */
  evaluations?: Evaluation[];
  /** Force the time domain (otherwise: data, window, evaluations, bands). */
  domain?: [number, number];
  /** Message drawn when no series has a numeric point. */
  emptyMessage?: string;
}

// ---------------------------------------------------------------------------------------
// Evidence → series

const seriesKey = (labels: Record<string, string>): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The series of an assertion's observations, merged across evaluations: range values
 * (`values`) by timestamp — a later evaluation's sample wins — and instant values
 * (`value`) as a point at the evaluation's time. Non-finite values become gaps.
 */
export function seriesFromObservations(observed: readonly EvidenceObservation[]): ChartSeries[] {
  const byKey = new Map<string, { labels: Record<string, string>; points: Map<number, number | null>; instant: boolean }>();
  /** Evaluations that returned a series list: an instant series absent from one is a gap there. */
  const seen: Array<{ at: number; keys: Set<string> }> = [];
  for (const obs of observed) {
    const at = Date.parse(obs.at);
    const keys = new Set<string>();
    if (obs.series && obs.error === undefined && Number.isFinite(at)) seen.push({ at, keys });
    for (const s of obs.series ?? []) {
      const hasValues = Array.isArray(s.values) && s.values.length > 0;
      const hasValue = s.value !== undefined;
      if (!hasValues && !hasValue) continue;
      const key = seriesKey(s.labels ?? {});
      keys.add(key);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { labels: { ...(s.labels ?? {}) }, points: new Map(), instant: false }));
      if (hasValues) {
        for (const [ts, v] of s.values!) {
          const t = Date.parse(ts);
          if (Number.isFinite(t)) entry.points.set(t, finiteOrNull(v));
        }
      } else if (Number.isFinite(at)) {
        entry.points.set(at, finiteOrNull(s.value));
        entry.instant = true;
      }
    }
  }
  for (const [key, e] of byKey) {
    if (!e.instant) continue;
    for (const ev of seen) if (!ev.keys.has(key) && !e.points.has(ev.at)) e.points.set(ev.at, null);
  }
  return [...byKey.values()].map((e) => ({
    labels: e.labels,
    points: [...e.points.entries()].sort(([a], [b]) => a - b).map(([t, v]) => ({ t, v })),
  }));
}

/**
 * Log streams of LogQL evidence as numbers: per stream, the cumulative count of distinct
 * lines by their timestamps — when the logs arrived, and how many.
 */
export function logLineSeries(observed: readonly EvidenceObservation[]): ChartSeries[] {
  const byKey = new Map<string, { labels: Record<string, string>; seen: Set<string>; times: number[] }>();
  for (const obs of observed) {
    for (const s of obs.series ?? []) {
      if (!s.lines?.length) continue;
      const key = seriesKey(s.labels ?? {});
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { labels: { ...(s.labels ?? {}) }, seen: new Set(), times: [] }));
      for (const [ts, line] of s.lines) {
        const t = Date.parse(ts);
        const id = `${ts}\u0000${line}`;
        if (!Number.isFinite(t) || e.seen.has(id)) continue;
        e.seen.add(id);
        e.times.push(t);
      }
    }
  }
  return [...byKey.values()].map((e) => {
    const times = e.times.sort((a, b) => a - b);
    return { labels: e.labels, points: times.map((t, i) => ({ t, v: i + 1 })) };
  });
}

function finiteOrNull(v: unknown): number | null {
  const n = sampleNumber(v);
  return n !== undefined && Number.isFinite(n) ? n : null;
}

/**
 * Legend names for a set of series: only the labels whose values differ between them
 * (`service=filesystem-mcp`), the full label set when there is one series or nothing
 * differs.
 */
export function shortSeriesNames(labelSets: ReadonlyArray<Record<string, string>>): string[] {
  if (labelSets.length <= 1) return labelSets.map((l) => formatLabels(l));
  const keys = new Set(labelSets.flatMap((l) => Object.keys(l)));
  const valueOf = (l: Record<string, string>, k: string): string => l[k] ?? '\u0000';
  const differing = [...keys].filter((k) => new Set(labelSets.map((l) => valueOf(l, k))).size > 1);
  if (differing.length === 0) return labelSets.map((l) => formatLabels(l));
  // The fewest differing labels that tell the series apart: the names people read first
  // (service, alertname, ...), then the most distinguishing, then the shortest values.
  const avgLen = (k: string): number => labelSets.reduce((n, l) => n + (l[k]?.length ?? 0), 0) / labelSets.length;
  const distinct = (k: string): number => new Set(labelSets.map((l) => valueOf(l, k))).size;
  const rank = (k: string): number => {
    const i = PREFERRED_LABELS.indexOf(k);
    return i < 0 ? PREFERRED_LABELS.length : i;
  };
  const ordered = [...differing].sort((a, b) => rank(a) - rank(b) || distinct(b) - distinct(a) || avgLen(a) - avgLen(b) || (a < b ? -1 : 1));
  const chosen: string[] = [];
  const unique = (ks: string[]): boolean => new Set(labelSets.map((l) => ks.map((k) => valueOf(l, k)).join('\u0001'))).size === labelSets.length;
  for (const k of ordered) {
    chosen.push(k);
    if (unique(chosen)) break;
  }
  const show = differing.filter((k) => chosen.includes(k)).sort((a, b) => chosen.indexOf(a) - chosen.indexOf(b));
  return labelSets.map(
    (l) =>
      show
        .filter((k) => l[k] !== undefined)
        .map((k) => (k === '__name__' ? l[k]! : `${k}=${l[k]}`))
        .join(', ') || '{}',
  );
}

/** Labels that name a series best, first. */
const PREFERRED_LABELS = ['__name__', 'alertname', 'service', 'alertstate', 'job', 'instance', 'status', 'code', 'method', 'le', 'quantile'];

// ---------------------------------------------------------------------------------------
// Scales

/** A "nice" step (1, 2, 2.5 or 5 × 10^n) giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * mag;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

/** Tick times across [start, end], at most `maxTicks`, on round UTC seconds/minutes/hours. */
export function timeTicks(start: number, end: number, maxTicks: number): number[] {
  const span = end - start;
  if (!(span > 0)) return [start];
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** A linear domain on nice ticks: from zero when every value is non-negative, with a little headroom. */
export function linearDomain(values: readonly number[], ticks = 4): { lo: number; hi: number; ticks: number[] } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (lo >= 0) lo = 0; // a non-negative metric is read against zero
  if (hi > lo) hi += (hi - lo) * 0.06; // headroom: a line at the maximum is not drawn on the frame
  if (hi === lo) {
    if (hi === 0) hi = 1;
    else {
      const pad = Math.abs(hi) * 0.5;
      hi += pad;
      lo -= pad;
    }
  }
  const step = niceStep(hi - lo, ticks);
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  const out: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) out.push(Number(v.toPrecision(12)));
  return { lo, hi, ticks: out };
}

/** [min, max] without spreading (series can have many points). */
function extent(values: readonly number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

// ---------------------------------------------------------------------------------------
// Line chart

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const MONO = 'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"';

/** Render series as an SVG line chart with shaded bands, an evaluation strip and a legend. */
export function renderLineChart(series: readonly ChartSeries[], options: LineChartOptions = {}): string {
  const width = Math.max(320, options.width ?? 880);
  const plotH = Math.max(80, options.plotHeight ?? 200);
  const m = { left: 64, right: 30, top: options.title ? 30 : 14 };
  const plotW = width - m.left - m.right;
  const evals = options.evaluations ?? [];
  const stripH = evals.length ? 12 : 0;
  const axisY = m.top + plotH;
  const stripY = axisY + 6;
  const tickLabelY = stripY + stripH + 14;

  const names = shortSeriesNames(series.map((s) => s.labels)).map((n, i) => series[i]!.name ?? n);
  const finite = series.flatMap((s) => s.points.filter((p) => p.v !== null && Number.isFinite(p.v)).map((p) => p.v as number));

  // Time domain: the data, the evaluations and the window (bands are clipped to it).
  let [t0, t1] = options.domain ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  if (!options.domain) {
    let ts = [
      ...series.flatMap((s) => s.points.map((p) => p.t)),
      ...evals.map((e) => e.t),
      ...(options.window ? [options.window.start, options.window.end] : []),
    ].filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
    if (!ts.length) ts = (options.bands ?? []).flatMap((b) => [b.start, b.end]).filter((t): t is number => t !== undefined && Number.isFinite(t));
    if (ts.length) {
      [t0, t1] = extent(ts);
      const pad = Math.max((t1 - t0) * 0.02, 1000);
      t0 -= pad;
      t1 += pad;
    }
  }
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) {
    t0 = 0;
    t1 = 1;
  }
  if (t1 <= t0) {
    t0 -= 30_000;
    t1 += 30_000;
  }
  const x = (t: number): number => m.left + ((t - t0) / (t1 - t0)) * plotW;

  const { colW, cols, legendTop, height, maxChars } = legendLayout(series.length, plotW, 210, tickLabelY + 14);

  const title = options.title ?? 'time series';
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${esc(title)}" ${FONT} font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  if (options.title) out.push(`<text x="${m.left}" y="18" font-size="12" font-weight="600" fill="#222">${esc(truncate(options.title, Math.floor(plotW / 6.5)))}</text>`);

  // Fault windows.
  for (const b of options.bands ?? []) {
    const bs = Math.max(t0, b.start);
    const be = Math.min(t1, b.end ?? t1);
    if (be < bs) continue;
    const bx = x(bs);
    const bw = Math.max(1.5, x(be) - bx);
    const open = b.end === undefined ? ' (not ended)' : '';
    out.push(
      `<g class="band"><title>${esc(`fault: ${b.label}${open} ${utcDateTime(b.start)} → ${b.end !== undefined ? utcDateTime(b.end) : 'end'}`)}</title>` +
        `<rect x="${r1(bx)}" y="${m.top}" width="${r1(bw)}" height="${plotH}" fill="#e15759" fill-opacity="0.13"/>` +
        `<line x1="${r1(bx)}" x2="${r1(bx)}" y1="${m.top}" y2="${axisY}" stroke="#e15759" stroke-opacity="0.6"/>` +
        `<text x="${r1(bx + 3)}" y="${m.top + 11}" font-size="10" fill="#a23">${esc(truncate(`⚡ ${b.label}${open}`, Math.max(4, Math.floor(Math.max(bw, 120) / 6))))}</text></g>`,
    );
  }

  // Y axis and grid.
  const hasData = finite.length > 0;
  const yd = hasData ? linearDomain(finite) : { lo: 0, hi: 1, ticks: [] as number[] };
  const y = (v: number): number => axisY - ((v - yd.lo) / (yd.hi - yd.lo)) * plotH;
  for (const v of yd.ticks) {
    const yy = r1(y(v));
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${m.left - 6}" y="${yy}" dy="3.5" text-anchor="end" fill="#555">${esc(formatValue(v))}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#bbb"/>`);

  // X axis ticks.
  for (const t of timeTicks(t0, t1, Math.max(2, Math.floor(plotW / 80)))) {
    const xx = r1(x(t));
    out.push(`<line x1="${xx}" x2="${xx}" y1="${m.top}" y2="${axisY + 4}" stroke="#eeeeee"/>`);
    out.push(`<text x="${xx}" y="${tickLabelY}" text-anchor="middle" fill="#555">${clockTime(t)}</text>`);
  }
  out.push(`<text x="${m.left + plotW}" y="${tickLabelY + 11}" text-anchor="end" font-size="9" fill="#888">UTC</text>`);

  // Expectation window.
  for (const [edge, t] of [['window start', options.window?.start], ['window end', options.window?.end]] as const) {
    if (t === undefined || t < t0 || t > t1) continue;
    const xx = r1(x(t));
    out.push(`<line class="window" x1="${xx}" x2="${xx}" y1="${m.top}" y2="${axisY}" stroke="#333" stroke-dasharray="4 3" stroke-opacity="0.7"><title>${esc(`${edge} ${utcDateTime(t)}`)}</title></line>`);
  }

  // Series.
  if (hasData) {
    series.forEach((s, i) => {
      const { color, dash } = seriesStyle(i);
      const segs: string[] = [];
      const singles: TimePoint[] = [];
      let run: TimePoint[] = [];
      const flush = (): void => {
        if (run.length === 1) singles.push(run[0]!);
        else if (run.length > 1) segs.push(run.map((p, k) => `${k ? 'L' : 'M'}${r1(x(p.t))} ${r1(y(p.v as number))}`).join(''));
        run = [];
      };
      for (const p of s.points) {
        if (p.v === null || !Number.isFinite(p.v)) flush();
        else run.push(p);
      }
      flush();
      const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
      out.push(
        `<g class="series"><title>${esc(formatLabels(s.labels))}</title>` +
          (segs.length ? `<path d="${segs.join('')}" fill="none" stroke="${color}" stroke-width="1.6" stroke-linejoin="round"${dashAttr}/>` : '') +
          singles.map((p) => `<circle cx="${r1(x(p.t))}" cy="${r1(y(p.v as number))}" r="2.5" fill="${color}"/>`).join('') +
          `</g>`,
      );
    });
  } else {
    const msg = options.emptyMessage ?? 'no numeric samples';
    out.push(`<text x="${r1(m.left + plotW / 2)}" y="${r1(m.top + plotH / 2)}" text-anchor="middle" fill="#888" font-size="12">${esc(msg)}</text>`);
  }

  // Evaluation strip.
  if (evals.length) {
    const w = Math.max(2, Math.min(8, plotW / evals.length / 1.5));
    out.push(`<text x="${m.left - 6}" y="${stripY + 9}" text-anchor="end" font-size="9" fill="#777">checks</text>`);
    const ticks = evals
      .filter((e) => e.t >= t0 && e.t <= t1)
      .map((e) => {
        const fill = e.error ? '#999999' : e.ok ? '#59a14f' : '#e15759';
        const what = e.error ? `error: ${e.error}` : e.ok ? 'condition held' : 'condition not met';
        return `<rect x="${r1(x(e.t) - w / 2)}" y="${stripY}" width="${r1(w)}" height="10" fill="${fill}"><title>${esc(`${clockTime(e.t)} ${what}`)}</title></rect>`;
      });
    out.push(`<g class="evaluations">${ticks.join('')}</g>`);
  }

  // Legend.
  if (series.length) {
    const items = series.map((s, i) => {
      const { color, dash } = seriesStyle(i);
      const lx = m.left + (i % cols) * colW;
      const ly = legendTop + Math.floor(i / cols) * 16;
      const last = [...s.points].reverse().find((p) => p.v !== null);
      const full = `${formatLabels(s.labels)}${last ? ` = ${formatValue(last.v)} (last)` : ''}`;
      return (
        `<g class="legend-entry"><title>${esc(full)}</title>` +
        `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>` +
        `<text x="${lx + 26}" y="${ly}" dy="3.5" fill="#333" ${MONO} font-size="10.5">${esc(truncate(names[i]!, maxChars))}</text></g>`
      );
    });
    out.push(`<g class="legend">${items.join('')}</g>`);
  }
  out.push('</svg>');
  return out.join('');
}

// ---------------------------------------------------------------------------------------
// Timeline

export interface TimelineItem {
  start: number;
  /** No end (or end = start): drawn as a marker. */
  end?: number;
  /** Text inside the bar, when it fits. */
  label?: string;
  color: string;
  /** Hover text. */
  title?: string;
  /** Bars that ran to the end of the timeline without ending get an open edge. */
  open?: boolean;
}

export interface TimelineLane {
  label: string;
  items: TimelineItem[];
}

export interface TimelineOptions {
  start: number;
  end: number;
  width?: number;
  title?: string;
  bands?: Band[];
  /** Colour key shown under the lanes: [text, colour]. */
  key?: Array<[string, string]>;
}

/** Render lanes of intervals and markers against a shared time axis. */
export function renderTimeline(lanes: readonly TimelineLane[], options: TimelineOptions): string {
  const width = Math.max(360, options.width ?? 880);
  const labelW = Math.round(Math.min(260, width * 0.24));
  const m = { left: labelW, right: 30, top: options.title ? 28 : 10 };
  const plotW = width - m.left - m.right;
  const laneH = 22;
  let t0 = options.start;
  let t1 = options.end;
  if (!(t1 > t0)) {
    t0 -= 30_000;
    t1 = t0 + 60_000;
  }
  const x = (t: number): number => m.left + ((Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0)) * plotW;
  const lanesH = Math.max(1, lanes.length) * laneH;
  const axisY = m.top + lanesH;
  const keyY = axisY + 34;
  const height = keyY + (options.key?.length ? 14 : 0);
  const title = options.title ?? 'timeline';

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${esc(title)}" ${FONT} font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.title) out.push(`<text x="8" y="17" font-size="12" font-weight="600" fill="#222">${esc(options.title)}</text>`);

  lanes.forEach((_, i) => {
    if (i % 2 === 1) out.push(`<rect x="0" y="${m.top + i * laneH}" width="${width}" height="${laneH}" fill="#f6f7f9"/>`);
  });
  for (const b of options.bands ?? []) {
    const bx = x(b.start);
    const bw = Math.max(1.5, x(b.end ?? t1) - bx);
    out.push(
      `<g class="band"><title>${esc(`fault: ${b.label} ${utcDateTime(b.start)} → ${b.end !== undefined ? utcDateTime(b.end) : 'not ended'}`)}</title>` +
        `<rect x="${r1(bx)}" y="${m.top}" width="${r1(bw)}" height="${lanesH}" fill="#e15759" fill-opacity="0.12"/>` +
        `<line x1="${r1(bx)}" x2="${r1(bx)}" y1="${m.top}" y2="${axisY}" stroke="#e15759" stroke-opacity="0.6"/></g>`,
    );
  }
  for (const t of timeTicks(t0, t1, Math.max(2, Math.floor(plotW / 80)))) {
    const xx = r1(x(t));
    out.push(`<line x1="${xx}" x2="${xx}" y1="${m.top}" y2="${axisY + 4}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${xx}" y="${axisY + 16}" text-anchor="middle" fill="#555">${clockTime(t)}</text>`);
  }
  out.push(`<text x="${m.left + plotW}" y="${axisY + 27}" text-anchor="end" font-size="9" fill="#888">UTC</text>`);
  out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${axisY}" y2="${axisY}" stroke="#999"/>`);

  lanes.forEach((lane, i) => {
    const ly = m.top + i * laneH;
    const parts: string[] = [`<text x="8" y="${ly + laneH / 2}" dy="3.5" fill="#222">${esc(truncate(lane.label, Math.floor((labelW - 14) / 6.2)))}<title>${esc(lane.label)}</title></text>`];
    for (const it of lane.items) {
      const hover = `<title>${esc(it.title ?? it.label ?? '')}</title>`;
      const xs = x(it.start);
      if (it.end === undefined || it.end <= it.start) {
        const cy = ly + laneH / 2;
        parts.push(`<g class="marker"><path d="M${r1(xs)} ${r1(cy - 6)}L${r1(xs + 5)} ${r1(cy)}L${r1(xs)} ${r1(cy + 6)}L${r1(xs - 5)} ${r1(cy)}Z" fill="${it.color}" stroke="#fff" stroke-width="0.8"/>${hover}</g>`);
        continue;
      }
      const w = Math.max(2, x(it.end) - xs);
      const label = it.label ? truncate(it.label, Math.floor((w - 6) / 6)) : '';
      parts.push(
        `<g class="bar">${hover}<rect x="${r1(xs)}" y="${ly + 4}" width="${r1(w)}" height="${laneH - 8}" rx="2" fill="${it.color}"${it.open ? ' fill-opacity="0.75"' : ''}/>` +
          (label.length >= 3 ? `<text x="${r1(xs + 3)}" y="${ly + laneH / 2}" dy="3.5" font-size="10" fill="#fff">${esc(label)}</text>` : '') +
          `</g>`,
      );
    }
    out.push(`<g class="lane">${parts.join('')}</g>`);
  });

  if (options.key?.length) {
    let kx = m.left;
    const keys = options.key.map(([text, color]) => {
      const s = `<rect x="${kx}" y="${keyY - 8}" width="10" height="10" fill="${color}"/><text x="${kx + 14}" y="${keyY}" fill="#444">${esc(text)}</text>`;
      kx += 24 + text.length * 6.2;
      return s;
    });
    out.push(`<g class="key">${keys.join('')}</g>`);
  }
  out.push('</svg>');
  return out.join('');
}

/** Where a chart's legend goes under its plot: columns of `colWidth` (one when a single series), and the chart's total height. */
export function legendLayout(seriesCount: number, plotW: number, colWidth: number, legendTop: number): { colW: number; cols: number; legendRows: number; legendTop: number; height: number; maxChars: number } {
  const colW = seriesCount > 1 ? colWidth : plotW;
  const cols = Math.max(1, Math.floor(plotW / colW));
  const legendRows = seriesCount ? Math.ceil(seriesCount / cols) : 0;
  const height = legendTop + legendRows * 16 + (legendRows ? 6 : 0);
  const maxChars = Math.max(8, Math.floor((colW - 28) / 6.3));
  return { colW, cols, legendRows, legendTop, height, maxChars };
}
