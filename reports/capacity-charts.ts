/**
 * An SVG chart of numbers against numbers (not time): offered rate against achieved rate,
 * latency against load, scrape duration against series. Generic: series of points with
 * optional error bars, vertical markers (a knee, a gate) and horizontal limits (an SLO, a
 * timeout). Like charts.ts: a pure function returning inline `<svg>`, no scripts, no ids,
 * no external references, every text escaped (well-formed XML as well as HTML).
 */
import { legendLayout, linearDomain, seriesStyle } from './charts.ts';
import { escapeHtml as esc, formatValue, truncate } from './format.ts';

export interface XYPoint {
  x: number;
  /** null (or a non-finite value) breaks the line. */
  y: number | null;
  /** An error bar or bound from lo to hi (same unit as y). */
  lo?: number;
  hi?: number;
  /** Drawn with a red ring (a step that breached its SLO). */
  bad?: boolean;
  /** Hover text; defaults to "name: x → y". */
  title?: string;
}

export interface XYSeries {
  name: string;
  points: XYPoint[];
  /** Defaults to the palette colour of the series' position. */
  color?: string;
  dash?: string;
  /** Join the points with a line (default true); false: markers (and error bars) only. */
  line?: boolean;
  /** Shift markers and error bars sideways by this many px, so an estimate sits beside the value it estimates. */
  offsetPx?: number;
}

/** A reference line: at an x (vertical) or a y (horizontal) value, labelled. */
export interface XYRule {
  at: number;
  label: string;
  color?: string;
  dash?: string;
}

