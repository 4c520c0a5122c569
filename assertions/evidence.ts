/**
 * The evidence an assertion records for reports: what was asked (query and language),
 * what was expected, when it was evaluated, what came back, and the verdict.
 *
 * Evidence is plain JSON-safe data (see `toJsonSafe`): reports/ serialises it as is.
 */

/** skipped: never evaluated, because what it needs is not in this run. */
export type Verdict = 'pass' | 'fail' | 'skipped';
export type EvidenceLanguage = 'promql' | 'logql' | 'logsql';

/** One series as observed at one evaluation. */
export interface ObservedSeries {
  labels: Record<string, string>;
  /** Instant value (vector/scalar results). Non-finite values are strings: "NaN", "+Inf", "-Inf". */
  value?: number | string;
  /** Range values as [ISO time, value] pairs (matrix results). */
  values?: Array<[string, number | string]>;
  /** Log lines (log query results), as [ISO time, line]. */
  lines?: Array<[string, string]>;
}

/** One evaluation of the query. */
export interface EvidenceObservation {
  /** ISO 8601 time of the evaluation. */
  at: string;
  /** Whether this observation satisfied the probe's condition. */
  ok: boolean;
  /** The series seen (if the probe reported series). */
  series?: ObservedSeries[];
  /** Anything else the probe reported (JSON-safe). */
  value?: unknown;
  /** The error, if the evaluation failed (HTTP error, timeout, ...). */
  error?: string;
}

export interface Evidence {
  query: string;
  language: EvidenceLanguage;
  /** ISO 8601 times of every evaluation, in order. */
  evaluatedAt: string[];
  /** The expectation in words, e.g. "eventually within 2m (poll 5s): ServiceDown firing". */
  expectation: string;
  observed: EvidenceObservation[];
  verdict: Verdict;
  /** Why the verdict, in one sentence. */
  reason?: string;
  /** The time window the expectation covered (ISO 8601). */
  windowStart?: string;
  windowEnd?: string;
}

/**
 * Make a value JSON-safe for evidence: NaN/±Infinity become "NaN"/"+Inf"/"-Inf" (as
 * Prometheus writes them; JSON.stringify would write null), bigints become decimal
 * strings, Dates ISO strings, Errors their message. Plain objects and arrays are copied.
 */
export function toJsonSafe(value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Number.POSITIVE_INFINITY) return '+Inf';
    if (value === Number.NEGATIVE_INFINITY) return '-Inf';
    return value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toJsonSafe(v);
    }
    return out;
  }
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  return value;
}

function safeNumber(v: number): number | string {
  return toJsonSafe(v) as number | string;
}

/** Observed series from instant samples (PromQL vector or LogQL metric vector). */
export function seriesFromVector(samples: ReadonlyArray<{ labels: Record<string, string>; value: number }>): ObservedSeries[] {
  return samples.map((s) => ({ labels: { ...s.labels }, value: safeNumber(s.value) }));
}

/** Observed series from a matrix (timestamps in Unix seconds). */
export function seriesFromMatrix(
  series: ReadonlyArray<{ labels: Record<string, string>; samples: ReadonlyArray<{ timestamp: number; value: number }> }>,
): ObservedSeries[] {
  return series.map((s) => ({
    labels: { ...s.labels },
    values: s.samples.map((p): [string, number | string] => [
      new Date(Math.round(p.timestamp * 1000)).toISOString(),
      safeNumber(p.value),
    ]),
  }));
}

/** Observed series from log streams (timestamps in nanoseconds). */
export function seriesFromStreams(
  streams: ReadonlyArray<{ labels: Record<string, string>; entries: ReadonlyArray<{ tsNs: bigint; line: string }> }>,
): ObservedSeries[] {
  return streams.map((s) => ({
    labels: { ...s.labels },
    lines: s.entries.map((e): [string, string] => [new Date(Number(e.tsNs / 1_000_000n)).toISOString(), e.line]),
  }));
}
