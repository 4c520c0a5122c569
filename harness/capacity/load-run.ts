/**
 * A capacity run against the platform: constant-rate steps (given, or found by the knee
 * search) on a service, a group or the fleet; after each, the monitoring's view of the
 * same window beside the load tool's, judged for truth; at the end, the knee against the
 * SLO and --min-rate. Everything goes out as events; reporters draw it.
 */
import { join } from 'node:path';
import type { RunEvent, ActionRecord, AssertionRecord, FaultWindow } from '../events/run-events.ts';
import type { CapacityLoadStep, CapacityResult, CapacitySlo } from '../events/capacity.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { PromiseSpec } from '../spec/promise-spec.ts';
import type { FaultSpec } from '../../fake-services/faults.ts';
import { PrometheusClient } from '../../assertions/prometheus.ts';
import { AlertWatcher } from '../engine/alert-watcher.ts';
import { serviceFault } from '../chaos/service-faults.ts';
import { planFor, type LoadTarget } from './target.ts';
import { runLoadStep, runMqttStep, type LoadEngineName } from './load-step.ts';
import { mqttUrl } from '../stack/components.ts';
import { MonitoringView } from './monitoring-view.ts';
import { mqttStepTruth, stepTruth, type TruthFinding } from './truth.ts';
import { LoadAlertJudge, type AlertFinding } from './alert-judge.ts';
import { logOffsets, serverDurations } from './server-durations.ts';
import { KneeSearch } from './knee.ts';
import { describeSlo, sloBreaches } from './slo.ts';
import type { RateStage } from './stages.ts';

export type LoadSchedule = { kind: 'stages'; stages: RateStage[] } | { kind: 'auto'; startRate: number; stepDurationMs: number; factor: number; resolution: number; maxSteps: number };

export interface LoadCapacityOptions {
  env: EnvironmentHandle;
  emit: (e: RunEvent) => void;
  scenario: string;
  target: LoadTarget;
  slo: CapacitySlo;
  schedule: LoadSchedule;
  engine: LoadEngineName;
  seed: number;
  timeScale: number;
  spec: PromiseSpec;
  minRate?: number;
  maxRate: number;
  maxDurationMs: number;
  /** Faults put on every target service before the first step, cleared at the end (always). */
  faults: FaultSpec[];
  workDir: string;
  signal: AbortSignal;
  /** Per-request timeout of the load engine. */
  timeoutMs?: number;
}

const MQTT_SYS_INTERVAL_MS = 1000;

export type CapacityVerdict = 'pass' | 'fail' | 'interrupted';

const iso = (ms = Date.now()) => new Date(ms).toISOString();

