/**
 * The seed's pipeline behind the seams: Loki (LogQL over /loki/api/v1) and Promtail
 * (its positions YAML and its client counters). Both are AGPL and user-supplied; this
 * code runs wherever the user supplies them, and is unit-tested here either way.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { LokiClient } from '../../assertions/loki.ts';
import type { StoredEntry } from './ledger.ts';
import { fetchMetrics, metricSum, type MetricSamples } from './metrics-text.ts';
import { escapeLabelValue, pushStatus, type IngestCounters, type LogStore, type StoredLine } from './log-store.ts';
import type { LogShipper, PositionsReport, ShipperCounters } from './log-shipper.ts';

/**
 * Server-side projection of each line to "<seq> <line ts>" (LogQL line_format): the
 * accounting needs only those, and a burst of 4 KB lines would otherwise be hundreds of
 * MB to transfer. A line without `seq=` comes back unchanged.
 */
export const SEQ_PROJECTION = '| line_format `{{ regexReplaceAll "(?s)^(?:ts=(\\\\S+) )?.*?\\\\bseq=(\\\\d+).*$" __line__ "${2} ${1}" }}`';

export function parseProjected(line: string): { seq: number; lineTsMs?: number } | undefined {
  const m = /^(\d+) (\S*)$/.exec(line);
  if (!m) return undefined;
  const ts = m[2] ? Date.parse(m[2]) : NaN;
  return Number.isFinite(ts) ? { seq: Number(m[1]), lineTsMs: ts } : { seq: Number(m[1]) };
}

const msToNs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

/**
 * Every entry of a log query over [start, end), past Loki's per-query limit: forward
 * pages, each starting at the last timestamp of the one before (inclusive), skipping
 * the entries already seen at that boundary timestamp.
 */
export async function fetchAllEntries(loki: LokiClient, query: string, startNs: bigint, endNs: bigint, pageLimit: number): Promise<StoredLine[]> {
  const out: StoredLine[] = [];
  const key = (e: StoredLine) => `${JSON.stringify(e.labels)}\u0000${e.tsNs}\u0000${e.line}`;
  let start = startNs;
  let boundary = new Set<string>();
  for (let page = 0; ; page++) {
    if (page > 10_000) throw new Error('fetchAllEntries: too many pages');
    const r = await loki.queryRange(query, start, endNs, { limit: pageLimit, direction: 'forward' });
    const entries = r.streams.flatMap((s) => s.entries.map((e) => ({ labels: s.labels, tsNs: e.tsNs, line: e.line })));
    entries.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
    let added = 0;
    for (const e of entries) {
      if (e.tsNs === start && boundary.has(key(e))) continue;
      out.push(e);
      added++;
    }
    if (entries.length < pageLimit) return out;
    const last = entries.at(-1)!.tsNs;
    if (last === start && added === 0) throw new Error(`more than ${pageLimit} entries share the timestamp ${last}: cannot paginate`);
    const atLast = entries.filter((e) => e.tsNs === last).map(key);
    boundary = last === start ? new Set([...boundary, ...atLast]) : new Set(atLast);
    start = last;
  }
}

export class LokiStore implements LogStore {
  readonly kind = 'loki' as const;
  readonly language = 'logql' as const;
  readonly client: LokiClient;

  constructor(readonly url: string) {
    this.client = new LokiClient(url, { timeoutMs: 30_000 });
  }

  serviceSelector(service: string): string {
    return `{service="${escapeLabelValue(service)}"}`;
  }

  async serviceEntries(service: string, startMs: number, endMs: number, pageLimit: number): Promise<StoredEntry[]> {
    const lines = await fetchAllEntries(this.client, `${this.serviceSelector(service)} ${SEQ_PROJECTION}`, msToNs(startMs), msToNs(endMs), pageLimit);
    const out: StoredEntry[] = [];
    for (const l of lines) {
      const p = parseProjected(l.line);
      if (p) out.push({ seq: p.seq, tsNs: l.tsNs, lineTsMs: p.lineTsMs });
    }
    return out;
  }

  queryLines(query: string, startMs: number, endMs: number, pageLimit: number): Promise<StoredLine[]> {
    return fetchAllEntries(this.client, query, msToNs(startMs), msToNs(endMs), pageLimit);
  }

  async panelLines(query: string, startMs: number, endMs: number, limit: number): Promise<number> {
    const r = await this.client.queryRange(query, new Date(startMs), new Date(endMs), { limit, direction: 'backward' });
    return r.streams.reduce((n, s) => n + s.entries.length, 0);
  }

