/**
 * Log delivery accounting, in the spirit of loki-canary: every line a fake service
 * writes carries a per-process `seq` (fake-services/logfmt.ts), so "did every line reach
 * Loki?" has an exact answer.
 *
 *   emitted   the service's own count: GET /stats `lastSeq` on its control port (and
 *             `malformedSeqs`, the lines the malformed-logs fault wrote broken);
 *   stored    what Loki returns for `{service="<name>"}` over the window, paginated
 *             (direction=forward, start advanced to the last timestamp seen) and projected
 *             server-side to "<seq> <line ts>" with line_format, so a 300k-line burst is
 *             a few MB to fetch, not a few hundred;
 *   reconciled per service: missing seq ranges, duplicates (a seq stored twice: Promtail
 *             re-read the file), out of order (a seq stored with an earlier Loki timestamp
 *             than a higher seq), and latency (Loki's entry timestamp, which Promtail sets
 *             to the moment it read the line, minus the line's own `ts=`).
 *
 * A `LogWindow` is the ledger a scenario keeps: `win.mark()` (a step) snapshots every
 * service's lastSeq, log file size and the Loki/Promtail counters; the checks it hands
 * out (`win.delivered()`, `win.latency()`, `win.limiter()`, and the LogQL audits in
 * log-queries.ts) reconcile against that mark. The first evaluation of a check fixes
 * the cut (each service's lastSeq at that moment); later polls only wait for the lines
 * up to the cut to arrive, so continuing background traffic never keeps it failing.
 *
 * Which lines may legitimately be missing is read from the rendered config, never
 * assumed: Loki discards a line longer than `limits_config.max_line_size` (256KB unless
 * set; truncated instead with `max_line_size_truncate`), and Promtail drops a batch only
 * after its retries (`backoff_config`) are exhausted, which `predictBurst` and
 * `retrySchedule` turn into numbers.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../assertions/duration.ts';
import { LokiClient } from '../../assertions/loki.ts';
import type { ProbeResult } from '../../assertions/expectations.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { ServiceEndpoint } from '../stack/topology.ts';
import type { Check, CheckContext } from './checks.ts';
import type { CustomStep } from './scenario.ts';

// =======================================================================================
// Pure accounting (unit-tested in test/unit/engine/log-delivery.test.ts)
// =======================================================================================

export type SeqRange = [number, number];

/** Sorted, de-duplicated integers as inclusive ranges: [1,2,3,7,9,10] → [[1,3],[7,7],[9,10]]. */
export function compressRanges(values: Iterable<number>): SeqRange[] {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const out: SeqRange[] = [];
  for (const v of sorted) {
    const last = out.at(-1);
    if (last && v === last[1] + 1) last[1] = v;
    else out.push([v, v]);
  }
  return out;
}

export function rangeCount(ranges: readonly SeqRange[]): number {
  return ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/** "120-122, 130, 200-250 (+4 more ranges)". */
export function formatRanges(ranges: readonly SeqRange[], max = 10): string {
  if (ranges.length === 0) return 'none';
  const shown = ranges.slice(0, max).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  return shown.join(', ') + (ranges.length > max ? ` (+${ranges.length - max} more ranges)` : '');
}

/**
 * Nearest-rank percentile (the smallest value with at least p % of the values at or
 * below it): p50 of [1,2,3,4] is 2, p99 of 100 values is the 99th. Undefined when empty.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface LatencySummary {
  n: number;
  p50?: number;
  p99?: number;
  max?: number;
}

export function summarizeLatency(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
  return { n: sorted.length, p50: round(at(50)), p99: round(at(99)), max: round(sorted.at(-1)!) };
}

const round = (x: number) => Math.round(x * 10) / 10;

/** The first `seq=<n>` of a line (malformed lines keep one too); undefined when there is none. */
export function parseSeq(line: string): number | undefined {
  const m = /(?:^|[^\w])seq=(\d+)/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** The line's own `ts=` (a well-formed line starts with it), as ms since the epoch. */
export function parseLineTs(line: string): number | undefined {
  const m = /^ts=(\S+)/.exec(line);
  if (!m) return undefined;
  const ms = Date.parse(m[1]!);
  return Number.isFinite(ms) ? ms : undefined;
}

/** One entry as Loki stored it, reduced to what accounting needs. */
export interface StoredEntry {
  seq: number;
  /** Loki's timestamp (ns): when Promtail read the line (no pipeline stage sets it from the line). */
  tsNs: bigint;
  /** The line's own `ts=`, ms; absent for malformed lines. */
  lineTsMs?: number;
}

export interface ReconcileInput {
  service: string;
  /** Last seq before the window (exclusive lower bound). */
  fromSeq: number;
  /** Last seq of the window (inclusive upper bound: the cut). */
  toSeq: number;
  entries: readonly StoredEntry[];
  /** Seqs the configuration says cannot be stored (e.g. longer than max_line_size). */
  expectedDropped?: Iterable<number>;
}

export interface ServiceDelivery {
  service: string;
  fromSeq: number;
  toSeq: number;
  /** Lines written in the window: toSeq - fromSeq. */
  emitted: number;
  /** Of those, lines the config says Loki discards. */
  expectedDropped: number;
  /** Distinct seqs of the window found in Loki. */
  stored: number;
  /** Seqs neither stored nor expected to be dropped. */
  missing: number;
  missingRanges: SeqRange[];
  /** Expected-dropped seqs that were stored anyway (the config did not do what it says). */
  unexpectedlyStored: SeqRange[];
  /** Extra copies: entries beyond the first for a seq. */
  duplicates: number;
  duplicateRanges: SeqRange[];
  /** First copies stored with an earlier Loki timestamp than a higher seq. */
  outOfOrder: number;
  outOfOrderRanges: SeqRange[];
  /** Entries outside (fromSeq, toSeq] (earlier or later lines), ignored. */
  outside: number;
  /** Loki timestamp − line ts, ms, over first copies with a parseable ts. */
  latencyMs: LatencySummary;
  /** Latest Loki timestamp of the window's entries (when Promtail read the last line), ms. */
  lastStoredMs?: number;
  /** Raw latency values (not serialised into evidence). */
  latencyValues?: number[];
}

export function nsToMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

export function reconcile(input: ReconcileInput): ServiceDelivery {
  const { fromSeq, toSeq } = input;
  const dropped = new Set([...(input.expectedDropped ?? [])].filter((s) => s > fromSeq && s <= toSeq));
  const inWindow = input.entries.filter((e) => e.seq > fromSeq && e.seq <= toSeq);
  // Loki order: by timestamp; equal timestamps carry no order information, so sort them by seq.
  const ordered = [...inWindow].sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : a.seq - b.seq));
  const copies = new Map<number, number>();
  const dupSeqs: number[] = [];
  const oooSeqs: number[] = [];
  const latency: number[] = [];
  let maxSeq = -Infinity;
  for (const e of ordered) {
    const n = (copies.get(e.seq) ?? 0) + 1;
    copies.set(e.seq, n);
    if (n > 1) {
      dupSeqs.push(e.seq);
      continue;
    }
    if (e.seq < maxSeq) oooSeqs.push(e.seq);
    maxSeq = Math.max(maxSeq, e.seq);
    if (e.lineTsMs !== undefined) latency.push(nsToMs(e.tsNs) - e.lineTsMs);
  }
  const missing: number[] = [];
  const unexpectedlyStored: number[] = [];
  for (let s = fromSeq + 1; s <= toSeq; s++) {
    const has = copies.has(s);
    if (dropped.has(s)) {
      if (has) unexpectedlyStored.push(s);
    } else if (!has) missing.push(s);
  }
  const missingRanges = compressRanges(missing);
  return {
    service: input.service,
    fromSeq,
    toSeq,
    emitted: Math.max(0, toSeq - fromSeq),
    expectedDropped: dropped.size,
    stored: copies.size,
    missing: missing.length,
    missingRanges,
    unexpectedlyStored: compressRanges(unexpectedlyStored),
    duplicates: dupSeqs.length,
    duplicateRanges: compressRanges(dupSeqs),
    outOfOrder: oooSeqs.length,
    outOfOrderRanges: compressRanges(oooSeqs),
    outside: input.entries.length - inWindow.length,
    latencyMs: summarizeLatency(latency),
    latencyValues: latency,
    lastStoredMs: ordered.length ? nsToMs(ordered.at(-1)!.tsNs) : undefined,
  };
}

