/**
 * The monitoring stack under log growth: the fleet's log lines at multiples of today's rate
 * (today's own traffic plus a log burst on every service, lines of today's mean size), until
 * one of the log pipeline's guarantees breaks: every line in the store exactly once within
 * the delivery bound the shipper's config allows, nothing refused-and-given-up, and the
 * dashboard's log panels answering within the promised time while it ingests. Reports the
 * headroom as a multiple of today's rate, beside the promised ingestion rate.
 *
 * The writers share the machine with the pipeline: when the services cannot write at the
 * offered rate, that is the harness's limit here, not the stack's, and the run says so.
 */
import { statSync } from 'node:fs';
import { request } from 'undici';
import type { RunEvent, FaultWindow } from '../events/run-events.ts';
import type { CapacityLogGrowthStep, CapacityResult } from '../events/capacity.ts';
import { CapacityScenarioRecord, type GrowthVerdict } from './scenario-record.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { ServiceEndpoint } from '../plan/topology.ts';
import type { PromiseSpec } from '../spec/promise-spec.ts';
import type { CheckContext } from '../engine/checks.ts';
import { LogWindow } from '../engine/log-window.ts';
import { unmetRequirements } from '../engine/requirements.ts';
import type { FinishedLogBurst } from '../../fake-services/service.ts';
import { fetchStats } from '../logs/emitted.ts';
import { counterDelta } from '../logs/metrics-text.ts';
import { limiterCounts } from '../logs/open.ts';
import { multiServiceFault } from '../chaos/multi-service-fault.ts';
import { dashboardLogQueries, timeLogPanels } from './dashboard-timer.ts';

export interface LogGrowthOptions {
  env: EnvironmentHandle;
  emit: (e: RunEvent) => void;
  scenario: string;
  spec: PromiseSpec;
  signal: AbortSignal;
  /** The whole axis ends within this. */
  maxDurationMs: number;
  maxSteps?: number;
  /** Never offer more lines/s than this, all services together. */
  maxLinesPerSecond?: number;
  /** Each step's burst lasts this long (real seconds: the limits are rates). */
  burstSeconds?: number;
  /** Fail the run when the log headroom is below this multiple of today's rate. */
  minHeadroom?: number;
}

export type LogGrowthVerdict = GrowthVerdict | 'skipped';

