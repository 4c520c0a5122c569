import { describe, expect, it } from 'vitest';
import { LoadAlertJudge, type AlertFinding } from '../../../harness/capacity/alert-judge.ts';
import type { LoadStepOutcome } from '../../../harness/capacity/load-step.ts';
import { PromiseSpec, SEED_SPEC } from '../../../harness/spec/promise-spec.ts';

// The seed promises HighLatency (p95 > 1 s) and HighErrorRate (5xx > 5 %) within 10m45s each;
// at time scale 0.1 that is 64.5 s.
const spec = new PromiseSpec(SEED_SPEC, undefined);
const BUDGET_S = 64.5;

/** A step as the load tool saw it: its p95 (ms) and its 5xx among `requests`. */
function step(p95: number, serverErrors = 0, requests = 1000): LoadStepOutcome {
  return {
    load: {
      engine: 'vegeta',
      requests,
      achievedRate: requests / 20,
      throughput: (requests - serverErrors) / 20,
      noResponse: 0,
      serverErrors,
      errorRatio: requests ? serverErrors / requests : 0,
      latencyMs: { p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 1.1, max: p95 * 1.2 },
    },
    minMs: 1,
    byCause: true,
  };
}
const QUIET = step(200);
const SLOW = step(1500);
const FAILING = step(200, 60); // 6 % 5xx

const of = (findings: AlertFinding[], alert: string) => findings.filter((f) => f.title.includes(` ${alert} `));

describe('LoadAlertJudge before the condition', () => {
  it('passes both alerts when quiet and nothing fires', () => {
    const f = new LoadAlertJudge(spec, 0.1).judge(50, QUIET, 20_000, []);
    expect(f).toHaveLength(2);
    expect(f.every((x) => x.verdict === 'pass')).toBe(true);
    expect(f[0]!.title).toBe('at 50/s: HighLatency not firing before its condition');
    expect(f[1]!.title).toBe('at 50/s: HighErrorRate not firing before its condition');
  });

  it('fails an alert firing before the load tool saw its condition', () => {
    const f = new LoadAlertJudge(spec, 0.1).judge(50, QUIET, 20_000, ['HighLatency']);
    const lat = of(f, 'HighLatency');
    expect(lat).toHaveLength(1);
    expect(lat[0]!.verdict).toBe('fail');
    expect(lat[0]!.message).toContain('HighLatency fired although the load tool never saw');
    expect(of(f, 'HighErrorRate')[0]!.verdict).toBe('pass');
  });

  it('counts p95 at exactly the threshold as not yet the condition (strict >)', () => {
    const f = new LoadAlertJudge(spec, 0.1).judge(50, step(1000), 20_000, ['HighLatency']);
    expect(of(f, 'HighLatency')).toMatchObject([{ verdict: 'fail', title: 'at 50/s: HighLatency not firing before its condition' }]);
  });

  it('counts 5xx at exactly 5 % as not yet the condition, and a step without requests as quiet', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    expect(of(judge.judge(50, step(200, 50), 20_000, ['HighErrorRate']), 'HighErrorRate')).toMatchObject([{ verdict: 'fail' }]);
    expect(of(judge.judge(50, step(200, 0, 0), 20_000, ['HighErrorRate']), 'HighErrorRate')).toMatchObject([{ verdict: 'fail' }]);
  });

  it('no longer judges "before" once the condition has been seen', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    judge.judge(50, SLOW, 20_000, []);
    // Quiet again, still firing (the alert lags): no finding for HighLatency.
    expect(of(judge.judge(50, QUIET, 20_000, ['HighLatency']), 'HighLatency')).toEqual([]);
  });
});

