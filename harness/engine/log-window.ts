/**
 * The log window: the ledger a scenario keeps while it tests the log pipeline, whichever
 * store and shipper the folder has (Loki + Promtail, or VictoriaLogs + the OpenTelemetry
 * Collector, behind harness/logs' seams). In the spirit of loki-canary:
 *
 *   emitted   the service's own count: GET /stats `lastSeq` on its control port (and
 *             `malformedSeqs`, the lines the malformed-logs fault wrote broken);
 *   stored    what the store returns for the service over the window, projected to
 *             seq + line ts where the store can do it server-side;
 *   reconciled per service by the pure ledger (harness/logs/ledger.ts).
 *
 * `win.mark()` (a step) snapshots every service's lastSeq, log file size and the
 * pipeline's counters; the checks it hands out (`win.delivered()`, `win.latency()`,
 * `win.limiter()`, and the query audits in log-queries.ts) reconcile against that mark.
 * The first evaluation of a check fixes the cut (each service's lastSeq at that moment);
 * later polls only wait for the lines up to the cut, so continuing background traffic
 * never keeps it failing. Which lines may legitimately be missing, and how long delivery
 * may take, is read from the rendered config (harness/logs/limits.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeResult } from '../../assertions/expectations.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { ServiceEndpoint } from '../plan/topology.ts';
import { compressRanges, formatRanges, judgeDelivery, parseSeq, reconcile, type DeliveryVerdict, type StoredEntry } from '../logs/ledger.ts';
import { bucketCheck, predictBurst, readPipelineLimits, retryGapBoundMs, retrySchedule, type PipelineLimits } from '../logs/limits.ts';
import { counterDelta, type MetricSamples } from '../logs/metrics-text.ts';
import { openLogPipeline, snapshotPipelineMetrics, type OpenLogPipeline, type PipelineMetrics } from '../logs/open.ts';
import { fetchStats, forEachLine, measureQueryableLatency, type ServiceStats } from '../logs/emitted.ts';
import type { LogStore } from '../logs/log-store.ts';
import type { Check } from './checks.ts';
import type { CustomStep } from './scenario.ts';
import type { BurstPlan, DeliveryOptions, LatencyProbeOptions, LimiterOptions } from './log-window-options.ts';

export type { BurstPlan, DeliveryOptions, LatencyProbeOptions, LimiterOptions } from './log-window-options.ts';
export { predictBurst };

// =======================================================================================
// Against the running stack
// =======================================================================================

export interface ServiceMark {
  service: string;
  pid: number;
  lastSeq: number;
  /** Log file size when marked (read before the stats, so it is at or before seq lastSeq+1). */
  fileOffset: number;
}

export interface WindowMark {
  atMs: number;
  services: Map<string, ServiceMark>;
  metrics: PipelineMetrics;
}

/** Each service's lastSeq and malformed seqs at the cut. */
export interface Cut {
  atMs: number;
  stats: Map<string, ServiceStats>;
}

const pLimit = async <T, R>(items: readonly T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
    }),
  );
  return out;
};

/**
 * The ledger of one accounting window. Create one per window in a scenario file; its
 * `mark()` step must run before any of its checks is evaluated.
 */
export class LogWindow {
  private env: EnvironmentHandle | undefined;
  private markState: WindowMark | undefined;
  private readonly notes = new Map<string, number>();
  private limitsCache: PipelineLimits | undefined;
  private pipelineCache: OpenLogPipeline | undefined;
  /** The store's received (offered, retries included) and discarded bytes over time, while `sampleIngest` runs; accepted = received − discarded. */
  readonly ingestSamples: { atMs: number; receivedBytes: number; discardedBytes: number }[] = [];
  private sampler: NodeJS.Timeout | undefined;
  /** Set by a limit-relative burst (service-steps.ts limitBurst): what was offered and what the limits predict. */
  burstPlan: BurstPlan | undefined;
  /** Totals of the last `delivered` evaluation. */
  lastDelivery: DeliveryVerdict['totals'] | undefined;

  constructor(readonly name = 'logs') {}

  /**
   * How long lines written before a cut can take to become queryable on a healthy
   * pipeline: Promtail's file poll and batch wait, one retry wait, a push timeout, and
   * room for reconciling (absolute: the renderer does not time-scale Promtail or Loki).
   */
  deliveryBoundMs(extraMs = 0): number {
    const p = this.limits().shipper;
    return p.filePollMs + p.batchWaitMs + (retrySchedule(p.backoff).waits[0]?.[1] ?? 0) + p.timeoutMs + 15_000 + extraMs;
  }