export interface DeliveryBounds {
  /** Lines (beyond the expected-dropped ones) the limits predict as lost: missing must equal it. */
  predictedLoss?: number;
  maxDuplicates?: number;
  maxOutOfOrder?: number;
  /** The latency p99 (Loki timestamp − line ts) must stay below this, when given. */
  latencyP99BelowMs?: number;
}

export interface DeliveryVerdict {
  ok: boolean;
  summary: string;
  totals: { emitted: number; stored: number; expectedDropped: number; missing: number; duplicates: number; outOfOrder: number; unexpectedlyStored: number; lastStoredMs?: number };
  latencyMs: LatencySummary;
}

/** The verdict over every service, and a one-line summary naming the missing seq ranges. */
export function judgeDelivery(results: readonly ServiceDelivery[], bounds: DeliveryBounds = {}): DeliveryVerdict {
  const sum = (f: (r: ServiceDelivery) => number) => results.reduce((n, r) => n + f(r), 0);
  const totals = {
    emitted: sum((r) => r.emitted),
    stored: sum((r) => r.stored),
    expectedDropped: sum((r) => r.expectedDropped),
    missing: sum((r) => r.missing),
    duplicates: sum((r) => r.duplicates),
    outOfOrder: sum((r) => r.outOfOrder),
    unexpectedlyStored: sum((r) => rangeCount(r.unexpectedlyStored)),
    lastStoredMs: results.reduce<number | undefined>((m, r) => (r.lastStoredMs === undefined ? m : Math.max(m ?? -Infinity, r.lastStoredMs)), undefined),
  };
  const latencyMs = summarizeLatency(results.flatMap((r) => r.latencyValues ?? []));
  const predictedLoss = bounds.predictedLoss ?? 0;
  const problems: string[] = [];
  if (totals.missing !== predictedLoss) {
    const which = results.filter((r) => r.missing > 0).map((r) => `${r.service} ${r.missing} [seq ${formatRanges(r.missingRanges, 6)}]`);
    problems.push(`missing ${totals.missing} (predicted ${predictedLoss})${which.length ? `: ${which.join('; ')}` : ''}`);
  }
  if (totals.unexpectedlyStored > 0)
    problems.push(`stored although the config discards them: ${results.filter((r) => r.unexpectedlyStored.length).map((r) => `${r.service} [seq ${formatRanges(r.unexpectedlyStored, 6)}]`).join('; ')}`);
  if (totals.duplicates > (bounds.maxDuplicates ?? 0))
    problems.push(`duplicates ${totals.duplicates}: ${results.filter((r) => r.duplicates).map((r) => `${r.service} ${r.duplicates} [seq ${formatRanges(r.duplicateRanges, 6)}]`).join('; ')}`);
  if (totals.outOfOrder > (bounds.maxOutOfOrder ?? 0))
    problems.push(`out of order ${totals.outOfOrder}: ${results.filter((r) => r.outOfOrder).map((r) => `${r.service} ${r.outOfOrder} [seq ${formatRanges(r.outOfOrderRanges, 6)}]`).join('; ')}`);
  if (bounds.latencyP99BelowMs !== undefined && (latencyMs.p99 ?? 0) >= bounds.latencyP99BelowMs) problems.push(`latency p99 ${latencyMs.p99} ms ≥ ${bounds.latencyP99BelowMs} ms`);
  const lat = latencyMs.n ? `latency (Loki ts − line ts) p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, max ${latencyMs.max} ms` : 'no latency samples';
  const head = `${results.length} services: emitted ${totals.emitted}, stored ${totals.stored}, dropped by config ${totals.expectedDropped}, missing ${totals.missing}, duplicates ${totals.duplicates}, out of order ${totals.outOfOrder}; ${lat}`;
  return { ok: problems.length === 0, summary: problems.length ? `${problems.join(' | ')} — ${head}` : head, totals, latencyMs };
}

// ---------------------------------------------------------------------------------------
// Limits of the pipeline, read from the rendered config
// ---------------------------------------------------------------------------------------

/** Loki's byte sizes (c2h5oh/datasize): "256KB" = 262144, "3MB" = 3 MiB; bare numbers are bytes. */
export function parseByteSize(v: string | number | undefined, dflt: number): number {
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?i?b?)?\s*$/i.exec(v);
  if (!m) throw new Error(`cannot read byte size "${v}"`);
  const unit = (m[2] ?? '').toLowerCase().replace(/i?b$/, '').replace(/i$/, '');
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4, p: 5 }[unit];
  if (pow === undefined) throw new Error(`cannot read byte size "${v}"`);
  return Math.round(Number(m[1]) * 1024 ** pow);
}

export interface BackoffConfig {
  minMs: number;
  maxMs: number;
  /** Sends in all (the first plus retries); 0 = retry forever. */
  maxRetries: number;
}

