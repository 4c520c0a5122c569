/** Prometheus text format, just enough for the log pipeline's counters. */
import { request } from 'undici';

export type MetricSamples = Map<string, number>;

/** `name{a="b"} 1` lines → map of `name{a="b"}` → value (comments skipped). */
export function parseMetricsText(text: string): MetricSamples {
  const out: MetricSamples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

/** Sum of a metric's samples whose labels include all of `labels`. */
export function metricSum(samples: MetricSamples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [k, v] of samples) {
    if (k !== name && !k.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([lk, lv]) => k.includes(`${lk}="${lv}"`))) total += v;
  }
  return total;
}

/** Counter increase between two snapshots; a reset (process restart) counts from zero. */
export function counterDelta(before: number, after: number): number {
  return after >= before ? after - before : after;
}


/** A component's /metrics, parsed; empty when it does not answer (it is down). */
export async function fetchMetrics(url: string): Promise<MetricSamples> {
  try {
    const res = await request(url, { headersTimeout: 5000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    return res.statusCode === 200 ? parseMetricsText(text) : new Map();
  } catch {
    return new Map();
  }
}