  /** Deadline for a burst's full delivery: the predicted drain time, with `factor` for a Promtail slower than the limit. */
  burstBoundMs(factor = 2): number {
    if (!this.burstPlan) throw new Error(`log window "${this.name}": no burst planned`);
    return this.burstPlan.prediction.drainMs * factor + this.deliveryBoundMs();
  }

  /**
   * After an outage between the notes `down` and `up`: Promtail's worst-case wait for
   * its next retry (its backoff, from the config), plus `deliveryBoundMs`.
   */
  recoveryBoundMs(down: string, up: string): number {
    const a = this.notes.get(down);
    const b = this.notes.get(up);
    if (a === undefined || b === undefined) throw new Error(`log window "${this.name}": notes "${down}" and "${up}" are needed for the recovery bound`);
    const gap = retryGapBoundMs(b - a, this.limits().shipper.backoff);
    if (!Number.isFinite(gap)) throw new Error(`the outage (${((b - a) / 1000).toFixed(1)}s) outlasts the shipper's retry budget: batches are dropped by design`);
    return gap + this.deliveryBoundMs();
  }

  get marked(): WindowMark {
    if (!this.markState || !this.env) throw new Error(`log window "${this.name}": no mark yet (put win.mark() before its checks)`);
    return this.markState;
  }

  get environment(): EnvironmentHandle {
    if (!this.env) throw new Error(`log window "${this.name}": no mark yet`);
    return this.env;
  }

  limits(): PipelineLimits {
    const env = this.environment;
    this.limitsCache ??= readPipelineLimits(env.stack.config, (f) => readFileSync(f, 'utf8'));
    return this.limitsCache;
  }

  noteAt(name: string): number | undefined {
    return this.notes.get(name);
  }

  pipeline(): OpenLogPipeline {
    this.pipelineCache ??= openLogPipeline(this.environment);
    return this.pipelineCache;
  }

  store(): LogStore {
    return this.pipeline().store;
  }

  services(names?: string[]): ServiceEndpoint[] {
    const all = this.environment.stack.topology.services;
    if (!names) return all;
    return names.map((n) => {
      const s = all.find((x) => x.name === n);
      if (!s) throw new Error(`log window "${this.name}": no service named ${n}`);
      return s;
    });
  }

  /** Step: snapshot every service's lastSeq and log size, and the pipeline's counters. */
  mark(title = `mark log window "${this.name}": every service's lastSeq and the pipeline counters`): CustomStep {
    return {
      type: 'custom',
      title,
      run: async (env) => {
        this.env = env;
        this.limitsCache = undefined;
        this.pipelineCache = undefined;
        const services = new Map<string, ServiceMark>();
        await Promise.all(
          env.stack.topology.services.map(async (svc) => {
            let fileOffset = 0;
            try {
              fileOffset = statSync(svc.logFile).size;
            } catch {
              fileOffset = 0;
            }
            const st = await fetchStats(svc);
            services.set(svc.name, { service: svc.name, pid: st.pid, lastSeq: st.lastSeq, fileOffset });
          }),
        );
        const metrics = await snapshotPipelineMetrics(this.pipeline());
        this.markState = { atMs: Date.now(), services, metrics };
        this.notes.clear();
        this.ingestSamples.length = 0;
      },
    };
  }

  /** Step: remember this moment under `name` (e.g. "loki back") for time-to-delivery reports. */
  note(name: string, title = `note "${name}"`): CustomStep {
    return { type: 'custom', title, run: async () => void this.notes.set(name, Date.now()) };
  }

  /** Step: sample the store's received/discarded byte counters every `everyMs` until `stopSampling`. */
  sampleIngest(everyMs = 500): CustomStep {
    return {
      type: 'custom',
      title: `sample the log store's ingested bytes every ${everyMs} ms`,
      run: async (env) => {
        this.env ??= env;
        clearInterval(this.sampler);
        const tick = async () => {
          const store = this.store();
          const m = await store.metrics();
          // Empty when the store is busy or down: a gap in the samples.
          if (m.size) {
            const c = store.ingest(m);
            this.ingestSamples.push({ atMs: Date.now(), receivedBytes: c.receivedBytes, discardedBytes: c.discardedBytes });
          }
        };
        await tick();
        this.sampler = setInterval(() => void tick(), everyMs);
        this.sampler.unref();
      },
    };
  }

