/**
 * Small text helpers shared by the reporters: escaping, times, durations, values, labels.
 * Pure functions; no I/O.
 */

/** Escape text for HTML/XML element content and double- or single-quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** Remove terminal colour/escape sequences (log lines of coloured programs). */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/**
 * Remove what XML 1.0 cannot hold: control characters other than tab/newline/CR, the
 * non-characters U+FFFE/U+FFFF, and lone surrogates. Escape sequences go first.
 */
export function xmlSafeText(s: string): string {
  return stripAnsi(s).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Milliseconds since the epoch for an ISO time; undefined if absent or unparsable. */
export function toMs(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** "HH:MM:SS" of a time, in UTC or local time. */
export function clockTime(t: string | number | Date, utc = true): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return utc
    ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
    : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "2024-05-01 12:00:03Z" — a full UTC time, readable. */
export function utcDateTime(t: string | number | Date | undefined): string {
  if (t === undefined) return '';
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${clockTime(d, true)}Z`;
}

/** A duration for people: "850ms", "12.3s", "1m 02s", "1h 02m". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const s = ms / 1000;
    return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)}s`;
  }
  const totalS = Math.round(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m ${pad(totalS % 60)}s`;
  const totalM = Math.round(totalS / 60);
  return `${Math.floor(totalM / 60)}h ${pad(totalM % 60)}m`;
}

/** A sample value compactly: up to 4 significant digits, SI suffixes for large values. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e15 || a < 1e-4)) return v.toExponential(2);
    // [from, divisor, suffix]: values under 10 000 are written in full.
    for (const [from, d, s] of [[1e12, 1e12, 'T'], [1e9, 1e9, 'G'], [1e6, 1e6, 'M'], [1e4, 1e3, 'k']] as const) {
      if (a >= from) return `${trimNumber(v / d)}${s}`;
    }
    return trimNumber(v);
  }
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v) ?? String(v);
}

function trimNumber(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/** A sample value from evidence (numbers, or "NaN"/"+Inf"/"-Inf"/numeric strings) as a number. */
export function sampleNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === '+Inf' || v === 'Inf') return Number.POSITIVE_INFINITY;
    if (v === '-Inf') return Number.NEGATIVE_INFINITY;
    if (v === 'NaN') return Number.NaN;
    if (v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

/** Prometheus-style series name: `up{job="x", instance="y"}` (or `{}` when empty). */
export function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels) return '{}';
  const { __name__: name, ...rest } = labels;
  const inner = Object.entries(rest)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  if (name) return inner ? `${name}{${inner}}` : name;
  return `{${inner}}`;
}

/** Any JSON-ish value as one short line of text (config values, params). */
export function formatAny(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Shorten to at most `max` characters with an ellipsis. */
export function truncate(s: string, max: number): string {
  if (max <= 1) return s.length > 0 ? '…' : '';
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
