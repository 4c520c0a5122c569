/**
 * The log pipeline's limits as configured, read from the rendered config with each
 * tool's defaults where unset, in one shape for both pipelines: the store's (ingestion
 * rate and burst, line size, query page size) and the shipper's (batching, retries,
 * positions). `predictBurst` and `retrySchedule` turn them into the numbers the log
 * scenarios wait for and judge by. These say how the config tries to keep a promise;
 * what is promised comes from elsewhere.
 */
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../assertions/duration.ts';
import type { LogShipperKind, LogStoreKind } from '../plan/log-pipeline.ts';

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
  /** dskit (Promtail): uniform in [d, 2d), doubling. otel (the collector): d × [0.5, 1.5], ×1.5 each time. */
  kind: 'dskit' | 'otel';
  minMs: number;
  maxMs: number;
  /** Sends in all (the first plus retries); 0 = retry forever (dskit). */
  maxRetries: number;
  /** The collector gives up after this long in all (otel); Infinity when unbounded. */
  maxElapsedMs?: number;
}

export interface StoreLimits {
  kind: LogStoreKind;
  /** The tenant token bucket; Infinity when the store has none (VictoriaLogs). */
  ingestionRateBytes: number;
  ingestionBurstBytes: number;
  perStreamRateBytes: number;
  perStreamBurstBytes: number;
  /** Longest line the store keeps (0 = none). */
  maxLineSize: number;
  maxLineSizeTruncate: boolean;
  shardStreams: { enabled: boolean; desiredRateBytes: number };
  maxEntriesPerQuery: number;
}

export interface ShipperLimits {
  kind: LogShipperKind;
  batchWaitMs: number;
  /** Promtail's batch size in bytes; the collector batches by record count (0 here). */
  batchSizeBytes: number;
  timeoutMs: number;
  backoff: BackoffConfig;
  /** The shipper's own line limit (0 = none). */
  maxLineSize: number;
  /** What the shipper does with a longer line: drop it, or split it into entries of maxLineSize. */
  overlongLine: 'drop' | 'split';
  positionsFile: string | undefined;
  positionsSyncMs: number;
  filePollMs: number;
}

export interface PipelineLimits {
  store: StoreLimits;
  shipper: ShipperLimits;
}

const MiB = 1 << 20;
type Obj = Record<string, unknown>;
const num = (v: unknown, d: number) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
const dur = (v: unknown, d: string) => parseDuration(typeof v === 'string' ? v : d);

/** Limits of Loki 3.6 and Promtail 3.6 as configured, with their defaults where unset. */
export function readLokiPromtailLimits(lokiYaml: string, promtailYaml: string): PipelineLimits {
  const loki = (parseYaml(lokiYaml) ?? {}) as { limits_config?: Obj };
  const pt = (parseYaml(promtailYaml) ?? {}) as { clients?: Obj[]; limits_config?: Obj; positions?: Obj; file_watch_config?: Obj };
  const l = loki.limits_config ?? {};
  const shard = (l.shard_streams ?? {}) as Obj;
  const c = pt.clients?.[0] ?? {};
  const b = (c.backoff_config ?? {}) as Obj;
  return {
    store: {
      kind: 'loki',
      ingestionRateBytes: num(l.ingestion_rate_mb, 4) * MiB,
      ingestionBurstBytes: num(l.ingestion_burst_size_mb, 6) * MiB,
      perStreamRateBytes: parseByteSize(l.per_stream_rate_limit as string | number | undefined, 3 * MiB),
      perStreamBurstBytes: parseByteSize(l.per_stream_rate_limit_burst as string | number | undefined, 15 * MiB),
      maxLineSize: parseByteSize(l.max_line_size as string | number | undefined, 256 * 1024),
      maxLineSizeTruncate: l.max_line_size_truncate === true,
      shardStreams: { enabled: shard.enabled !== false, desiredRateBytes: parseByteSize(shard.desired_rate as string | number | undefined, 1536 * 1024) },
      maxEntriesPerQuery: num(l.max_entries_limit_per_query, 5000),
    },
    shipper: {
      kind: 'promtail',
      batchWaitMs: dur(c.batchwait, '1s'),
      batchSizeBytes: num(c.batchsize, MiB),
      timeoutMs: dur(c.timeout, '10s'),
      backoff: { kind: 'dskit', minMs: dur(b.min_period, '500ms'), maxMs: dur(b.max_period, '5m'), maxRetries: num(b.max_retries, 10) },
      maxLineSize: parseByteSize((pt.limits_config ?? {}).max_line_size as string | number | undefined, 0),
      overlongLine: 'drop',
      positionsFile: typeof pt.positions?.filename === 'string' ? pt.positions.filename : undefined,
      positionsSyncMs: dur(pt.positions?.sync_period, '10s'),
      filePollMs: dur(pt.file_watch_config?.max_poll_frequency, '250ms'),
    },
  };
}

