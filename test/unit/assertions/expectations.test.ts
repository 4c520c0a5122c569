import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ExpectationFailedError,
  type Probe,
  VirtualClock,
  always,
  assertOutcome,
  eventually,
  holdsFor,
  never,
  systemClock,
  toEvidence,
} from '../../../assertions/expectations.ts';

const START = Date.UTC(2025, 0, 1);

/** A probe whose value is a function of virtual time since START (in seconds). */
function timeProbe(clock: VirtualClock, okAt: (seconds: number) => boolean): Probe<{ t: number }> {
  return async () => {
    const t = (clock.now() - START) / 1000;
    return { ok: okAt(t), observed: { t } };
  };
}

const seconds = (o: { atMs: number }): number => (o.atMs - START) / 1000;

describe('eventually', () => {
  it('passes at the first ok sample when the probe flips in time', async () => {
    const clock = new VirtualClock(START);
    const outcome = await eventually(
      { within: '1m', pollEvery: '10s', clock, description: 'ServiceDown firing' },
      timeProbe(clock, (t) => t >= 25),
    );
    expect(outcome.verdict).toBe('pass');
    expect(outcome.kind).toBe('eventually');
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20, 30]);
    expect(outcome.observations.map((o) => o.ok)).toEqual([false, false, false, true]);
    expect(outcome.expectation).toBe('eventually within 1m, polling every 10s: ServiceDown firing');
    expect(outcome.reason).toBe('satisfied at attempt 4, 30s after the start');
    expect(outcome.evaluatedAt).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-01T00:00:10.000Z',
      '2025-01-01T00:00:20.000Z',
      '2025-01-01T00:00:30.000Z',
    ]);
    expect(outcome.windowStart).toBe('2025-01-01T00:00:00.000Z');
    expect(outcome.windowEnd).toBe('2025-01-01T00:00:30.000Z');
  });

  it('fails with every observation when the probe does not flip in time; last sample at the deadline', async () => {
    const clock = new VirtualClock(START);
    const outcome = await eventually({ within: '55s', pollEvery: '10s', clock }, timeProbe(clock, (t) => t >= 120));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20, 30, 40, 50, 55]);
    expect(outcome.observations.every((o) => !o.ok)).toBe(true);
    expect(outcome.observations.map((o) => o.observed)).toEqual([0, 10, 20, 30, 40, 50, 55].map((t) => ({ t })));
    expect(outcome.reason).toContain('not satisfied within 55s (7 observations)');
    expect(outcome.reason).toContain('{"t":55}');
    expect(outcome.elapsedMs).toBe(55_000);
  });

  it('keeps polling through probe errors and records them', async () => {
    const clock = new VirtualClock(START);
    let calls = 0;
    const outcome = await eventually({ within: '1m', pollEvery: '5s', clock }, async () => {
      calls += 1;
      if (calls < 3) throw new Error('connect ECONNREFUSED 127.0.0.1:7028');
      return { ok: true, observed: 1 };
    });
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observations.map((o) => o.error)).toEqual([
      'Error: connect ECONNREFUSED 127.0.0.1:7028',
      'Error: connect ECONNREFUSED 127.0.0.1:7028',
      undefined,
    ]);
  });

  it('schedules from the start of each sample, so slow probes do not stretch the period', async () => {
    const clock = new VirtualClock(START);
    const outcome = await eventually({ within: '30s', pollEvery: '10s', clock }, async () => {
      clock.advance(3000); // the query takes 3s
      return { ok: false, observed: null };
    });
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20, 30]);
    expect(outcome.observations.every((o) => o.durationMs === 3000)).toBe(true);
    expect(clock.sleeps).toEqual([7000, 7000, 7000]);
  });

  it('rejects a zero poll interval', async () => {
    await expect(eventually({ within: '1m', pollEvery: 0 }, async () => ({ ok: true, observed: 1 }))).rejects.toThrow(
      /pollEvery must be > 0/,
    );
  });
});

describe('always', () => {
  it('fails on the first bad sample and stops sampling', async () => {
    const clock = new VirtualClock(START);
    const outcome = await always({ during: '2m', pollEvery: '15s', clock }, timeProbe(clock, (t) => t < 40));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.observations.map(seconds)).toEqual([0, 15, 30, 45]);
    expect(outcome.observations.at(-1)?.satisfied).toBe(false);
    expect(outcome.reason).toContain('not ok at attempt 4, 45s into the window');
  });

  it('passes when every sample over the window is ok, sampling the end of the window', async () => {
    const clock = new VirtualClock(START);
    const outcome = await always({ during: '1m', pollEvery: '25s', clock }, timeProbe(clock, () => true));
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observations.map(seconds)).toEqual([0, 25, 50, 60]);
    expect(outcome.reason).toBe('ok at all 4 observations over 1m');
  });

  it('a probe error fails always', async () => {
    const clock = new VirtualClock(START);
    const outcome = await always({ during: '1m', pollEvery: '10s', clock }, async () => {
      throw new Error('timed out');
    });
    expect(outcome.verdict).toBe('fail');
    expect(outcome.observations).toHaveLength(1);
    expect(outcome.reason).toContain('evaluation failed');
  });
});