export interface XYChartOptions {
  /** Total width in px (default 880). */
  width?: number;
  /** Height of the plot area in px (default 220). */
  plotHeight?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Vertical markers (a knee, a gate); the x domain widens to include them. */
  vLines?: XYRule[];
  /** Horizontal limits (an SLO, a timeout); the y domain widens to include them. */
  hLines?: XYRule[];
  /** Message drawn when no series has a numeric point. */
  emptyMessage?: string;
}

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const MONO = 'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"';
const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();
const isNum = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Render series of (x, y) points as an SVG chart with error bars, reference lines and a legend. */
export function renderXYChart(series: readonly XYSeries[], options: XYChartOptions = {}): string {
  const width = Math.max(320, options.width ?? 880);
  const plotH = Math.max(80, options.plotHeight ?? 220);
  const m = { left: options.yLabel ? 78 : 64, right: 30, top: options.title ? 30 : 14 };
  const plotW = width - m.left - m.right;
  const axisY = m.top + plotH;
  const tickLabelY = axisY + 16;
  const xLabelY = tickLabelY + (options.xLabel ? 16 : 0);
  const vLines = options.vLines ?? [];
  const hLines = options.hLines ?? [];

  const sorted = series.map((s) => ({ ...s, points: [...s.points].filter((p) => isNum(p.x)).sort((a, b) => a.x - b.x) }));
  const withY = sorted.flatMap((s) => s.points.filter((p) => isNum(p.y)));
  const hasData = withY.length > 0;
  const xd = linearDomain([...withY.map((p) => p.x), ...vLines.map((l) => l.at)], Math.max(2, Math.floor(plotW / 90)));
  const yd = linearDomain([...withY.flatMap((p) => [p.y as number, ...(isNum(p.lo) ? [p.lo] : []), ...(isNum(p.hi) ? [p.hi] : [])]), ...hLines.map((l) => l.at)]);
  const x = (v: number): number => m.left + ((v - xd.lo) / (xd.hi - xd.lo)) * plotW;
  const y = (v: number): number => axisY - ((v - yd.lo) / (yd.hi - yd.lo)) * plotH;

  const { colW, cols, legendTop, height, maxChars } = legendLayout(sorted.length, plotW, 230, xLabelY + 18);

  const title = options.title ?? 'chart';
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="xy-chart" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${esc(title)}" ${FONT} font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.title) out.push(`<text x="${m.left}" y="18" font-size="12" font-weight="600" fill="#222">${esc(truncate(options.title, Math.floor(plotW / 6.5)))}</text>`);

  // Grid and axes.
  for (const v of hasData ? yd.ticks : []) {
    const yy = r1(y(v));
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${m.left - 6}" y="${yy}" dy="3.5" text-anchor="end" fill="#555">${esc(formatValue(v))}</text>`);
  }
  for (const v of hasData ? xd.ticks : []) {
    const xx = r1(x(v));
    out.push(`<line x1="${xx}" x2="${xx}" y1="${m.top}" y2="${axisY + 4}" stroke="#eeeeee"/>`);
    out.push(`<text x="${xx}" y="${tickLabelY}" text-anchor="middle" fill="#555">${esc(formatValue(v))}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#bbb"/>`);
  if (options.xLabel) out.push(`<text x="${r1(m.left + plotW / 2)}" y="${xLabelY}" text-anchor="middle" fill="#444">${esc(options.xLabel)}</text>`);
  if (options.yLabel) out.push(`<text transform="rotate(-90)" x="${r1(-(m.top + plotH / 2))}" y="14" text-anchor="middle" fill="#444">${esc(options.yLabel)}</text>`);

  if (!hasData) {
    out.push(`<text x="${r1(m.left + plotW / 2)}" y="${r1(m.top + plotH / 2)}" text-anchor="middle" fill="#888" font-size="12">${esc(options.emptyMessage ?? 'no numeric values')}</text>`);
    out.push('</svg>');
    return out.join('');
  }

  // Horizontal limits.
  for (const l of hLines) {
    const yy = r1(y(l.at));
    const color = l.color ?? '#c62828';
    out.push(
      `<g class="hline"><title>${esc(`${l.label}: ${formatValue(l.at)}`)}</title>` +
        `<line x1="${m.left}" x2="${m.left + plotW}" y1="${yy}" y2="${yy}" stroke="${color}" stroke-width="1.4" stroke-dasharray="${l.dash ?? '6 3'}"/>` +
        `<text x="${m.left + plotW - 4}" y="${yy}" dy="-4" text-anchor="end" font-size="10.5" fill="${color}">${esc(l.label)}</text></g>`,
    );
  }

  // Vertical markers; labels staggered so neighbours stay readable.
  vLines.forEach((l, i) => {
    const xx = x(l.at);
    const color = l.color ?? '#333333';
    const right = xx > m.left + plotW * 0.7;
    out.push(
      `<g class="vline"><title>${esc(`${l.label}`)}</title>` +
        `<line x1="${r1(xx)}" x2="${r1(xx)}" y1="${m.top}" y2="${axisY}" stroke="${color}" stroke-width="1.6"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>` +
        `<text x="${r1(right ? xx - 4 : xx + 4)}" y="${m.top + 12 + i * 13}" text-anchor="${right ? 'end' : 'start'}" font-size="10.5" font-weight="600" fill="${color}">${esc(l.label)}</text></g>`,
    );
  });

  // Series: line, error bars, markers.
  sorted.forEach((s, i) => {
    const style = seriesStyle(i);
    const color = s.color ?? style.color;
    const dash = s.dash ?? style.dash;
    const off = s.offsetPx ?? 0;
    const parts: string[] = [`<title>${esc(s.name)}</title>`];
    if (s.line !== false) {
      const segs: string[] = [];
      let run: XYPoint[] = [];
      const flush = (): void => {
        if (run.length > 1) segs.push(run.map((p, k) => `${k ? 'L' : 'M'}${r1(x(p.x) + off)} ${r1(y(p.y as number))}`).join(''));
        run = [];
      };
      for (const p of s.points) {
        if (isNum(p.y)) run.push(p);
        else flush();
      }
      flush();
      if (segs.length) parts.push(`<path d="${segs.join('')}" fill="none" stroke="${color}" stroke-width="1.6" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
    for (const p of s.points) {
      const xx = x(p.x) + off;
      if (isNum(p.lo) && isNum(p.hi)) {
        const [a, b] = [y(p.lo), y(p.hi)];
        parts.push(
          `<g class="error-bar"><title>${esc(`${s.name} at ${formatValue(p.x)}: bound ${formatValue(p.lo)}–${formatValue(p.hi)}`)}</title>` +
            `<path d="M${r1(xx)} ${r1(a)}L${r1(xx)} ${r1(b)}M${r1(xx - 3.5)} ${r1(a)}L${r1(xx + 3.5)} ${r1(a)}M${r1(xx - 3.5)} ${r1(b)}L${r1(xx + 3.5)} ${r1(b)}" stroke="${color}" stroke-width="1.2" fill="none"/></g>`,
        );
      }
      if (!isNum(p.y)) continue;
      const yy = y(p.y);
      const hover = p.title ?? `${s.name}: ${formatValue(p.x)} → ${formatValue(p.y)}`;
      parts.push(
        `<g class="point"><title>${esc(hover)}</title><circle cx="${r1(xx)}" cy="${r1(yy)}" r="3" fill="${color}"/>` +
          (p.bad ? `<circle cx="${r1(xx)}" cy="${r1(yy)}" r="5.5" fill="none" stroke="#e15759" stroke-width="1.5"/>` : '') +
          `</g>`,
      );
    }
    out.push(`<g class="xy-series">${parts.join('')}</g>`);
  });

  // Legend.
  const items = sorted.map((s, i) => {
    const style = seriesStyle(i);
    const color = s.color ?? style.color;
    const dash = s.dash ?? style.dash;
    const lx = m.left + (i % cols) * colW;
    const ly = legendTop + Math.floor(i / cols) * 16;
    const swatch =
      s.line === false
        ? `<circle cx="${lx + 10}" cy="${ly}" r="3" fill="${color}"/><path d="M${lx + 10} ${ly - 6}L${lx + 10} ${ly + 6}" stroke="${color}" stroke-width="1.2"/>`
        : `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
    return `<g class="legend-entry"><title>${esc(s.name)}</title>${swatch}<text x="${lx + 26}" y="${ly}" dy="3.5" fill="#333" ${MONO} font-size="10.5">${esc(truncate(s.name, maxChars))}</text></g>`;
  });
  if (items.length) out.push(`<g class="legend">${items.join('')}</g>`);
  out.push('</svg>');
  return out.join('');
}
