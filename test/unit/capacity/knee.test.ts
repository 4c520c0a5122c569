import { describe, expect, it } from 'vitest';
import { KneeSearch, type KneeSearchOptions } from '../../../harness/capacity/knee.ts';

/**
 * Runs a search to its end against a system whose SLO verdict at each rate is `holds(rate)`,
 * checking on every step that the offered rate is a whole number within [1, maxRate].
 * Guards against a search that never ends.
 */
function drive(o: KneeSearchOptions, holds: (rate: number) => boolean): KneeSearch {
  const s = new KneeSearch(o);
  for (let guard = 0; guard < 1000; guard++) {
    const r = s.next();
    if (r === undefined) {
      expect(s.state.done).toBeTruthy();
      return s;
    }
    expect(r).toBeGreaterThanOrEqual(1);
    expect(r).toBeLessThanOrEqual(o.maxRate);
    expect(Number.isInteger(r)).toBe(true);
    s.record(r, holds(r));
  }
  throw new Error('the search did not end within 1000 steps');
}

/** A system whose SLO holds iff the rate is at most `c`. */
const capacity = (c: number) => (rate: number) => rate <= c;

describe('KneeSearch against a system with a sharp capacity C', () => {
  const cases = [134, 7, 1999].flatMap((c) => [10, 1].map((start) => [c, start] as const));

  it.each(cases)('C = %i, start %i: climbs by the factor, bisects, brackets C within the resolution', (c, startRate) => {
    const s = drive({ startRate, maxRate: 100_000, maxSteps: 50 }, capacity(c));
    const { held, broke, visited, done } = s.state;
    expect(held).toBeDefined();
    expect(broke).toBeDefined();
    expect(held!).toBeLessThanOrEqual(c);
    expect(broke!).toBeGreaterThan(c);
    expect(broke! / held! <= 1.05 || broke! - held! <= 1).toBe(true);
    expect(done).toMatch(/^bracketed/);
    expect(visited[0]!.rate).toBe(startRate);

    // Phase 1: each rate that held is followed by factor × it (rounded) until the first
    // breach; when the start breaks it halves instead.
    const firstBreak = visited.findIndex((v) => !v.ok);
    expect(firstBreak).toBeGreaterThanOrEqual(0);
    for (let i = 1; i <= firstBreak; i++) expect(visited[i]!.rate).toBe(Math.round(visited[i - 1]!.rate * 2));

    // Phase 2: every later rate lies strictly inside the bracket known when it was offered.
    let lo = 0;
    let hi = Infinity;
    for (const [i, v] of visited.entries()) {
      if (i > firstBreak && lo > 0) {
        expect(v.rate).toBeGreaterThan(lo);
        expect(v.rate).toBeLessThan(hi);
      }
      if (v.ok) lo = Math.max(lo, v.rate);
      else hi = Math.min(hi, v.rate);
    }
    // No rate is visited twice.
    expect(new Set(visited.map((v) => v.rate)).size).toBe(visited.length);
  });

  it('visits exactly the expected rates for C = 134 from 10/s', () => {
    const s = drive({ startRate: 10, maxRate: 10_000 }, capacity(134));
    expect(s.state.visited.map((v) => v.rate)).toEqual([10, 20, 40, 80, 160, 113, 134, 146, 140]);
    expect(s.state).toMatchObject({ held: 134, broke: 140, done: 'bracketed within 5 %' });
  });

  it('visits exactly the expected rates for C = 7 from 10/s (the start breaks, halves, then bisects)', () => {
    const s = drive({ startRate: 10, maxRate: 10_000 }, capacity(7));
    expect(s.state.visited.map((v) => v.rate)).toEqual([10, 5, 7, 8]);
    expect(s.state).toMatchObject({ held: 7, broke: 8 });
  });

  it('honours another factor and resolution', () => {
    const s = drive({ startRate: 10, maxRate: 100_000, factor: 3, resolution: 0.2, maxSteps: 50 }, capacity(500));
    const rates = s.state.visited.map((v) => v.rate);
    expect(rates.slice(0, 5)).toEqual([10, 30, 90, 270, 810]);
    expect(s.state.held!).toBeLessThanOrEqual(500);
    expect(s.state.broke!).toBeGreaterThan(500);
    expect(s.state.broke! / s.state.held!).toBeLessThanOrEqual(1.2);
    expect(s.state.done).toBe('bracketed within 20 %');
  });
});

