/**
 * Delivery accounting with synthetic data: seq ranges, percentiles, reconciliation
 * (missing, duplicated, out of order, dropped by config), the verdict and its message,
 * pagination past Loki's limit, and what the configured limits predict.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LokiClient } from '../../../assertions/loki.ts';
import { compressRanges, formatRanges, judgeDelivery, parseLineTs, parseSeq, percentile, rangeCount, reconcile, summarizeLatency, type StoredEntry } from '../../../harness/logs/ledger.ts';
import { bucketCheck, parseByteSize, predictBurst, readLokiPromtailLimits as readPipelineLimits, retryGapBoundMs, retrySchedule } from '../../../harness/logs/limits.ts';
import { counterDelta, metricSum, parseMetricsText } from '../../../harness/logs/metrics-text.ts';
import { fetchAllEntries, parseProjected } from '../../../harness/logs/loki-promtail.ts';
import { forEachLine } from '../../../harness/logs/emitted.ts';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';

const T0 = 1_800_000_000_000; // ms
/** Entries for seqs, each stored `delayMs` after its line ts, 10 ms apart. */
const entries = (seqs: number[], delayMs = 100): StoredEntry[] => seqs.map((seq) => ({ seq, lineTsMs: T0 + seq * 10, tsNs: BigInt(T0 + seq * 10 + delayMs) * 1_000_000n }));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('seq ranges', () => {
  it('compresses sorted, unsorted and duplicated values into inclusive ranges', () => {
    expect(compressRanges([1, 2, 3, 7, 9, 10])).toEqual([[1, 3], [7, 7], [9, 10]]);
    expect(compressRanges([10, 9, 3, 1, 2, 2, 7])).toEqual([[1, 3], [7, 7], [9, 10]]);
    expect(compressRanges([])).toEqual([]);
    expect(compressRanges([5])).toEqual([[5, 5]]);
  });

  it('counts and formats them, eliding past a maximum', () => {
    const r = compressRanges([120, 121, 122, 130, ...range(200, 250)]);
    expect(rangeCount(r)).toBe(3 + 1 + 51);
    expect(formatRanges(r)).toBe('120-122, 130, 200-250');
    expect(formatRanges(r, 1)).toBe('120-122 (+2 more ranges)');
    expect(formatRanges([])).toBe('none');
  });
});

describe('percentiles', () => {
  it('nearest rank: the smallest value with at least p % at or below it', () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    const hundred = range(1, 100);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('rejects a percentile outside [0, 100]', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });

  it('summarizes n, p50, p99 and max (one decimal)', () => {
    expect(summarizeLatency([])).toEqual({ n: 0 });
    expect(summarizeLatency([...range(1, 99), 1000.04])).toEqual({ n: 100, p50: 50, p99: 99, max: 1000 });
  });
});

describe('parsing lines', () => {
  it('finds the seq of well-formed and malformed lines, not of other keys', () => {
    expect(parseSeq('ts=2025-01-02T03:04:05.678Z level=INFO service=a seq=12 request_id=x msg="ok"')).toBe(12);
    expect(parseSeq('[2025-01-02T03:04:05.678Z] a seq=45366 {"unterminated": "request handled')).toBe(45366);
    expect(parseSeq('\u0000\uFFFD seq=9 \uFFFD')).toBe(9);
    expect(parseSeq('ts=x myseq=4 msg=y')).toBeUndefined();
    expect(parseSeq('no sequence here')).toBeUndefined();
  });

  it("reads the line's own ts and the projected \"<seq> <ts>\" form", () => {
    expect(parseLineTs('ts=2025-01-02T03:04:05.678Z level=INFO')).toBe(Date.parse('2025-01-02T03:04:05.678Z'));
    expect(parseLineTs('[2025-01-02T03:04:05.678Z] broken')).toBeUndefined();
    expect(parseProjected('12 2025-01-02T03:04:05.678Z')).toEqual({ seq: 12, lineTsMs: Date.parse('2025-01-02T03:04:05.678Z') });
    expect(parseProjected('13 ')).toEqual({ seq: 13 });
    expect(parseProjected('ts=2025 level=INFO no seq')).toBeUndefined();
  });
});