  async findLines(service: string, text: string, startMs: number, endMs: number): Promise<StoredLine[]> {
    const r = await this.client.queryRange(`${this.serviceSelector(service)} |= "${escapeLabelValue(text)}"`, new Date(startMs), new Date(endMs), { limit: 5000, direction: 'forward' });
    return r.streams.flatMap((s) => s.entries.map((e) => ({ labels: s.labels, tsNs: e.tsNs, line: e.line })));
  }

  streams(startMs: number, endMs: number): Promise<Record<string, string>[]> {
    return this.client.series(['{service=~".+"}'], { start: new Date(startMs), end: new Date(endMs) });
  }

  metrics(): Promise<MetricSamples> {
    return fetchMetrics(`${this.url}/metrics`);
  }

  ingest(m: MetricSamples): IngestCounters {
    return {
      receivedBytes: metricSum(m, 'loki_distributor_bytes_received_total'),
      discardedBytes: metricSum(m, 'loki_discarded_bytes_total'),
      rateLimited: metricSum(m, 'loki_discarded_samples_total', { reason: 'rate_limited' }),
      streamLimited: metricSum(m, 'loki_discarded_samples_total', { reason: 'per_stream_rate_limit' }),
      tooLong: metricSum(m, 'loki_discarded_samples_total', { reason: 'line_too_long' }),
    };
  }

  async flush(): Promise<void> {
    await this.client.http.text('POST', '/flush');
  }

  readonly retentionGranularityMs = 0;

  async pushEntry(labels: Record<string, string>, ts: Date, line: string): Promise<{ status: number; body: string }> {
    return pushStatus(() => this.client.push([{ labels, entries: [{ ts, line }] }]));
  }

  async linesAround(labels: Record<string, string>, ts: Date): Promise<string[]> {
    const selector = `{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(', ')}}`;
    const r = await this.client.queryRange(selector, new Date(ts.getTime() - 60_000), new Date(ts.getTime() + 60_000), { limit: 10 });
    return r.streams.flatMap((s) => s.entries.map((e) => e.line));
  }
}


export class PromtailShipper implements LogShipper {
  readonly kind = 'promtail' as const;

  constructor(
    readonly url: string,
    private readonly positionsFile: string | undefined,
  ) {}

  metrics(): Promise<MetricSamples> {
    return fetchMetrics(`${this.url}/metrics`);
  }

  counters(m: MetricSamples): ShipperCounters {
    return {
      sent: metricSum(m, 'promtail_sent_entries_total'),
      retries: metricSum(m, 'promtail_batch_retries_total'),
      droppedRateLimited: metricSum(m, 'promtail_dropped_entries_total', { reason: 'rate_limited' }),
      droppedOther: metricSum(m, 'promtail_dropped_entries_total', { reason: 'ingester_error' }),
      responses429: metricSum(m, 'promtail_request_duration_seconds_count', { status_code: '429' }),
      responses400: metricSum(m, 'promtail_request_duration_seconds_count', { status_code: '400' }),
    };
  }

  /** Promtail's positions YAML: an offset per file, none past the file's end, none before the mark. */
  positions(files: { service: string; logFile: string; markOffset: number }[], _sinceMs?: number): PositionsReport {
    const file = this.positionsFile;
    if (!file) throw new Error('the Promtail config has no positions.filename');
    const doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as { positions?: Record<string, string | number> };
    const problems: string[] = [];
    const rows = files.map(({ service, logFile, markOffset }) => {
      const raw = doc.positions?.[logFile];
      const offset = raw === undefined ? undefined : Number(raw);
      const size = statSync(logFile).size;
      if (offset === undefined) problems.push(`${service}: no position`);
      else if (offset > size) problems.push(`${service}: position ${offset} past the end ${size}`);
      else if (offset < markOffset) problems.push(`${service}: position ${offset} before the mark's ${markOffset} (rewound)`);
      return { service, offset, size, behindBytes: offset === undefined ? undefined : size - offset };
    });
    const behind = rows.reduce((n, r) => n + (r.behindBytes ?? 0), 0);
    const summary = problems.length ? problems.slice(0, 10).join('; ') : `${rows.length} positions in ${file}, all within their files and at or after the mark (${behind} bytes still to read in all)`;
    return { ok: problems.length === 0, summary, rows };
  }
}
