import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/lib/errors.ts';
import { DEFAULT_SLO, describeSlo, parseSlo, sloBreaches } from '../../../harness/capacity/slo.ts';

/** The UsageError parseSlo throws for `text`, or a failure when it accepts it. */
function rejection(text: string): UsageError {
  try {
    parseSlo(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseSlo', () => {
  it('reads the default', () => {
    expect(parseSlo('p99<500ms,errors<1%')).toEqual({ p99Ms: 500, errorRatio: 0.01 });
    expect(parseSlo(DEFAULT_SLO)).toEqual({ p99Ms: 500, errorRatio: 0.01 });
  });

  it.each([
    ['p99<1s', { p99Ms: 1000 }],
    ['p99<1m30s', { p99Ms: 90_000 }],
    ['errors<0.5%', { errorRatio: 0.005 }],
    ['errors<100%', { errorRatio: 1 }],
    ['errors<0%', { errorRatio: 0 }],
    [' p99 < 250ms , errors < 2 % ', { p99Ms: 250, errorRatio: 0.02 }],
    ['errors<5%,p99<2s', { p99Ms: 2000, errorRatio: 0.05 }],
    ['p99<500ms,', { p99Ms: 500 }],
  ])('reads %j', (text, slo) => {
    expect(parseSlo(text)).toEqual(slo);
  });

  it.each([
    ['p99<abc', /"abc" in "p99<abc" is not a duration/],
    ['p99<1.5s', /is not a duration/],
    ['p99<0ms', /must be above 0/],
    ['p99<', /cannot read/],
    ['errors<150%', /percentage from 0 to 100/],
    ['errors<1.2.3%', /percentage from 0 to 100/],
    ['errors<-1%', /cannot read/],
    ['errors<1', /cannot read/],
    ['p95<1s', /cannot read "p95<1s"/],
    ['p99>500ms', /cannot read/],
    ['', /is empty/],
    [' , ', /is empty/],
    ['latency<5', /cannot read "latency<5"/],
    ['p99<500ms,latency<5', /cannot read "latency<5"/],
  ])('refuses %j, naming --slo and the fix', (text, why) => {
    const e = rejection(text);
    expect(e.details.field).toBe('--slo');
    expect(e.message).toMatch(/^--slo: /);
    expect(e.message).toMatch(why);
    expect(e.details.fix).toBeTruthy();
    expect(e.message).toMatch(/\n {2}fix: .*--slo "p99<500ms,errors<1%"/);
    expect(e.exitCode).toBe(2);
  });
});

describe('sloBreaches', () => {
  const slo = { p99Ms: 500, errorRatio: 0.01 };

  it('holds under both limits', () => {
    expect(sloBreaches(slo, { p99Ms: 499.9, errorRatio: 0.0099 })).toEqual([]);
    expect(sloBreaches(slo, { p99Ms: 0, errorRatio: 0 })).toEqual([]);
  });

  it('breaches at the latency limit itself (the comparison is strict)', () => {
    expect(sloBreaches(slo, { p99Ms: 500, errorRatio: 0 })).toEqual(['p99 500.0 ms ≥ 500 ms']);
  });

  it('breaches over the latency limit', () => {
    expect(sloBreaches(slo, { p99Ms: 812.34, errorRatio: 0 })).toEqual(['p99 812.3 ms ≥ 500 ms']);
  });

  it('breaches at the error limit itself (the comparison is strict)', () => {
    expect(sloBreaches(slo, { p99Ms: 10, errorRatio: 0.01 })).toEqual(['errors 1.00 % ≥ 1 %']);
  });

  it('breaches over the error limit', () => {
    expect(sloBreaches(slo, { p99Ms: 10, errorRatio: 0.25 })).toEqual(['errors 25.00 % ≥ 1 %']);
  });

  it('lists both breaches, latency first', () => {
    expect(sloBreaches(slo, { p99Ms: 600, errorRatio: 0.5 })).toEqual(['p99 600.0 ms ≥ 500 ms', 'errors 50.00 % ≥ 1 %']);
  });

  it('judges only the limits that are set', () => {
    expect(sloBreaches({ p99Ms: 500 }, { p99Ms: 100, errorRatio: 1 })).toEqual([]);
    expect(sloBreaches({ errorRatio: 0.01 }, { p99Ms: 1e9, errorRatio: 0 })).toEqual([]);
    expect(sloBreaches({}, { p99Ms: 1e9, errorRatio: 1 })).toEqual([]);
  });

  it('counts a missing latency (NaN, e.g. no requests) as a breach', () => {
    expect(sloBreaches(slo, { p99Ms: NaN, errorRatio: 0 })).toHaveLength(1);
  });

  it('shows a fractional error limit without float noise', () => {
    expect(sloBreaches({ errorRatio: 0.005 }, { p99Ms: 0, errorRatio: 0.007 })).toEqual(['errors 0.70 % ≥ 0.5 %']);
  });
});

describe('describeSlo', () => {
  it('says each limit, or none', () => {
    expect(describeSlo(parseSlo(DEFAULT_SLO))).toBe('p99 < 500 ms, errors < 1 %');
    expect(describeSlo({ errorRatio: 0.005 })).toBe('errors < 0.5 %');
    expect(describeSlo({})).toBe('none');
  });
});