describe('LoadAlertJudge once the condition holds', () => {
  it('says once, as skipped, that a condition held shorter than the budget cannot be judged', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    const first = of(judge.judge(100, SLOW, 20_000, []), 'HighLatency');
    expect(first).toHaveLength(1);
    expect(first[0]!.verdict).toBe('skipped');
    expect(first[0]!.title).toBe(`at 100/s: HighLatency fires within its promised ${BUDGET_S} s`);
    expect(first[0]!.message).toContain(`shorter than the promised ${BUDGET_S} s`);
    expect(first[0]!.message).toContain('--step-duration');
    // Still short (40 s, then 60 s): nothing more is said.
    expect(of(judge.judge(100, SLOW, 20_000, []), 'HighLatency')).toEqual([]);
    expect(of(judge.judge(100, SLOW, 20_000, []), 'HighLatency')).toEqual([]);
  });

  it('fails when the condition held at least the budget and the alert is not firing', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    judge.judge(100, SLOW, 40_000, []); // 40 s: skipped
    const f = of(judge.judge(100, SLOW, 24_500, []), 'HighLatency'); // 64.5 s: exactly the budget
    expect(f).toHaveLength(1);
    expect(f[0]!.verdict).toBe('fail');
    expect(f[0]!.message).toContain(`over the promised ${BUDGET_S} s`);
  });

  it('passes when the condition held at least the budget and the alert is firing', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    const f = of(judge.judge(100, SLOW, 70_000, ['HighLatency']), 'HighLatency');
    expect(f).toEqual([expect.objectContaining({ verdict: 'pass', title: `at 100/s: HighLatency fires within its promised ${BUDGET_S} s` })]);
    expect(f[0]!.message).toContain('for 70 s');
  });

  it('judges one step shorter than the budget as skipped, even when firing', () => {
    const f = of(new LoadAlertJudge(spec, 0.1).judge(100, SLOW, 64_499, ['HighLatency']), 'HighLatency');
    expect(f).toMatchObject([{ verdict: 'skipped' }]);
  });

  it('restarts the clock when the condition stops', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    judge.judge(100, SLOW, 40_000, []);
    judge.judge(50, QUIET, 20_000, []);
    // 40 s again, not 80 s: too short; and the skipped note was already given.
    expect(of(judge.judge(100, SLOW, 40_000, []), 'HighLatency')).toEqual([]);
    expect(of(judge.judge(100, SLOW, 30_000, []), 'HighLatency')).toMatchObject([{ verdict: 'fail' }]);
  });

  it('judges HighErrorRate independently of HighLatency', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    const f = judge.judge(100, FAILING, 70_000, ['HighErrorRate']);
    expect(of(f, 'HighErrorRate')).toMatchObject([{ verdict: 'pass' }]);
    expect(of(f, 'HighLatency')).toMatchObject([{ verdict: 'pass', title: 'at 100/s: HighLatency not firing before its condition' }]);
    const g = judge.judge(100, FAILING, 70_000, []);
    expect(of(g, 'HighErrorRate')).toMatchObject([{ verdict: 'fail' }]);
  });

  it('scales the budget with the time scale', () => {
    const f = of(new LoadAlertJudge(spec, 1).judge(100, SLOW, 600_000, ['HighLatency']), 'HighLatency');
    expect(f).toMatchObject([{ verdict: 'skipped', title: 'at 100/s: HighLatency fires within its promised 645 s' }]);
  });
});

describe('LoadAlertJudge with a spec without thresholds', () => {
  it('judges nothing', () => {
    const bare = new PromiseSpec({ ...SEED_SPEC, alerts: { ServiceDown: SEED_SPEC.alerts.ServiceDown! } }, undefined);
    expect(new LoadAlertJudge(bare, 0.1).judge(100, SLOW, 100_000, ['HighLatency'])).toEqual([]);
  });

  it('uses the spec’s latency quantile: p99 for quantile 0.99', () => {
    const p99 = new PromiseSpec({ ...SEED_SPEC, alerts: { HighLatency: { ...SEED_SPEC.alerts.HighLatency!, quantile: 0.99 } } }, undefined);
    // p95 0.95 s, p99 1.045 s: over 1 s only at p99.
    const f = new LoadAlertJudge(p99, 0.1).judge(100, step(950), 100_000, ['HighLatency']);
    expect(f).toMatchObject([{ verdict: 'pass', title: `at 100/s: HighLatency fires within its promised ${BUDGET_S} s` }]);
  });
});

describe('LoadAlertJudge with an engine that cannot tell 5xx apart (k6)', () => {
  it('does not judge HighErrorRate at all, but still judges HighLatency', () => {
    const judge = new LoadAlertJudge(spec, 0.1);
    const k6 = { ...step(100, 0), byCause: false };
    const findings = judge.judge(50, k6, 20_000, ['HighErrorRate']);
    expect(findings.some((f) => f.title.includes('HighErrorRate'))).toBe(false);
    expect(findings.find((f) => f.title.includes('HighLatency'))?.verdict).toBe('pass');
  });
});
