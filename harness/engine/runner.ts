/**
 * Runs scenarios against a started environment and reports everything as events.
 * Order per scenario: steady state (before) → method → rollbacks (always) → steady
 * state (after) → "no unexpected alert" judged on every alert transition seen.
 */
import { eventually, always, never, holdsFor, toEvidence, type ExpectationOutcome, type Probe } from '../../assertions/expectations.ts';
import { PrometheusClient } from '../../assertions/prometheus.ts';
import { LokiClient } from '../../assertions/loki.ts';
import { AlertmanagerClient } from '../../assertions/alertmanager.ts';
import { TrafficDriver } from '../../fake-services/traffic.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { AssertionRecord, ActionRecord, FaultWindow, StepPhase } from '../events/run-events.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { CheckContext } from './checks.ts';
import type { Duration, ExpectStep, Scenario, Step } from './scenario.ts';
import { TimingModel } from './timing.ts';
import { AlertWatcher } from './alert-watcher.ts';
import { parseDuration } from '../../assertions/duration.ts';
import { unmetRequirements } from './requirements.ts';
import { runAlertLifecycle, type LifecycleHost } from './alert-lifecycle.ts';
import { StepFailed } from './step-failed.ts';

export type Verdict = 'pass' | 'fail' | 'error' | 'skipped' | 'interrupted';


export class ScenarioRunner {
  readonly timing: TimingModel;
  private readonly prom: PrometheusClient;
  private readonly loki: LokiClient;
  private readonly am: AlertmanagerClient;
  private readonly interrupt = new AbortController();

  constructor(
    private readonly env: EnvironmentHandle,
    private readonly bus: EventBus,
  ) {
    this.timing = TimingModel.fromRendered(env.stack.config);
    this.prom = new PrometheusClient(env.stack.url('prometheus'));
    this.loki = new LokiClient(env.stack.url('loki'));
    this.am = new AlertmanagerClient(env.stack.url('alertmanager'));
  }

  /** Ctrl-C: the current wait ends at its next poll, rollbacks still run, the scenario ends `interrupted`. */
  abort(): void {
    this.interrupt.abort();
  }

  get aborted(): boolean {
    return this.interrupt.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.interrupt.signal;
  }

  duration(d: Duration): number {
    return typeof d === 'function' ? d(this.timing) : this.timing.scaled(parseDuration(d));
  }

  async run(s: Scenario): Promise<Verdict> {
    const t0 = Date.now();
    const scenario = s.name;
    const now = () => new Date().toISOString();
    this.bus.emit({ type: 'scenario-begin', scenario, title: s.title, description: s.description, at: now() });
    const unmet = unmetRequirements(s.requires, this.env);
    if (unmet.length) {
      const skipReason = unmet.join('; ');
      this.bus.emit({ type: 'scenario-end', scenario, verdict: 'skipped', skipReason, at: now(), durationMs: Date.now() - t0, faultWindows: [] });
      return 'skipped';
    }
    const ctx: CheckContext = { prom: this.prom, loki: this.loki, alertmanager: this.am, receiver: this.env.stack.alertReceiver, timing: this.timing, notificationsFrom: this.env.stack.alertReceiver.notifications.length, scenarioStartMs: t0, env: this.env };
    const run = new ScenarioRun(this, s, ctx, this.bus, this.env);
    const watcher = new AlertWatcher(this.prom, this.timing.pollMs(), (transition) => this.bus.emit({ type: 'alert-transition', scenario, transition, at: now() } as never));
    watcher.start();
    // Every notification the receiver gets while the scenario runs goes into the event stream.
    const received = this.env.stack.alertReceiver.notifications;
    let relayed = received.length;
    const relay = (): void => {
      for (; relayed < received.length; relayed++) this.bus.emit({ type: 'notification', scenario, notification: received[relayed]! });
    };
    const relayTimer = setInterval(relay, Math.min(1000, this.timing.pollMs()));
    relayTimer.unref();
    let verdict: Verdict = 'pass';
    let error: string | undefined;
    try {
      run.phase('steady-state-before');
      const before = await run.steadyState();
      if (!before) {
        verdict = 'fail';
        error = 'the steady-state hypothesis did not hold before the method: the method was not run';
      } else {
        run.phase('method');
        run.methodStartedAt = new Date().toISOString();
        for (const step of s.method) {
          if (this.aborted) throw new Error('aborted (signal)');
          await run.step(step);
        }
      }
    } catch (e) {
      if (e instanceof StepFailed) verdict = 'fail';
      else {
        verdict = 'error';
        error = (e as Error).message;
      }
    }
    try {
      run.phase('rollback');
      await run.rollback();
      if (!this.aborted) {
        run.phase('steady-state-after');
        if (!(await run.steadyState())) verdict = verdict === 'pass' ? 'fail' : verdict;
      }
    } catch (e) {
      verdict = 'error';
      error = `${error ? `${error}; ` : ''}rollback failed: ${(e as Error).message}`;
    }
    await watcher.stop();
    clearInterval(relayTimer);
    relay();
    if (!run.judgeAlerts(watcher) && verdict === 'pass') verdict = 'fail';
    if (run.failed && verdict === 'pass') verdict = 'fail';
    if (this.aborted) {
      verdict = 'interrupted';
      error = `interrupted by a signal during ${run.lastPhase}; the rollbacks ran and every active fault was cleared${error && !/^aborted/.test(error) ? ` (${error})` : ''}`;
    }
    const logTails = verdict === 'pass' ? undefined : Object.fromEntries(this.env.stack.processes().map((p) => [p.name, p.tail(25)]));
    this.bus.emit({ type: 'scenario-end', scenario, verdict, error, at: now(), durationMs: Date.now() - t0, faultWindows: run.windows, logTails });
    return verdict;
  }
}

