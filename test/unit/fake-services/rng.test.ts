import { describe, expect, it } from 'vitest';
import { deriveSeed, logNormalMs, normalFrom, pickWeighted, Rng } from '../../../fake-services/rng.ts';

const take = (r: Rng, n: number) => Array.from({ length: n }, () => r.float());

describe('seeded PRNG', () => {
  it('is pinned: the same seed gives these exact values on every machine and run', () => {
    expect(deriveSeed(42, 'pin')).toBe(1608667096);
    expect(take(new Rng(42, 'pin'), 3)).toEqual([0.028992286849324866, 0.2988315807694736, 0.353322730890709]);
  });

  it('repeats a stream for the same (seed, purpose) and separates different ones', () => {
    expect(take(new Rng(7, 'a', 1), 100)).toEqual(take(new Rng(7, 'a', 1), 100));
    expect(take(new Rng(7, 'a', 1), 10)).not.toEqual(take(new Rng(7, 'a', 2), 10));
    expect(take(new Rng(7, 'a'), 10)).not.toEqual(take(new Rng(8, 'a'), 10));
  });

  it('counts draws (the stream position)', () => {
    const r = new Rng(1);
    take(r, 5);
    r.int(3);
    expect(r.draws).toBe(6);
  });

  it('draws in range and roughly uniformly', () => {
    const xs = take(new Rng(3), 20_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('picks by weight', () => {
    const r = new Rng(11);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.weighted([1, 2, 7])]!++;
    expect(counts[0]! / 30_000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 30_000).toBeCloseTo(0.7, 1);
    expect(pickWeighted([1, 1], 0)).toBe(0);
    expect(pickWeighted([1, 1], 0.999)).toBe(1);
  });

  it('samples a log-normal whose median is the profile median, capped at maxMs', () => {
    const r = new Rng(5);
    const xs = Array.from({ length: 20_001 }, () => logNormalMs(20, 0.6, 10_000, normalFrom(r.float(), r.float()))).sort((a, b) => a - b);
    expect(xs[10_000]!).toBeGreaterThan(18);
    expect(xs[10_000]!).toBeLessThan(22);
    expect(logNormalMs(20, 3, 100, 5)).toBe(100);
    expect(logNormalMs(20, 0, 100, 5)).toBe(20);
  });
});