export async function runLoadCapacity(o: LoadCapacityOptions): Promise<{ verdict: CapacityVerdict; result: CapacityResult }> {
  const t0 = Date.now();
  const prom = new PrometheusClient(o.env.stack.url('prometheus'));
  const mqtt = o.target.kind === 'mqtt';
  const view = new MonitoringView(prom, o.target.services.map((s) => s.name), mqtt ? 'mqtt' : 'http');
  const engineName = mqtt ? 'the MQTT publisher (QoS 1)' : o.engine;
  const judge = new LoadAlertJudge(o.spec, o.timeScale);
  const quantile = o.spec.alert('HighLatency')?.quantile ?? 0.95;
  const scrapeMs = o.spec.scrapeIntervalMs * o.timeScale;
  const timeoutMs = o.timeoutMs ?? Math.max(2000, (o.slo.p99Ms ?? 1000) * 4);
  let seq = 0;
  let failed = false;
  const windows: FaultWindow[] = [];
  const emitAssertion = (a: Omit<AssertionRecord, 'id' | 'phase' | 'kind' | 'evidence' | 'startedAt' | 'endedAt'> & { query?: string; expectation: string; observed?: Record<string, unknown>; at?: string }) => {
    const at = a.at ?? iso();
    if (a.verdict === 'fail') failed = true;
    o.emit({
      type: 'assertion',
      scenario: o.scenario,
      assertion: {
        id: `c${++seq}`, phase: 'method', kind: 'once', title: a.title, verdict: a.verdict, message: a.message, startedAt: at, endedAt: at,
        evidence: { query: a.query ?? '(load tool and Prometheus readings)', language: 'promql', evaluatedAt: [at], expectation: a.expectation, observed: [{ at, ok: a.verdict !== 'fail', value: a.observed ?? {} }], verdict: a.verdict, reason: a.message },
      },
    });
  };
  const action = (kind: string, title: string, params: Record<string, unknown>): ActionRecord => {
    const a: ActionRecord = { id: `a${++seq}`, phase: 'method', kind, title, target: o.target.name, params, startedAt: iso() };
    o.emit({ type: 'action-begin', scenario: o.scenario, action: a });
    return a;
  };
  const endAction = (a: ActionRecord, error?: string) => o.emit({ type: 'action-end', scenario: o.scenario, action: { ...a, endedAt: iso(), ...(error ? { error } : {}) } });

  o.emit({ type: 'scenario-begin', scenario: o.scenario, title: `Capacity of ${o.target.name}`, description: `Constant-rate steps (${o.schedule.kind === 'auto' ? 'geometric, then bisection around the knee' : 'as given'}) with ${engineName}, SLO ${describeSlo(o.slo)}; at each step the monitoring's counts${mqtt ? '' : ', quantile estimate'} and scrapes are checked against the load tool's own.`, at: iso(t0) });
  o.emit({ type: 'phase', scenario: o.scenario, phase: 'method', at: iso() });

  const watcher = new AlertWatcher(prom, Math.max(250, Math.min(2000, scrapeMs)), (t) => o.emit({ type: 'alert-transition', scenario: o.scenario, transition: t }));
  watcher.start();
  const injected: { service: string; fault: FaultSpec; handle: unknown }[] = [];
  const steps: CapacityLoadStep[] = [];
  let interrupted = false;
  let crash: string | undefined;
  try {
    for (const service of o.target.services) {
      for (const fault of o.faults) {
        const a = action('service-fault', `fault ${serviceFault.describe({ service: service.name, fault })}`, { service: service.name, fault });
        const handle = await serviceFault.inject({ env: o.env }, { service: service.name, fault });
        injected.push({ service: service.name, fault, handle });
        windows.push({ label: serviceFault.describe({ service: service.name, fault }), start: iso() });
        endAction(a);
      }
    }
    const settleTimeout = scrapeMs * 4 + 10_000;
    let lastReading = await view.settle(Date.now(), settleTimeout, o.signal);
    let carriedOver = 0;
    const search = o.schedule.kind === 'auto' ? new KneeSearch({ startRate: o.schedule.startRate, maxRate: o.maxRate, factor: o.schedule.factor, resolution: o.schedule.resolution, maxSteps: o.schedule.maxSteps }) : undefined;
    const stageQueue = o.schedule.kind === 'stages' ? [...o.schedule.stages] : [];
    const stepMs = o.schedule.kind === 'auto' ? o.schedule.stepDurationMs : 0;
    let stopReason: string | undefined;
    for (let index = 0; ; index++) {
      if (o.signal.aborted) {
        interrupted = true;
        break;
      }
      const next = search ? (() => { const r = search.next(); return r === undefined ? undefined : { rate: r, durationMs: stepMs }; })() : stageQueue.shift();
      if (!next) {
        stopReason = search?.state.done ?? 'every stage ran';
        break;
      }
      if (Date.now() - t0 + next.durationMs > o.maxDurationMs) {
        stopReason = `--max-duration ${o.maxDurationMs / 1000} s reached`;
        break;
      }
      const a = action('load', `load ${next.rate}/s for ${next.durationMs / 1000} s on ${o.target.name} (${engineName})`, { rate: next.rate, durationMs: next.durationMs });
      const logFiles = o.env.stack.topology.services.filter((s) => o.target.services.some((t) => t.name === s.name)).map((s) => s.logFile);
      const offsets = logOffsets(logFiles);
      const startedAt = Date.now();
      let outcome;
      try {
        outcome = mqtt
          ? await runMqttStep({ url: mqttUrl(o.env.stack.topology), rate: next.rate, durationMs: next.durationMs, seed: o.seed, timeoutMs, maxRate: o.maxRate, maxDurationMs: o.maxDurationMs, signal: o.signal })
          : await runLoadStep(planFor(o.target, o.env.stack.topology, next.rate, next.durationMs, o.seed), { engine: o.engine, workDir: join(o.workDir, `step-${index}`), timeoutMs, maxRate: o.maxRate, maxDurationMs: o.maxDurationMs, signal: o.signal });
      } catch (e) {
        endAction(a, (e as Error).message);
        if (o.signal.aborted) {
          interrupted = true;
          break;
        }
        throw e;
      }
      const endedAt = Date.now();
      endAction(a);
      // The broker publishes its $SYS counts every second (sys_interval 1 in the harness's mosquitto config).
      const countedBy = mqtt ? endedAt + MQTT_SYS_INTERVAL_MS + 100 : endedAt;
      const reading = await view.read(lastReading, (lastReading = await view.settle(countedBy, settleTimeout, o.signal)), quantile);
      const breaches = sloBreaches(o.slo, { p99Ms: outcome.load.latencyMs.p99, errorRatio: outcome.load.errorRatio });
      const sloHeld = breaches.length === 0;
      search?.record(next.rate, sloHeld);
      const queries = view.queries(quantile, Math.round(endedAt - startedAt));
      const findings: (TruthFinding | (AlertFinding & { query?: string; observed?: Record<string, unknown> }))[] = [
        ...(mqtt ? mqttStepTruth : stepTruth)({ rate: next.rate, load: outcome, reading, queries, quantile, bucketsSeconds: o.spec.durationBucketsSeconds, sloHeld, carriedOver, ...(mqtt ? {} : { serverMs: serverDurations(offsets) }) }),
        // The HTTP alerts watch the services' request metrics, which MQTT load does not touch.
        ...(mqtt ? [] : judge.judge(next.rate, outcome, endedAt - startedAt, reading.firing)),
      ];
      carriedOver = outcome.load.noResponse;
      const bound = outcome.latenciesMs && reading.quantileMs !== undefined ? findings.find((f) => 'observed' in f && f.observed && 'boundMs' in f.observed)?.observed?.boundMs as [number, number] | undefined : undefined;
      const step: CapacityLoadStep = {
        kind: 'load', index, offeredRate: next.rate, startedAt: iso(startedAt), endedAt: iso(endedAt), durationMs: endedAt - startedAt, load: outcome.load,
        monitoring: {
          ...(reading.requests !== undefined ? { requests: reading.requests } : {}),
          ...(reading.serverErrors !== undefined ? { serverErrors: reading.serverErrors } : {}),
          ...(reading.requests ? { errorRatio: (reading.serverErrors ?? 0) / reading.requests } : {}),
          ...(reading.quantileMs !== undefined ? { quantileMs: reading.quantileMs } : {}),
          quantile,
          ...(bound ? { quantileBoundMs: bound } : {}),
          ...(reading.maxScrapeSeconds !== undefined ? { maxScrapeSeconds: reading.maxScrapeSeconds } : {}),
          ...(reading.scrapeTimeoutSeconds !== undefined ? { scrapeTimeoutSeconds: reading.scrapeTimeoutSeconds } : {}),
          firing: reading.firing,
        },
        slo: { ok: sloHeld, breaches },
      };
      steps.push(step);
      o.emit({ type: 'capacity-step', scenario: o.scenario, step });
      for (const f of findings) emitAssertion(f);
    }
    const result = kneeResult(o, steps, stopReason);
    if (!interrupted) {
      if (o.minRate !== undefined) emitAssertion({ title: `knee at or above --min-rate ${o.minRate}/s`, verdict: result.knee !== undefined && result.knee >= o.minRate ? 'pass' : 'fail', message: result.summary, expectation: `the SLO (${describeSlo(o.slo)}) holds at ${o.minRate}/s or more` });
      else emitAssertion({ title: 'the SLO held at some offered rate', verdict: result.knee !== undefined ? 'pass' : 'fail', message: result.summary, expectation: `a rate at which ${describeSlo(o.slo)} holds` });
    }
    const final: CapacityResult = { ...result, verdict: failed || interrupted ? 'fail' : 'pass' };
    o.emit({ type: 'capacity-result', scenario: o.scenario, result: final });
    return { verdict: interrupted ? 'interrupted' : failed ? 'fail' : 'pass', result: final };
  } catch (e) {
    crash = (e as Error).message;
    throw e;
  } finally {
    // The rollback: every fault comes off, also on an interrupt or a failure.
    for (const f of injected.reverse()) {
      const a = { ...action('clear', `clear ${serviceFault.describe({ service: f.service, fault: f.fault })}`, {}), phase: 'rollback' as const };
      await serviceFault.clear({ env: o.env }, { service: f.service, fault: f.fault }, f.handle).catch(() => {});
      endAction(a);
    }
    for (const w of windows) w.end ??= iso();
    await watcher.stop();
    // An interrupt ends the scenario interrupted, a crash as an error with its message: never a pass.
    const verdict = interrupted || o.signal.aborted ? 'interrupted' : crash !== undefined ? 'error' : failed ? 'fail' : 'pass';
    o.emit({ type: 'scenario-end', scenario: o.scenario, verdict, ...(crash !== undefined && verdict === 'error' ? { error: crash } : {}), at: iso(), durationMs: Date.now() - t0, faultWindows: windows });
  }
}