/** The state of one scenario's execution. */
class ScenarioRun {
  readonly windows: FaultWindow[] = [];
  failed = false;
  /** Alerts are judged from here on: before it, the stack may still settle from the last scenario. */
  methodStartedAt: string | undefined;
  private currentPhase: StepPhase = 'steady-state-before';
  /** The phase a signal interrupted (rollback and after are the harness's own). */
  lastPhase: StepPhase = 'steady-state-before';
  private readonly faults = new Map<string, { step: Extract<Step, { type: 'fault' }>; handle: unknown; window: FaultWindow }>();
  private readonly loads = new Map<string, TrafficDriver>();
  private lastFaultAt = Date.now();
  private seq = 0;

  constructor(
    private readonly runner: ScenarioRunner,
    private readonly s: Scenario,
    private readonly ctx: CheckContext,
    private readonly bus: EventBus,
    private readonly env: EnvironmentHandle,
  ) {}

  private get timing(): TimingModel {
    return this.runner.timing;
  }

  phase(p: StepPhase): void {
    if (!this.runner.aborted) this.lastPhase = p;
    this.currentPhase = p;
    this.bus.emit({ type: 'phase', scenario: this.s.name, phase: p, at: new Date().toISOString() });
  }

  private progress(message: string, untilMs?: number, waitingFor?: string): void {
    this.bus.emit({ type: 'progress', scenario: this.s.name, message, waitingFor, until: untilMs ? new Date(untilMs).toISOString() : undefined, at: new Date().toISOString() });
  }

  private async action<T>(kind: string, title: string, target: string | undefined, params: Record<string, unknown> | undefined, fn: () => Promise<T>): Promise<T> {
    const a: ActionRecord = { id: `a${++this.seq}`, phase: this.currentPhase, kind, title, target, params, startedAt: new Date().toISOString() };
    this.bus.emit({ type: 'action-begin', scenario: this.s.name, action: a });
    try {
      return await fn();
    } catch (e) {
      a.error = (e as Error).message;
      throw e;
    } finally {
      a.endedAt = new Date().toISOString();
      this.bus.emit({ type: 'action-end', scenario: this.s.name, action: a });
    }
  }

  /** A step whose requirement is absent: an assertion is recorded as skipped (with why), any other step as a progress line. */
  private skip(step: Step, reason: string): void {
    const at = new Date().toISOString();
    const title = step.type === 'expect' ? (step.title ?? step.check.title) : step.type === 'alert-lifecycle' ? `${step.alertname} lifecycle` : step.type === 'custom' ? step.title : step.type === 'fault' ? step.label : `${step.type} step`;
    if (step.type === 'expect' || step.type === 'alert-lifecycle') {
      const kind = step.type === 'expect' ? step.mode : 'eventually';
      this.bus.emit({ type: 'assertion', scenario: this.s.name, assertion: { id: `s${++this.seq}`, phase: this.currentPhase, title, kind, verdict: 'skipped', message: reason, startedAt: at, endedAt: at, evidence: { query: '(not run)', language: 'promql', evaluatedAt: [], expectation: `skipped: ${reason}`, observed: [], verdict: 'skipped', reason } } });
    } else this.progress(`skipped: ${title}: ${reason}`);
  }