export interface PipelineLimits {
  loki: {
    ingestionRateBytes: number;
    ingestionBurstBytes: number;
    perStreamRateBytes: number;
    perStreamBurstBytes: number;
    maxLineSize: number;
    maxLineSizeTruncate: boolean;
    shardStreams: { enabled: boolean; desiredRateBytes: number };
    maxEntriesPerQuery: number;
  };
  promtail: {
    batchWaitMs: number;
    batchSizeBytes: number;
    timeoutMs: number;
    backoff: BackoffConfig;
    /** Promtail's own line limit (0 = none). */
    maxLineSize: number;
    positionsFile: string | undefined;
    positionsSyncMs: number;
    filePollMs: number;
  };
}

const MiB = 1 << 20;

/** Limits of Loki 3.6 and Promtail 3.6 as configured, with their defaults where unset. */
export function readPipelineLimits(lokiYaml: string, promtailYaml: string): PipelineLimits {
  const loki = (parseYaml(lokiYaml) ?? {}) as { limits_config?: Record<string, unknown> };
  const pt = (parseYaml(promtailYaml) ?? {}) as { clients?: Record<string, unknown>[]; limits_config?: Record<string, unknown>; positions?: Record<string, unknown>; file_watch_config?: Record<string, unknown> };
  const l = loki.limits_config ?? {};
  const num = (v: unknown, d: number) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
  const dur = (v: unknown, d: string) => parseDuration(typeof v === 'string' ? v : d);
  const shard = (l.shard_streams ?? {}) as Record<string, unknown>;
  const c = pt.clients?.[0] ?? {};
  const b = (c.backoff_config ?? {}) as Record<string, unknown>;
  return {
    loki: {
      ingestionRateBytes: num(l.ingestion_rate_mb, 4) * MiB,
      ingestionBurstBytes: num(l.ingestion_burst_size_mb, 6) * MiB,
      perStreamRateBytes: parseByteSize(l.per_stream_rate_limit as string | number | undefined, 3 * MiB),
      perStreamBurstBytes: parseByteSize(l.per_stream_rate_limit_burst as string | number | undefined, 15 * MiB),
      maxLineSize: parseByteSize(l.max_line_size as string | number | undefined, 256 * 1024),
      maxLineSizeTruncate: l.max_line_size_truncate === true,
      shardStreams: { enabled: shard.enabled !== false, desiredRateBytes: parseByteSize(shard.desired_rate as string | number | undefined, 1536 * 1024) },
      maxEntriesPerQuery: num(l.max_entries_limit_per_query, 5000),
    },
    promtail: {
      batchWaitMs: dur(c.batchwait, '1s'),
      batchSizeBytes: num(c.batchsize, MiB),
      timeoutMs: dur(c.timeout, '10s'),
      backoff: { minMs: dur(b.min_period, '500ms'), maxMs: dur(b.max_period, '5m'), maxRetries: num(b.max_retries, 10) },
      maxLineSize: parseByteSize((pt.limits_config ?? {}).max_line_size as string | number | undefined, 0),
      positionsFile: typeof pt.positions?.filename === 'string' ? pt.positions.filename : undefined,
      positionsSyncMs: dur(pt.positions?.sync_period, '10s'),
      filePollMs: dur(pt.file_watch_config?.max_poll_frequency, '250ms'),
    },
  };
}

export interface RetrySchedule {
  /** Requests a batch gets before Promtail drops it. */
  sends: number;
  /** Each wait between sends: [min, max] ms (dskit backoff: uniform in [d, 2d), doubling, capped). */
  waits: [number, number][];
  /** How long a batch is retried at the least and at the most before it is dropped. */
  budgetMs: [number, number];
}

/**
 * Promtail's retry schedule for one batch (clients/pkg/promtail/client: send, and on a
 * 429/5xx/connection error wait and send again; dskit backoff.Wait sleeps only while
 * fewer than max_retries attempts have been counted, so max_retries sends, max_retries−1 waits).
 */
export function retrySchedule(b: BackoffConfig): RetrySchedule {
  const waits: [number, number][] = [];
  let lo = b.minMs;
  let hi = Math.min(2 * b.minMs, b.maxMs);
  const n = b.maxRetries === 0 ? 60 : b.maxRetries - 1;
  for (let i = 0; i < n; i++) {
    waits.push(lo >= hi ? [lo, lo] : [lo, hi]);
    if (hi < b.maxMs) {
      lo = Math.min(2 * lo, b.maxMs);
      hi = Math.min(2 * hi, b.maxMs);
    }
  }
  const total = (i: 0 | 1) => (b.maxRetries === 0 ? Infinity : waits.reduce((s, w) => s + w[i], 0));
  return { sends: b.maxRetries === 0 ? Infinity : b.maxRetries, waits, budgetMs: [total(0), total(1)] };
}

/**
 * The longest Promtail can take, after Loki answers again, to send its stuck batch: the
 * longest backoff wait that can be in progress `downMs` after the first failure (the
 * worst case over the jitter). Infinity when the batch may have been dropped by then.
 */
export function retryGapBoundMs(downMs: number, b: BackoffConfig): number {
  const s = retrySchedule(b);
  let earliestStart = 0;
  let worst = 0;
  for (const [lo, hi] of s.waits) {
    if (earliestStart > downMs) break;
    worst = Math.max(worst, hi);
    earliestStart += lo;
  }
  if (downMs >= s.budgetMs[0]) return Infinity;
  return worst;
}

export interface BurstPrediction {
  offeredBytes: number;
  durationMs: number;
  offeredBytesPerSecond: number;
  /** The tenant token bucket: capacity ingestion_burst_size_mb, refill ingestion_rate_mb. */
  rateBytesPerSecond: number;
  burstBytes: number;
  /** Offered more than the bucket holds plus what it refills during the burst: 429s are due. */
  exceedsTenantLimit: boolean;
  /** Per stream (one per service unless Loki shards it): the same question. */
  exceedsStreamLimit: boolean;
  /** Earliest everything can be accepted, ms after the burst began (the limit's drain time). */
  drainMs: number;
  /** A batch larger than the bucket can never be accepted: it is retried to the end and dropped. */
  batchFitsBucket: boolean;
  /** Each rate-limited batch waits ≈ batchsize / rate for tokens; it is dropped only if that outlasts the retries. */
  retryBudgetMs: [number, number];
  predictedLostLines: number;
  reasoning: string;
}

/**
 * What the configured limits predict for a burst of `offeredBytes` over `durationMs`
 * spread over `streams` streams, written as `lineBytes`-sized lines.
 */