  stopSampling(): CustomStep {
    return { type: 'custom', title: "stop sampling the log store's ingested bytes", run: async () => void clearInterval(this.sampler) };
  }

  /** Each service's stats now: the cut a check reconciles up to. */
  async cut(services: ServiceEndpoint[]): Promise<Cut> {
    const stats = new Map<string, ServiceStats>();
    await Promise.all(services.map(async (s) => stats.set(s.name, await fetchStats(s))));
    return { atMs: Date.now(), stats };
  }

  /** Lengths of the given seqs' lines in the service's log (from the mark on). */
  lineLengths(svc: ServiceEndpoint, seqs: Set<number>): Map<number, number> {
    const out = new Map<number, number>();
    if (seqs.size === 0) return out;
    const from = this.marked.services.get(svc.name)?.fileOffset ?? 0;
    forEachLine(svc.logFile, from, (line) => {
      const head = line.subarray(0, 512).toString('latin1');
      const seq = parseSeq(head);
      if (seq !== undefined && seqs.has(seq)) out.set(seq, line.length);
    });
    return out;
  }

  /**
   * Seqs of the window the config says are not stored: malformed lines over the store's
   * max line size (unless it truncates), or over a shipper limit that drops. A shipper that
   * splits an overlong line keeps its start, seq included: nothing is dropped.
   */
  expectedDropped(svc: ServiceEndpoint, fromSeq: number, st: ServiceStats): Set<number> {
    const { store, shipper } = this.limits();
    const malformed = new Set(st.malformedSeqs.filter((s) => s > fromSeq && s <= st.lastSeq));
    const storeDrops = !store.maxLineSizeTruncate && store.maxLineSize > 0;
    const shipperDrops = shipper.overlongLine === 'drop' && shipper.maxLineSize > 0;
    if (malformed.size === 0 || (!storeDrops && !shipperDrops)) return new Set();
    const lengths = this.lineLengths(svc, malformed);
    return new Set([...lengths].filter(([, len]) => (storeDrops && len > store.maxLineSize) || (shipperDrops && len > shipper.maxLineSize)).map(([s]) => s));
  }

  /** The store's entries of one service in the window, reduced to seq + line ts. */
  async stored(svc: ServiceEndpoint): Promise<StoredEntry[]> {
    return this.store().serviceEntries(svc.name, this.marked.atMs - 10_000, Date.now() + 5_000, this.limits().store.maxEntriesPerQuery);
  }

  /**
   * Check: every line the services wrote between the mark and the cut is in Loki exactly
   * once and in order, except what the config discards; the loss equals `predictedLoss`.
   */
  delivered(opts: DeliveryOptions = {}): Check {
    const title = opts.title ?? `every line written since the "${this.name}" mark is in the log store: missing ${opts.predictedLoss ?? 0}, duplicates ≤ ${opts.maxDuplicates ?? 0}, out of order ≤ ${opts.maxOutOfOrder ?? 0}`;
    return {
      title,
      queries: [],
      evidenceQuery: () => ({ query: `${this.store().serviceSelector('<each service>')} (every entry of the window, reduced to seq + line ts, reconciled against GET /stats lastSeq)`, language: this.store().language }),
      probe: () => {
        let cut: Cut | undefined;
        const droppedBySvc = new Map<string, Set<number>>();
        let nextFullAt = 0;
        let firstComplete: number | undefined;
        return async (): Promise<ProbeResult> => {
          const mark = this.marked;
          const services = this.services(opts.services);
          cut ??= await this.cut(services);
          const wait = nextFullAt - Date.now();
          if (wait > 0) await sleep(wait);
          const t0 = Date.now();
          const results = await pLimit(services, opts.concurrency ?? 3, async (svc) => {
            const m = mark.services.get(svc.name)!;
            const st = cut!.stats.get(svc.name)!;
            if (st.pid !== m.pid) throw new Error(`${svc.name} was restarted during the window (pid ${m.pid} → ${st.pid}); its seq restarted, accounting across a restart is not supported`);
            let dropped = droppedBySvc.get(svc.name);
            if (!dropped) droppedBySvc.set(svc.name, (dropped = this.expectedDropped(svc, m.lastSeq, st)));
            return reconcile({ service: svc.name, fromSeq: m.lastSeq, toSeq: st.lastSeq, entries: await this.stored(svc), expectedDropped: dropped });
          });
          const took = Date.now() - t0;
          // Each full reconciliation is heavy: leave Loki at least twice its time between them.
          nextFullAt = Date.now() + Math.max(1000, 2 * took);
          const predictedLoss = typeof opts.predictedLoss === 'function' ? opts.predictedLoss() : opts.predictedLoss;
          const v = judgeDelivery(results, { ...opts, predictedLoss });
          if (v.ok) firstComplete ??= Date.now();
          this.lastDelivery = v.totals;
          const since = opts.since ? this.notes.get(opts.since) : undefined;
          return {
            ok: v.ok,
            observed: {
              summary: v.summary,
              ...(since !== undefined ? { completeSinceNoteMs: (firstComplete ?? Date.now()) - since, note: opts.since } : {}),
              ...(this.burstPlan ? { burst: this.burstPlan } : {}),
              cutAt: new Date(cut.atMs).toISOString(),
              windowSeconds: Math.round((cut.atMs - mark.atMs) / 100) / 10,
              reconcileMs: took,
              totals: v.totals,
              latencyMs: v.latencyMs,
              services: results.map(({ latencyValues: _omit, ...r }) => ({
                ...r,
                missingRanges: r.missingRanges.slice(0, 20),
                duplicateRanges: r.duplicateRanges.slice(0, 20),
                outOfOrderRanges: r.outOfOrderRanges.slice(0, 20),
                unexpectedlyStored: r.unexpectedlyStored.slice(0, 20),
              })),
            },
          };
        };
      },
    };
  }

