/**
 * A mutant as the event stream sees it: one "scenario" per mutant whose one assertion
 * is "a scenario noticed it", passing when the mutant was killed. So the HTML, JUnit and
 * JSON reporters report a mutation run as they report any run: a survivor is a failed
 * assertion carrying its diff.
 */
import type { AssertionRecord, RunEvent } from '../events/run-events.ts';
import type { MutantOutcome } from './execute.ts';

export function mutantEvents(o: MutantOutcome, startedAt: string): RunEvent[] {
  const m = o.mutant;
  const scenario = `mutant ${m.id}`;
  const endedAt = new Date(Date.parse(startedAt) + o.durationMs).toISOString();
  const verdict: AssertionRecord['verdict'] = o.status === 'killed' ? 'pass' : o.status === 'skipped' ? 'skipped' : 'fail';
  const message = o.status === 'survived' ? `${o.detail}: no scenario noticed this` : o.detail;
  const assertion: AssertionRecord = {
    id: 'm1',
    phase: 'method',
    title: `a scenario notices "${m.description}" (${m.scenarios.join(', ')})`,
    kind: 'once',
    verdict,
    message,
    startedAt,
    endedAt,
    evidence: { query: `${m.operator}: ${m.file}`, language: 'promql', evaluatedAt: [endedAt], expectation: `one of ${m.scenarios.join(', ')} fails on the mutant`, observed: [{ at: endedAt, ok: verdict === 'pass', value: { status: o.status, detail: o.detail } }], verdict, reason: message },
    // The diff, shown as the assertion's excerpt: a survivor's report says exactly what went unnoticed.
    logExcerpt: o.diff.split('\n'),
    timing: { durationMs: o.durationMs },
  };
  const scenarioVerdict = o.status === 'killed' ? 'pass' : o.status === 'skipped' ? 'skipped' : o.status === 'survived' ? 'fail' : 'error';
  return [
    { type: 'scenario-begin', scenario, title: `${m.operator}: ${m.description}`, description: `${m.file}; watched by ${m.scenarios.join(', ')}`, at: startedAt },
    { type: 'phase', scenario, phase: 'method', at: startedAt },
    { type: 'assertion', scenario, assertion },
    { type: 'scenario-end', scenario, verdict: scenarioVerdict, ...(o.status === 'skipped' ? { skipReason: o.detail } : {}), ...(o.status === 'error' || o.status === 'invalid' ? { error: o.detail } : {}), at: endedAt, durationMs: o.durationMs, faultWindows: [] },
  ];
}

export interface OperatorScore {
  operator: string;
  killed: number;
  survived: number;
  skipped: number;
  invalid: number;
  error: number;
}

/** Killed over the mutants that ran to a verdict (killed + survived); skipped and invalid ones are counted apart. */
export function mutationScore(outcomes: readonly MutantOutcome[]): { score: number; byOperator: OperatorScore[] } {
  const by = new Map<string, OperatorScore>();
  for (const o of outcomes) {
    const s = by.get(o.mutant.operator) ?? { operator: o.mutant.operator, killed: 0, survived: 0, skipped: 0, invalid: 0, error: 0 };
    s[o.status] += 1;
    by.set(o.mutant.operator, s);
  }
  const killed = outcomes.filter((o) => o.status === 'killed').length;
  const judged = killed + outcomes.filter((o) => o.status === 'survived' || o.status === 'error' || o.status === 'invalid').length;
  return { score: judged ? killed / judged : 0, byOperator: [...by.values()] };
}
