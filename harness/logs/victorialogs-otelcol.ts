/**
 * The permissive pipeline behind the seams: VictoriaLogs (LogsQL over /select/logsql)
 * and the OpenTelemetry Collector (its exporter counters and its file_storage positions).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VictoriaLogsClient, parseRfc3339Ns, quoteLogsQL, streamFilter } from '../../assertions/victorialogs.ts';
import type { StoredEntry } from './ledger.ts';
import { fetchMetrics, metricSum, type MetricSamples } from './metrics-text.ts';
import { pushStatus, type IngestCounters, type LogStore, type StoredLine } from './log-store.ts';
import type { LogShipper, PositionsReport, ShipperCounters } from './log-shipper.ts';

/** Server-side projection to the store timestamp, seq and the line's own ts (backquoted: LogsQL's "..." takes Go escapes only). */
const SEQ_PROJECTION = '| extract_regexp `(?:^|[^\\w])seq=(?P<seq>\\d+)` | extract_regexp `^ts=(?P<lts>\\S+)` | fields _time, seq, lts';

export class VictoriaLogsStore implements LogStore {
  readonly kind = 'victorialogs' as const;
  readonly language = 'logsql' as const;
  readonly client: VictoriaLogsClient;

  constructor(readonly url: string) {
    this.client = new VictoriaLogsClient(url, { timeoutMs: 60_000 });
  }

  serviceSelector(service: string): string {
    return streamFilter({ service });
  }

  /** One streamed answer, no limit: the projection keeps it to a few dozen bytes a line. */
  async serviceEntries(service: string, startMs: number, endMs: number): Promise<StoredEntry[]> {
    const rows = await this.client.queryRows(`${this.serviceSelector(service)} ${SEQ_PROJECTION}`, { start: new Date(startMs), end: new Date(endMs) });
    const out: StoredEntry[] = [];
    for (const r of rows) {
      if (!r.seq || !r._time) continue;
      const lineTs = r.lts ? Date.parse(r.lts) : NaN;
      out.push({ seq: Number(r.seq), tsNs: parseRfc3339Ns(r._time), lineTsMs: Number.isFinite(lineTs) ? lineTs : undefined });
    }
    return out;
  }

  async queryLines(query: string, startMs: number, endMs: number, pageLimit: number): Promise<StoredLine[]> {
    const entries = await this.client.queryAll(query, { start: new Date(startMs), end: new Date(endMs), pageSize: pageLimit });
    return entries.map((e) => ({ labels: e.stream, tsNs: e.timeNs, line: e.msg }));
  }

  async panelLines(query: string, startMs: number, endMs: number, limit: number): Promise<number> {
    return (await this.client.query(query, { start: new Date(startMs), end: new Date(endMs), limit })).length;
  }

  async findLines(service: string, text: string, startMs: number, endMs: number): Promise<StoredLine[]> {
    // A phrase filter would match whole words only; `~` with the escaped text is Loki's substring `|=`.
    const entries = await this.client.query(`${this.serviceSelector(service)} ~${quoteLogsQL(escapeRegExp(text))}`, { start: new Date(startMs), end: new Date(endMs), limit: 5000 });
    return entries.map((e) => ({ labels: e.stream, tsNs: e.timeNs, line: e.msg }));
  }

  async streams(startMs: number, endMs: number): Promise<Record<string, string>[]> {
    return (await this.client.streams({ start: new Date(startMs), end: new Date(endMs) })).map((s) => s.stream);
  }

  metrics(): Promise<MetricSamples> {
    return fetchMetrics(`${this.url}/metrics`);
  }

  /** VictoriaLogs has no rate limit: nothing is refused for it. */
  ingest(m: MetricSamples): IngestCounters {
    return {
      receivedBytes: metricSum(m, 'vl_bytes_ingested_total'),
      discardedBytes: 0,
      rateLimited: 0,
      streamLimited: 0,
      tooLong: metricSum(m, 'vl_too_long_lines_skipped_total'),
    };
  }

  /** Makes freshly ingested rows searchable at once (they are otherwise within 1-3 s). */
  flush(): Promise<void> {
    return this.client.forceFlush();
  }

  readonly retentionGranularityMs = 24 * 3600_000;

  /** VictoriaLogs answers 204 even for an entry it drops as too old: only a query tells. */
  pushEntry(labels: Record<string, string>, ts: Date, line: string): Promise<{ status: number; body: string }> {
    return pushStatus(() => this.client.pushLoki([{ labels, entries: [{ ts, line }] }], { streamFields: Object.keys(labels), disableMessageParsing: true }));
  }

  async linesAround(labels: Record<string, string>, ts: Date): Promise<string[]> {
    const entries = await this.client.query(streamFilter(labels), { start: new Date(ts.getTime() - 60_000), end: new Date(ts.getTime() + 60_000), limit: 10 });
    return entries.map((e) => e.msg);
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Not a collector metric: the harness's count of the retry lines in the collector's log. */
const LOGGED_RETRIES = 'harness_otelcol_logged_retries';

export class OtelcolShipper implements LogShipper {
  readonly kind = 'otelcol' as const;

  constructor(
    readonly url: string,
    /** The file_storage directories of the rendered config. */
    private readonly storageDirs: string[],
    /** The collector's own log: it reports each retry there ("Exporting failed. Will retry"), and in no metric. */
    private readonly logFile: string | undefined,
  ) {}

  /** Its /metrics, plus the retries its log reports so far (LOGGED_RETRIES), so both snapshot together. */
  async metrics(): Promise<MetricSamples> {
    const m = await fetchMetrics(`${this.url}/metrics`);
    m.set(LOGGED_RETRIES, this.loggedRetries());
    return m;
  }

  private loggedRetries(): number {
    if (!this.logFile) return 0;
    try {
      return readFileSync(this.logFile, 'utf8').split('Will retry the request').length - 1;
    } catch {
      return 0;
    }
  }

  counters(m: MetricSamples): ShipperCounters {
    return {
      sent: metricSum(m, 'otelcol_exporter_sent_log_records'),
      retries: m.get(LOGGED_RETRIES) ?? 0,
      droppedRateLimited: 0,
      droppedOther: metricSum(m, 'otelcol_exporter_send_failed_log_records'),
    };
  }

  /**
   * The collector keeps positions in file_storage (a bbolt database per receiver), which
   * this cannot read: it checks that every receiver's storage file exists and was written
   * since the mark. Delivery without duplicates after a restart is the stronger proof.
   */
  positions(files: { service: string; logFile: string; markOffset: number }[], sinceMs: number): PositionsReport {
    const rows = this.storageDirs.flatMap((dir) => readdirSync(dir).map((f) => ({ file: join(dir, f), bytes: statSync(join(dir, f)).size, modifiedMs: statSync(join(dir, f)).mtimeMs })));
    const problems: string[] = [];
    if (rows.length === 0) problems.push(`no file_storage database in ${this.storageDirs.join(', ')}`);
    for (const r of rows) if (r.bytes === 0) problems.push(`${r.file} is empty`);
    if (rows.length && !rows.some((r) => r.modifiedMs >= sinceMs)) problems.push('no positions written since the mark');
    const summary = problems.length ? problems.join('; ') : `${rows.length} file_storage databases for ${files.length} log files, written since the mark (the collector's positions are not readable here; delivery without duplicates proves them)`;
    return { ok: problems.length === 0, summary, rows };
  }
}
