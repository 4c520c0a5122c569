/**
 * The timing model of assertions, as small composable pieces (in the spirit of
 * testcontainers' wait strategies):
 *
 *   eventually({ within, pollEvery }, probe)       ok at least once before the deadline
 *   always({ during, pollEvery }, probe)           ok at every sample across the window
 *   never({ during, pollEvery }, probe)            not ok at any sample across the window
 *   holdsFor({ duration, within, pollEvery }, probe)
 *                                                  becomes ok within `within`, then stays
 *                                                  ok for `duration` without a bad sample
 *
 * A probe is `() => Promise<{ ok, observed }>`: one evaluation (one query), no retries of
 * its own. These functions are the only place that repeats evaluations, and every
 * evaluation is recorded with its time, so the outcome is evidence of exactly what was
 * seen. A probe that throws is recorded as an observation with `error`; `eventually`
 * keeps polling through errors, the others fail on them (an evaluation that could not be
 * made cannot confirm "always" or "never").
 *
 * Time comes from an injectable `Clock`. `systemClock` reads `Date.now()` and sleeps with
 * `setTimeout`, looked up at call time, so vitest's fake timers drive it; `VirtualClock`
 * is a deterministic clock whose `sleep` just advances virtual time.
 *
 * Sampling: the first sample is taken at once; later samples every `pollEvery` measured
 * from the start of the previous sample; the last sample of a window is taken at its end
 * (a sleep is shortened to land on the deadline). Slow probes are not interrupted; the
 * HTTP client's per-request timeout bounds them.
 */

import { type DurationInput, formatDuration, toMilliseconds } from './duration.ts';
import type { Evidence, EvidenceLanguage, ObservedSeries, Verdict } from './evidence.ts';
import { toJsonSafe } from './evidence.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A clock that only moves when slept on (or advanced): for deterministic tests. */
export class VirtualClock implements Clock {
  private t: number;
  /** Every sleep requested, in ms, in order. */
  readonly sleeps: number[] = [];

  constructor(start: Date | number = Date.UTC(2025, 0, 1)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.t;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
  }

