import { describe, expect, it } from 'vitest';
import { bucketOf, exactQuantile, quantileBound } from '../../../harness/capacity/quantile-bound.ts';
import { SEED_DURATION_BUCKETS } from '../../../harness/spec/promise-spec.ts';

/**
 * histogram_quantile(q, …) computed the way Prometheus does it (promql/quantile.go,
 * `bucketQuantile`), from raw observations in seconds and a bucket layout in seconds:
 *
 * 1. Observations are counted into cumulative buckets `le` (an observation v counts in
 *    every bucket with v ≤ le), plus the implicit +Inf bucket holding all N.
 * 2. rank = q · N. The chosen bucket is the first whose cumulative count is ≥ rank.
 * 3. If that is the +Inf bucket, the answer is the highest finite bound.
 * 4. Otherwise the answer interpolates linearly inside the bucket (lower, upper]:
 *    lower + (upper − lower) · (rank − countBelow) / countInBucket, with lower = 0 for the
 *    first bucket (whose upper bound is positive here).
 *
 * Returns seconds; NaN without observations.
 */
function prometheusHistogramQuantile(q: number, observationsSeconds: readonly number[], bucketsSeconds: readonly number[]): number {
  const n = observationsSeconds.length;
  if (n === 0) return NaN;
  const bounds = [...bucketsSeconds, Infinity];
  const cumulative = bounds.map((le) => observationsSeconds.filter((v) => v <= le).length);
  const rank = q * n;
  const b = cumulative.findIndex((c) => c >= rank);
  if (b === bounds.length - 1) return bounds[bounds.length - 2]!;
  if (b === 0 && bounds[0]! <= 0) return bounds[0]!;
  const lower = b === 0 ? 0 : bounds[b - 1]!;
  const below = b === 0 ? 0 : cumulative[b - 1]!;
  return lower + (bounds[b]! - lower) * ((rank - below) / (cumulative[b]! - below));
}

/** A small seeded PRNG (LCG), so the synthetic samples are the same on every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The service's own durations (ms) for these client latencies: each is the client's less a
 * transport time of at most the fastest client latency (`transport(i, min)` ∈ [0, min]).
 */
function serverSide(latenciesMs: readonly number[], transport: (i: number, minMs: number) => number): number[] {
  const min = Math.min(...latenciesMs);
  return latenciesMs.map((l, i) => {
    const t = transport(i, min);
    expect(t).toBeGreaterThanOrEqual(0);
    expect(t).toBeLessThanOrEqual(min);
    return l - t;
  });
}

const PROMISED = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1];
const COARSE = [1, 10];

describe('the test helper prometheusHistogramQuantile', () => {
  it('interpolates inside the bucket where rank q·N falls', () => {
    // 10 observations: 4 in (0, 0.1], 6 in (0.1, 0.2]. q = 0.7 → rank 7 → 3 of 6 into (0.1, 0.2].
    const obs = [0.05, 0.05, 0.05, 0.05, 0.15, 0.15, 0.15, 0.15, 0.15, 0.15];
    expect(prometheusHistogramQuantile(0.7, obs, [0.1, 0.2])).toBeCloseTo(0.15, 12);
    expect(prometheusHistogramQuantile(0.2, obs, [0.1, 0.2])).toBeCloseTo(0.05, 12);
    expect(prometheusHistogramQuantile(0.4, obs, [0.1, 0.2])).toBeCloseTo(0.1, 12);
  });

  it('answers the highest finite bound when the rank falls in +Inf', () => {
    expect(prometheusHistogramQuantile(0.99, [0.5, 5, 50], [1, 10])).toBe(10);
  });
});

