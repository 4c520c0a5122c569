/**
 * Folds the event stream into one plain result per run: what every file reporter (JSON,
 * JUnit, HTML) renders. Secrets are redacted on the way in, so no format can print them.
 */
import type {
  ActionRecord,
  AlertTransition,
  AssertionRecord,
  CapacityResult,
  CapacityStep,
  FaultWindow,
  RunEvent,
  RunInfo,
  StepPhase,
} from '../harness/events/run-events.ts';
import type { ReceivedNotification } from '../harness/events/notification.ts';
import { redactConfigChange, redactDeep, scrubText } from './redact.ts';
import { toMs } from './format.ts';

/**
 * A scenario that began but never ended (the run crashed or was interrupted) is
 * 'incomplete'; one whose required component is absent is 'skipped', with its reason.
 */
export type ResultVerdict = 'pass' | 'fail' | 'error' | 'incomplete' | 'skipped' | 'interrupted';

export interface ScenarioResult {
  name: string;
  title: string;
  description: string;
  verdict: ResultVerdict;
  error?: string;
  /** Why it was skipped: the absent component and how to supply it. */
  skipReason?: string;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  phases: { phase: StepPhase; at: string }[];
  actions: ActionRecord[];
  assertions: AssertionRecord[];
  alertTransitions: AlertTransition[];
  notifications: ReceivedNotification[];
  faultWindows: FaultWindow[];
  logTails?: Record<string, string>;
  /** The last progress message seen (what it was waiting for when it stopped). */
  lastProgress?: { message: string; waitingFor?: string; until?: string; at: string };
  /** A capacity run's numbers: its load or growth steps, in arrival order, and its result. */
  capacity?: ScenarioCapacity;
}

export interface ScenarioCapacity {
  steps: CapacityStep[];
  result?: CapacityResult;
}

export interface RunResult {
  run?: RunInfo;
  verdict: ResultVerdict;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  runDir?: string;
  /** The run-end event as received (for the whole run, which may hold more scenarios than this report). */
  runEnd?: { verdict: 'pass' | 'fail' | 'error' | 'skipped' | 'interrupted'; at: string; durationMs: number };
  scenarios: ScenarioResult[];
}

export class RunCollector {
  private run: RunInfo | undefined;
  private end: Extract<RunEvent, { type: 'run-end' }> | undefined;
  private readonly scenarios: ScenarioResult[] = [];
  /** The latest entry per scenario name (a scenario may run more than once). */
  private readonly current = new Map<string, ScenarioResult>();

  onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'run-begin':
        this.run = redactRunInfo(event.run);
        return;
      case 'run-end':
        this.end = event;
        return;
      case 'scenario-begin': {
        const s = this.newScenario(event.scenario);
        s.title = event.title;
        s.description = event.description;
        s.startedAt = event.at;
        return;
      }
      case 'phase':
        this.scenario(event.scenario).phases.push({ phase: event.phase, at: event.at });
        return;
      case 'progress':
        if (event.scenario) {
          const { type: _t, scenario: _s, ...p } = event;
          this.scenario(event.scenario).lastProgress = redactDeep(p);
        }
        return;
      case 'action-begin':
      case 'action-end': {
        const s = this.scenario(event.scenario);
        const a = redactDeep(event.action);
        const i = s.actions.findIndex((x) => x.id === a.id);
        if (i >= 0) s.actions[i] = { ...s.actions[i]!, ...a };
        else s.actions.push(a);
        return;
      }
      case 'assertion':
        this.scenario(event.scenario).assertions.push(redactDeep(event.assertion));
        return;
      case 'alert-transition':
        this.scenario(event.scenario).alertTransitions.push(redactDeep(event.transition));
        return;
      case 'notification':
        this.scenario(event.scenario).notifications.push(redactDeep(event.notification));
        return;
      case 'capacity-step':
        this.capacity(event.scenario).steps.push(redactDeep(event.step));
        return;
      case 'capacity-result':
        this.capacity(event.scenario).result = redactDeep(event.result);
        return;
      case 'scenario-end': {
        const s = this.scenario(event.scenario);
        s.verdict = event.verdict;
        if (event.error !== undefined) s.error = scrubText(event.error);
        if (event.skipReason !== undefined) s.skipReason = event.skipReason;
        s.endedAt = event.at;
        s.durationMs = event.durationMs;
        s.faultWindows = [...event.faultWindows];
        if (event.logTails) s.logTails = redactDeep(event.logTails);
        this.current.delete(event.scenario);
        return;
      }
    }
  }

  result(): RunResult {
    const scenarios = this.scenarios.map((s) => ({ ...s }));
    // The verdict of what this report holds: its scenarios (a CLI that writes one folder per
    // scenario forwards the whole run's run-end to each), else the run's own.
    const verdict: ResultVerdict = scenarios.length ? worst(scenarios.map((s) => s.verdict)) : (this.end?.verdict ?? 'incomplete');
    const startedAt = this.run?.startedAt ?? scenarios[0]?.startedAt;
    const endedAt = this.end?.at ?? scenarios.at(-1)?.endedAt;
    const s = toMs(startedAt);
    const e = toMs(endedAt);
    const durationMs = this.end?.durationMs ?? (s !== undefined && e !== undefined ? e - s : undefined);
    const out: RunResult = { verdict, scenarios };
    if (this.run) out.run = this.run;
    if (startedAt !== undefined) out.startedAt = startedAt;
    if (endedAt !== undefined) out.endedAt = endedAt;
    if (durationMs !== undefined) out.durationMs = durationMs;
    const runDir = this.end?.runDir ?? this.run?.runDir;
    if (runDir !== undefined) out.runDir = runDir;
    if (this.end) out.runEnd = { verdict: this.end.verdict, at: this.end.at, durationMs: this.end.durationMs };
    return out;
  }

  private newScenario(name: string): ScenarioResult {
    const s: ScenarioResult = {
      name,
      title: name,
      description: '',
      verdict: 'incomplete',
      phases: [],
      actions: [],
      assertions: [],
      alertTransitions: [],
      notifications: [],
      faultWindows: [],
    };
    this.scenarios.push(s);
    this.current.set(name, s);
    return s;
  }

  private capacity(name: string): ScenarioCapacity {
    const s = this.scenario(name);
    return (s.capacity ??= { steps: [] });
  }

  /** The running (or else latest) entry for a name; events for a scenario that never began get one. */
  private scenario(name: string): ScenarioResult {
    return this.current.get(name) ?? this.scenarios.findLast((s) => s.name === name) ?? this.newScenario(name);
  }
}

function redactRunInfo(run: RunInfo): RunInfo {
  const { configChanges, ...rest } = run;
  return { ...redactDeep(rest), configChanges: configChanges.map(redactConfigChange) };
}

const RANK: Record<ResultVerdict, number> = { skipped: 0, pass: 1, fail: 2, interrupted: 3, incomplete: 4, error: 5 };

/** The worst of several verdicts: error > incomplete > interrupted > fail > pass > skipped (all skipped: skipped). */
export function worst(verdicts: ResultVerdict[]): ResultVerdict {
  if (verdicts.length === 0) return 'pass';
  return verdicts.reduce<ResultVerdict>((w, v) => (RANK[v] > RANK[w] ? v : w), 'skipped');
}

/** Counts for a scenario's assertions. */
export function assertionCounts(s: ScenarioResult): { total: number; passed: number; failed: number; skipped: number } {
  const failed = s.assertions.filter((a) => a.verdict === 'fail').length;
  const skipped = s.assertions.filter((a) => a.verdict === 'skipped').length;
  return { total: s.assertions.length, passed: s.assertions.length - failed - skipped, failed, skipped };
}