  /** Move time forward, e.g. inside a probe to simulate a slow query. */
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface ProbeResult<T = unknown> {
  ok: boolean;
  observed: T;
  /** Series behind the observation, for evidence (see evidence.ts helpers). */
  series?: ObservedSeries[];
}

export interface ProbeContext {
  /** 1-based attempt number. */
  attempt: number;
  /** Clock time at which this evaluation started (ms since epoch). */
  now: number;
}

export type Probe<T = unknown> = (context: ProbeContext) => Promise<ProbeResult<T>>;

export interface Observation<T = unknown> {
  attempt: number;
  /** Clock time when the evaluation started. */
  atMs: number;
  at: string;
  /** How long the evaluation took, by the clock. */
  durationMs: number;
  /** What the probe said (false when it threw). */
  ok: boolean;
  /** Whether this sample is good for the expectation (for `never`, the opposite of `ok`). */
  satisfied: boolean;
  observed?: T;
  series?: ObservedSeries[];
  error?: string;
}

export type ExpectationKind = 'eventually' | 'always' | 'never' | 'holdsFor';

export interface ExpectationOutcome<T = unknown> {
  kind: ExpectationKind;
  /** The expectation in words. */
  expectation: string;
  verdict: Verdict;
  reason: string;
  observations: Observation<T>[];
  /** ISO times of every evaluation. */
  evaluatedAt: string[];
  windowStart: string;
  windowEnd: string;
  elapsedMs: number;
}

interface CommonOptions {
  pollEvery: DurationInput;
  clock?: Clock;
  /** Ends the wait at the next sample with a failing verdict that says it was interrupted. */
  signal?: AbortSignal;
  /** What is being expected, e.g. "ServiceDown firing for filesystem-mcp". */
  description?: string;
}

export interface EventuallyOptions extends CommonOptions {
  within: DurationInput;
}

export interface WindowOptions extends CommonOptions {
  during: DurationInput;
}

export interface HoldsForOptions extends CommonOptions {
  /** How long the probe must stay ok without a bad sample. */
  duration: DurationInput;
  /** Deadline for the start of the run that succeeds, from the call. */
  within: DurationInput;
}

// ---------------------------------------------------------------------------------------

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function fmt(ms: number): string {
  return formatDuration(ms);
}

function pollMs(options: CommonOptions): number {
  const ms = toMilliseconds(options.pollEvery);
  if (!(ms > 0)) throw new RangeError(`pollEvery must be > 0, got ${String(options.pollEvery)}`);
  return ms;
}

function describe(head: string, options: CommonOptions): string {
  return options.description ? `${head}: ${options.description}` : head;
}

async function observe<T>(
  probe: Probe<T>,
  attempt: number,
  clock: Clock,
  satisfiedWhenOk: boolean,
): Promise<Observation<T>> {
  const atMs = clock.now();
  try {
    const result = await probe({ attempt, now: atMs });
    const obs: Observation<T> = {
      attempt,
      atMs,
      at: iso(atMs),
      durationMs: clock.now() - atMs,
      ok: result.ok,
      satisfied: result.ok === satisfiedWhenOk,
      observed: result.observed,
    };
    if (result.series) obs.series = result.series;
    return obs;
  } catch (error) {
    return {
      attempt,
      atMs,
      at: iso(atMs),
      durationMs: clock.now() - atMs,
      ok: false,
      satisfied: false,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}

/** Sleep until `target` (no-op if it has passed). */
async function sleepUntil(clock: Clock, target: number): Promise<void> {
  const wait = target - clock.now();
  if (wait > 0) await clock.sleep(wait);
}

function summarize(obs: Observation | undefined): string {
  if (!obs) return 'no observations';
  if (obs.error) return `error at ${obs.at}: ${obs.error}`;
  let text: string;
  try {
    text = JSON.stringify(toJsonSafe(obs.observed)) ?? String(obs.observed);
  } catch {
    text = String(obs.observed);
  }
  if (text.length > 300) text = `${text.slice(0, 300)}…`;
  return `at ${obs.at}: ${text}`;
}

function finish<T>(
  kind: ExpectationKind,
  expectation: string,
  verdict: Verdict,
  reason: string,
  observations: Observation<T>[],
  startMs: number,
  windowEndMs: number,
  clock: Clock,
): ExpectationOutcome<T> {
  return {
    kind,
    expectation,
    verdict,
    reason,
    observations,
    evaluatedAt: observations.map((o) => o.at),
    windowStart: iso(startMs),
    windowEnd: iso(windowEndMs),
    elapsedMs: clock.now() - startMs,
  };
}

/** The outcome of a wait ended by its signal (Ctrl-C): not a pass, and it says why. */
function interrupted<T>(kind: ExpectationKind, expectation: string, observations: Observation<T>[], start: number, now: number, clock: Clock): ExpectationOutcome<T> {
  return finish(kind, expectation, 'fail', `interrupted (signal) after ${observations.length} observations over ${fmt(now - start)}`, observations, start, now, clock);
}

// ---------------------------------------------------------------------------------------

/** Passes at the first ok sample; fails if none is ok by `within` (sampled up to the deadline). */
export async function eventually<T>(options: EventuallyOptions, probe: Probe<T>): Promise<ExpectationOutcome<T>> {
  const clock = options.clock ?? systemClock;
  const poll = pollMs(options);
  const within = toMilliseconds(options.within);
  const expectation = describe(`eventually within ${fmt(within)}, polling every ${fmt(poll)}`, options);
  const start = clock.now();
  const deadline = start + within;
  const observations: Observation<T>[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const obs = await observe(probe, attempt, clock, true);
    observations.push(obs);
    const now = clock.now();
    if (options.signal?.aborted) return interrupted('eventually', expectation, observations, start, now, clock);
    if (obs.satisfied) {
      const reason = `satisfied at attempt ${attempt}, ${fmt(obs.atMs - start)} after the start`;
      return finish('eventually', expectation, 'pass', reason, observations, start, now, clock);
    }
    if (now >= deadline) {
      const errors = observations.filter((o) => o.error).length;
      const reason =
        `not satisfied within ${fmt(within)} (${observations.length} observations` +
        `${errors ? `, ${errors} errors` : ''}); last ${summarize(obs)}`;
      return finish('eventually', expectation, 'fail', reason, observations, start, now, clock);
    }
    await sleepUntil(clock, Math.min(obs.atMs + poll, deadline));
  }
}

async function everySample<T>(
  kind: 'always' | 'never',
  options: WindowOptions,
  probe: Probe<T>,
): Promise<ExpectationOutcome<T>> {
  const clock = options.clock ?? systemClock;
  const poll = pollMs(options);
  const during = toMilliseconds(options.during);
  const head = kind === 'always' ? 'always' : 'never';
  const expectation = describe(`${head} during ${fmt(during)}, polling every ${fmt(poll)}`, options);
  const start = clock.now();
  const end = start + during;
  const observations: Observation<T>[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const obs = await observe(probe, attempt, clock, kind === 'always');
    observations.push(obs);
    const now = clock.now();
    if (options.signal?.aborted) return interrupted(kind, expectation, observations, start, now, clock);
    if (!obs.satisfied) {
      const what = obs.error ? 'evaluation failed' : kind === 'always' ? 'not ok' : 'ok (must never be)';
      const reason = `${what} at attempt ${attempt}, ${fmt(obs.atMs - start)} into the window; ${summarize(obs)}`;
      return finish(kind, expectation, 'fail', reason, observations, start, now, clock);
    }
    if (now >= end) {
      const reason = `${kind === 'always' ? 'ok' : 'not ok'} at all ${observations.length} observations over ${fmt(now - start)}`;
      return finish(kind, expectation, 'pass', reason, observations, start, now, clock);
    }
    await sleepUntil(clock, Math.min(obs.atMs + poll, end));
  }
}

/** Passes if every sample across `during` is ok; fails at the first bad (or failed) sample. */
export function always<T>(options: WindowOptions, probe: Probe<T>): Promise<ExpectationOutcome<T>> {
  return everySample('always', options, probe);
}

/**
 * Passes if no sample across `during` is ok: the probe describes what must never happen
 * (e.g. "alert X is firing"). Fails at the first ok (or failed) sample.
 */
export function never<T>(options: WindowOptions, probe: Probe<T>): Promise<ExpectationOutcome<T>> {
  return everySample('never', options, probe);
}

/**
 * Passes once the probe has been ok continuously for `duration` (from the first ok sample
 * of a run to a later ok sample at least `duration` after it), where that run started
 * within `within` of the call. A bad sample ends a run; fails when no run can start by
 * the deadline any more. Worst-case wall time: within + duration.
 */
export async function holdsFor<T>(options: HoldsForOptions, probe: Probe<T>): Promise<ExpectationOutcome<T>> {
  const clock = options.clock ?? systemClock;
  const poll = pollMs(options);
  const duration = toMilliseconds(options.duration);
  const within = toMilliseconds(options.within);
  const expectation = describe(
    `holds for ${fmt(duration)}, starting within ${fmt(within)}, polling every ${fmt(poll)}`,
    options,
  );
  const start = clock.now();
  const startDeadline = start + within;
  const observations: Observation<T>[] = [];
  let runStart: number | undefined;
  let runs = 0;
  for (let attempt = 1; ; attempt += 1) {
    const obs = await observe(probe, attempt, clock, true);
    observations.push(obs);
    const now = clock.now();
    if (options.signal?.aborted) return interrupted('holdsFor', expectation, observations, start, now, clock);
    if (obs.satisfied) {
      if (runStart === undefined) {
        if (obs.atMs > startDeadline) {
          const reason = `did not start holding within ${fmt(within)} (${runs} broken runs, ${observations.length} observations); last ${summarize(obs)}`;
          return finish('holdsFor', expectation, 'fail', reason, observations, start, now, clock);
        }
        runStart = obs.atMs;
        runs += 1;
      }
      if (obs.atMs - runStart >= duration) {
        const reason = `held for ${fmt(obs.atMs - runStart)} from ${iso(runStart)} to ${obs.at} (run ${runs}, ${observations.length} observations)`;
        return finish('holdsFor', expectation, 'pass', reason, observations, start, now, clock);
      }
      await sleepUntil(clock, Math.min(obs.atMs + poll, runStart + duration));
    } else {
      const broke = runStart !== undefined;
      runStart = undefined;
      if (now >= startDeadline) {
        const reason = `${broke ? 'run broken' : 'not ok'} at ${obs.at} and no time left to start a new run within ${fmt(within)} (${observations.length} observations); ${summarize(obs)}`;
        return finish('holdsFor', expectation, 'fail', reason, observations, start, now, clock);
      }
      await sleepUntil(clock, Math.min(obs.atMs + poll, startDeadline));
    }
  }
}

// ---------------------------------------------------------------------------------------

export class ExpectationFailedError extends Error {
  override readonly name = 'ExpectationFailedError';
  constructor(readonly outcome: ExpectationOutcome) {
    const lines = outcome.observations
      .slice(-5)
      .map((o) => `  #${o.attempt} ${summarize(o)}${o.satisfied ? '' : ' ✗'}`);
    const more = outcome.observations.length > 5 ? `  (${outcome.observations.length - 5} earlier observations)\n` : '';
    super(`expectation failed: ${outcome.expectation}\n${outcome.reason}\n${more}${lines.join('\n')}`);
  }
}

/** Throw `ExpectationFailedError` (with the last observations) unless the outcome passed. */
export function assertOutcome<T>(outcome: ExpectationOutcome<T>): ExpectationOutcome<T> {
  if (outcome.verdict !== 'pass') throw new ExpectationFailedError(outcome as ExpectationOutcome);
  return outcome;
}

/** The outcome as report evidence for the query it evaluated. */
export function toEvidence(
  outcome: ExpectationOutcome,
  source: { query: string; language: EvidenceLanguage },
): Evidence {
  return {
    query: source.query,
    language: source.language,
    evaluatedAt: outcome.evaluatedAt,
    expectation: outcome.expectation,
    observed: outcome.observations.map((o) => {
      const e: Evidence['observed'][number] = { at: o.at, ok: o.satisfied };
      if (o.series) e.series = o.series;
      if (o.observed !== undefined) e.value = toJsonSafe(o.observed);
      if (o.error) e.error = o.error;
      return e;
    }),
    verdict: outcome.verdict,
    reason: outcome.reason,
    windowStart: outcome.windowStart,
    windowEnd: outcome.windowEnd,
  };
}