describe('bucketOf', () => {
  it('puts a value equal to a bound in that bound’s bucket: (lower, upper]', () => {
    expect(bucketOf(PROMISED, 0.005)).toEqual([0, 0.005]);
    expect(bucketOf(PROMISED, 0.025)).toEqual([0.01, 0.025]);
    expect(bucketOf(PROMISED, 0.1)).toEqual([0.075, 0.1]);
  });

  it('puts a value just above a bound in the next bucket', () => {
    expect(bucketOf(PROMISED, 0.0050001)).toEqual([0.005, 0.01]);
    expect(bucketOf(PROMISED, 0.0250001)).toEqual([0.025, 0.05]);
  });

  it('puts 0 in the first bucket, with lower edge 0', () => {
    expect(bucketOf(PROMISED, 0)).toEqual([0, 0.005]);
    expect(bucketOf(PROMISED, 0.001)).toEqual([0, 0.005]);
  });

  it('puts a value above the last bound in (last, +Inf)', () => {
    expect(bucketOf(PROMISED, 0.1000001)).toEqual([0.1, Infinity]);
    expect(bucketOf(PROMISED, 1e6)).toEqual([0.1, Infinity]);
  });

  it('agrees with the seed layout’s bucket for a millisecond value divided to seconds', () => {
    expect(bucketOf(SEED_DURATION_BUCKETS, 750 / 1000)).toEqual([0.5, 0.75]);
    expect(bucketOf(SEED_DURATION_BUCKETS, 751 / 1000)).toEqual([0.75, 1]);
  });
});

describe('exactQuantile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it.each([
    [0.5, 50],
    [0.9, 90],
    [0.95, 95],
    [0.99, 99],
    [0.991, 100],
    [1, 100],
    [0.001, 1],
    [0, 1],
  ])('of 1..100 at q = %f is %i', (q, v) => {
    expect(exactQuantile(hundred, q)).toBe(v);
  });

  it('takes rank ⌈q·N⌉ on a small sample', () => {
    const ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(exactQuantile(ten, 0.95)).toBe(100); // ⌈9.5⌉ = 10
    expect(exactQuantile(ten, 0.5)).toBe(50); // ⌈5⌉ = 5
    expect(exactQuantile(ten, 0.51)).toBe(60); // ⌈5.1⌉ = 6
    expect(exactQuantile([7], 0.99)).toBe(7);
  });

  it('is NaN on an empty sample', () => {
    expect(exactQuantile([], 0.99)).toBeNaN();
  });
});