describe('reconcile', () => {
  it('a complete, ordered window: nothing missing, duplicated or out of order', () => {
    const r = reconcile({ service: 'a', fromSeq: 100, toSeq: 200, entries: entries(range(90, 210)) });
    expect(r).toMatchObject({ emitted: 100, stored: 100, missing: 0, duplicates: 0, outOfOrder: 0, outside: 21 });
    expect(r.latencyMs).toEqual({ n: 100, p50: 100, p99: 100, max: 100 });
    expect(r.lastStoredMs).toBe(T0 + 200 * 10 + 100);
    expect(judgeDelivery([r]).ok).toBe(true);
    expect(judgeDelivery([r]).totals.lastStoredMs).toBe(T0 + 2100);
  });

  it('finds missing seqs as ranges, and the verdict names them', () => {
    const kept = range(101, 200).filter((s) => !(s >= 120 && s <= 122) && s !== 130 && s !== 200);
    const r = reconcile({ service: 'terminal-mcp', fromSeq: 100, toSeq: 200, entries: entries(kept) });
    expect(r.missing).toBe(5);
    expect(r.missingRanges).toEqual([[120, 122], [130, 130], [200, 200]]);
    const v = judgeDelivery([r, reconcile({ service: 'git-mcp', fromSeq: 0, toSeq: 3, entries: entries([1, 2, 3]) })]);
    expect(v.ok).toBe(false);
    expect(v.summary).toContain('missing 5 (predicted 0): terminal-mcp 5 [seq 120-122, 130, 200]');
    expect(v.summary).not.toContain('git-mcp 0');
    expect(v.totals).toMatchObject({ emitted: 103, stored: 98, missing: 5 });
  });

  it('a window with nothing stored is all missing', () => {
    const r = reconcile({ service: 'a', fromSeq: 0, toSeq: 50, entries: [] });
    expect(r.missingRanges).toEqual([[1, 50]]);
    expect(judgeDelivery([r]).ok).toBe(false);
  });

  it('counts duplicates (a re-read: same seq, later timestamp) without counting them missing or out of order', () => {
    const reread = entries(range(5, 8), 60_000); // Promtail re-shipped 5..8 a minute later
    const r = reconcile({ service: 'a', fromSeq: 0, toSeq: 10, entries: [...entries(range(1, 10)), ...reread] });
    expect(r).toMatchObject({ stored: 10, missing: 0, duplicates: 4, outOfOrder: 0 });
    expect(r.duplicateRanges).toEqual([[5, 8]]);
    const v = judgeDelivery([r]);
    expect(v.ok).toBe(false);
    expect(v.summary).toContain('duplicates 4: a 4 [seq 5-8]');
    expect(judgeDelivery([r], { maxDuplicates: 4 }).ok).toBe(true);
  });

  it('counts seqs stored with an earlier timestamp than a higher seq as out of order', () => {
    const e = entries(range(1, 10));
    // 4 and 5 arrive last (Loki timestamps after seq 10's).
    e[3]!.tsNs = BigInt(T0 + 500) * 1_000_000n;
    e[4]!.tsNs = BigInt(T0 + 501) * 1_000_000n;
    const r = reconcile({ service: 'a', fromSeq: 0, toSeq: 10, entries: e });
    expect(r).toMatchObject({ missing: 0, duplicates: 0, outOfOrder: 2 });
    expect(r.outOfOrderRanges).toEqual([[4, 5]]);
    expect(judgeDelivery([r]).summary).toContain('out of order 2: a 2 [seq 4-5]');
  });

  it('equal timestamps carry no order: they never count as out of order', () => {
    const e = range(1, 5).map((seq) => ({ seq, tsNs: 7n }));
    expect(reconcile({ service: 'a', fromSeq: 0, toSeq: 5, entries: e.reverse() }).outOfOrder).toBe(0);
  });

  it('lines the config discards are not missing; storing them anyway is reported', () => {
    const r = reconcile({ service: 's', fromSeq: 0, toSeq: 10, entries: entries([1, 2, 3, 5, 6, 7, 8, 9, 10]), expectedDropped: [4, 99] });
    expect(r).toMatchObject({ expectedDropped: 1, missing: 0 });
    expect(judgeDelivery([r]).ok).toBe(true);
    const stored = reconcile({ service: 's', fromSeq: 0, toSeq: 10, entries: entries(range(1, 10)), expectedDropped: [4] });
    expect(stored.unexpectedlyStored).toEqual([[4, 4]]);
    expect(judgeDelivery([stored]).summary).toContain('stored although the config discards them: s [seq 4]');
  });

  it('a predicted loss must be met exactly: fewer or more missing lines both fail', () => {
    const r = reconcile({ service: 'a', fromSeq: 0, toSeq: 10, entries: entries(range(1, 7)) });
    expect(judgeDelivery([r], { predictedLoss: 3 }).ok).toBe(true);
    expect(judgeDelivery([r], { predictedLoss: 2 }).ok).toBe(false);
    expect(judgeDelivery([r], { predictedLoss: 4 }).summary).toContain('missing 3 (predicted 4)');
  });

  it('bounds the latency p99 when asked', () => {
    const slow = reconcile({ service: 'a', fromSeq: 0, toSeq: 100, entries: entries(range(1, 100), 5000) });
    expect(judgeDelivery([slow], { latencyP99BelowMs: 1000 }).summary).toContain('latency p99 5000 ms ≥ 1000 ms');
    expect(judgeDelivery([slow], { latencyP99BelowMs: 6000 }).ok).toBe(true);
  });
});