export function predictBurst(limits: PipelineLimits, burst: { offeredBytes: number; durationMs: number; streams: number; lineBytes: number }): BurstPrediction {
  const r = limits.loki.ingestionRateBytes;
  const cap = limits.loki.ingestionBurstBytes;
  const sec = burst.durationMs / 1000;
  const offeredPerSec = burst.offeredBytes / sec;
  const exceedsTenantLimit = burst.offeredBytes > cap + r * sec;
  const perStream = burst.offeredBytes / Math.max(1, burst.streams);
  const streamRate = limits.loki.shardStreams.enabled ? Infinity : limits.loki.perStreamRateBytes; // sharding splits a fast stream
  const exceedsStreamLimit = Number.isFinite(streamRate) && perStream > limits.loki.perStreamBurstBytes + streamRate * sec;
  const drainMs = Math.max(burst.durationMs, ((burst.offeredBytes - cap) / r) * 1000);
  const batch = limits.promtail.batchSizeBytes;
  const batchFitsBucket = batch <= cap && (limits.loki.shardStreams.enabled || batch <= limits.loki.perStreamBurstBytes);
  const s = retrySchedule(limits.promtail.backoff);
  const waitForTokensMs = (batch / r) * 1000;
  const lost = !batchFitsBucket || waitForTokensMs >= s.budgetMs[0];
  const linesPerBatch = Math.max(1, Math.floor(batch / burst.lineBytes));
  const predictedLostLines = lost ? (exceedsTenantLimit || exceedsStreamLimit ? Math.ceil(burst.offeredBytes / burst.lineBytes) : 0) : 0;
  const mb = (x: number) => `${(x / MiB).toFixed(1)} MiB`;
  const reasoning =
    `offered ${mb(burst.offeredBytes)} in ${sec.toFixed(1)}s (${mb(offeredPerSec)}/s) against ingestion_rate ${mb(r)}/s with burst ${mb(cap)}: ` +
    (exceedsTenantLimit ? `over the bucket by ${mb(burst.offeredBytes - cap - r * sec)}, so Loki answers 429 and Promtail retries; ` : 'within the bucket, so no 429 is due; ') +
    `drain no earlier than ${(drainMs / 1000).toFixed(1)}s after the start. A ${mb(batch)} batch (≈${linesPerBatch} lines) needs ${waitForTokensMs.toFixed(0)} ms of refill, ` +
    `Promtail retries it for ${(s.budgetMs[0] / 1000).toFixed(1)}–${(s.budgetMs[1] / 1000).toFixed(1)}s: ` +
    (lost ? `batches will be dropped (predicted loss ${predictedLostLines} lines)` : 'no batch can run out of retries, predicted loss 0 lines');
  return {
    offeredBytes: burst.offeredBytes,
    durationMs: burst.durationMs,
    offeredBytesPerSecond: Math.round(offeredPerSec),
    rateBytesPerSecond: r,
    burstBytes: cap,
    exceedsTenantLimit,
    exceedsStreamLimit,
    drainMs: Math.round(drainMs),
    batchFitsBucket,
    retryBudgetMs: s.budgetMs,
    predictedLostLines,
    reasoning,
  };
}

// ---------------------------------------------------------------------------------------
// Prometheus text format, just enough for counters
// ---------------------------------------------------------------------------------------

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

// =======================================================================================
// Against the running stack
// =======================================================================================

export interface ServiceStats {
  service: string;
  pid: number;
  lastSeq: number;
  linesWritten: number;
  malformedSeqs: number[];
}

export async function fetchStats(svc: ServiceEndpoint): Promise<ServiceStats> {
  const res = await request(`${svc.controlUrl}/stats`, { headersTimeout: 5000, bodyTimeout: 5000 });
  const body = (await res.body.json()) as ServiceStats;
  if (res.statusCode !== 200) throw new Error(`GET ${svc.controlUrl}/stats → ${res.statusCode}`);
  return body;
}