describe('KneeSearch bounds', () => {
  it('never offers more than maxRate, even when factor × the last rate is above it', () => {
    const s = drive({ startRate: 10, maxRate: 150 }, capacity(100));
    expect(Math.max(...s.state.visited.map((v) => v.rate))).toBe(150);
    expect(s.state.visited.map((v) => v.rate).slice(0, 5)).toEqual([10, 20, 40, 80, 150]);
    expect(s.state.held!).toBeLessThanOrEqual(100);
    expect(s.state.broke!).toBeGreaterThan(100);
  });

  it('stops at maxRate with a reason when every rate holds', () => {
    const s = drive({ startRate: 10, maxRate: 150 }, () => true);
    expect(s.state.visited.map((v) => v.rate)).toEqual([10, 20, 40, 80, 150]);
    expect(s.state.held).toBe(150);
    expect(s.state.broke).toBeUndefined();
    expect(s.state.done).toBe('the SLO held up to --max-rate 150/s');
    expect(s.next()).toBeUndefined();
  });

  it('stops at once when startRate = maxRate and it holds', () => {
    const s = drive({ startRate: 5, maxRate: 5 }, () => true);
    expect(s.state.visited).toEqual([{ rate: 5, ok: true }]);
    expect(s.state.done).toMatch(/held up to --max-rate 5\/s/);
  });

  it.each([1, 3, 5, 16])('never takes more than maxSteps = %i steps, and says so', (maxSteps) => {
    // C = 1999 from 1/s needs more than 16 steps to bracket at the default resolution.
    const s = drive({ startRate: 1, maxRate: 100_000, maxSteps, resolution: 0.01 }, capacity(1999));
    expect(s.state.visited).toHaveLength(maxSteps);
    expect(s.state.done).toBe(`step limit (${maxSteps}) reached`);
    expect(s.next()).toBeUndefined();
    expect(s.state.visited).toHaveLength(maxSteps);
  });

  it('uses 16 steps at most by default', () => {
    const s = drive({ startRate: 1, maxRate: 100_000, resolution: 0.01 }, capacity(1999));
    expect(s.state.visited.length).toBeLessThanOrEqual(16);
    expect(s.state.done).toBe('step limit (16) reached');
  });
});

describe('KneeSearch when even the start rate breaks', () => {
  it('halves down to 1/s and ends with the 1 request/s reason when nothing holds', () => {
    const s = drive({ startRate: 10, maxRate: 100 }, () => false);
    expect(s.state.visited.map((v) => v.rate)).toEqual([10, 5, 2, 1]);
    expect(s.state.held).toBeUndefined();
    expect(s.state.broke).toBe(1);
    expect(s.state.done).toBe('the SLO broke at 1 request/s');
  });

  it('ends after one step when the start is 1/s and breaks', () => {
    const s = drive({ startRate: 1, maxRate: 100 }, () => false);
    expect(s.state.visited).toEqual([{ rate: 1, ok: false }]);
    expect(s.state.done).toBe('the SLO broke at 1 request/s');
  });

  it('halves until something holds, then bisects up from there', () => {
    const s = drive({ startRate: 100, maxRate: 100 }, capacity(3));
    expect(s.state.visited.map((v) => v.rate)).toEqual([100, 50, 25, 12, 6, 3, 4]);
    expect(s.state).toMatchObject({ held: 3, broke: 4 });
    expect(s.state.done).toMatch(/^bracketed/);
  });
});