/** The window over which today's log rate is measured. */
const TODAY_WINDOW_MS = 10_000;
/** The fake services' log-burst ceiling, per service. */
const BURST_CAP_PER_SERVICE = 200_000;
/** A writer that reaches less than this share of its offered rate is the limit of this machine. */
const WRITER_SHARE = 0.9;
/** The pipeline kept up when it carried at least this share of the written rate (else its backlog grows with the burst). */
const CARRIED_SHARE = 0.9;
/** Bisection stops when the first break is within this factor of the last good rate. */
const BRACKET = 1.5;
const iso = (ms = Date.now()) => new Date(ms).toISOString();
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((r) => { const t = setTimeout(r, ms); signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true }); });
const fileSize = (f: string): number => { try { return statSync(f).size; } catch { return 0; } };
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(2)} MiB/s`;

interface Volume {
  lines: number;
  bytes: number;
}

/** One service's log so far, with its finished bursts. */
type Written = Volume & { bursts: FinishedLogBurst[] };

/** Lines (by the services' own seq counters) and bytes (their log files) written so far, with each service's finished bursts. */
async function written(services: readonly ServiceEndpoint[]): Promise<Map<string, Written>> {
  const out = new Map<string, Written>();
  await Promise.all(
    services.map(async (s) => {
      const st = await fetchStats(s);
      out.set(s.name, { lines: st.linesWritten, bytes: fileSize(s.logFile), bursts: st.logBursts });
    }),
  );
  return out;
}

function delta(a: Map<string, Volume>, b: Map<string, Volume>): Volume {
  let lines = 0;
  let bytes = 0;
  for (const [name, v] of b) {
    const w = a.get(name);
    if (!w) continue;
    lines += Math.max(0, v.lines - w.lines);
    bytes += Math.max(0, v.bytes - w.bytes);
  }
  return { lines, bytes };
}

/**
 * When the writers wrote: from the first burst's start to the last one's last line, by the
 * services' own clocks. Undefined when a burst has not finished (it is not in its service's list).
 */
function burstWindow(services: readonly ServiceEndpoint[], now: Map<string, Written>, ids: readonly unknown[]): { start: number; seconds: number; lines: number } | undefined {
  const done = services.map((s, i) => now.get(s.name)?.bursts.find((b) => b.id === ids[i])).filter((b) => b !== undefined);
  if (done.length < services.length) return undefined;
  const start = Math.min(...done.map((b) => b.startedAt));
  const end = Math.max(...done.map((b) => b.startedAt + b.seconds * 1000));
  return { start, seconds: (end - start) / 1000, lines: done.reduce((n, b) => n + b.lines, 0) };
}

/** Polls the services' fault lists until every burst has finished writing; when that was. */
async function burstsDone(services: readonly ServiceEndpoint[], giveUpAt: number, signal: AbortSignal): Promise<number> {
  for (;;) {
    const active = await Promise.all(services.map(async (s) => ((await (await request(`${s.controlUrl}/faults`)).body.json()) as { faults: { spec: { kind: string } }[] }).faults.filter((f) => f.spec.kind === 'log-burst').length));
    if (active.every((n) => n === 0) || Date.now() > giveUpAt || signal.aborted) return Date.now();
    await sleep(200, signal);
  }
}

export async function runLogGrowthCapacity(o: LogGrowthOptions): Promise<{ verdict: LogGrowthVerdict; result?: CapacityResult }> {
  const t0 = Date.now();
  const maxSteps = o.maxSteps ?? 10;
  const burstS = o.burstSeconds ?? 8;
  const maxLines = o.maxLinesPerSecond ?? 400_000;
  const limitMs = o.spec.dashboardQueryWithinMs;
  const promised = o.spec.ingestionBytesPerSecond;
  const rec = new CapacityScenarioRecord(o.emit, o.scenario, 'log pipeline');
  const { windows } = rec;
  rec.begin('Capacity of the log pipeline', `The fleet's log lines at multiples of today's rate (a ${burstS} s burst per step on every service, lines of today's mean size) until a guarantee breaks: every line in the store exactly once within the shipper's delivery bound, nothing given up on, the dashboard's log panels within ${limitMs / 1000} s. The promised ingestion rate is ${mib(promised)}.`);
  const unmet = unmetRequirements(['log-pipeline'], o.env);
  if (unmet.length) {
    const skipReason = `no log pipeline to grow: ${unmet.join('; ')}`;
    rec.skip(skipReason);
    return { verdict: 'skipped' };
  }
  rec.method();

  const services = o.env.stack.topology.services;
  const steps: CapacityLogGrowthStep[] = [];
  let burstParams: Parameters<typeof multiServiceFault.clear>[1] | undefined;
  let burstHandle: unknown;
  try {
    // Today: what the fleet logs at its own traffic, before anything is added.
    const m = rec.action('measure', `measure today's log rate: every service's lines and log bytes over ${TODAY_WINDOW_MS / 1000} s`, {});
    const before = await written(services);
    await sleep(TODAY_WINDOW_MS, o.signal);
    const today = delta(before, await written(services));
    rec.endAction(m);
    if (o.signal.aborted) throw new Error('interrupted while measuring today\'s log rate');
    if (!today.lines) throw new Error(`the fleet wrote no log line in ${TODAY_WINDOW_MS / 1000} s: cannot state today's log rate (is there background traffic?)`);
    const todayRate = today.lines / (TODAY_WINDOW_MS / 1000);
    const lineBytes = Math.min(4096, Math.max(64, Math.round(today.bytes / today.lines)));
    const win = new LogWindow('log-growth');
    await win.mark().run(o.env);
    const store = win.store();
    rec.language = store.language;
    const panels = dashboardLogQueries(o.env.stack.config.files.grafanaProvisioning, o.spec.data.dashboard.uid, store);

    let lastGood: { step: CapacityLogGrowthStep; multiple: number } | undefined;
    let firstBreak: { step: CapacityLogGrowthStep; multiple: number } | undefined;
    let stopReason = '';
    let multiple = 1;
    for (let k = 0; k < maxSteps; k++) {
      if (o.signal.aborted) {
        rec.interrupted = true;
        break;
      }
      // Up: ×4 while the pipeline keeps its read delay under a tenth of the bound, ×2 once it is
      // loaded; after the first break, geometric bisection until the bracket is within BRACKET.
      const last = steps.at(-1);
      if (!firstBreak) multiple *= !last || (last.readDelayMs.p99 ?? Infinity) < last.deliveryBoundMs / 10 ? 4 : 2;
      else if (firstBreak.multiple / (lastGood?.multiple ?? 1) > BRACKET) multiple = Math.sqrt(firstBreak.multiple * (lastGood?.multiple ?? 1));
      else {
        stopReason = `the bracket is within ×${BRACKET}`;
        break;
      }
      multiple = +multiple.toFixed(2);
      const offered = todayRate * multiple;
      const perService = Math.round((offered - todayRate) / services.length);
      if (offered > maxLines || perService > BURST_CAP_PER_SERVICE) {
        stopReason = `the next rate (${Math.round(offered)} lines/s) is over the cap of ${Math.min(maxLines, BURST_CAP_PER_SERVICE * services.length)} lines/s (--max-log-rate)`;
        break;
      }
      await win.mark().run(o.env);
      const boundMs = win.deliveryBoundMs();
      if (Date.now() - t0 + burstS * 1000 + boundMs > o.maxDurationMs) {
        stopReason = `--max-duration ${o.maxDurationMs / 1000} s reached`;
        break;
      }
      const pipeline = win.pipeline();
      const countsBefore = await limiterCounts(pipeline);
      const volBefore = await written(services);
      const startedAt = Date.now();
      const act = rec.action('log-burst', `grow the fleet's logs to ×${multiple} today's rate: ${Math.round(offered)} lines/s (${perService} lines/s more on each of ${services.length} services, ${lineBytes}-byte lines, ${burstS} s)`, { multiple, linesPerSecond: Math.round(offered), perService, lineBytes, seconds: burstS });
      burstParams = { services: services.map((s) => s.name), fault: { kind: 'log-burst', linesPerSecond: perService, durationSeconds: burstS, lineBytes } };
      const window: FaultWindow = { label: `log burst ×${multiple}`, start: iso() };
      windows.push(window);
      burstHandle = await multiServiceFault.inject({ env: o.env }, burstParams);
      // The dashboard while it ingests: half-way through the burst.
      await sleep((burstS * 1000) / 2, o.signal);
      const during = await timeLogPanels(pipeline.store, panels);
      const writtenAt = await burstsDone(services, startedAt + burstS * 6000, o.signal);
      const volAfter = await written(services);
      const vol = delta(volBefore, volAfter);
      const wallS = Math.max(burstS, (writtenAt - startedAt) / 1000);
      // The writers' rate by their own clocks: the harness's time to start the bursts and to see
      // them end is not the writers' (on a busy machine it was a second, and read as their limit).
      const bursts = burstWindow(services, volAfter, burstHandle as unknown[]);
      window.end = iso(writtenAt);
      burstHandle = undefined;
      rec.endAction(act);
      const burstStart = bursts?.start ?? startedAt;
      const writeS = bursts ? Math.max(burstS, bursts.seconds) : wallS;
      const writtenRate = bursts ? bursts.lines / writeS + Math.max(0, vol.lines - bursts.lines) / wallS : vol.lines / wallS;
      const lineMeanBytes = vol.lines ? vol.bytes / vol.lines : lineBytes;

      // Every line of every service, reconciled by seq, until complete or the bound runs out.
      const probe = win.delivered({ concurrency: 4, maxDuplicates: Number.MAX_SAFE_INTEGER, maxOutOfOrder: Number.MAX_SAFE_INTEGER }).probe({} as CheckContext);
      const deadline = writtenAt + boundMs;
      let deliveredAfterMs: number | undefined;
      let d: { totals: { emitted: number; missing: number; duplicates: number; lastStoredMs?: number }; latencyMs: { p50?: number; p99?: number }; services: { service: string; missing: number }[] } | undefined;
      while (!o.signal.aborted) {
        const r = await probe({ attempt: 1, now: Date.now() });
        d = r.observed as typeof d;
        if (r.ok) {
          deliveredAfterMs = Date.now() - writtenAt;
          break;
        }
        if (Date.now() > deadline) break;
      }
      if (o.signal.aborted || !d) {
        rec.interrupted = true;
        break;
      }
      const after = await timeLogPanels(pipeline.store, panels);
      const countsAfter = await limiterCounts(pipeline);
      const refused = counterDelta(countsBefore.refused, countsAfter.refused);
      const dropped = counterDelta(countsBefore.dropped, countsAfter.dropped);
      const dash = during.maxMs >= after.maxMs ? during : after;
      // Carried: the lines over burst start → the store's timestamp of the last one (when the shipper
      // read it, where the shipper stamps entries on reading, as the collector here does).
      const carriedRate = d.totals.lastStoredMs !== undefined ? d.totals.emitted / Math.max(writeS, (d.totals.lastStoredMs - burstStart) / 1000) : undefined;
      const breaches: string[] = [];
      if (carriedRate !== undefined && carriedRate < writtenRate * CARRIED_SHARE) breaches.push(`the pipeline carried ${Math.round(carriedRate)} lines/s of the ${Math.round(writtenRate)} written: it falls behind, and a sustained rate this high grows its backlog without bound`);
      const lossy = d.services.filter((x) => x.missing > 0).map((x) => `${x.service} ${x.missing}`);
      if (d.totals.missing > 0) breaches.push(`${d.totals.missing} of ${d.totals.emitted} lines not in the store ${Math.round(boundMs / 1000)} s after the last was written, the delivery bound (${lossy.slice(0, 5).join(', ')}${lossy.length > 5 ? ', …' : ''})`);
      if (d.totals.duplicates > 0) breaches.push(`${d.totals.duplicates} lines stored twice`);
      if (dropped > 0) breaches.push(`the shipper gave up on ${dropped} entries`);
      const failures = [...during.failures, ...after.failures];
      if (dash.maxMs > limitMs || failures.length) breaches.push(`log panel ${Math.round(dash.maxMs)} ms (${dash.slowest ?? '-'}) of ${limitMs} ms${failures.length ? `; failed: ${failures.join('; ')}` : ''}`);
      const step: CapacityLogGrowthStep = {
        kind: 'log-growth', index: k, startedAt: iso(startedAt), endedAt: iso(),
        offeredLinesPerSecond: Math.round(offered), writtenLinesPerSecond: Math.round(writtenRate), writtenBytesPerSecond: Math.round(writtenRate * lineMeanBytes),
        ...(carriedRate !== undefined ? { carriedLinesPerSecond: Math.round(carriedRate) } : {}),
        multipleOfToday: +(writtenRate / todayRate).toFixed(2), lines: d.totals.emitted, missing: d.totals.missing, duplicates: d.totals.duplicates,
        ...(deliveredAfterMs !== undefined ? { deliveredAfterMs } : {}), deliveryBoundMs: boundMs,
        readDelayMs: { ...(d.latencyMs.p50 !== undefined ? { p50: d.latencyMs.p50 } : {}), ...(d.latencyMs.p99 !== undefined ? { p99: d.latencyMs.p99 } : {}) },
        refused, dropped, maxLogPanelQueryMs: Math.round(dash.maxMs), dashboardQueryLimitMs: limitMs, ok: breaches.length === 0, breaches,
      };
      steps.push(step);
      o.emit({ type: 'capacity-step', scenario: o.scenario, step });
      if (step.ok) {
        if (!lastGood || multiple > lastGood.multiple) lastGood = { step, multiple };
      } else if (!firstBreak || multiple < firstBreak.multiple) firstBreak = { step, multiple };
      if (step.ok && writtenRate < offered * WRITER_SHARE) {
        stopReason = `the services wrote ${Math.round(writtenRate)} lines/s of the ${Math.round(offered)} offered: the writers' limit on this machine, not the stack's`;
        break;
      }
      // Let the pipeline settle before the next, larger step.
      await sleep(2000, o.signal);
    }
    if (!stopReason && !rec.interrupted) stopReason = `step limit (${maxSteps}) reached`;
    const good = lastGood?.step;
    const broke = firstBreak?.step;
    const logHeadroom = good ? { linesPerSecond: good.writtenLinesPerSecond, bytesPerSecond: good.writtenBytesPerSecond, multipleOfToday: good.multipleOfToday, todayLinesPerSecond: Math.round(todayRate) } : undefined;
    const summary =
      `today ${Math.round(todayRate)} lines/s (${mib(today.bytes / (TODAY_WINDOW_MS / 1000))}); ` +
      (logHeadroom ? `log headroom ×${logHeadroom.multipleOfToday} today's rate (${logHeadroom.linesPerSecond} lines/s, ${mib(logHeadroom.bytesPerSecond)}) with every guarantee held` : "no larger rate held every guarantee") +
      (broke ? `; first break at ${broke.writtenLinesPerSecond} lines/s: ${broke.breaches.join('; ')}` : `; no break (${stopReason})`) +
      `; the promised ${mib(promised)} is ${logHeadroom && logHeadroom.bytesPerSecond >= promised ? 'within' : 'beyond'} the headroom measured`;
    // The promise: below the promised ingestion rate, nothing is lost.
    if (broke && broke.writtenBytesPerSecond < promised && (broke.missing > 0 || broke.dropped > 0)) {
      rec.assertion(`no log line lost below the promised ${mib(promised)}`, false, `lines lost at ${mib(broke.writtenBytesPerSecond)}: ${broke.breaches.join('; ')}`, `every line delivered at any rate up to ${mib(promised)} (spec logs.ingestionRate)`, store.serviceSelector('<each service>'));
    }
    if (o.minHeadroom !== undefined) rec.assertion(`log headroom at least ×${o.minHeadroom} today's rate`, (logHeadroom?.multipleOfToday ?? 0) >= o.minHeadroom, summary, `every log guarantee holds at ${o.minHeadroom} × today's lines/s`, store.serviceSelector('<each service>'));
    return rec.result({
      target: 'monitoring (logs)', mode: 'auto', slo: {},
      ...(logHeadroom ? { logHeadroom } : {}),
      ...(broke ? { logBreakingPoint: { linesPerSecond: broke.writtenLinesPerSecond, breaches: broke.breaches } } : {}),
      promisedLogBytesPerSecond: promised,
      summary,
    });
  } catch (e) {
    rec.crash = (e as Error).message;
    throw e;
  } finally {
    // Rollback, also on interrupt: a burst still writing is cleared.
    if (burstHandle !== undefined && burstParams) {
      const a = rec.action('clear', 'clear the log bursts still running', {}, 'rollback');
      await multiServiceFault.clear({ env: o.env }, burstParams, burstHandle).catch(() => {});
      rec.endAction(a);
    }
    rec.end(o.signal.aborted);
  }
}