async function fetchText(url: string): Promise<string> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 10_000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} → ${res.statusCode}`);
  return text;
}

/** Loki's and Promtail's own counters (empty when one is down). */
export async function snapshotPipelineMetrics(env: EnvironmentHandle): Promise<{ loki: MetricSamples; promtail: MetricSamples; atMs: number }> {
  const get = (url: string) => fetchText(url).then(parseMetricsText, () => new Map() as MetricSamples);
  const [loki, promtail] = await Promise.all([get(`${env.stack.url('loki')}/metrics`), get(`${env.stack.url('promtail')}/metrics`)]);
  return { loki, promtail, atMs: Date.now() };
}

/** Calls `fn(line, offset)` for every complete line of `file` from `fromOffset` (bytes, without the newline). */
export function forEachLine(file: string, fromOffset: number, fn: (line: Buffer, offset: number) => void): number {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(4 << 20);
    let carry: Buffer = Buffer.alloc(0);
    let pos = fromOffset;
    let lineStart = fromOffset;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      pos += n;
      let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let i = data.indexOf(10, start); i !== -1; i = data.indexOf(10, start)) {
        fn(data.subarray(start, i), lineStart);
        lineStart += i - start + 1;
        start = i + 1;
      }
      carry = Buffer.from(data.subarray(start));
      data = Buffer.alloc(0);
    }
    return lineStart;
  } finally {
    closeSync(fd);
  }
}

export interface StoredLine {
  labels: Record<string, string>;
  tsNs: bigint;
  line: string;
}

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

export const escapeLabelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export interface ServiceMark {
  service: string;
  pid: number;
  lastSeq: number;
  /** Log file size when marked (read before the stats, so it is at or before seq lastSeq+1). */
  fileOffset: number;
}

export interface WindowMark {
  atMs: number;
  services: Map<string, ServiceMark>;
  metrics: { loki: MetricSamples; promtail: MetricSamples; atMs: number };
}

/** Each service's lastSeq and malformed seqs at the cut. */
export interface Cut {
  atMs: number;
  stats: Map<string, ServiceStats>;
}

export interface DeliveryOptions extends Omit<DeliveryBounds, 'predictedLoss'> {
  /** Lines the limits predict as lost (a number, or computed when the check runs, e.g. from the window's burst plan). */
  predictedLoss?: number | (() => number);
  /** Services to account (default: every fake service of the topology). */
  services?: string[];
  /** Report the time to full delivery since this note (see `LogWindow.note`). */
  since?: string;
  title?: string;
  /** Fetch concurrency against Loki (default 3). */
  concurrency?: number;
}

export interface BurstPlan {
  services: string[];
  linesPerSecondPerService: number;
  lineBytes: number;
  durationMs: number;
  startedAt: string;
  prediction: BurstPrediction;
}

export interface LatencyProbeOptions {
  service: string;
  /** Marker lines to write (default 20). */
  markers?: number;
  /** Marker lines per second (default 10). */
  perSecond?: number;
  /** p99 of emit → queryable must stay below this (default: no bound, only that all markers arrive). */
  p99BelowMs?: number | ((limits: PipelineLimits, ctx: CheckContext) => number);
  /** Give up waiting for markers after this (default 30 s + the writing time). */
  timeoutMs?: number;
  title?: string;
}

export interface LimiterOptions {
  /** Promtail must not drop more entries than this for rate limiting (default 0). */
  maxRateLimitedDrops?: number;
  /** Require Loki to have answered 429 at least once since the mark (the limit was really hit). */
  expect429?: boolean;
  /** Require no 429 at all since the mark (the burst stayed within the limit). */
  expectNo429?: boolean;
  /** Require Promtail to have retried at least once (e.g. across a Loki outage). */
  expectRetries?: boolean;
  /** Loki's line_too_long discards must equal this (e.g. the oversized lines the last `delivered` found expected-dropped). */
  lineTooLong?: () => number;
  /** Expect what the window's burst plan predicts: 429s when it exceeds the tenant bucket, none when it stays within. */
  followBurst?: boolean;
  /** Check the accepted byte rate against the token bucket of the config, sampled by `win.sampleIngest()`. */
  bucketInvariant?: boolean;
  title?: string;
}

const pLimit = async <T, R>(items: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
};

/**
 * The ledger of one accounting window. Create one per window in a scenario file; its
 * `mark()` step must run before any of its checks is evaluated.
 */
export class LogWindow {
  private env: EnvironmentHandle | undefined;
  private markState: WindowMark | undefined;
  private readonly notes = new Map<string, number>();
  private limitsCache: PipelineLimits | undefined;
  /** Loki's received (offered, retries included) and discarded bytes over time, while `sampleIngest` runs; accepted = received − discarded. */
  readonly ingestSamples: { atMs: number; receivedBytes: number; discardedBytes: number }[] = [];
  private sampler: NodeJS.Timeout | undefined;
  /** Set by a limit-relative burst (harness/chaos/log-faults.ts limitBurst): what was offered and what the limits predict. */
  burstPlan: BurstPlan | undefined;
  /** Totals of the last `delivered` evaluation. */
  lastDelivery: DeliveryVerdict['totals'] | undefined;

  constructor(readonly name = 'logs') {}

  /**
   * How long lines written before a cut can take to become queryable on a healthy
   * pipeline: Promtail's file poll and batch wait, one retry wait, a push timeout, and
   * room for reconciling (absolute: the renderer does not time-scale Promtail or Loki).
   */
  deliveryBoundMs(extraMs = 0): number {
    const p = this.limits().promtail;
    return p.filePollMs + p.batchWaitMs + (retrySchedule(p.backoff).waits[0]?.[1] ?? 0) + p.timeoutMs + 15_000 + extraMs;
  }

  /** Deadline for a burst's full delivery: the predicted drain time, with `factor` for a Promtail slower than the limit. */
  burstBoundMs(factor = 2): number {
    if (!this.burstPlan) throw new Error(`log window "${this.name}": no burst planned`);
    return this.burstPlan.prediction.drainMs * factor + this.deliveryBoundMs();
  }

  /**
   * After an outage between the notes `down` and `up`: Promtail's worst-case wait for
   * its next retry (its backoff, from the config), plus `deliveryBoundMs`.
   */
  recoveryBoundMs(down: string, up: string): number {
    const a = this.notes.get(down);
    const b = this.notes.get(up);
    if (a === undefined || b === undefined) throw new Error(`log window "${this.name}": notes "${down}" and "${up}" are needed for the recovery bound`);
    const gap = retryGapBoundMs(b - a, this.limits().promtail.backoff);
    if (!Number.isFinite(gap)) throw new Error(`the outage (${((b - a) / 1000).toFixed(1)}s) outlasts Promtail's retry budget: batches are dropped by design`);
    return gap + this.deliveryBoundMs();
  }

  get marked(): WindowMark {
    if (!this.markState || !this.env) throw new Error(`log window "${this.name}": no mark yet (put win.mark() before its checks)`);
    return this.markState;
  }

  get environment(): EnvironmentHandle {
    if (!this.env) throw new Error(`log window "${this.name}": no mark yet`);
    return this.env;
  }

  limits(): PipelineLimits {
    const env = this.environment;
    this.limitsCache ??= readPipelineLimits(readFileSync(env.stack.config.files.loki, 'utf8'), readFileSync(env.stack.config.files.promtail, 'utf8'));
    return this.limitsCache;
  }

  noteAt(name: string): number | undefined {
    return this.notes.get(name);
  }

  loki(): LokiClient {
    return new LokiClient(this.environment.stack.url('loki'), { timeoutMs: 30_000 });
  }

  services(names?: string[]): ServiceEndpoint[] {
    const all = this.environment.stack.topology.services;
    if (!names) return all;
    return names.map((n) => {
      const s = all.find((x) => x.name === n);
      if (!s) throw new Error(`log window "${this.name}": no service named ${n}`);
      return s;
    });
  }

  /** Step: snapshot every service's lastSeq and log size, and the pipeline's counters. */
  mark(title = `mark log window "${this.name}": every service's lastSeq and the pipeline counters`): CustomStep {
    return {
      type: 'custom',
      title,
      run: async (env) => {
        this.env = env;
        this.limitsCache = undefined;
        const services = new Map<string, ServiceMark>();
        await Promise.all(
          env.stack.topology.services.map(async (svc) => {
            let fileOffset = 0;
            try {
              fileOffset = statSync(svc.logFile).size;
            } catch {
              fileOffset = 0;
            }
            const st = await fetchStats(svc);
            services.set(svc.name, { service: svc.name, pid: st.pid, lastSeq: st.lastSeq, fileOffset });
          }),
        );
        const metrics = await snapshotPipelineMetrics(env);
        this.markState = { atMs: Date.now(), services, metrics };
        this.notes.clear();
        this.ingestSamples.length = 0;
      },
    };
  }

  /** Step: remember this moment under `name` (e.g. "loki back") for time-to-delivery reports. */
  note(name: string, title = `note "${name}"`): CustomStep {
    return { type: 'custom', title, run: async () => void this.notes.set(name, Date.now()) };
  }

  /** Step: sample Loki's accepted/discarded byte counters every `everyMs` until `stopSampling`. */
  sampleIngest(everyMs = 500): CustomStep {
    return {
      type: 'custom',
      title: `sample Loki's ingested bytes every ${everyMs} ms`,
      run: async (env) => {
        this.env ??= env;
        clearInterval(this.sampler);
        const tick = async () => {
          try {
            const m = parseMetricsText(await fetchText(`${env.stack.url('loki')}/metrics`));
            this.ingestSamples.push({ atMs: Date.now(), receivedBytes: metricSum(m, 'loki_distributor_bytes_received_total'), discardedBytes: metricSum(m, 'loki_discarded_bytes_total') });
          } catch {
            /* Loki busy or down: a gap in the samples */
          }
        };
        await tick();
        this.sampler = setInterval(() => void tick(), everyMs);
        this.sampler.unref();
      },
    };
  }

  stopSampling(): CustomStep {
    return { type: 'custom', title: "stop sampling Loki's ingested bytes", run: async () => void clearInterval(this.sampler) };
  }

  /** Each service's stats now: the cut a check reconciles up to. */
  async cut(services: ServiceEndpoint[]): Promise<Cut> {
    const stats = new Map<string, ServiceStats>();
    await Promise.all(services.map(async (s) => stats.set(s.name, await fetchStats(s))));
    return { atMs: Date.now(), stats };
  }

  /** Lengths of the given seqs' lines in the service's log (from the mark on). */
  lineLengths(svc: ServiceEndpoint, seqs: Set<number>): Map<number, number> {
    const out = new Map<number, number>();
    if (seqs.size === 0) return out;
    const from = this.marked.services.get(svc.name)?.fileOffset ?? 0;
    forEachLine(svc.logFile, from, (line) => {
      const head = line.subarray(0, 512).toString('latin1');
      const seq = parseSeq(head);
      if (seq !== undefined && seqs.has(seq)) out.set(seq, line.length);
    });
    return out;
  }

  /** Seqs of the window the config says Loki discards: malformed lines over max_line_size (unless truncated). */
  expectedDropped(svc: ServiceEndpoint, fromSeq: number, st: ServiceStats): Set<number> {
    const limits = this.limits();
    const malformed = new Set(st.malformedSeqs.filter((s) => s > fromSeq && s <= st.lastSeq));
    if (malformed.size === 0 || limits.loki.maxLineSizeTruncate || limits.loki.maxLineSize <= 0) return new Set();
    const lengths = this.lineLengths(svc, malformed);
    const promtailMax = limits.promtail.maxLineSize;
    return new Set([...lengths].filter(([, len]) => len > limits.loki.maxLineSize || (promtailMax > 0 && len > promtailMax)).map(([s]) => s));
  }

  /** Loki's stored entries of one service in the window, projected to seq + line ts. */
  async stored(svc: ServiceEndpoint, loki: LokiClient): Promise<StoredEntry[]> {
    const m = this.marked;
    const startNs = BigInt(m.atMs - 10_000) * 1_000_000n;
    const endNs = BigInt(Date.now() + 5_000) * 1_000_000n;
    const lines = await fetchAllEntries(loki, `{service="${escapeLabelValue(svc.name)}"} ${SEQ_PROJECTION}`, startNs, endNs, this.limits().loki.maxEntriesPerQuery);
    const out: StoredEntry[] = [];
    for (const l of lines) {
      const p = parseProjected(l.line);
      if (p) out.push({ seq: p.seq, tsNs: l.tsNs, lineTsMs: p.lineTsMs });
    }
    return out;
  }

  /**
   * Check: every line the services wrote between the mark and the cut is in Loki exactly
   * once and in order, except what the config discards; the loss equals `predictedLoss`.
   */
  delivered(opts: DeliveryOptions = {}): Check {
    const title = opts.title ?? `every line written since the "${this.name}" mark is in Loki: missing ${opts.predictedLoss ?? 0}, duplicates ≤ ${opts.maxDuplicates ?? 0}, out of order ≤ ${opts.maxOutOfOrder ?? 0}`;
    return {
      title,
      queries: [{ language: 'logql', expr: `{service="terminal-mcp"} ${SEQ_PROJECTION}` }],
      evidenceQuery: () => ({ query: `{service="<each service>"} ${SEQ_PROJECTION} (paginated, reconciled against GET /stats lastSeq)`, language: 'logql' }),
      probe: () => {
        let cut: Cut | undefined;
        const droppedBySvc = new Map<string, Set<number>>();
        let nextFullAt = 0;
        let firstComplete: number | undefined;
        return async (): Promise<ProbeResult> => {
          const mark = this.marked;
          const services = this.services(opts.services);
          cut ??= await this.cut(services);
          const wait = nextFullAt - Date.now();
          if (wait > 0) await sleep(wait);
          const t0 = Date.now();
          const loki = this.loki();
          const results = await pLimit(services, opts.concurrency ?? 3, async (svc) => {
            const m = mark.services.get(svc.name)!;
            const st = cut!.stats.get(svc.name)!;
            if (st.pid !== m.pid) throw new Error(`${svc.name} was restarted during the window (pid ${m.pid} → ${st.pid}); its seq restarted, accounting across a restart is not supported`);
            let dropped = droppedBySvc.get(svc.name);
            if (!dropped) droppedBySvc.set(svc.name, (dropped = this.expectedDropped(svc, m.lastSeq, st)));
            return reconcile({ service: svc.name, fromSeq: m.lastSeq, toSeq: st.lastSeq, entries: await this.stored(svc, loki), expectedDropped: dropped });
          });
          const took = Date.now() - t0;
          // Each full reconciliation is heavy: leave Loki at least twice its time between them.
          nextFullAt = Date.now() + Math.max(1000, 2 * took);
          const predictedLoss = typeof opts.predictedLoss === 'function' ? opts.predictedLoss() : opts.predictedLoss;
          const v = judgeDelivery(results, { ...opts, predictedLoss });
          if (v.ok) firstComplete ??= Date.now();
          this.lastDelivery = v.totals;
          const since = opts.since ? this.notes.get(opts.since) : undefined;
          return {
            ok: v.ok,
            observed: {
              summary: v.summary,
              ...(since !== undefined ? { completeSinceNoteMs: (firstComplete ?? Date.now()) - since, note: opts.since } : {}),
              ...(this.burstPlan ? { burst: this.burstPlan } : {}),
              cutAt: new Date(cut.atMs).toISOString(),
              windowSeconds: Math.round((cut.atMs - mark.atMs) / 100) / 10,
              reconcileMs: took,
              totals: v.totals,
              latencyMs: v.latencyMs,
              services: results.map(({ latencyValues: _omit, ...r }) => ({
                ...r,
                missingRanges: r.missingRanges.slice(0, 20),
                duplicateRanges: r.duplicateRanges.slice(0, 20),
                outOfOrderRanges: r.outOfOrderRanges.slice(0, 20),
                unexpectedlyStored: r.unexpectedlyStored.slice(0, 20),
              })),
            },
          };
        };
      },
    };
  }

  /**
   * Check: Promtail's positions file (from the rendered config) holds a position for
   * every service's log file, none past the file's end, none before the mark (it kept its
   * place through whatever happened since).
   */
  positionsKept(): Check {
    return {
      title: `Promtail's positions file has every service's log, at or after the "${this.name}" mark and within the file`,
      queries: [],
      evidenceQuery: () => ({ query: `positions file ${this.limits().promtail.positionsFile ?? '(none configured)'}`, language: 'logql' }),
      probe: () => async (): Promise<ProbeResult> => {
        const file = this.limits().promtail.positionsFile;
        if (!file) throw new Error('the Promtail config has no positions.filename');
        const doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as { positions?: Record<string, string | number> };
        const problems: string[] = [];
        const rows = this.services().map((svc) => {
          const raw = doc.positions?.[svc.logFile];
          const offset = raw === undefined ? undefined : Number(raw);
          const size = statSync(svc.logFile).size;
          const markOffset = this.marked.services.get(svc.name)?.fileOffset ?? 0;
          if (offset === undefined) problems.push(`${svc.name}: no position`);
          else if (offset > size) problems.push(`${svc.name}: position ${offset} past the end ${size}`);
          else if (offset < markOffset) problems.push(`${svc.name}: position ${offset} before the mark's ${markOffset} (rewound)`);
          return { service: svc.name, offset, size, behindBytes: offset === undefined ? undefined : size - offset };
        });
        const behind = rows.reduce((n, r) => n + (r.behindBytes ?? 0), 0);
        const summary = problems.length ? problems.slice(0, 10).join('; ') : `${rows.length} positions in ${file}, all within their files and at or after the mark (${behind} bytes still to read in all)`;
        return { ok: problems.length === 0, observed: { summary, file, rows } };
      },
    };
  }

  /**
   * Check: live probe of emit → queryable. Writes `markers` real lines through the
   * service's logger (a small log-burst fault), polls Loki every 100 ms until each is
   * visible, and reports the distribution of (first seen − line ts).
   */
  latency(opts: LatencyProbeOptions): Check {
    const markers = opts.markers ?? 20;
    const perSecond = opts.perSecond ?? 10;
    const title = opts.title ?? `${markers} marker lines on ${opts.service} become queryable in Loki (emit → queryable latency)`;
    return {
      title,
      queries: [{ language: 'logql', expr: `{service="${escapeLabelValue(opts.service)}"} |= "burst=f1 "` }],
      evidenceQuery: () => ({ query: `{service="${opts.service}"} |= "burst=<marker fault> " (polled every 100 ms)`, language: 'logql' }),
      probe: (ctx) => async (): Promise<ProbeResult> => {
        const svc = this.services([opts.service])[0]!;
        const r = await measureQueryableLatency(this.loki(), svc, { markers, perSecond, timeoutMs: opts.timeoutMs ?? 30_000 + (markers / perSecond) * 1000 });
        const bound = typeof opts.p99BelowMs === 'function' ? opts.p99BelowMs(this.limits(), ctx) : opts.p99BelowMs;
        const all = r.seen === markers;
        const ok = all && (bound === undefined || (r.latencyMs.p99 ?? Infinity) < bound);
        const summary = `${r.seen}/${markers} markers queryable; emit → queryable p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms${bound !== undefined ? ` (bound p99 < ${Math.round(bound)} ms)` : ''}${all ? '' : `; never seen: n=${formatRanges(compressRanges(r.unseen), 10)}`}`;
        return { ok, observed: { summary, ...r, boundP99Ms: bound } };
      },
    };
  }

  /**
   * Check: what Loki's limiter and Promtail's retries did since the mark, from their own
   * counters: 429s answered, samples discarded by reason, batches retried, entries
   * dropped. Every rate-limited batch must have been retried, not dropped.
   */
  limiter(opts: LimiterOptions = {}): Check {
    const title = opts.title ?? `Loki's rate limit and Promtail's retries since the "${this.name}" mark: ${opts.expect429 ? '429s answered, ' : opts.expectNo429 ? 'no 429, ' : ''}every rate-limited batch retried, ≤ ${opts.maxRateLimitedDrops ?? 0} entries dropped`;
    return {
      title,
      queries: [],
      evidenceQuery: () => ({ query: 'GET loki /metrics, promtail /metrics (deltas since the mark)', language: 'logql' }),
      probe: () => async (): Promise<ProbeResult> => {
        const mark = this.marked;
        const now = await snapshotPipelineMetrics(this.environment);
        const d = (side: 'loki' | 'promtail', name: string, labels: Record<string, string> = {}) => counterDelta(metricSum(mark.metrics[side], name, labels), metricSum(now[side], name, labels));
        const facts = {
          loki429: d('promtail', 'promtail_request_duration_seconds_count', { status_code: '429' }),
          loki400: d('promtail', 'promtail_request_duration_seconds_count', { status_code: '400' }),
          lokiPushesOk: d('promtail', 'promtail_request_duration_seconds_count', { status_code: '204' }),
          lokiDiscardedRateLimited: d('loki', 'loki_discarded_samples_total', { reason: 'rate_limited' }),
          lokiDiscardedStreamLimited: d('loki', 'loki_discarded_samples_total', { reason: 'per_stream_rate_limit' }),
          lokiDiscardedLineTooLong: d('loki', 'loki_discarded_samples_total', { reason: 'line_too_long' }),
          lokiReceivedBytes: d('loki', 'loki_distributor_bytes_received_total'),
          promtailRetries: d('promtail', 'promtail_batch_retries_total'),
          promtailDroppedRateLimited: d('promtail', 'promtail_dropped_entries_total', { reason: 'rate_limited' }),
          promtailDroppedOther: d('promtail', 'promtail_dropped_entries_total', { reason: 'ingester_error' }),
          promtailSentEntries: d('promtail', 'promtail_sent_entries_total'),
        };
        const limits = this.limits();
        const bucket = opts.bucketInvariant ? bucketCheck(this.ingestSamples, limits) : undefined;
        const problems: string[] = [];
        const plan = opts.followBurst ? this.burstPlan : undefined;
        if (opts.followBurst && !plan) throw new Error(`log window "${this.name}": followBurst needs a limitBurst fault in the window`);
        const expect429 = opts.expect429 || plan?.prediction.exceedsTenantLimit === true;
        const expectNo429 = opts.expectNo429 || (plan !== undefined && !plan.prediction.exceedsTenantLimit && !plan.prediction.exceedsStreamLimit);
        if (expect429 && facts.loki429 === 0) problems.push('Loki never answered 429: the burst did not reach the limit');
        if (expectNo429 && facts.loki429 > 0) problems.push(`Loki answered 429 ${facts.loki429} times although the burst stayed within the limit`);
        if (opts.expectRetries && facts.promtailRetries === 0) problems.push('Promtail never retried a batch');
        const tooLong = opts.lineTooLong?.();
        if (tooLong !== undefined && facts.lokiDiscardedLineTooLong !== tooLong) problems.push(`Loki discarded ${facts.lokiDiscardedLineTooLong} lines as too long, the accounting expected ${tooLong}`);
        if (facts.loki429 > 0 && facts.promtailRetries < facts.loki429) problems.push(`${facts.loki429} pushes answered 429 but only ${facts.promtailRetries} retries`);
        if (facts.promtailDroppedRateLimited > (opts.maxRateLimitedDrops ?? 0)) problems.push(`Promtail dropped ${facts.promtailDroppedRateLimited} rate-limited entries`);
        if (bucket && !bucket.ok) problems.push(bucket.summary);
        const summary =
          `${problems.length ? `${problems.join('; ')} — ` : ''}Loki answered ${facts.loki429}× 429 (discarded ${facts.lokiDiscardedRateLimited} samples tenant-limited, ${facts.lokiDiscardedStreamLimited} stream-limited), ` +
          `${facts.loki400}× 400 (${facts.lokiDiscardedLineTooLong} lines too long); Promtail retried ${facts.promtailRetries} batches, dropped ${facts.promtailDroppedRateLimited} rate-limited entries` +
          (facts.promtailDroppedOther ? ` and counted ${facts.promtailDroppedOther} entries of 4xx-rejected batches as dropped` : '') +
          (bucket ? `; ${bucket.summary}` : '');
        return { ok: problems.length === 0, observed: { summary, ...facts, ...(bucket ? { bucket } : {}), ...(plan ? { prediction: plan.prediction } : {}), limits: { ingestionRateBytes: limits.loki.ingestionRateBytes, ingestionBurstBytes: limits.loki.ingestionBurstBytes } } };
      },
    };
  }
}