  /** Steady state: each check must come true within the settle bound (the stack may still be settling from the last scenario). */
  async steadyState(): Promise<boolean> {
    const within = 2 * this.timing.scrapeMs + 2 * this.timing.evaluationMs + this.timing.slackMs() + this.timing.scaled('5m');
    let ok = true;
    for (const check of this.s.steadyState) {
      const r = await this.expect({ type: 'expect', mode: 'eventually', check, within: () => within, title: `steady state: ${check.title}` }, false);
      ok &&= r.verdict === 'pass';
    }
    return ok;
  }

  async step(step: Step): Promise<void> {
    const unmet = unmetRequirements(step.requires, this.env);
    if (unmet.length) return this.skip(step, unmet.join('; '));
    switch (step.type) {
      case 'expect': {
        const r = await this.expect(step, true);
        if (r.verdict !== 'pass') throw new StepFailed(r.reason);
        return;
      }
      case 'fault': {
        const handle = await this.action(step.module.kind, step.label, undefined, step.params as Record<string, unknown>, () => step.module.inject({ env: this.env }, step.params));
        const window: FaultWindow = { label: step.label, start: new Date().toISOString() };
        this.windows.push(window);
        this.faults.set(step.key, { step, handle, window });
        this.lastFaultAt = Date.now();
        return;
      }
      case 'clear': {
        const f = this.faults.get(step.key);
        if (!f) throw new Error(`clear: no active fault with key "${step.key}" (active: ${[...this.faults.keys()].join(', ') || 'none'})`);
        await this.action('clear', `clear: ${f.step.label}`, undefined, undefined, () => f.step.module.clear({ env: this.env }, f.step.params, f.handle));
        f.window.end = new Date().toISOString();
        this.faults.delete(step.key);
        this.lastFaultAt = Date.now();
        return;
      }
      case 'wait': {
        const ms = this.runner.duration(step.duration);
        await this.action('wait', `wait ${(ms / 1000).toFixed(1)}s: ${step.reason}`, undefined, { ms }, async () => {
          this.progress(`waiting ${(ms / 1000).toFixed(1)}s (${step.reason})`, Date.now() + ms);
          await sleepUnlessAborted(ms, () => this.isAborted());
        });
        return;
      }
      case 'load': {
        await this.action('load', step.stop ? `stop load on ${step.service}` : `load ${step.ratePerSecond} req/s on ${step.service}`, step.service, { ratePerSecond: step.ratePerSecond }, async () => {
          const existing = this.loads.get(step.key);
          await existing?.stop();
          this.loads.delete(step.key);
          if (step.stop) return;
          const svc = this.env.stack.topology.services.find((x) => x.name === step.service);
          if (!svc) throw new Error(`load: no service named ${step.service}`);
          const d = new TrafficDriver({ targets: [{ service: svc.name, baseUrl: svc.baseUrl }], ratePerSecond: step.ratePerSecond, seed: this.env.seed + this.seq });
          d.start();
          this.loads.set(step.key, d);
        });
        return;
      }
      case 'alert-lifecycle':
        return runAlertLifecycle(this.lifecycleHost(), step);
      case 'custom':
        await this.action('custom', step.title, undefined, undefined, () => step.run(this.env));
        return;
    }
  }

  /** What an alert lifecycle needs of this run. */
  private lifecycleHost(): LifecycleHost {
    return {
      timing: this.timing,
      prom: this.ctx.prom,
      since: this.lastFaultAt,
      duration: (d) => this.runner.duration(d),
      expect: (step, inMethod) => this.expect(step, inMethod),
      record: (a) => this.record({ id: `x${++this.seq}`, phase: this.currentPhase, ...a }),
    };
  }

  private isAborted(): boolean {
    return this.runner.aborted;
  }

