/**
 * Fault shapes, on seeded draws: the stated share within the binomial bound of the
 * sample, the tail moving p95 and not the median, bursts of exactly the stated length,
 * a ramp that grows from nothing to full. Bounds are 4 standard deviations of the
 * sample, so a failure means the shape is wrong, not an unlucky seed.
 */
import { describe, expect, it } from 'vitest';
import { FaultSpecSchema, FaultStore } from '../../../fake-services/faults.ts';

const N = 20_000;
const binomialBound = (p: number, n: number) => 4 * Math.sqrt((p * (1 - p)) / n);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;

describe('fault shapes', () => {
  it('a latency tail on a share of requests: the share within its sampling bound, p95 over 1 s, the median untouched', () => {
    const store = new FaultStore(42, 'git-mcp');
    store.add({ kind: 'latency', ms: 1500, share: 0.08 });
    const extra = Array.from({ length: N }, () => store.extraLatencyMs('/mcp', 'git_log'));
    const hit = extra.filter((x) => x > 0).length / N;
    expect(Math.abs(hit - 0.08)).toBeLessThan(binomialBound(0.08, N));
    expect(quantile(extra, 0.95)).toBe(1500);
    expect(quantile(extra, 0.5)).toBe(0);
  });

  it('a bimodal mix is two shares of the same tool', () => {
    const store = new FaultStore(7, 'git-mcp');
    store.add({ kind: 'latency', ms: 200, share: 0.5 });
    store.add({ kind: 'latency', ms: 2000, share: 0.1 });
    const extra = Array.from({ length: N }, () => store.extraLatencyMs('/mcp', undefined));
    const slow = extra.filter((x) => x >= 2000).length / N;
    expect(Math.abs(slow - 0.1)).toBeLessThan(binomialBound(0.1, N));
    expect(quantile(extra, 0.25)).toBe(0);
    expect(quantile(extra, 0.7)).toBe(200);
    expect(quantile(extra, 0.99)).toBeGreaterThanOrEqual(2000);
  });

  it('a slow path on one tool only leaves the others alone', () => {
    const store = new FaultStore(1, 'filesystem-mcp');
    store.add({ kind: 'latency', ms: 900, tool: 'write_file' });
    expect(store.extraLatencyMs('/mcp', 'write_file')).toBe(900);
    expect(store.extraLatencyMs('/mcp', 'read_file')).toBe(0);
    expect(store.extraLatencyMs('/health', undefined)).toBe(0);
  });

  it('errors in bursts: exactly `length` consecutive failures in every `every` requests', () => {
    const store = new FaultStore(3, 'terminal-mcp');
    store.add({ kind: 'error-ratio', ratio: 1, burst: { length: 5, every: 50 } });
    const failed = Array.from({ length: 500 }, () => store.injectedStatus('/mcp', 'run') !== undefined);
    const runs: number[] = [];
    let run = 0;
    for (const f of failed) {
      if (f) run++;
      else if (run) {
        runs.push(run);
        run = 0;
      }
    }
    expect(runs).toEqual(Array(10).fill(5));
    expect(failed.slice(0, 5).every(Boolean) && !failed[5]).toBe(true);
  });

  it('a spread ratio inside bursts keeps every window of the burst at the ratio ± 1', () => {
    const store = new FaultStore(3, 'terminal-mcp');
    store.add({ kind: 'error-ratio', ratio: 0.5, spread: true, burst: { length: 10, every: 100 } });
    const failed = Array.from({ length: 1000 }, () => store.injectedStatus('/mcp', 'run') !== undefined);
    expect(failed.filter(Boolean).length).toBe(50); // half of the 100 requests that fall in bursts
    for (let b = 0; b < 10; b++) expect(failed.slice(b * 100 + 10, (b + 1) * 100).some(Boolean)).toBe(false);
  });

  it('errors on one tool only', () => {
    const store = new FaultStore(9, 'database-mcp');
    store.add({ kind: 'error-ratio', ratio: 1, tool: 'query' });
    expect(store.injectedStatus('/mcp', 'query')).toBe(500);
    expect(store.injectedStatus('/mcp', 'list_tables')).toBeUndefined();
  });

  it('a ramp grows from nothing to the full effect over rampSeconds', () => {
    const store = new FaultStore(5, 'git-mcp');
    const f = store.add({ kind: 'latency', ms: 1000, rampSeconds: 100 });
    const t0 = Date.parse(f.createdAt);
    expect(store.extraLatencyMs('/mcp', undefined, t0)).toBe(0);
    expect(store.extraLatencyMs('/mcp', undefined, t0 + 25_000)).toBeCloseTo(250);
    expect(store.extraLatencyMs('/mcp', undefined, t0 + 100_000)).toBe(1000);
    expect(store.extraLatencyMs('/mcp', undefined, t0 + 500_000)).toBe(1000);
  });

  it('an error ramp: the failing share follows the ramp within its sampling bound', () => {
    const store = new FaultStore(11, 'terminal-mcp');
    const f = store.add({ kind: 'error-ratio', ratio: 0.2, rampSeconds: 60 });
    const half = Date.parse(f.createdAt) + 30_000;
    const failed = Array.from({ length: N }, () => store.injectedStatus('/mcp', 'run', half) !== undefined).filter(Boolean).length / N;
    expect(Math.abs(failed - 0.1)).toBeLessThan(binomialBound(0.1, N));
  });

  it('the same seed gives the same draws; a burst longer than its period is refused', () => {
    const draws = (seed: number) => {
      const s = new FaultStore(seed, 'git-mcp');
      s.add({ kind: 'latency', medianMs: 300, sigma: 0.5, share: 0.3 });
      return Array.from({ length: 50 }, () => s.extraLatencyMs('/mcp', undefined));
    };
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
    expect(() => FaultSpecSchema.parse({ kind: 'error-ratio', ratio: 1, burst: { length: 10, every: 5 } })).toThrow(/length must not exceed every/);
  });
});