/**
 * The token bucket as an invariant on what Loki accepted: between any two samples,
 * accepted bytes ≤ burst + rate × elapsed (plus one batch of slack for sampling).
 */
export function bucketCheck(
  samples: readonly { atMs: number; receivedBytes: number; discardedBytes: number }[],
  limits: PipelineLimits,
): { ok: boolean; summary: string; peakAcceptedBytesPerSecond: number; peakOfferedBytesPerSecond: number; worstExcessBytes: number } {
  const r = limits.loki.ingestionRateBytes;
  const cap = limits.loki.ingestionBurstBytes;
  const slack = limits.promtail.batchSizeBytes;
  const accepted = (x: { receivedBytes: number; discardedBytes: number }) => x.receivedBytes - x.discardedBytes;
  let worst = -Infinity;
  let peakAccepted = 0;
  let peakOffered = 0;
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length; j++) {
      const a = samples[i]!;
      const b = samples[j]!;
      const dt = (b.atMs - a.atMs) / 1000;
      const got = accepted(b) - accepted(a);
      if (b.receivedBytes < a.receivedBytes || dt <= 0) continue; // Loki restarted
      worst = Math.max(worst, got - (cap + r * dt + slack));
      if (j === i + 1) {
        peakAccepted = Math.max(peakAccepted, got / dt);
        peakOffered = Math.max(peakOffered, (b.receivedBytes - a.receivedBytes) / dt);
      }
    }
  }
  const mib = (x: number) => (x / MiB).toFixed(1);
  if (samples.length < 2) return { ok: false, summary: 'too few ingest samples to check the token bucket', peakAcceptedBytesPerSecond: 0, peakOfferedBytesPerSecond: 0, worstExcessBytes: 0 };
  const ok = worst <= 0;
  return {
    ok,
    summary: `accepted bytes ${ok ? 'stayed within' : 'exceeded'} burst ${mib(cap)} MiB + ${mib(r)} MiB/s × t over ${samples.length} samples (peak accepted ${mib(peakAccepted)} MiB/s, peak offered ${mib(peakOffered)} MiB/s between samples)`,
    peakAcceptedBytesPerSecond: Math.round(peakAccepted),
    peakOfferedBytesPerSecond: Math.round(peakOffered),
    worstExcessBytes: Math.round(worst),
  };
}

