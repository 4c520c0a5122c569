/**
 * An alert's lifecycle against the timing model and the promise: pending within one
 * scrape and one evaluation (plus the data's build-up), firing no earlier than its `for`
 * after Prometheus's own activeAt, and, from the fault, within the spec's budget. The
 * config says how long to wait; the promise caps it.
 */
import type { ExpectationOutcome } from '../../assertions/expectations.ts';
import type { PrometheusClient } from '../../assertions/prometheus.ts';
import { formatDuration } from '../../assertions/duration.ts';
import type { AssertionRecord } from '../events/run-events.ts';
import { alertState } from './checks.ts';
import type { AlertLifecycleStep, Duration, ExpectStep } from './scenario.ts';
import { StepFailed } from './step-failed.ts';
import type { TimingModel } from './timing.ts';

export interface LifecycleHost {
  readonly timing: TimingModel;
  readonly prom: PrometheusClient;
  /** When the condition started: the last fault injected or cleared. */
  readonly since: number;
  duration(d: Duration): number;
  expect(step: ExpectStep, inMethod: boolean): Promise<ExpectationOutcome>;
  /** Records an assertion; its id and phase are the run's. */
  record(a: Omit<AssertionRecord, 'id' | 'phase'>): void;
}

/**
 * Pending within one scrape + one evaluation (+ the data's build-up); firing no
 * earlier than `for` after it became active (Prometheus's own activeAt) and no later
 * than `for` + one evaluation + polling slack.
 */
export async function runAlertLifecycle(host: LifecycleHost, step: AlertLifecycleStep): Promise<void> {
  const t = host.timing;
  const a = t.alert(step.alertname);
  const extra = step.extra ? host.duration(step.extra) : 0;
  const since = host.since;
  const pendingWithin = t.detectionBoundMs(step.job) + a.evaluationMs + extra + t.slackMs();
  const p = await host.expect({ type: 'expect', mode: 'eventually', check: alertState(step.alertname, step.labels, 'active'), within: () => pendingWithin }, true);
  if (p.verdict !== 'pass') throw new StepFailed(p.reason);
  // The config says how long to wait; the promise caps it: a config slower than its promise fails here.
  const promisedMs = t.promisedFiringMs(step.alertname);
  const configFiringWithin = a.forMs + 2 * a.evaluationMs + t.slackMs();
  const promiseLeftMs = promisedMs === undefined ? Infinity : Math.max(0, since + promisedMs + t.pollMs() + t.slackMs() - Date.now());
  const firingWithin = Math.min(configFiringWithin, promiseLeftMs);
  const f = await host.expect({ type: 'expect', mode: 'eventually', check: alertState(step.alertname, step.labels, 'firing'), within: () => firingWithin }, true);
  const firedObservedMs = f.verdict === 'pass' ? Date.parse(f.windowEnd) : NaN;
  if (promisedMs !== undefined) recordPromisedFiring(host, step, since, promisedMs, firedObservedMs, firingWithin < configFiringWithin);
  if (f.verdict !== 'pass') throw new StepFailed(f.reason);
  // Prometheus's activeAt is when the alert went pending, to the evaluation. A rule can
  // fire several series (HighLatency: one per method/path/status); time the one we saw
  // firing, by its full label set.
  const firedLabels = f.observations.at(-1)?.series?.[0]?.labels ?? {};
  const sameSeries = (x: { labels: Record<string, string> }) => Object.entries(firedLabels).every(([k, v]) => k === 'alertstate' || k === '__name__' || x.labels[k] === v);
  const alerts = (await host.prom.alerts()).filter((x) => x.state === 'firing' && x.labels.alertname === step.alertname && Object.entries(step.labels).every(([k, v]) => x.labels[k] === v));
  const match = alerts.find(sameSeries) ?? alerts.sort((a, b) => Date.parse(a.activeAt ?? '') - Date.parse(b.activeAt ?? ''))[0];
  const activeAtMs = match?.activeAt ? Date.parse(match.activeAt) : NaN;
  const pendingToFiring = firedObservedMs - activeAtMs;
  const timing = {
    forMs: a.forMs,
    evaluationMs: a.evaluationMs,
    scrapeMs: t.scrapeOf(step.job),
    activeAt: match?.activeAt ?? 'unknown',
    series: JSON.stringify(match?.labels ?? firedLabels),
    pendingToFiringObservedMs: Math.round(pendingToFiring),
    detectionMs: Math.round(firedObservedMs - since),
    // Nothing can fire sooner than `for` after the fault; the data's build-up (a rate
    // window filling) adds up to `extra` on top, depending on how the expression crosses.
    theoreticalMinimumMs: Math.round(a.forMs),
    dataBuildUpAllowanceMs: Math.round(extra),
    boundMs: Math.round(pendingWithin + firingWithin),
  };
  const ok = Number.isFinite(pendingToFiring) && pendingToFiring >= a.forMs && pendingToFiring <= a.forMs + a.evaluationMs + t.pollMs() + t.slackMs();
  const message = ok
    ? `fired ${(pendingToFiring / 1000).toFixed(1)}s after going pending (for ${(a.forMs / 1000).toFixed(1)}s, evaluation ${(a.evaluationMs / 1000).toFixed(1)}s); ${(timing.detectionMs / 1000).toFixed(1)}s after the fault`
    : `expected firing between ${(a.forMs / 1000).toFixed(1)}s and ${((a.forMs + a.evaluationMs + t.pollMs() + t.slackMs()) / 1000).toFixed(1)}s after activeAt ${timing.activeAt}; observed ${(pendingToFiring / 1000).toFixed(1)}s`;
  host.record({
    title: `${step.alertname} fires only after its for (${(a.forMs / 1000).toFixed(1)}s)`,
    kind: 'once',
    verdict: ok ? 'pass' : 'fail',
    message,
    startedAt: new Date(since).toISOString(),
    endedAt: f.windowEnd,
    evidence: { query: `/api/v1/alerts ${step.alertname}`, language: 'promql', evaluatedAt: [f.windowEnd], expectation: `for ≤ firing − activeAt ≤ for + evaluation + slack`, observed: [{ at: f.windowEnd, ok, value: timing }], verdict: ok ? 'pass' : 'fail', reason: message },
    timing,
  });
  if (!ok) throw new StepFailed(message);
}