  /**
   * Check: the shipper's saved read positions cover every service's log file, none past
   * the file's end, none before the mark (it kept its place through whatever happened since).
   */
  positionsKept(): Check {
    return {
      title: `the log shipper's saved positions cover every service's log, at or after the "${this.name}" mark and within the file`,
      queries: [],
      evidenceQuery: () => ({ query: `${this.pipeline().shipper.kind} positions`, language: this.store().language }),
      probe: () => async (): Promise<ProbeResult> => {
        const files = this.services().map((svc) => ({ service: svc.name, logFile: svc.logFile, markOffset: this.marked.services.get(svc.name)?.fileOffset ?? 0 }));
        const r = this.pipeline().shipper.positions(files, this.marked.atMs);
        return { ok: r.ok, observed: { summary: r.summary, rows: r.rows } };
      },
    };
  }

  /**
   * Check: live probe of emit → queryable. Writes `markers` real lines through the
   * service's logger (a small log-burst fault), polls the store every 100 ms until each is
   * visible, and reports the distribution of (first seen − line ts).
   */
  latency(opts: LatencyProbeOptions): Check {
    const markers = opts.markers ?? 20;
    const perSecond = opts.perSecond ?? 10;
    const title = opts.title ?? `${markers} marker lines on ${opts.service} become queryable in the log store (emit → queryable latency)`;
    return {
      title,
      queries: [],
      evidenceQuery: () => ({ query: `${this.store().serviceSelector(opts.service)} containing "burst=<marker fault> " (polled every 100 ms)`, language: this.store().language }),
      probe: (ctx) => async (): Promise<ProbeResult> => {
        const svc = this.services([opts.service])[0]!;
        const r = await measureQueryableLatency(this.store(), svc, { markers, perSecond, timeoutMs: opts.timeoutMs ?? 30_000 + (markers / perSecond) * 1000 });
        const bound = typeof opts.p99BelowMs === 'function' ? opts.p99BelowMs(this.limits(), ctx) : opts.p99BelowMs;
        const all = r.seen === markers;
        const ok = all && (bound === undefined || (r.latencyMs.p99 ?? Infinity) < bound);
        const summary = `${r.seen}/${markers} markers queryable; emit → queryable p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms${bound !== undefined ? ` (bound p99 < ${Math.round(bound)} ms)` : ''}${all ? '' : `; never seen: n=${formatRanges(compressRanges(r.unseen), 10)}`}`;
        return { ok, observed: { summary, ...r, boundP99Ms: bound } };
      },
    };
  }

