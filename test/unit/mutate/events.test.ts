import { describe, expect, it } from 'vitest';
import { mutantEvents, mutationScore } from '../../../harness/mutate/events.ts';
import type { MutantOutcome } from '../../../harness/mutate/execute.ts';

const mutant = (id: string, operator = id.split(':')[0]!) => ({ id, operator, file: 'prometheus/alerts.yml', description: 'ServiceDown for 1m → 10m', scenarios: ['service-down'], apply: () => {} });
const outcome = (status: MutantOutcome['status'], id = 'for-stretch:ServiceDown'): MutantOutcome => ({
  mutant: mutant(id),
  status,
  detail: status === 'killed' ? 'killed by service-down: ServiceDown fires within its promised 1m45s' : status === 'survived' ? 'no scenario noticed this (service-down passed)' : 'not run: loki is absent',
  diff: '--- a/prometheus/alerts.yml\n+++ b/prometheus/alerts.yml\n@@ -7 +7 @@\n-        for: 1m\n+        for: 10m',
  durationMs: 30_000,
  startedStack: status !== 'skipped',
  runDir: '/tmp/x',
});

describe('mutants on the event stream', () => {
  it('a survivor is a failed assertion carrying its diff', () => {
    const events = mutantEvents(outcome('survived'), new Date(0).toISOString());
    const a = events.find((e) => e.type === 'assertion');
    expect(a?.type === 'assertion' && a.assertion.verdict).toBe('fail');
    expect(a?.type === 'assertion' && a.assertion.message).toMatch(/no scenario noticed this/);
    expect(a?.type === 'assertion' && a.assertion.logExcerpt).toContain('+        for: 10m');
    expect(events.at(-1)).toMatchObject({ type: 'scenario-end', scenario: 'mutant for-stretch:ServiceDown', verdict: 'fail' });
  });

  it('a killed mutant passes; a skipped one is skipped with why', () => {
    expect(mutantEvents(outcome('killed'), new Date(0).toISOString()).at(-1)).toMatchObject({ verdict: 'pass' });
    expect(mutantEvents(outcome('skipped'), new Date(0).toISOString()).at(-1)).toMatchObject({ verdict: 'skipped', skipReason: 'not run: loki is absent' });
  });

  it('scores killed over the mutants that ran to a verdict, per operator', () => {
    const s = mutationScore([outcome('killed'), outcome('survived', 'for-stretch:HighLatency'), outcome('skipped', 'ingestion-limit-cut:loki'), outcome('killed', 'route-no-integration:root')]);
    expect(s.score).toBeCloseTo(2 / 3);
    expect(s.byOperator).toEqual([
      { operator: 'for-stretch', killed: 1, survived: 1, skipped: 0, invalid: 0, error: 0 },
      { operator: 'ingestion-limit-cut', killed: 0, survived: 0, skipped: 1, invalid: 0, error: 0 },
      { operator: 'route-no-integration', killed: 1, survived: 0, skipped: 0, invalid: 0, error: 0 },
    ]);
  });
});