/**
 * The promise: from the condition (the fault) to firing within the spec's budget. When
 * the config cannot keep it (its `for` or evaluation is longer), the finding names both
 * files and both values.
 */
function recordPromisedFiring(host: LifecycleHost, step: AlertLifecycleStep, since: number, promisedMs: number, firedAtMs: number, promiseBound: boolean): void {
  const t = host.timing;
  const a = t.alert(step.alertname);
  const where = t.promise.where(`alerts.${step.alertname}.firesWithin`);
  const allowance = t.pollMs() + t.slackMs();
  const tookMs = firedAtMs - since;
  const ok = Number.isFinite(tookMs) && tookMs <= promisedMs + allowance;
  // Nominal values, as the spec and the config state them (and the scaled ones when the run is time-scaled).
  const s = (ms: number) => (t.scale === 1 ? formatDuration(ms) : `${formatDuration(ms / t.scale)} (${formatDuration(ms)} at time scale ${t.scale})`);
  const configEarliest = a.forMs + a.evaluationMs;
  const config = `the config (${a.sourceFile}, group ${a.group}) has for ${s(a.forMs)} and evaluates every ${s(a.evaluationMs)}`;
  const message = ok
    ? `fired ${s(tookMs)} after the fault, within the promised ${s(promisedMs)} (${where})`
    : `did not fire within the promised ${s(promisedMs)} (${where})${Number.isFinite(tookMs) ? `: it took ${s(tookMs)}` : promiseBound ? ': the wait ended at the promise' : ''}; ${config}${configEarliest > promisedMs ? `, so it cannot fire sooner than ${s(configEarliest)} after its condition` : ''}`;
  const at = new Date(Number.isFinite(firedAtMs) ? firedAtMs : Date.now()).toISOString();
  host.record({
    title: `${step.alertname} fires within its promised ${s(promisedMs)}`,
    kind: 'once',
    verdict: ok ? 'pass' : 'fail',
    message,
    startedAt: new Date(since).toISOString(),
    endedAt: at,
    evidence: { query: `ALERTS{alertname="${step.alertname}", alertstate="firing"}`, language: 'promql', evaluatedAt: [at], expectation: `firing ≤ ${s(promisedMs)} after the fault (+ ${s(allowance)} polling and scheduling)`, observed: [{ at, ok, value: { tookMs: Math.round(tookMs), promisedMs, forMs: a.forMs, evaluationMs: a.evaluationMs } }], verdict: ok ? 'pass' : 'fail', reason: message },
    timing: { promisedMs, observedMs: Math.round(tookMs), forMs: a.forMs, evaluationMs: a.evaluationMs },
  });
  if (!ok) throw new StepFailed(message);
}
