/**
 * Seeded randomness. Every random decision in the fakes and the traffic driver comes from
 * an `Rng` derived from (seed, purpose...), so one seed fixes the whole run. The generator is
 * pure-rand's xoroshiro128+, used in its mutable form (advanced in place).
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** FNV-1a (32-bit) of the seed and the purpose, so independent streams never share a state. */
export function deriveSeed(seed: number, ...purpose: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of [seed, ...purpose].join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

export class Rng {
  private readonly gen: RandomGenerator;
  /** Number of uniform draws taken so far: the stream position. */
  draws = 0;

  constructor(seed: number, ...purpose: (string | number)[]) {
    this.gen = xoroshiro128plus(deriveSeed(seed, ...purpose));
  }

  /** Uniform in [0, 1). */
  float(): number {
    this.draws++;
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.float() * n));
  }

  /** Exponential with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number {
    return -Math.log(1 - this.float()) * mean;
  }

  /** Index chosen with probability proportional to its weight. */
  weighted(weights: readonly number[]): number {
    return pickWeighted(weights, this.float());
  }
}

/** Standard normal from two uniforms (Box-Muller); u1 in [0,1) is mapped away from 0. */
export function normalFrom(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

/** Log-normal around `median` with spread `sigma`, capped at `maxMs`. */
export function logNormalMs(median: number, sigma: number, maxMs: number, z: number): number {
  return Math.min(maxMs, median * Math.exp(sigma * z));
}

export function pickWeighted(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = u * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!;
    if (x < 0) return i;
  }
  return weights.length - 1;
}