describe('fetchAllEntries: pagination past the per-query limit', () => {
  /** A fake Loki: `limit` entries per page from start (inclusive), forward, across two streams. */
  function fakeLoki(stored: { stream: string; tsNs: bigint; line: string }[]) {
    const calls: bigint[] = [];
    const client = {
      queryRange: async (_q: string, start: bigint, end: bigint, o: { limit: number }) => {
        calls.push(start);
        const page = stored.filter((e) => e.tsNs >= start && e.tsNs < end).sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0)).slice(0, o.limit);
        const streams = [...new Set(page.map((e) => e.stream))].map((s) => ({ labels: { stream: s }, entries: page.filter((e) => e.stream === s).map((e) => ({ tsNs: e.tsNs, line: e.line })) }));
        return { query: _q, streams, stats: {}, warnings: [] };
      },
    };
    return { client: client as unknown as LokiClient, calls };
  }

  it('returns every entry exactly once, even when a page ends inside a run of equal timestamps', () => {
    const stored = range(1, 23).map((i) => ({ stream: i % 2 ? 'a' : 'b', tsNs: BigInt(Math.floor(i / 3)), line: `seq=${i}` }));
    const { client, calls } = fakeLoki(stored);
    const got = fetchAllEntries(client, '{x="y"}', 0n, 1000n, 5);
    return got.then((out) => {
      expect(out.map((e) => e.line).sort()).toEqual(stored.map((e) => e.line).sort());
      expect(calls.length).toBeGreaterThan(4);
    });
  });

  it('refuses to loop when more entries than a page share one timestamp', async () => {
    const { client } = fakeLoki(range(1, 10).map((i) => ({ stream: 'a', tsNs: 5n, line: `seq=${i}` })));
    await expect(fetchAllEntries(client, '{x="y"}', 0n, 100n, 4)).rejects.toThrow(/share the timestamp/);
  });
});

describe('forEachLine', () => {
  it('yields complete lines with their offsets, across chunk boundaries and from an offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lines-'));
    const file = join(dir, 'x.log');
    const big = 'y'.repeat(5 << 20); // longer than one 4 MiB read
    writeFileSync(file, `a\n${big}\nccc\npartial`);
    const seen: [string, number][] = [];
    const end = forEachLine(file, 0, (l, o) => seen.push([l.length > 10 ? `big:${l.length}` : l.toString(), o]));
    expect(seen).toEqual([['a', 0], [`big:${5 << 20}`, 2], ['ccc', 3 + (5 << 20)]]);
    expect(end).toBe(7 + (5 << 20));
    const tail: string[] = [];
    forEachLine(file, 3 + (5 << 20), (l) => tail.push(l.toString()));
    expect(tail).toEqual(['ccc']);
  });
});

