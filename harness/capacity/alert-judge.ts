/**
 * HighLatency and HighErrorRate against the load: an alert must not fire at a step before
 * the load tool saw its condition (the spec's threshold), and must be firing once the
 * condition has held for the spec's budget. Steps shorter than the budget cannot judge the
 * second, and say so. Stateful across steps, in the order they ran.
 */
import type { PromiseSpec } from '../spec/promise-spec.ts';
import type { LoadStepOutcome } from './load-step.ts';

export interface AlertFinding {
  title: string;
  verdict: 'pass' | 'fail' | 'skipped';
  message: string;
  expectation: string;
}

interface Watched {
  alert: string;
  /** The condition, as the load tool measured it (undefined: the load tool cannot tell), and how to say it. */
  met: (l: LoadStepOutcome) => boolean | undefined;
  condition: string;
  budgetMs: number;
  everMet: boolean;
  heldMs: number;
  toldShort: boolean;
}

export class LoadAlertJudge {
  private readonly watched: Watched[] = [];

  constructor(spec: PromiseSpec, timeScale: number) {
    const lat = spec.alert('HighLatency');
    if (lat?.threshold !== undefined) {
      const q = lat.quantile ?? 0.95;
      const key = q >= 0.99 ? 'p99' : q >= 0.95 ? 'p95' : q >= 0.9 ? 'p90' : 'p50';
      this.watch('HighLatency', (l) => l.load.latencyMs[key] > lat.threshold! * 1000, `the load tool's ${key} above ${lat.threshold} s`, spec.firesWithinMs('HighLatency')! * timeScale);
    }
    const err = spec.alert('HighErrorRate');
    if (err?.threshold !== undefined) this.watch('HighErrorRate', (l) => (l.byCause ? l.load.requests > 0 && l.load.serverErrors / l.load.requests > err.threshold! : undefined), `5xx above ${err.threshold * 100} % of the load's requests`, spec.firesWithinMs('HighErrorRate')! * timeScale);
  }

  private watch(alert: string, met: Watched['met'], condition: string, budgetMs: number): void {
    this.watched.push({ alert, met, condition, budgetMs, everMet: false, heldMs: 0, toldShort: false });
  }

  /** Judge one step, given the alerts firing at its end. */
  judge(rate: number, load: LoadStepOutcome, durationMs: number, firing: readonly string[]): AlertFinding[] {
    const out: AlertFinding[] = [];
    for (const w of this.watched) {
      const known = w.met(load);
      if (known === undefined) continue; // not judged on a step whose condition the load tool cannot see
      const met = known;
      w.heldMs = met ? w.heldMs + durationMs : 0;
      const isFiring = firing.includes(w.alert);
      if (!w.everMet && !met) {
        out.push({ title: `at ${rate}/s: ${w.alert} not firing before its condition`, verdict: isFiring ? 'fail' : 'pass', message: isFiring ? `${w.alert} fired although the load tool never saw ${w.condition}` : `not firing; the load tool has not yet seen ${w.condition}`, expectation: `${w.alert} stays quiet until ${w.condition}` });
      }
      w.everMet ||= met;
      if (met && w.heldMs >= w.budgetMs) {
        out.push({ title: `at ${rate}/s: ${w.alert} fires within its promised ${w.budgetMs / 1000} s`, verdict: isFiring ? 'pass' : 'fail', message: isFiring ? `firing after ${w.condition} for ${(w.heldMs / 1000).toFixed(0)} s` : `not firing although ${w.condition} for ${(w.heldMs / 1000).toFixed(0)} s, over the promised ${w.budgetMs / 1000} s`, expectation: `${w.alert} firing once ${w.condition} for ${w.budgetMs / 1000} s` });
      } else if (met && !w.toldShort) {
        w.toldShort = true;
        out.push({ title: `at ${rate}/s: ${w.alert} fires within its promised ${w.budgetMs / 1000} s`, verdict: 'skipped', message: `${w.condition} for ${(w.heldMs / 1000).toFixed(0)} s, shorter than the promised ${w.budgetMs / 1000} s: give steps at least that long (--step-duration, or --time-scale) to judge it`, expectation: `${w.alert} firing once ${w.condition} for ${w.budgetMs / 1000} s` });
      }
    }
    return out;
  }
}
