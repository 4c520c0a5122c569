/**
 * The log store seam: what the log scenarios need of Loki or VictoriaLogs, in one shape.
 * Scenarios state their expectations once; each store answers them in its own language
 * (LogQL over /loki/api/v1, LogsQL over /select/logsql).
 */
import { HttpError } from '../../assertions/http-client.ts';
import type { StoredEntry } from './ledger.ts';
import type { MetricSamples } from './metrics-text.ts';
import type { LogQueryLanguage, LogStoreKind } from '../plan/log-pipeline.ts';

/** One entry as returned by a query: its stream's labels (stream fields), the store's timestamp and the line. */
export interface StoredLine {
  labels: Record<string, string>;
  tsNs: bigint;
  line: string;
}

/** A raw query given once per language; a store runs the one in its own. */
export type LogQuery = Partial<Record<LogQueryLanguage, string>>;

/** What a store's own counters say about ingestion, cumulative. */
export interface IngestCounters {
  /** Bytes offered to the store (retries included, where the store counts them). */
  receivedBytes: number;
  /** Bytes refused or discarded. */
  discardedBytes: number;
  /** Entries refused by the tenant / per-stream rate limit. */
  rateLimited: number;
  streamLimited: number;
  /** Entries refused as longer than the line limit. */
  tooLong: number;
}

export interface LogStore {
  readonly kind: LogStoreKind;
  readonly language: LogQueryLanguage;
  readonly url: string;
  /** The stream selector of one service: `{service="terminal-mcp"}` in either language. */
  serviceSelector(service: string): string;
  /** Every entry of one service in [startMs, endMs), reduced to seq, store timestamp and line ts (server-side where it can). */
  serviceEntries(service: string, startMs: number, endMs: number, pageLimit: number): Promise<StoredEntry[]>;
  /** Every entry a query in this store's language returns over [startMs, endMs). */
  queryLines(query: string, startMs: number, endMs: number, pageLimit: number): Promise<StoredLine[]>;
  /** One request as a dashboard's log panel sends it: the newest `limit` entries of `query` in [startMs, endMs); how many came back. */
  panelLines(query: string, startMs: number, endMs: number, limit: number): Promise<number>;
  /** Entries of one service whose line contains `text` (a marker), newest window only. */
  findLines(service: string, text: string, startMs: number, endMs: number): Promise<StoredLine[]>;
  /** The label sets (stream fields) of every stream with entries in [startMs, endMs). */
  streams(startMs: number, endMs: number): Promise<Record<string, string>[]>;
  /** Its own /metrics (empty when it is down). */
  metrics(): Promise<MetricSamples>;
  ingest(m: MetricSamples): IngestCounters;
  /** Make what was ingested queryable now (Loki: POST /flush, so days-old entries reach the store; VictoriaLogs: force_flush). */
  flush(): Promise<void>;
  /** Push one entry straight to the store (its Loki-format push endpoint); the HTTP answer, never thrown. */
  pushEntry(labels: Record<string, string>, ts: Date, line: string): Promise<{ status: number; body: string }>;
  /** The lines of the stream with exactly these labels within a minute of `ts`. */
  linesAround(labels: Record<string, string>, ts: Date): Promise<string[]>;
  /**
   * How far past its retention the store may still accept or keep an entry, by design:
   * Loki refuses at the exact limit (reject_old_samples_max_age); VictoriaLogs keeps and
   * drops whole UTC days (measured: an entry 169 h old was accepted with 7d retention).
   */
  readonly retentionGranularityMs: number;
}

/** The query of `q` in this store's language, or undefined when the scenario gave none for it. */
export function queryFor(store: Pick<LogStore, 'language'>, q: LogQuery): string | undefined {
  return q[store.language];
}

/** A label value quoted for a stream selector (the same escaping in LogQL and LogsQL). */
export const escapeLabelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** Runs a push and turns its outcome into the HTTP answer (an HttpError carries status and body). */
export async function pushStatus(push: () => Promise<void>): Promise<{ status: number; body: string }> {
  try {
    await push();
    return { status: 204, body: '' };
  } catch (e) {
    if (e instanceof HttpError && e.status !== undefined) return { status: e.status, body: e.body ?? '' };
    throw e;
  }
}