describe('KneeSearch with a noisy record', () => {
  it('keeps the conservative bracket when a higher rate holds after a lower one broke', () => {
    const s = new KneeSearch({ startRate: 10, maxRate: 1000 });
    s.record(10, true);
    s.record(20, true);
    s.record(40, false);
    s.record(60, true); // noise: held above a rate that broke
    expect(s.state.held).toBe(20);
    expect(s.state.broke).toBe(40);
    const r = s.next()!;
    expect(r).toBeGreaterThan(20);
    expect(r).toBeLessThan(40);
  });

  it('does not count a rate as held when the same rate also broke', () => {
    const s = new KneeSearch({ startRate: 10, maxRate: 1000 });
    s.record(10, true);
    s.record(20, true);
    s.record(40, false);
    s.record(40, true); // noise: the same rate, once broken, once held
    expect(s.state.held).toBe(20);
    expect(s.state.broke).toBe(40);
  });

  it('moves the bracket down when a lower rate breaks after a higher one held', () => {
    const s = new KneeSearch({ startRate: 10, maxRate: 1000 });
    s.record(10, true);
    s.record(20, true);
    s.record(40, true);
    s.record(80, false);
    s.record(30, false); // noise: broke below a rate that held
    expect(s.state.broke).toBe(30);
    expect(s.state.held).toBe(20);
    expect(s.next()).toBe(Math.round(Math.sqrt(20 * 30)));
  });

  it('forgets held when no rate below the new breach held, and halves again', () => {
    const s = new KneeSearch({ startRate: 10, maxRate: 1000 });
    s.record(10, true);
    s.record(20, false);
    s.record(8, false);
    expect(s.state.held).toBeUndefined();
    expect(s.state.broke).toBe(8);
    expect(s.next()).toBe(4);
  });

  it('on a randomly noisy system, held is always the highest rate that held below broke, and broke the lowest that broke', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 50; run++) {
      const c = 5 + Math.floor(rand() * 500);
      const s = new KneeSearch({ startRate: 1 + Math.floor(rand() * 20), maxRate: 2000, maxSteps: 40 });
      for (let r = s.next(); r !== undefined; r = s.next()) {
        expect(r).toBeLessThanOrEqual(2000);
        // Within 20 % of C the verdict is a coin toss.
        const ok = r < c * 0.8 ? true : r > c * 1.2 ? false : rand() < 0.5;
        s.record(r, ok);
        const { held, broke, visited } = s.state;
        const brokeRates = visited.filter((v) => !v.ok).map((v) => v.rate);
        expect(broke).toBe(brokeRates.length ? Math.min(...brokeRates) : undefined);
        const heldBelow = visited.filter((v) => v.ok && (broke === undefined || v.rate < broke)).map((v) => v.rate);
        expect(held).toBe(heldBelow.length ? Math.max(...heldBelow) : undefined);
        if (held !== undefined && broke !== undefined) expect(held).toBeLessThan(broke);
      }
      expect(s.state.visited.length).toBeLessThanOrEqual(40);
    }
  });
});

describe('KneeSearch options', () => {
  it.each<[string, KneeSearchOptions]>([
    ['startRate 0', { startRate: 0, maxRate: 100 }],
    ['startRate 0.5', { startRate: 0.5, maxRate: 100 }],
    ['startRate NaN', { startRate: NaN, maxRate: 100 }],
    ['maxRate below startRate', { startRate: 10, maxRate: 9 }],
    ['maxRate NaN', { startRate: 10, maxRate: NaN }],
    ['factor 1', { startRate: 10, maxRate: 100, factor: 1 }],
    ['factor 0.5', { startRate: 10, maxRate: 100, factor: 0.5 }],
    ['factor NaN', { startRate: 10, maxRate: 100, factor: NaN }],
    ['resolution 0', { startRate: 10, maxRate: 100, resolution: 0 }],
    ['resolution -0.1', { startRate: 10, maxRate: 100, resolution: -0.1 }],
  ])('refuses %s with a RangeError', (_, o) => {
    expect(() => new KneeSearch(o)).toThrow(RangeError);
    expect(() => new KneeSearch(o)).toThrow(/1 ≤ startRate ≤ maxRate, factor > 1, resolution > 0/);
  });

  it('accepts the smallest valid options', () => {
    expect(() => new KneeSearch({ startRate: 1, maxRate: 1, factor: 1.01, resolution: 0.001 })).not.toThrow();
  });
});

describe('KneeSearch with a small factor on a small rate', () => {
  it('still climbs at least 1 request/s a step (1 × 1.1 rounds back to 1)', () => {
    const s = drive({ startRate: 1, factor: 1.1, maxRate: 1000, maxSteps: 200 }, capacity(100));
    const rates = s.state.visited.map((v) => v.rate);
    expect(rates.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(s.state.held).toBeLessThanOrEqual(100);
    expect(s.state.broke).toBeGreaterThan(100);
  });
});