describe('never', () => {
  it('passes when the condition never shows up', async () => {
    const clock = new VirtualClock(START);
    const outcome = await never(
      { during: '30s', pollEvery: '10s', clock, description: 'HighErrorRate firing' },
      timeProbe(clock, () => false),
    );
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observations).toHaveLength(4);
    expect(outcome.observations.every((o) => o.satisfied && !o.ok)).toBe(true);
    expect(outcome.expectation).toBe('never during 30s, polling every 10s: HighErrorRate firing');
  });

  it('fails at the first sample where the condition holds', async () => {
    const clock = new VirtualClock(START);
    const outcome = await never({ during: '1m', pollEvery: '10s', clock }, timeProbe(clock, (t) => t === 20));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20]);
    expect(outcome.reason).toContain('ok (must never be) at attempt 3');
  });
});

describe('holdsFor', () => {
  it('passes once the probe has stayed ok for the duration', async () => {
    const clock = new VirtualClock(START);
    const outcome = await holdsFor(
      { duration: '30s', within: '1m', pollEvery: '10s', clock },
      timeProbe(clock, (t) => t >= 15),
    );
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(outcome.reason).toContain('held for 30s from 2025-01-01T00:00:20.000Z to 2025-01-01T00:00:50.000Z');
  });

  it('a bad sample restarts the run', async () => {
    const clock = new VirtualClock(START);
    const outcome = await holdsFor(
      { duration: '20s', within: '1m', pollEvery: '10s', clock },
      timeProbe(clock, (t) => t !== 20),
    );
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observations.map((o) => o.ok)).toEqual([true, true, false, true, true, true]);
    expect(outcome.reason).toContain('from 2025-01-01T00:00:30.000Z');
    expect(outcome.reason).toContain('run 2');
  });

  it('lands on the exact end of the duration when poll does not divide it', async () => {
    const clock = new VirtualClock(START);
    const outcome = await holdsFor({ duration: '25s', within: '10s', pollEvery: '10s', clock }, timeProbe(clock, () => true));
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20, 25]);
  });

  it('fails when a flapping probe cannot start a run by the deadline', async () => {
    const clock = new VirtualClock(START);
    const outcome = await holdsFor(
      { duration: '30s', within: '40s', pollEvery: '10s', clock },
      timeProbe(clock, (t) => Math.floor(t / 10) % 2 === 0), // ok, bad, ok, bad, ...
    );
    expect(outcome.verdict).toBe('fail');
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(outcome.reason).toContain('run broken at 2025-01-01T00:00:50.000Z');
  });

  it('fails when the probe never becomes ok', async () => {
    const clock = new VirtualClock(START);
    const outcome = await holdsFor({ duration: '30s', within: '20s', pollEvery: '10s', clock }, timeProbe(clock, () => false));
    expect(outcome.verdict).toBe('fail');
    expect(outcome.observations.map(seconds)).toEqual([0, 10, 20]);
  });
});

describe('with vitest fake timers and the system clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('eventually runs on fake time', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(START);
    const probe = vi.fn(async () => ({ ok: Date.now() - START >= 20_000, observed: Date.now() }));
    const pending = eventually({ within: '1m', pollEvery: '5s', clock: systemClock }, probe);
    await vi.advanceTimersByTimeAsync(60_000);
    const outcome = await pending;
    expect(outcome.verdict).toBe('pass');
    expect(probe).toHaveBeenCalledTimes(5);
    expect(outcome.observations.map(seconds)).toEqual([0, 5, 10, 15, 20]);
  });
});

describe('evidence and assertion', () => {
  it('toEvidence() records query, times, observations and verdict; JSON-safe', async () => {
    const clock = new VirtualClock(START);
    const outcome = await eventually({ within: '20s', pollEvery: '10s', clock, description: 'error rate high' }, async () => ({
      ok: false,
      observed: { value: Number.NaN, big: 1n },
      series: [{ labels: { service: 'a' }, value: 'NaN' }],
    }));
    const ev = toEvidence(outcome, { query: 'sum(rate(x[5m]))', language: 'promql' });
    expect(ev).toMatchObject({
      query: 'sum(rate(x[5m]))',
      language: 'promql',
      verdict: 'fail',
      expectation: 'eventually within 20s, polling every 10s: error rate high',
      windowStart: '2025-01-01T00:00:00.000Z',
      windowEnd: '2025-01-01T00:00:20.000Z',
    });
    expect(ev.evaluatedAt).toHaveLength(3);
    expect(ev.observed[0]).toEqual({
      at: '2025-01-01T00:00:00.000Z',
      ok: false,
      series: [{ labels: { service: 'a' }, value: 'NaN' }],
      value: { value: 'NaN', big: '1' },
    });
    expect(JSON.parse(JSON.stringify(ev))).toEqual(ev);
  });

  it('assertOutcome() throws with the expectation, reason and last observations', async () => {
    const clock = new VirtualClock(START);
    const outcome = await always({ during: '1m', pollEvery: '10s', clock, description: 'all targets up' }, timeProbe(clock, (t) => t < 10));
    expect(() => assertOutcome(outcome)).toThrow(ExpectationFailedError);
    expect(() => assertOutcome(outcome)).toThrow(/expectation failed: always during 1m, polling every 10s: all targets up\nnot ok at attempt 2/);
    const ok = await always({ during: '10s', pollEvery: '10s', clock }, async () => ({ ok: true, observed: 1 }));
    expect(assertOutcome(ok)).toBe(ok);
  });
});