describe('limits of the bundled config', () => {
  const limits = readPipelineLimits(readFileSync(join(REPO_ROOT, 'monitoring/loki/loki-config.yml'), 'utf8'), readFileSync(join(REPO_ROOT, 'monitoring/promtail/promtail-config.yml'), 'utf8'));

  it('reads the configured tenant limit and the defaults of what is left unset', () => {
    expect(limits.store.ingestionRateBytes).toBe(16 * 1024 * 1024);
    expect(limits.store.ingestionBurstBytes).toBe(32 * 1024 * 1024);
    expect(limits.store.maxLineSize).toBe(256 * 1024);
    expect(limits.store.maxLineSizeTruncate).toBe(false);
    expect(limits.store.perStreamRateBytes).toBe(3 * 1024 * 1024);
    expect(limits.store.shardStreams.enabled).toBe(true);
    expect(limits.shipper).toMatchObject({ batchWaitMs: 1000, batchSizeBytes: 1024 * 1024, timeoutMs: 10_000, backoff: { kind: 'dskit' as const, minMs: 500, maxMs: 300_000, maxRetries: 10 }, maxLineSize: 0, positionsFile: '/tmp/positions.yaml', positionsSyncMs: 10_000 });
  });

  it('reads byte sizes as Loki does (1024-based)', () => {
    expect(parseByteSize('256KB', 0)).toBe(262_144);
    expect(parseByteSize('3MB', 0)).toBe(3 * 1024 * 1024);
    expect(parseByteSize('1536KiB', 0)).toBe(1536 * 1024);
    expect(parseByteSize('512', 0)).toBe(512);
    expect(parseByteSize(undefined, 7)).toBe(7);
    expect(() => parseByteSize('lots', 0)).toThrow(/byte size/);
  });

  it("Promtail's retry schedule: 10 sends, 9 jittered doubling waits, 255.5–511 s before a batch is dropped", () => {
    const s = retrySchedule(limits.shipper.backoff);
    expect(s.sends).toBe(10);
    expect(s.waits).toHaveLength(9);
    expect(s.waits[0]).toEqual([500, 1000]);
    expect(s.waits[8]).toEqual([128_000, 256_000]);
    expect(s.budgetMs).toEqual([255_500, 511_000]);
    // Capped at max_period.
    expect(retrySchedule({ kind: 'dskit' as const, minMs: 1000, maxMs: 3000, maxRetries: 5 }).waits).toEqual([[1000, 2000], [2000, 3000], [2000, 3000], [2000, 3000]]); // dskit: once the upper bound reaches max_period the range stops moving
  });

  it('bounds the wait for the next retry after an outage, and says when a batch may be dropped instead', () => {
    const b = limits.shipper.backoff;
    expect(retryGapBoundMs(0, b)).toBe(1000);
    expect(retryGapBoundMs(6000, b)).toBe(8000); // the 4th wait (4–8 s) may be in progress
    expect(retryGapBoundMs(60_000, b)).toBe(64_000);
    expect(retryGapBoundMs(300_000, b)).toBe(Infinity);
  });

  it('predicts no 429 and no loss below the bucket, 429s but no loss above it', () => {
    const MiB = 1024 * 1024;
    const below = predictBurst(limits, { offeredBytes: 96 * MiB, durationMs: 8000, streams: 8, lineBytes: 4000 });
    expect(below).toMatchObject({ exceedsTenantLimit: false, predictedLostLines: 0, drainMs: 8000, batchFitsBucket: true });
    const above = predictBurst(limits, { offeredBytes: 288 * MiB, durationMs: 12_000, streams: 8, lineBytes: 4000 });
    expect(above).toMatchObject({ exceedsTenantLimit: true, predictedLostLines: 0, drainMs: 16_000 });
    expect(above.reasoning).toContain('Loki answers 429');
  });

  it('predicts a loss when a batch can never fit the bucket', () => {
    const tiny = { ...limits, store: { ...limits.store, ingestionBurstBytes: 512 * 1024 } };
    const p = predictBurst(tiny, { offeredBytes: 100 * 1024 * 1024, durationMs: 1000, streams: 1, lineBytes: 1000 });
    expect(p.batchFitsBucket).toBe(false);
    expect(p.predictedLostLines).toBeGreaterThan(0);
  });

  it('the token bucket as an invariant on accepted bytes', () => {
    const MiB = 1024 * 1024;
    const ok = range(0, 10).map((i) => ({ atMs: i * 1000, receivedBytes: i * 20 * MiB, discardedBytes: Math.max(0, i - 2) * 4 * MiB }));
    expect(bucketCheck(ok, limits).ok).toBe(true);
    const over = range(0, 10).map((i) => ({ atMs: i * 1000, receivedBytes: i * 20 * MiB, discardedBytes: 0 }));
    const v = bucketCheck(over, limits);
    expect(v.ok).toBe(false);
    expect(v.summary).toContain('exceeded');
    expect(bucketCheck(ok.slice(0, 1), limits).ok).toBe(false);
  });
});

describe('counters', () => {
  it('parses the text format, sums by label subset, and survives a counter reset', () => {
    const m = parseMetricsText('# HELP x\npromtail_request_duration_seconds_count{host="h",status_code="429"} 5\npromtail_request_duration_seconds_count{host="h",status_code="204"} 100\nloki_up 1\n');
    expect(metricSum(m, 'promtail_request_duration_seconds_count', { status_code: '429' })).toBe(5);
    expect(metricSum(m, 'promtail_request_duration_seconds_count')).toBe(105);
    expect(metricSum(m, 'loki_up')).toBe(1);
    expect(metricSum(m, 'missing_metric')).toBe(0);
    expect(counterDelta(10, 15)).toBe(5);
    expect(counterDelta(10, 3)).toBe(3);
  });
});