/**
 * Limits of VictoriaLogs 1.52 (its flags) and the OpenTelemetry Collector 0.165 (its
 * config), with their defaults where unset. VictoriaLogs has no ingestion rate limit, and
 * its -insert.maxLineSizeBytes does not apply to OTLP (measured: a 300 KB line sent over
 * OTLP is stored whole), so the line limit of this pipeline is the file_log receiver's
 * max_log_size, which splits a longer line instead of dropping it.
 */
export function readVictoriaLogsOtelcolLimits(otelcolYaml: string): PipelineLimits {
  const ot = (parseYaml(otelcolYaml) ?? {}) as { receivers?: Record<string, Obj>; processors?: Record<string, Obj>; exporters?: Record<string, Obj> };
  const receivers = Object.entries(ot.receivers ?? {}).filter(([k]) => /^file_?log(\/|$)/.test(k)).map(([, v]) => v ?? {});
  const maxLog = Math.min(...receivers.map((r) => parseByteSize(r.max_log_size as string | number | undefined, MiB)), Infinity);
  const poll = Math.max(...receivers.map((r) => dur(r.poll_interval, '200ms')), 0);
  const batch = Object.entries(ot.processors ?? {}).find(([k]) => /^batch(\/|$)/.test(k))?.[1] ?? {};
  const exporter = Object.entries(ot.exporters ?? {}).find(([k]) => /^otlp_?http(\/|$)/.test(k))?.[1] ?? {};
  const retry = (exporter.retry_on_failure ?? {}) as Obj;
  return {
    store: {
      kind: 'victorialogs',
      ingestionRateBytes: Infinity,
      ingestionBurstBytes: Infinity,
      perStreamRateBytes: Infinity,
      perStreamBurstBytes: Infinity,
      maxLineSize: 0,
      maxLineSizeTruncate: false,
      shardStreams: { enabled: false, desiredRateBytes: Infinity },
      maxEntriesPerQuery: 10_000,
    },
    shipper: {
      kind: 'otelcol',
      batchWaitMs: dur(batch.timeout, '200ms'),
      batchSizeBytes: 0,
      timeoutMs: dur(exporter.timeout, '30s'),
      backoff: { kind: 'otel', minMs: dur(retry.initial_interval, '5s'), maxMs: dur(retry.max_interval, '30s'), maxRetries: 0, maxElapsedMs: retry.enabled === false ? 0 : dur(retry.max_elapsed_time, '5m') || Infinity },
      maxLineSize: Number.isFinite(maxLog) ? maxLog : MiB,
      overlongLine: 'split',
      positionsFile: undefined,
      positionsSyncMs: poll,
      filePollMs: poll,
    },
  };
}