  async expect(step: ExpectStep, inMethod: boolean): Promise<ExpectationOutcome> {
    const probe: Probe = step.check.probe(this.ctx);
    const pollEvery = this.timing.pollMs();
    const title = step.title ?? step.check.title;
    const startedAt = new Date().toISOString();
    let outcome: ExpectationOutcome;
    const d = (x: Duration | undefined, what: string): number => {
      if (x === undefined) throw new Error(`${title}: ${what} is required for ${step.mode}`);
      return this.runner.duration(x);
    };
    const guarded = probe;
    const signal = this.runner.signal;
    switch (step.mode) {
      case 'eventually': {
        const ms = d(step.within, 'within');
        this.progress(`waiting for: ${title}`, Date.now() + ms, title);
        outcome = await eventually({ within: ms, pollEvery, description: title, signal }, guarded);
        break;
      }
      case 'always': {
        const ms = d(step.during, 'during');
        this.progress(`watching that always: ${title}`, Date.now() + ms, title);
        outcome = await always({ during: ms, pollEvery, description: title, signal }, guarded);
        break;
      }
      case 'never': {
        const ms = d(step.during, 'during');
        this.progress(`watching that never: ${title}`, Date.now() + ms, title);
        outcome = await never({ during: ms, pollEvery, description: title, signal }, guarded);
        break;
      }
      case 'holdsFor': {
        const ms = d(step.duration, 'duration');
        const within = d(step.within, 'within');
        this.progress(`waiting for ${title} to hold ${(ms / 1000).toFixed(1)}s`, Date.now() + within + ms, title);
        outcome = await holdsFor({ duration: ms, within, pollEvery, description: title, signal }, guarded);
        break;
      }
    }
    const evidence = toEvidence(outcome, step.check.evidenceQuery(this.ctx));
    const last = outcome.observations.at(-1);
    const observedText = last ? JSON.stringify(last.observed ?? last.error ?? null).slice(0, 400) : 'no observation';
    this.record({
      id: `x${++this.seq}`,
      phase: this.currentPhase,
      title,
      kind: step.mode,
      verdict: outcome.verdict,
      message: outcome.verdict === 'pass' ? outcome.reason : `expected ${outcome.expectation}; ${outcome.reason}; last observed: ${observedText}`,
      startedAt,
      endedAt: new Date().toISOString(),
      evidence,
      logExcerpt: evidence.language === 'logql' || evidence.language === 'logsql' ? evidence.observed.flatMap((o) => o.series?.flatMap((s) => s.lines?.map((l) => l[1]) ?? []) ?? []).slice(-20) : undefined,
    });
    void inMethod;
    return outcome;
  }

  private record(a: AssertionRecord): void {
    if (a.verdict !== 'pass') this.failed = true;
    this.bus.emit({ type: 'assertion', scenario: this.s.name, assertion: a });
  }

  /** Clears every fault still active (newest first), stops focused load, then runs the scenario's rollbacks. */
  async rollback(): Promise<void> {
    for (const [key, f] of [...this.faults].reverse()) {
      await this.action('clear', `rollback: clear ${f.step.label}`, undefined, undefined, () => f.step.module.clear({ env: this.env }, f.step.params, f.handle));
      f.window.end = new Date().toISOString();
      this.faults.delete(key);
    }
    for (const [key, d] of this.loads) {
      await this.action('load', `rollback: stop ${key}`, undefined, undefined, () => d.stop());
      this.loads.delete(key);
    }
    for (const step of this.s.rollbacks) await this.step(step).catch((e: Error) => this.progress(`rollback step failed: ${e.message}`));
    for (const w of this.windows) w.end ??= new Date().toISOString();
  }

  /** Every alert that went pending or firing during the scenario must be one the scenario expected. */
  judgeAlerts(watcher: AlertWatcher): boolean {
    // "Nothing else fires": pending is recorded in the report, firing fails the scenario.
    const from = this.methodStartedAt ?? new Date(this.ctx.scenarioStartMs).toISOString();
    const unexpected = watcher.transitions.filter((t) => t.state === 'firing' && t.at >= from && !this.s.expectedAlerts.some((e) => e.alertname === t.alertname && Object.entries(e.labels ?? {}).every(([k, v]) => t.labels[k] === v)));
    const expectedText = this.s.expectedAlerts.map((e) => `${e.alertname}${JSON.stringify(e.labels ?? {})}`).join(', ') || 'none';
    const ok = unexpected.length === 0;
    const message = ok ? `only expected alerts (${expectedText}) fired` : `unexpected: ${unexpected.map((u) => `${u.alertname}${JSON.stringify(u.labels)} ${u.state} at ${u.at}`).join('; ')}`;
    const at = new Date().toISOString();
    this.record({
      id: `x${++this.seq}`,
      phase: 'steady-state-after',
      title: `no alert other than ${expectedText} fires from the method on`,
      kind: 'never',
      verdict: ok ? 'pass' : 'fail',
      message,
      startedAt: new Date(this.ctx.scenarioStartMs).toISOString(),
      endedAt: at,
      evidence: { query: 'ALERTS', language: 'promql', evaluatedAt: watcher.transitions.map((t) => t.at), expectation: `only ${expectedText}`, observed: watcher.transitions.map((t) => ({ at: t.at, ok: t.state === 'inactive' || !unexpected.includes(t), series: [{ labels: { ...t.labels, alertstate: t.state } }] })), verdict: ok ? 'pass' : 'fail', reason: message },
    });
    return ok;
  }
}

async function sleepUnlessAborted(ms: number, aborted: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !aborted()) await new Promise((r) => setTimeout(r, Math.min(250, end - Date.now())));
}

