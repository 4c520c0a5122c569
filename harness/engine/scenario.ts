/**
 * The scenario model, after Chaos Toolkit's experiments: a steady-state hypothesis
 * checked before and after, a method (a timeline of actions and expectations), and
 * rollbacks that always run. A scenario file default-exports `defineScenario(...)`; it
 * reads like a runbook. Durations written as strings are real-world ("5m") and are scaled by
 * --time-scale; durations written as functions are computed from the timing model.
 */
import type { Check } from './checks.ts';
import type { TimingModel } from './timing.ts';
import type { FaultModule } from '../chaos/fault-module.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { Requirement } from './requirements.ts';

export type Duration = string | ((t: TimingModel) => number);

export interface ExpectStep {
  type: 'expect';
  mode: 'eventually' | 'always' | 'never' | 'holdsFor';
  check: Check;
  /** eventually/holdsFor: deadline; always/never: the window. */
  within?: Duration;
  during?: Duration;
  /** holdsFor: how long it must hold. */
  duration?: Duration;
  title?: string;
}

export interface FaultStep {
  type: 'fault';
  /** Key to clear it by later (defaults to the fault's description). */
  key: string;
  module: FaultModule<unknown>;
  params: unknown;
  /** Shade this fault in report charts until cleared. */
  label: string;
}

export interface ClearStep {
  type: 'clear';
  key: string;
}

export interface WaitStep {
  type: 'wait';
  duration: Duration;
  reason: string;
}

export interface LoadStep {
  type: 'load';
  key: string;
  service: string;
  ratePerSecond: number;
  stop?: boolean;
}

/** Pending, then firing no earlier than its `for`, timed against the model. */
export interface AlertLifecycleStep {
  type: 'alert-lifecycle';
  alertname: string;
  labels: Record<string, string>;
  /** Scrape job of the series the rule reads (for the scrape interval). */
  job?: string;
  /** Extra time for the rule's data to build up (a rate window filling), nominal. */
  extra?: Duration;
}

export interface CustomStep {
  type: 'custom';
  title: string;
  run(env: EnvironmentHandle): Promise<void>;
}

/** A step runs only when what it requires is in this run; otherwise it is reported as skipped, with why. */
export type Step = (ExpectStep | FaultStep | ClearStep | WaitStep | LoadStep | AlertLifecycleStep | CustomStep) & { requires?: Requirement[] };

export interface Scenario {
  name: string;
  title: string;
  description: string;
  /** Checks that must hold before the method starts and again after the rollbacks. */
  steadyState: Check[];
  method: Step[];
  /** Always run, in order, after the method (also on failure and on Ctrl-C). */
  rollbacks: Step[];
  /** Alerts this scenario expects; any other alert pending or firing during it fails it. */
  expectedAlerts: { alertname: string; labels?: Record<string, string> }[];
  /** Needs the fake services (most do). */
  needsServices?: boolean;
  /** Components the whole scenario needs; when one is absent the scenario is skipped, with why. */
  requires?: Requirement[];
  /** Rough real-time length at scale 1, for --list. */
  nominalDuration?: string;
}

/**
 * What a scenario file default-exports. A factory when the scenario keeps state (a log
 * window, a panel's memory): the loader calls it once per load, so no state outlives a run.
 */
export type ScenarioDefinition = () => Scenario;

export function defineScenario(s: Scenario | ScenarioDefinition): ScenarioDefinition {
  return typeof s === 'function' ? s : () => s;
}
