/**
 * The delivery ledger, pure: every line a fake service writes carries a per-process
 * `seq` (fake-services/logfmt.ts), so "did every line reach the log store?" has an exact
 * answer. `reconcile` compares one service's window of seqs with the entries a store
 * returned (missing ranges, duplicates, out of order, latency); `judgeDelivery` gives the
 * verdict over all services. No I/O here: unit-tested in test/unit/engine/log-delivery.test.ts.
 */

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

/** One entry as the log store stored it, reduced to what accounting needs. */
export interface StoredEntry {
  seq: number;
  /** The store's timestamp (ns): when the shipper read the line (no pipeline stage sets it from the line). */
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
  /** Of those, lines the config says the store discards. */
  expectedDropped: number;
  /** Distinct seqs of the window found in the store. */
  stored: number;
  /** Seqs neither stored nor expected to be dropped. */
  missing: number;
  missingRanges: SeqRange[];
  /** Expected-dropped seqs that were stored anyway (the config did not do what it says). */
  unexpectedlyStored: SeqRange[];
  /** Extra copies: entries beyond the first for a seq. */
  duplicates: number;
  duplicateRanges: SeqRange[];
  /** First copies stored with an earlier store timestamp than a higher seq. */
  outOfOrder: number;
  outOfOrderRanges: SeqRange[];
  /** Entries outside (fromSeq, toSeq] (earlier or later lines), ignored. */
  outside: number;
  /** Store timestamp − line ts, ms, over first copies with a parseable ts. */
  latencyMs: LatencySummary;
  /** Latest store timestamp of the window's entries (when the shipper read the last line), ms. */
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
  // Store order: by timestamp; equal timestamps carry no order information, so sort them by seq.
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
  /** The latency p99 (store timestamp − line ts) must stay below this, when given. */
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
  const lat = latencyMs.n ? `latency (store ts − line ts) p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, max ${latencyMs.max} ms` : 'no latency samples';
  const head = `${results.length} services: emitted ${totals.emitted}, stored ${totals.stored}, dropped by config ${totals.expectedDropped}, missing ${totals.missing}, duplicates ${totals.duplicates}, out of order ${totals.outOfOrder}; ${lat}`;
  return { ok: problems.length === 0, summary: problems.length ? `${problems.join(' | ')} — ${head}` : head, totals, latencyMs };
}