describe('quantileBound', () => {
  // 100 client latencies spread uniformly over 20..70 ms, in shuffled order.
  const rand = rng(7);
  const uniform = shuffle(Array.from({ length: 100 }, (_, i) => 20 + (50 * i) / 99), rand);

  it('reports the client quantile, its fastest request, and the bucket edges around them', () => {
    const b = quantileBound(uniform, 0.99, PROMISED);
    expect(b.clientQuantileMs).toBeCloseTo(20 + (50 * 98) / 99, 9); // 69.49…
    expect(b.clientMinMs).toBe(20);
    // clientQ − min ≈ 49.5 ms lies in (25, 50]; clientQ ≈ 69.5 ms in (50, 75].
    expect(b.boundMs).toEqual([25, 75]);
  });

  it('does not depend on the order of the latencies', () => {
    const sorted = [...uniform].sort((a, b) => a - b);
    expect(quantileBound(uniform, 0.95, PROMISED)).toEqual(quantileBound(sorted, 0.95, PROMISED));
    expect(quantileBound(uniform, 0.95, PROMISED)).toEqual(quantileBound([...sorted].reverse(), 0.95, PROMISED));
  });

  const transports: [string, (i: number, min: number) => number][] = [
    ['no transport', () => 0],
    ['the whole minimum as transport', (_, min) => min],
    ['a random transport up to the minimum', (() => {
      const r = rng(99);
      return (_: number, min: number) => r() * min;
    })()],
  ];

  it.each(transports)('contains Prometheus’s histogram_quantile(0.99) of the service-side durations, with %s', (_, transport) => {
    const server = serverSide(uniform, transport);
    const est = prometheusHistogramQuantile(0.99, server.map((ms) => ms / 1000), PROMISED) * 1000;
    const [lo, hi] = quantileBound(uniform, 0.99, PROMISED).boundMs;
    expect(est).toBeGreaterThanOrEqual(lo);
    expect(est).toBeLessThanOrEqual(hi);
  });

  it('does NOT contain the estimate a coarse layout [1, 10] would give', () => {
    const server = serverSide(uniform, () => 5);
    const coarse = prometheusHistogramQuantile(0.99, server.map((ms) => ms / 1000), COARSE) * 1000;
    // Everything is in (0, 1 s]: interpolation gives 0.99 · 1 s.
    expect(coarse).toBeCloseTo(990, 6);
    const [lo, hi] = quantileBound(uniform, 0.99, PROMISED).boundMs;
    expect(coarse < lo || coarse > hi).toBe(true);
  });

  it('does NOT contain the estimate of a histogram that lost the slow requests', () => {
    const server = serverSide(uniform, () => 0);
    const lossy = server.filter((ms) => ms < 24); // the monitoring kept only the fastest few
    const est = prometheusHistogramQuantile(0.99, lossy.map((ms) => ms / 1000), PROMISED) * 1000;
    const [lo, hi] = quantileBound(uniform, 0.99, PROMISED).boundMs;
    expect(est < lo || est > hi).toBe(true);
  });

  it('contains Prometheus’s estimate for random samples, quantiles and transports on the seed layout', () => {
    const r = rng(2024);
    for (let run = 0; run < 300; run++) {
      const n = 1 + Math.floor(r() * 400);
      const base = 1 + r() * 200;
      const spread = r() < 0.5 ? 50 : 3000;
      const client = Array.from({ length: n }, () => base + r() * r() * spread);
      const q = [0.5, 0.9, 0.95, 0.99][run % 4]!;
      const server = serverSide(client, (_, min) => r() * min);
      const est = prometheusHistogramQuantile(q, server.map((ms) => ms / 1000), SEED_DURATION_BUCKETS) * 1000;
      const [lo, hi] = quantileBound(client, q, SEED_DURATION_BUCKETS).boundMs;
      expect(est, `run ${run}: n ${n}, q ${q}`).toBeGreaterThanOrEqual(lo);
      expect(est, `run ${run}: n ${n}, q ${q}`).toBeLessThanOrEqual(hi);
    }
  });

  it('widens to +Inf above the last bound', () => {
    const b = quantileBound([200, 300, 400], 0.99, PROMISED);
    expect(b.boundMs).toEqual([100, Infinity]);
  });

  it('starts at 0 when the quantile is the fastest request (transport may be all of it)', () => {
    const b = quantileBound([30, 30, 30, 30], 0.99, PROMISED);
    expect(b.boundMs).toEqual([0, 50]);
  });
});

describe('quantileBound with the services\' own durations', () => {
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1];
  it('takes the lower edge from the service\'s quantile, so transport that varies under contention does not push an honest estimate out', () => {
    // The service took 1..24 ms; the client saw 2..15 ms more on top (queueing it cannot see), fastest 3 ms.
    const server = Array.from({ length: 100 }, (_, i) => 1 + (23 * i) / 99);
    const client = server.map((s, i) => s + 2 + (13 * i) / 99);
    const withServer = quantileBound(client, 0.95, buckets, server.map((s) => Math.round(s)));
    expect(withServer.serverQuantileMs).toBe(23);
    expect(withServer.boundMs).toEqual([10, 50]);
    // Without them, the fastest request (3 ms) understates the transport at p95 (14 ms): the bound
    // starts at 25 ms, and an honest histogram_quantile of ~23 ms would fall outside.
    expect(quantileBound(client, 0.95, buckets).boundMs[0]).toBe(25);
  });

  it('still refuses an estimate from buckets coarser than promised', () => {
    const server = Array.from({ length: 100 }, (_, i) => 20 + i / 4);
    const b = quantileBound(server.map((s) => s + 1), 0.95, buckets, server);
    expect(b.boundMs).toEqual([25, 50]);
    // A [1, 10] s layout interpolates the 95th rank at about 0.95 s.
    expect(950 >= b.boundMs[0] && 950 <= b.boundMs[1]).toBe(false);
  });
});
