/**
 * The run's event stream: the engine emits, reporters consume (Playwright-style). Every
 * report format — the live progress lines, JSON, JUnit, HTML — is a peer fed by exactly
 * these events; a new format is one more `Reporter`.
 */
import type { Evidence } from '../../assertions/evidence.ts';
import type { ConfigChange } from './config-change.ts';
import type { ReceivedNotification } from './notification.ts';
import type { CapacityResult, CapacityStep } from './capacity.ts';

export interface ComponentInfo {
  name: string;
  version: string;
  url?: string;
  pid?: number;
}

export interface RunInfo {
  runId: string;
  runDir: string;
  scenarios: string[];
  seed: number;
  timeScale: number;
  monitoringDir: string;
  startedAt: string;
  components: ComponentInfo[];
  configChanges: ConfigChange[];
  configWarnings: string[];
  /** Effective timings (already scaled): scrape, evaluation, rule for, Alertmanager waits. */
  timing: Record<string, unknown>;
  /** Components the folder needs that this run could not start, and how to supply them. */
  absent?: { name: string; reason: string; how: string }[];
}

export type StepPhase = 'steady-state-before' | 'method' | 'rollback' | 'steady-state-after';

export interface ActionRecord {
  id: string;
  phase: StepPhase;
  /** "kill filesystem-mcp", "fault error-ratio 0.06 on terminal-mcp", "wait 1m". */
  title: string;
  kind: string;
  target?: string;
  params?: Record<string, unknown>;
  startedAt: string;
  endedAt?: string;
  error?: string;
}

export interface AssertionRecord {
  id: string;
  phase: StepPhase;
  title: string;
  kind: 'eventually' | 'always' | 'never' | 'holdsFor' | 'once';
  /** skipped: what it needs is not in this run; `message` says what and how to supply it. */
  verdict: 'pass' | 'fail' | 'skipped';
  /** Why it failed (expected against observed), or why it was skipped. */
  message: string;
  startedAt: string;
  endedAt: string;
  evidence: Evidence;
  /** Extra timing facts (detection time against the theoretical bound). */
  timing?: Record<string, number | string>;
  /** Log lines shown as evidence for LogQL assertions. */
  logExcerpt?: string[];
}

export interface AlertTransition {
  alertname: string;
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  at: string;
}

export interface FaultWindow {
  label: string;
  start: string;
  end?: string;
}

export type RunEvent =
  | { type: 'run-begin'; run: RunInfo }
  | { type: 'scenario-begin'; scenario: string; title: string; description: string; at: string }
  | { type: 'phase'; scenario: string; phase: StepPhase; at: string }
  | { type: 'progress'; scenario?: string; message: string; waitingFor?: string; until?: string; at: string }
  | { type: 'action-begin'; scenario: string; action: ActionRecord }
  | { type: 'action-end'; scenario: string; action: ActionRecord }
  | { type: 'assertion'; scenario: string; assertion: AssertionRecord }
  | { type: 'alert-transition'; scenario: string; transition: AlertTransition }
  | { type: 'notification'; scenario: string; notification: ReceivedNotification }
  | { type: 'capacity-step'; scenario: string; step: CapacityStep }
  | { type: 'capacity-result'; scenario: string; result: CapacityResult }
  | {
      type: 'scenario-end';
      scenario: string;
      verdict: 'pass' | 'fail' | 'error' | 'skipped' | 'interrupted';
      error?: string;
      /** Why the scenario was skipped (a component it requires is absent, and how to supply it). */
      skipReason?: string;
      at: string;
      durationMs: number;
      faultWindows: FaultWindow[];
      /** Tails of component logs, attached when something failed. */
      logTails?: Record<string, string>;
    }
  | { type: 'run-end'; verdict: 'pass' | 'fail' | 'error' | 'skipped' | 'interrupted'; at: string; durationMs: number; runDir: string };

export type { ConfigChange, ReceivedNotification };
export type { CapacityGrowthStep, CapacityLoadStep, CapacityLogGrowthStep, CapacityResult, CapacitySlo, CapacityStep, LatencyView } from './capacity.ts';