export interface QueryableLatency {
  markers: number;
  seen: number;
  unseen: number[];
  burstId: string;
  latencyMs: LatencySummary;
  /** Lower bound of each latency: the poll that found the line started this much earlier. */
  pollLatencyMs: LatencySummary;
}

/** The live probe behind `LogWindow.latency`, also used by bench/log-pipeline.ts. */
export async function measureQueryableLatency(loki: LokiClient, svc: ServiceEndpoint, o: { markers: number; perSecond: number; timeoutMs: number; pollMs?: number }): Promise<QueryableLatency> {
  const res = await request(`${svc.controlUrl}/faults`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'log-burst', linesPerSecond: o.perSecond, durationSeconds: o.markers / o.perSecond }),
    headers: { 'content-type': 'application/json' },
  });
  const created = (await res.body.json()) as { id?: string; error?: string };
  if (res.statusCode !== 201 || !created.id) throw new Error(`POST ${svc.controlUrl}/faults → ${res.statusCode}: ${created.error ?? ''}`);
  const id = created.id;
  const t0 = Date.now();
  const seenAt = new Map<number, { seen: number; pollStart: number; lineTs: number }>();
  const query = `{service="${escapeLabelValue(svc.name)}"} |= "burst=${id} "`;
  const deadline = t0 + o.timeoutMs;
  while (seenAt.size < o.markers && Date.now() < deadline) {
    const pollStart = Date.now();
    try {
      const r = await loki.queryRange(query, new Date(t0 - 5000), new Date(Date.now() + 5000), { limit: 5000, direction: 'forward' });
      const seen = Date.now();
      for (const s of r.streams)
        for (const e of s.entries) {
          const n = Number(/\bn=(\d+)/.exec(e.line)?.[1]);
          const lineTs = parseLineTs(e.line);
          if (Number.isFinite(n) && lineTs !== undefined && !seenAt.has(n)) seenAt.set(n, { seen, pollStart, lineTs });
        }
    } catch {
      /* a failed poll is a gap; the deadline still holds */
    }
    await sleep(Math.max(0, pollStart + (o.pollMs ?? 100) - Date.now()));
  }
  const unseen: number[] = [];
  for (let n = 1; n <= o.markers; n++) if (!seenAt.has(n)) unseen.push(n);
  const v = [...seenAt.values()];
  return {
    markers: o.markers,
    seen: seenAt.size,
    unseen,
    burstId: id,
    latencyMs: summarizeLatency(v.map((x) => x.seen - x.lineTs)),
    pollLatencyMs: summarizeLatency(v.map((x) => Math.max(0, x.pollStart - x.lineTs))),
  };
}