/** The limits of the rendered config's pipeline. */
export function readPipelineLimits(cfg: { logPipeline: { store: LogStoreKind }; files: { loki?: string; promtail?: string; otelcol?: string } }, read: (file: string) => string): PipelineLimits {
  if (cfg.logPipeline.store === 'victorialogs') return readVictoriaLogsOtelcolLimits(read(cfg.files.otelcol!));
  return readLokiPromtailLimits(read(cfg.files.loki!), read(cfg.files.promtail!));
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
  if (b.kind === 'otel') return otelRetrySchedule(b);
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

/**
 * The collector's exporter retries (cenkalti/backoff: each interval randomised by ±50 %,
 * then ×1.5, capped at max_interval) until max_elapsed_time has passed.
 */
function otelRetrySchedule(b: BackoffConfig): RetrySchedule {
  const waits: [number, number][] = [];
  const budget = b.maxElapsedMs ?? Infinity;
  let d = b.minMs;
  let elapsedLo = 0;
  while (elapsedLo < Math.min(budget, 24 * 3600_000) && waits.length < 1000) {
    waits.push([d * 0.5, d * 1.5]);
    elapsedLo += d * 0.5;
    d = Math.min(d * 1.5, b.maxMs);
  }
  return { sends: Infinity, waits, budgetMs: [budget, budget] };
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
  const r = limits.store.ingestionRateBytes;
  const cap = limits.store.ingestionBurstBytes;
  const sec = burst.durationMs / 1000;
  const offeredPerSec = burst.offeredBytes / sec;
  const exceedsTenantLimit = burst.offeredBytes > cap + r * sec;
  const perStream = burst.offeredBytes / Math.max(1, burst.streams);
  const streamRate = limits.store.shardStreams.enabled ? Infinity : limits.store.perStreamRateBytes; // sharding splits a fast stream
  const exceedsStreamLimit = Number.isFinite(streamRate) && perStream > limits.store.perStreamBurstBytes + streamRate * sec;
  const drainMs = Number.isFinite(r) ? Math.max(burst.durationMs, ((burst.offeredBytes - cap) / r) * 1000) : burst.durationMs;
  const batch = limits.shipper.batchSizeBytes;
  const batchFitsBucket = batch <= cap && (limits.store.shardStreams.enabled || batch <= limits.store.perStreamBurstBytes);
  const s = retrySchedule(limits.shipper.backoff);
  const waitForTokensMs = (batch / r) * 1000;
  const lost = Number.isFinite(r) && (!batchFitsBucket || waitForTokensMs >= s.budgetMs[0]);
  const linesPerBatch = Math.max(1, Math.floor(batch / burst.lineBytes));
  const predictedLostLines = lost ? (exceedsTenantLimit || exceedsStreamLimit ? Math.ceil(burst.offeredBytes / burst.lineBytes) : 0) : 0;
  const mb = (x: number) => `${(x / MiB).toFixed(1)} MiB`;
  if (!Number.isFinite(r)) {
    const reasoning = `offered ${mb(burst.offeredBytes)} in ${sec.toFixed(1)}s (${mb(offeredPerSec)}/s); the ${limits.store.kind} store has no ingestion rate limit, so nothing is refused and the predicted loss is 0 lines`;
    return { offeredBytes: burst.offeredBytes, durationMs: burst.durationMs, offeredBytesPerSecond: Math.round(offeredPerSec), rateBytesPerSecond: r, burstBytes: cap, exceedsTenantLimit: false, exceedsStreamLimit: false, drainMs: burst.durationMs, batchFitsBucket: true, retryBudgetMs: s.budgetMs, predictedLostLines: 0, reasoning };
  }
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

/**
 * The token bucket as an invariant on what the store accepted: between any two samples,
 * accepted bytes ≤ burst + rate × elapsed (plus one batch of slack for sampling).
 */
export function bucketCheck(
  samples: readonly { atMs: number; receivedBytes: number; discardedBytes: number }[],
  limits: PipelineLimits,
): { ok: boolean; summary: string; peakAcceptedBytesPerSecond: number; peakOfferedBytesPerSecond: number; worstExcessBytes: number } {
  const r = limits.store.ingestionRateBytes;
  const cap = limits.store.ingestionBurstBytes;
  const slack = limits.shipper.batchSizeBytes;
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