  /**
   * Check: what the store's limiter and the shipper's retries did since the mark, from
   * their own counters: 429s answered, entries discarded by reason, batches retried,
   * entries dropped. Every rate-limited batch must have been retried, not dropped.
   */
  limiter(opts: LimiterOptions = {}): Check {
    const title = opts.title ?? `the log store's rate limit and the shipper's retries since the "${this.name}" mark: ${opts.expect429 ? '429s answered, ' : opts.expectNo429 ? 'no 429, ' : ''}every rate-limited batch retried, ≤ ${opts.maxRateLimitedDrops ?? 0} entries dropped`;
    return {
      title,
      queries: [],
      evidenceQuery: () => ({ query: `GET ${this.store().kind} /metrics, ${this.pipeline().shipper.kind} /metrics (deltas since the mark)`, language: this.store().language }),
      probe: () => async (): Promise<ProbeResult> => {
        const mark = this.marked;
        const { store, shipper } = this.pipeline();
        const now = await snapshotPipelineMetrics(this.pipeline());
        const delta = <T extends object>(f: (m: MetricSamples) => T, side: 'store' | 'shipper'): { [K in keyof T]: number } => {
          const a = f(mark.metrics[side]) as Record<string, number | undefined>;
          const b = f(now[side]) as Record<string, number | undefined>;
          return Object.fromEntries(Object.keys(b).map((k) => [k, counterDelta(a[k] ?? 0, b[k] ?? 0)])) as { [K in keyof T]: number };
        };
        const st = delta((m) => store.ingest(m), 'store');
        const sh = delta((m) => shipper.counters(m), 'shipper');
        const responses429 = shipper.counters(now.shipper).responses429 === undefined ? undefined : sh.responses429;
        const facts = {
          responses429,
          responses400: sh.responses400,
          storeDiscardedRateLimited: st.rateLimited,
          storeDiscardedStreamLimited: st.streamLimited,
          storeDiscardedLineTooLong: st.tooLong,
          storeReceivedBytes: st.receivedBytes,
          shipperRetries: sh.retries,
          shipperDroppedRateLimited: sh.droppedRateLimited,
          shipperDroppedOther: sh.droppedOther,
          shipperSentEntries: sh.sent,
        };
        // Where the shipper does not count 429s, the store's own rate-limit discards stand for them.
        const limited = responses429 ?? st.rateLimited + st.streamLimited;
        const limits = this.limits();
        const bucket = opts.bucketInvariant ? bucketCheck(this.ingestSamples, limits) : undefined;
        const problems: string[] = [];
        const plan = opts.followBurst ? this.burstPlan : undefined;
        if (opts.followBurst && !plan) throw new Error(`log window "${this.name}": followBurst needs a limitBurst fault in the window`);
        const expect429 = opts.expect429 || plan?.prediction.exceedsTenantLimit === true;
        const expectNo429 = opts.expectNo429 || (plan !== undefined && !plan.prediction.exceedsTenantLimit && !plan.prediction.exceedsStreamLimit);
        if (expect429 && limited === 0) problems.push(`${store.kind} never refused a push for its rate limit: the burst did not reach the limit`);
        if (expectNo429 && limited > 0) problems.push(`${store.kind} refused ${limited} pushes for its rate limit although the burst stayed within it`);
        if (opts.expectRetries && sh.retries === 0) problems.push(`${shipper.kind} never retried a batch`);
        const tooLong = opts.lineTooLong?.();
        if (tooLong !== undefined && st.tooLong !== tooLong) problems.push(`${store.kind} discarded ${st.tooLong} lines as too long, the accounting expected ${tooLong}`);
        if (responses429 !== undefined && responses429 > 0 && sh.retries < responses429) problems.push(`${responses429} pushes answered 429 but only ${sh.retries} retries`);
        if (sh.droppedRateLimited > (opts.maxRateLimitedDrops ?? 0)) problems.push(`${shipper.kind} dropped ${sh.droppedRateLimited} rate-limited entries`);
        if (bucket && !bucket.ok) problems.push(bucket.summary);
        const summary =
          `${problems.length ? `${problems.join('; ')} — ` : ''}${store.kind} refused ${limited} pushes for its rate limit (discarded ${st.rateLimited} entries tenant-limited, ${st.streamLimited} stream-limited), ` +
          `${sh.responses400 ?? 0}× 400 (${st.tooLong} lines too long); ${shipper.kind} retried ${sh.retries} batches, dropped ${sh.droppedRateLimited} rate-limited entries` +
          (sh.droppedOther ? ` and ${sh.droppedOther} entries for other reasons` : '') +
          (bucket ? `; ${bucket.summary}` : '');
        return { ok: problems.length === 0, observed: { summary, ...facts, ...(bucket ? { bucket } : {}), ...(plan ? { prediction: plan.prediction } : {}), limits: { ingestionRateBytes: limits.store.ingestionRateBytes, ingestionBurstBytes: limits.store.ingestionBurstBytes } } };
      },
    };
  }
}
