/**
 * What a growth run tells the event stream, in one place: its scenario's begin and end,
 * each action (begin, end) and each judged guarantee, and its capacity result. The verdict
 * rules are the same for every growth axis: an interrupt ends the scenario interrupted, a
 * crash as an error with its message, never a pass.
 */
import type { ActionRecord, FaultWindow, RunEvent } from '../events/run-events.ts';
import type { CapacityResult } from '../events/capacity.ts';
import type { EvidenceLanguage } from '../../assertions/evidence.ts';

export type GrowthVerdict = 'pass' | 'fail' | 'interrupted';

const iso = (ms = Date.now()) => new Date(ms).toISOString();

export class CapacityScenarioRecord {
  private seq = 0;
  private failed = false;
  readonly startedAtMs = Date.now();
  readonly windows: FaultWindow[] = [];
  /** Set when the run saw its abort signal between steps. */
  interrupted = false;
  /** The message of the error the run threw, if it did. */
  crash: string | undefined;
  /** The language the judged guarantees' evidence is in. */
  language: EvidenceLanguage = 'promql';

  constructor(
    private readonly emit: (e: RunEvent) => void,
    readonly scenario: string,
    private readonly target: string,
  ) {}

  begin(title: string, description: string): void {
    this.emit({ type: 'scenario-begin', scenario: this.scenario, title, description, at: iso(this.startedAtMs) });
  }

  method(): void {
    this.emit({ type: 'phase', scenario: this.scenario, phase: 'method', at: iso() });
  }

  action(kind: string, title: string, params: Record<string, unknown>, phase: ActionRecord['phase'] = 'method'): ActionRecord {
    const a: ActionRecord = { id: `a${++this.seq}`, phase, kind, title, target: this.target, params, startedAt: iso() };
    this.emit({ type: 'action-begin', scenario: this.scenario, action: a });
    return a;
  }

  endAction(a: ActionRecord, error?: string): void {
    this.emit({ type: 'action-end', scenario: this.scenario, action: { ...a, endedAt: iso(), ...(error ? { error } : {}) } });
  }

  /** One guarantee judged now from readings already taken (no polling): its evidence is the readings' summary. */
  assertion(title: string, ok: boolean, message: string, expectation: string, query: string): void {
    const at = iso();
    if (!ok) this.failed = true;
    const verdict = ok ? 'pass' : 'fail';
    this.emit({ type: 'assertion', scenario: this.scenario, assertion: { id: `g${++this.seq}`, phase: 'method', kind: 'once', title, verdict, message, startedAt: at, endedAt: at, evidence: { query, language: this.language, evaluatedAt: [at], expectation, observed: [{ at, ok, value: {} }], verdict, reason: message } } });
  }

  /** Emits the capacity result (failed when a guarantee failed or the run was cut short). */
  result(r: Omit<CapacityResult, 'verdict'>): { verdict: GrowthVerdict; result: CapacityResult } {
    const result: CapacityResult = { ...r, verdict: this.failed || this.interrupted ? 'fail' : 'pass' };
    this.emit({ type: 'capacity-result', scenario: this.scenario, result });
    return { verdict: this.interrupted ? 'interrupted' : this.failed ? 'fail' : 'pass', result };
  }

  skip(reason: string): void {
    this.emit({ type: 'scenario-end', scenario: this.scenario, verdict: 'skipped', skipReason: reason, at: iso(), durationMs: Date.now() - this.startedAtMs, faultWindows: [] });
  }

  end(aborted: boolean): void {
    for (const w of this.windows) w.end ??= iso();
    const verdict = this.interrupted || aborted ? 'interrupted' : this.crash !== undefined ? 'error' : this.failed ? 'fail' : 'pass';
    this.emit({ type: 'scenario-end', scenario: this.scenario, verdict, ...(this.crash !== undefined && verdict === 'error' ? { error: this.crash } : {}), at: iso(), durationMs: Date.now() - this.startedAtMs, faultWindows: this.windows });
  }
}