function kneeResult(o: LoadCapacityOptions, steps: CapacityLoadStep[], stopReason: string | undefined): CapacityResult {
  const held = steps.filter((s) => s.slo.ok).map((s) => s.offeredRate);
  const broke = steps.filter((s) => !s.slo.ok).map((s) => s.offeredRate);
  const firstBreach = broke.length ? Math.min(...broke) : undefined;
  // The knee: the highest rate that held below the lowest that broke (a noisy step above a breach does not count).
  const below = held.filter((r) => firstBreach === undefined || r < firstBreach);
  const knee = below.length ? Math.max(...below) : undefined;
  const gate = o.minRate !== undefined ? `; --min-rate ${o.minRate}/s ${knee !== undefined && knee >= o.minRate ? 'met' : 'NOT met'}` : '';
  const summary =
    knee === undefined ? `the SLO (${describeSlo(o.slo)}) broke at every rate tried (lowest ${Math.min(...broke)}/s)${gate}`
    : firstBreach === undefined ? `the SLO (${describeSlo(o.slo)}) held at every rate tried, up to ${knee}/s (${stopReason ?? 'done'}): the knee is above that${gate}`
    : `knee ${knee}/s: the SLO (${describeSlo(o.slo)}) held there and broke at ${firstBreach}/s${gate}`;
  return { target: o.target.name, mode: o.schedule.kind, slo: o.slo, ...(knee !== undefined ? { knee } : {}), ...(firstBreach !== undefined ? { firstBreach } : {}), ...(o.minRate !== undefined ? { minRate: o.minRate } : {}), verdict: 'pass', summary };
}
