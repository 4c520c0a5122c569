/**
 * Checks of the stack's own promises, asked of the running components rather than read
 * from the config: every configured scrape target present, up and labelled as its
 * static_config says; scrapes faster than their timeout; Prometheus's and Loki's
 * effective retention (flags, runtime info, /config) and its enforcement (backfilled
 * blocks, pushes with old timestamps); a config reload applied without a gap in the data.
 */
import { COMPONENT_PORTS } from '../plan/port-plan.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration, formatDuration } from '../../assertions/duration.ts';
import type { ObservedSeries } from '../../assertions/evidence.ts';
import type { ProbeResult } from '../../assertions/expectations.ts';
import { openLogPipeline } from '../logs/open.ts';
import { isMcpJob, requiredScrapeJobs } from '../check/seed.ts';
import { HttpError } from '../../assertions/http-client.ts';
import type { VectorSample } from '../../assertions/prometheus.ts';
import { scaleQueryDurations } from '../../assertions/time-scale.ts';
import type { Check, CheckContext } from './checks.ts';
import type { RenderedConfig } from '../render/render.ts';
import type { Topology } from '../plan/topology.ts';
import type { ComponentName } from '../plan/port-plan.ts';

/** What the scenarios' custom steps use of the environment (a started or a reused stack both have it). */
export interface StackEnv {
  stack: { config: RenderedConfig; topology: Topology; url(name: ComponentName): string; restartComponent(name: ComponentName): Promise<number> };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

function env(ctx: CheckContext) {
  if (!ctx.env) throw new Error('this check needs the running environment (CheckContext.env)');
  return ctx.env;
}

export interface ConfiguredTarget {
  job: string;
  address: string;
  labels: Record<string, string>;
  scrapeInterval?: string;
  scrapeTimeout?: string;
}

/** The static targets of the run's rendered prometheus.yml (what Prometheus was given). */
export function configuredTargets(ctx: CheckContext): ConfiguredTarget[] {
  const prom = parseYaml(readFileSync(env(ctx).stack.config.files.prometheus, 'utf8')) as Json;
  const out: ConfiguredTarget[] = [];
  for (const j of (prom?.scrape_configs ?? []) as Json[]) {
    for (const sc of (j?.static_configs ?? []) as Json[]) {
      for (const t of (sc?.targets ?? []) as unknown[]) out.push({ job: String(j.job_name), address: String(t), labels: Object.fromEntries(Object.entries((sc?.labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])), scrapeInterval: j.scrape_interval ?? prom?.global?.scrape_interval, scrapeTimeout: j.scrape_timeout ?? prom?.global?.scrape_timeout });
    }
  }
  return out;
}

const fmt = (l: Record<string, string>): string => `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;

/** Each configured target paired with Prometheus's active target for it; the unmatched ones as problems. */
async function matchTargets(ctx: CheckContext) {
  const want = configuredTargets(ctx);
  const active = (await ctx.prom.targets('active')).activeTargets;
  const problems: string[] = [];
  const pairs: [(typeof want)[number], (typeof active)[number]][] = [];
  for (const w of want) {
    const a = active.find((x) => x.scrapePool === w.job && x.labels.instance === w.address);
    if (a) pairs.push([w, a]);
    else problems.push(`${w.job} ${w.address}: not an active target`);
  }
  return { want, active, pairs, problems };
}

/** Targets that belong to a component absent from this run (a user-supplied one), by address: they cannot be up. */
function absentTargets(ctx: CheckContext): Map<string, string> {
  const out = new Map<string, string>();
  const t = ctx.env?.stack.topology;
  for (const a of ctx.env?.stack.absent ?? []) {
    if (!t) continue;
    const why = `${a.name} is absent (${a.reason})`;
    // Natively its loopback port; on the containers backend its Compose address.
    out.set(`127.0.0.1:${t.component[a.name].port}`, why);
    out.set(`${COMPONENT_PORTS[a.name].composeHost}:${COMPONENT_PORTS[a.name].containerPort}`, why);
  }
  return out;
}

/**
 * Every job and target of the rendered config is an active target, up; nothing else is
 * scraped. A target of a component absent from this run (Loki without a user-supplied
 * binary) is still required to be configured and scraped, but not up: said in the result.
 */
export function configuredTargetsUp(): Check {
  return {
    title: 'every job and target of the config is scraped and up, and nothing else',
    queries: [],
    evidenceQuery: () => ({ query: 'GET /api/v1/targets vs the rendered prometheus.yml', language: 'promql' }),
    probe: (ctx) => async () => {
      const { want, active, pairs, problems } = await matchTargets(ctx);
      const absent = absentTargets(ctx);
      const notExpectedUp: string[] = [];
      for (const [w, a] of pairs) {
        if (a.health === 'up') continue;
        if (absent.has(w.address)) notExpectedUp.push(`${w.job} ${w.address}: ${absent.get(w.address)}`);
        else problems.push(`${w.job} ${w.address}: ${a.health} ${a.lastError}`);
      }
      for (const a of active) if (!want.some((w) => w.job === a.scrapePool && w.address === a.labels.instance)) problems.push(`${a.scrapePool} ${a.labels.instance}: scraped but not in the config`);
      const jobs = [...new Set(want.map((w) => w.job))];
      return {
        ok: problems.length === 0,
        observed: problems.length ? problems : { jobs: jobs.length, targets: want.length, allUp: notExpectedUp.length === 0, ...(notExpectedUp.length ? { notExpectedUp } : {}) },
        series: active.map((a) => ({ labels: { job: a.scrapePool, instance: a.labels.instance ?? '' }, value: a.health === 'up' ? 1 : 0 })),
      };
    },
  };
}

/**
 * Each of the seed's scrape jobs (with the folder's log store job for Loki's) has an up
 * target; a job whose only targets belong to an absent component is reported, not required.
 */
export function seedJobsUp(): Check {
  return {
    title: "the seed's eight scrape jobs (the log store's job for Loki's) each have an up target",
    queries: [{ language: 'promql', expr: 'count by (job) (up == 1)' }],
    evidenceQuery: () => ({ query: 'count by (job) (up == 1)', language: 'promql' }),
    probe: (ctx) => async () => {
      if (!ctx.env) throw new Error('the seed job check needs the environment');
      // The folder's promised jobs; the seed's (with its log store's job for Loki's) when it states none.
      const jobs = ctx.timing.promise.file ? ctx.timing.promise.data.scrape.jobs : requiredScrapeJobs(ctx.env.stack.config.logPipeline.storeJob);
      const absent = absentTargets(ctx);
      const want = configuredTargets(ctx);
      const res = await ctx.prom.instantQuery('count by (job) (up == 1)');
      const up = new Set(res.resultType === 'vector' ? res.result.filter((s) => s.value >= 1).map((s) => s.labels.job) : []);
      const problems: string[] = [];
      const notRequired: string[] = [];
      for (const j of jobs) {
        if (up.has(j)) continue;
        const targets = want.filter((w) => w.job === j);
        if (targets.length && targets.every((w) => absent.has(w.address))) notRequired.push(`${j}: ${absent.get(targets[0]!.address)}`);
        else problems.push(`${j}: no up target${targets.length ? '' : ' (not configured)'}`);
      }
      return { ok: problems.length === 0, observed: { summary: problems.length ? problems.join('; ') : `${jobs.length - notRequired.length} jobs up: ${jobs.filter((j) => up.has(j)).join(', ')}`, ...(notRequired.length ? { notRequired } : {}) } };
    },
  };
}

/**
 * Every MCP job is scraped at the promised interval (spec.yml scrape.interval, the seed's
 * 15s), as Prometheus itself reports each target's interval: a config that scrapes less
 * often fails here, naming both files.
 */
export function scrapeIntervalsAsPromised(): Check {
  return {
    title: 'every MCP job is scraped at the promised interval',
    queries: [],
    evidenceQuery: () => ({ query: 'GET /api/v1/targets scrapeInterval of each MCP target', language: 'promql' }),
    probe: (ctx) => async () => {
      const t = ctx.timing;
      const want = t.promisedScrapeMs();
      const nominal = (ms: number) => formatDuration(ms / t.scale);
      const targets = (await ctx.prom.targets('active')).activeTargets.filter((x) => isMcpJob(x.labels.job));
      const byJob = new Map<string, number>();
      for (const x of targets) byJob.set(x.labels.job!, x.scrapeInterval ? parseDuration(x.scrapeInterval) : NaN);
      const wrong = [...byJob].filter(([, ms]) => !(Math.abs(ms - want) <= 1));
      const source = ctx.env ? join(ctx.env.stack.config.sourceDir, 'prometheus/prometheus.yml') : 'prometheus.yml';
      const summary = wrong.length
        ? `${wrong.map(([job, ms]) => `${job} is scraped every ${Number.isFinite(ms) ? nominal(ms) : '(unknown)'}`).join('; ')} (${source}); promised every ${nominal(want)} (${t.promise.where('scrape.interval')})`
        : `${byJob.size} MCP jobs scraped every ${nominal(want)} as promised`;
      return { ok: byJob.size > 0 && wrong.length === 0, observed: { summary: byJob.size ? summary : 'no MCP job has an active target' } };
    },
  };
}

/** Each active target carries exactly job, instance and its static_config's labels. */
export function targetLabelsAsConfigured(): Check {
  return {
    title: "each target's labels are job, instance and its static_config's labels (service, service_group)",
    queries: [],
    evidenceQuery: () => ({ query: 'GET /api/v1/targets labels vs the rendered prometheus.yml', language: 'promql' }),
    probe: (ctx) => async () => {
      const { want, active, pairs, problems } = await matchTargets(ctx);
      for (const [w, a] of pairs) {
        const expected = { instance: w.address, job: w.job, ...w.labels };
        const got = a.labels;
        const diff = [...new Set([...Object.keys(expected), ...Object.keys(got)])].filter((k) => (expected as Record<string, string>)[k] !== got[k]);
        if (diff.length) problems.push(`${w.job} ${w.address}: labels ${fmt(got)}, configured ${fmt(expected)}`);
      }
      return { ok: problems.length === 0, observed: problems.length ? problems : `${want.length} targets labelled as configured`, series: active.map((a) => ({ labels: a.labels })) };
    },
  };
}

/** The slowest scrape of every target over a (nominal) window stays below that target's scrape timeout. */
export function scrapeDurationsBelowTimeout(windowNominal = '5m'): Check {
  const expr = `max by (job, instance) (max_over_time(scrape_duration_seconds[${windowNominal}]))`;
  return {
    title: `every target's slowest scrape in the last ${windowNominal} (scrape_duration_seconds) is below its scrape timeout`,
    queries: [{ language: 'promql', expr }],
    evidenceQuery: (ctx) => ({ query: ctx.timing.scale === 1 ? expr : scaleQueryDurations('promql', expr, ctx.timing.scale), language: 'promql' }),
    probe: (ctx) => async () => {
      const q = ctx.timing.scale === 1 ? expr : scaleQueryDurations('promql', expr, ctx.timing.scale);
      const r = await ctx.prom.instantQuery(q);
      const v: VectorSample[] = r.resultType === 'vector' ? r.result : [];
      const active = (await ctx.prom.targets('active')).activeTargets;
      const rows = active.map((a) => {
        const s = v.find((x) => x.labels.job === a.scrapePool && x.labels.instance === a.labels.instance);
        const timeoutS = parseDuration(a.scrapeTimeout ?? '10s') / 1000;
        return { job: a.scrapePool, instance: a.labels.instance ?? '', maxS: s?.value, timeoutS };
      });
      const bad = rows.filter((x) => x.maxS === undefined || !(x.maxS < x.timeoutS));
      return {
        ok: rows.length > 0 && bad.length === 0,
        observed: bad.length ? bad.map((b) => `${b.job} ${b.instance}: slowest ${b.maxS ?? 'no data'}s, timeout ${b.timeoutS}s`) : { targets: rows.length, slowest: rows.reduce((m, x) => (x.maxS! > m.maxS! ? x : m), rows[0]!) },
        series: rows.map((x) => ({ labels: { job: x.job, instance: x.instance, timeout: `${x.timeoutS}s` }, value: x.maxS ?? 'absent' })),
      };
    },
  };
}

/** An instant PromQL query exactly as written (no time scaling), optionally at a given time. */
export function unscaledPromql(expr: string, test: (v: VectorSample[]) => boolean, says: string, at?: () => number): Check {
  return {
    title: `${expr} ${says}`,
    queries: [{ language: 'promql', expr }],
    evidenceQuery: () => ({ query: expr, language: 'promql' }),
    probe: (ctx) => async () => {
      const r = await ctx.prom.instantQuery(expr, at ? at() / 1000 : undefined);
      const v: VectorSample[] = r.resultType === 'vector' ? r.result : r.resultType === 'scalar' ? [{ labels: {}, value: r.result.value, timestamp: r.result.timestamp }] : [];
      return { ok: test(v), observed: v.length ? v.map((s) => `${fmt(s.labels)} ${s.value}`).slice(0, 20) : 'empty result', series: v.map((s) => ({ labels: s.labels, value: Number.isFinite(s.value) ? s.value : String(s.value) })) };
    },
  };
}

// ---------------------------------------------------------------- retention

/** Prometheus's effective retention: the flags API and the runtime info both say `expected`. */
/** Prometheus's effective retention is the promised one (spec.yml retention.metrics; the seed's 15d). */
export function prometheusRetentionAsPromised(): Check {
  return {
    title: "Prometheus's effective retention is the promised one (flags API storage.tsdb.retention.time, runtime info storageRetention)",
    queries: [],
    evidenceQuery: () => ({ query: 'GET /api/v1/status/flags, /api/v1/status/runtimeinfo', language: 'promql' }),
    probe: (ctx) => async () => {
      const flags = await ctx.prom.flags();
      const info = await ctx.prom.runtimeInfo();
      const promise = ctx.timing.promise;
      const want = promise.metricsRetentionMs;
      const flag = flags['storage.tsdb.retention.time'];
      const effective = info.storageRetention;
      // runtimeinfo says e.g. "15d" or "15d or 512MiB" (time and size).
      const effectiveTime = effective?.split(' or ').find((p) => /^\d/.test(p) && !/B$/.test(p));
      const ok = flag !== undefined && parseDuration(flag) === want && effectiveTime !== undefined && parseDuration(effectiveTime) === want;
      return { ok, observed: { promised: `${promise.data.retention.metrics} (${promise.where('retention.metrics')})`, 'storage.tsdb.retention.time': flag, storageRetention: effective, 'storage.tsdb.retention.size': flags['storage.tsdb.retention.size'] } };
    },
  };
}

export interface BlockMeta {
  ulid: string;
  minTime: number;
  maxTime: number;
}

/** The persisted TSDB blocks in Prometheus's data directory (meta.json of each). */
export function prometheusBlocks(ctx: CheckContext): BlockMeta[] {
  const dir = join(env(ctx).stack.topology.dataDir, 'prometheus');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d) && existsSync(join(dir, d, 'meta.json')))
    .map((d) => {
      const m = JSON.parse(readFileSync(join(dir, d, 'meta.json'), 'utf8')) as { ulid: string; minTime: number; maxTime: number };
      return { ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime };
    });
}

/** Which blocks are on disk: `test` gets them; observed lists them with their time ranges. */
export function prometheusBlocksOnDisk(test: (blocks: BlockMeta[]) => boolean, says: string): Check {
  return {
    title: `Prometheus's data directory ${says}`,
    queries: [],
    evidenceQuery: () => ({ query: 'ls <data>/prometheus/*/meta.json', language: 'promql' }),
    probe: (ctx) => async () => {
      const blocks = prometheusBlocks(ctx);
      return { ok: test(blocks), observed: blocks.map((b) => `${b.ulid} ${new Date(b.minTime).toISOString()} .. ${new Date(b.maxTime).toISOString()}`) };
    },
  };
}

/** Loki's running config (GET /config): retention and the old-sample limit are `expected`. */
export function lokiRetentionIs(expected: string): Check {
  return {
    title: `Loki's effective limits (GET /config): retention_period and reject_old_samples_max_age ${expected}, reject_old_samples and compactor retention enabled`,
    queries: [],
    evidenceQuery: () => ({ query: 'GET /config', language: 'logql' }),
    probe: (ctx) => async () => {
      const text = await ctx.loki.http.text('GET', '/config');
      const c = parseYaml(text) as Json;
      const want = parseDuration(expected);
      const got = {
        retention_period: c?.limits_config?.retention_period,
        reject_old_samples: c?.limits_config?.reject_old_samples,
        reject_old_samples_max_age: c?.limits_config?.reject_old_samples_max_age,
        'compactor.retention_enabled': c?.compactor?.retention_enabled,
      };
      const d = (v: unknown): number => (typeof v === 'string' ? parseDuration(v) : Number.NaN);
      const ok = d(got.retention_period) === want && d(got.reject_old_samples_max_age) === want && got.reject_old_samples === true && got['compactor.retention_enabled'] === true;
      return { ok, observed: got };
    },
  };
}

/** Log entries the retention checks push, with fixed timestamps (chosen once per scenario run). */
export class RetentionProbe {
  readonly runId = `r${Date.now().toString(36)}`;
  private readonly t0 = Date.now();
  constructor(
    /** Older than the limit: must be refused. */
    readonly refusedAgeMs: number,
    /** Younger than the limit: must be kept. */
    readonly keptAgeMs: number,
  ) {}
  tsOf(which: 'refused' | 'kept'): Date {
    return new Date(this.t0 - (which === 'refused' ? this.refusedAgeMs : this.keptAgeMs));
  }
  labels(which: 'refused' | 'kept'): Record<string, string> {
    return { job: 'harness-retention-probe', probe: this.runId, age: formatDuration(which === 'refused' ? this.refusedAgeMs : this.keptAgeMs) };
  }
  selector(which: 'refused' | 'kept'): string {
    return fmt(this.labels(which));
  }
  line(which: 'refused' | 'kept'): string {
    return `retention probe ${this.runId}: an entry ${formatDuration(which === 'refused' ? this.refusedAgeMs : this.keptAgeMs)} old`;
  }
}

/** Loki refuses an entry older than `limit` with HTTP 400 "timestamp too old", naming an oldest acceptable time of now − limit. */
export function lokiRefusesOld(p: RetentionProbe, limit: string): Check {
  return {
    title: `Loki refuses an entry ${formatDuration(p.refusedAgeMs)} old: HTTP 400 "timestamp too old", oldest acceptable ≈ now − ${limit}`,
    queries: [],
    evidenceQuery: () => ({ query: `POST /loki/api/v1/push ${p.selector('refused')} at ${p.tsOf('refused').toISOString()}`, language: 'logql' }),
    probe: (ctx) => async (): Promise<ProbeResult<unknown>> => {
      try {
        await ctx.loki.push([{ labels: p.labels('refused'), entries: [{ ts: p.tsOf('refused'), line: p.line('refused') }] }]);
        return { ok: false, observed: 'accepted (HTTP 204): Loki stored an entry older than its limit' };
      } catch (e) {
        if (!(e instanceof HttpError) || e.status === undefined) throw e;
        const body = e.body ?? '';
        const oldest = /oldest acceptable timestamp is: (\S+)/.exec(body)?.[1];
        const oldestMs = oldest ? Date.parse(oldest) : Number.NaN;
        const expectedOldest = Date.now() - parseDuration(limit);
        const offByMs = Math.abs(oldestMs - expectedOldest);
        const ok = e.status === 400 && /timestamp too old/.test(body) && offByMs < 10 * 60_000;
        return { ok, observed: { status: e.status, body: body.slice(0, 300), oldestAcceptable: oldest, expectedOldest: new Date(expectedOldest).toISOString(), offBySeconds: Math.round(offByMs / 1000) } };
      }
    },
  };
}

/** Loki accepts an entry younger than the limit (HTTP 204). */
export function lokiAcceptsYoung(p: RetentionProbe): Check {
  return {
    title: `Loki accepts an entry ${formatDuration(p.keptAgeMs)} old (HTTP 204)`,
    queries: [],
    evidenceQuery: () => ({ query: `POST /loki/api/v1/push ${p.selector('kept')} at ${p.tsOf('kept').toISOString()}`, language: 'logql' }),
    probe: (ctx) => async () => {
      await ctx.loki.push([{ labels: p.labels('kept'), entries: [{ ts: p.tsOf('kept'), line: p.line('kept') }] }]);
      return { ok: true, observed: 'accepted (HTTP 204)' };
    },
  };
}

/**
 * The entry is (or is not) returned by a query around its timestamp. The ingester is
 * flushed first (POST /flush): Loki's queriers ask ingesters only for the last
 * query_ingesters_within (3h), so a days-old entry is visible once it is in the store.
 */
export function lokiReturns(p: RetentionProbe, which: 'refused' | 'kept', present: boolean): Check {
  const expr = `${p.selector(which)}`;
  return {
    title: `${expr} around ${p.tsOf(which).toISOString()} ${present ? 'returns the entry' : 'returns nothing'} (after POST /flush)`,
    queries: [{ language: 'logql', expr }],
    evidenceQuery: () => ({ query: expr, language: 'logql' }),
    probe: (ctx) => async () => {
      await ctx.loki.http.text('POST', '/flush');
      const ts = p.tsOf(which).getTime();
      const r = await ctx.loki.queryRange(expr, new Date(ts - 60_000), new Date(ts + 60_000), { limit: 10 });
      const lines = r.streams.flatMap((s) => s.entries.map((e) => e.line));
      const has = lines.includes(p.line(which));
      return { ok: present ? has : lines.length === 0, observed: { lines }, series: r.streams.map((s): ObservedSeries => ({ labels: s.labels, lines: s.entries.map((e): [string, string] => [new Date(Number(e.tsNs / 1_000_000n)).toISOString(), e.line]) })) };
    },
  };
}

/**
 * Through the log store seam, whichever store the folder has: an entry pushed
 * `p.keptAgeMs` old is returned (kept), and one older than the promise plus the store's
 * own deletion granularity is not (refused at ingestion, or already gone).
 */
export function logStoreKeeps(p: RetentionProbe, which: 'refused' | 'kept', promise: string): Check {
  const present = which === 'kept';
  return {
    title: present
      ? `the log store keeps an entry ${formatDuration(p.keptAgeMs)} old (younger than the promised ${promise}): pushed, then returned`
      : `the log store does not keep an entry ${formatDuration(p.refusedAgeMs)} old (older than the promised ${promise} plus the store's deletion granularity): pushed, then not returned`,
    queries: [],
    evidenceQuery: (ctx) => ({ query: `push ${p.selector(which)} at ${p.tsOf(which).toISOString()}, then query around it`, language: ctx.env ? openLogPipeline(ctx.env).store.language : 'logql' }),
    probe: (ctx) => {
      let pushed: { status: number; body: string } | undefined;
      return async () => {
        if (!ctx.env) throw new Error('the log retention check needs the environment');
        const store = openLogPipeline(ctx.env).store;
        if (!present && p.refusedAgeMs < parseDuration(promise) + store.retentionGranularityMs) throw new Error(`the refused entry (${formatDuration(p.refusedAgeMs)}) must be older than ${promise} plus ${store.kind}'s granularity of ${formatDuration(store.retentionGranularityMs)}`);
        pushed ??= await store.pushEntry(p.labels(which), p.tsOf(which), p.line(which));
        await store.flush();
        const lines = await store.linesAround(p.labels(which), p.tsOf(which));
        const has = lines.includes(p.line(which));
        return { ok: present ? has && pushed.status < 300 : !has, observed: { store: store.kind, push: pushed, lines, granularityMs: store.retentionGranularityMs } };
      };
    },
  };
}

// ---------------------------------------------------------------- config reload

/** The last config (re)load succeeded and happened since the scenario began. */
export function configReloadedSinceStart(): Check {
  return {
    title: 'Prometheus reloaded its config successfully since the scenario began (runtime info, prometheus_config_last_reload_successful)',
    queries: [],
    evidenceQuery: () => ({ query: 'GET /api/v1/status/runtimeinfo', language: 'promql' }),
    probe: (ctx) => async () => {
      const info = await ctx.prom.runtimeInfo();
      const last = Date.parse(info.lastConfigTime);
      const ok = info.reloadConfigSuccess && last >= Math.floor(ctx.scenarioStartMs / 1000) * 1000;
      return { ok, observed: { reloadConfigSuccess: info.reloadConfigSuccess, lastConfigTime: info.lastConfigTime, scenarioStart: new Date(ctx.scenarioStartMs).toISOString() } };
    },
  };
}

/** A rule group is loaded, from the given file, with these rules, each evaluated without error since the scenario began. */
export function ruleGroupActive(group: string, rules: string[]): Check {
  return {
    title: `rule group ${group} is loaded with ${rules.join(', ')}, each evaluated healthy`,
    queries: [],
    evidenceQuery: () => ({ query: `GET /api/v1/rules?rule_group[]=${group}`, language: 'promql' }),
    probe: (ctx) => async () => {
      const groups = await ctx.prom.rules({ ruleGroup: [group] });
      const g = groups.find((x) => x.name === group);
      const rows = rules.map((name) => {
        const r = g?.rules.find((x) => x.name === name);
        return { name, health: r?.health ?? 'absent', lastEvaluation: r?.lastEvaluation, lastError: r?.lastError };
      });
      const ok = !!g && rows.every((r) => r.health === 'ok' && r.lastEvaluation !== undefined && Date.parse(r.lastEvaluation) >= ctx.scenarioStartMs);
      return { ok, observed: g ? { file: g.file, rules: rows } : `no group ${group} (have: ${(await ctx.prom.rules()).map((x) => x.name).join(', ')})` };
    },
  };
}

/**
 * No missing scrape across the last config load: for every series of `selector`, the raw
 * samples from `around` scrape intervals before the reload (or since the series began) to
 * as many after are spaced at most 1.5 scrape intervals apart (a missed scrape leaves a
 * gap of two), with samples on both sides of the reload.
 */
export function noScrapeGapAcrossReload(selector: string, around = 8): Check {
  return {
    title: `no missing sample in ${selector} across the config reload (raw samples up to ${around} scrape intervals either side, spacing ≤ 1.5 intervals)`,
    queries: [{ language: 'promql', expr: selector }],
    evidenceQuery: () => ({ query: `${selector}[window] @ reload + window/2`, language: 'promql' }),
    probe: (ctx) => async (): Promise<ProbeResult<unknown>> => {
      const info = await ctx.prom.runtimeInfo();
      const reloadAt = Date.parse(info.lastConfigTime);
      const intervalMs = ctx.timing.scrapeMs;
      const end = reloadAt + around * intervalMs;
      if (Date.parse(info.startTime) > reloadAt - around * intervalMs) return { ok: false, observed: `Prometheus started at ${info.startTime}, less than ${around} scrape intervals before the reload at ${info.lastConfigTime}: a restart's gap is not the reload's` };
      if (Date.now() < end + intervalMs) return { ok: false, observed: `waiting until ${around} scrapes after the reload at ${info.lastConfigTime}` };
      const windowMs = 2 * around * intervalMs;
      const q = `${selector}[${formatDuration(windowMs)}]`;
      const r = await ctx.prom.instantQuery(q, end / 1000);
      if (r.resultType !== 'matrix') throw new Error(`expected a matrix for ${q}, got ${r.resultType}`);
      const rows = r.result.map((s) => scrapeContinuity(s.labels, s.samples.map((p) => p.timestamp * 1000), { reloadAt, end, intervalMs: ctx.timing.scrapeOf(s.labels.job), around }));
      const bad = rows.filter((x) => !x.ok);
      return {
        ok: rows.length > 0 && bad.length === 0,
        observed: { query: `${q} @ ${new Date(end).toISOString()}`, reloadAt: info.lastConfigTime, series: rows.length, ...(bad.length ? { gaps: bad.map((b) => `${fmt(b.labels)}: ${b.before} samples before the reload, ${b.after} after, largest gap ${b.maxGapMs}ms (limit ${b.limitMs}ms), last ${end - b.lastMs}ms before the window's end`) } : { largestGapMs: Math.max(...rows.map((x) => x.maxGapMs)) }) },
        series: rows.map((x) => ({ labels: x.labels, value: x.maxGapMs })),
      };
    },
  };
}

export interface Continuity {
  labels: Record<string, string>;
  ok: boolean;
  before: number;
  after: number;
  lastMs: number;
  maxGapMs: number;
  limitMs: number;
}

/**
 * One series' raw sample times around a reload: ok when it was scraped at least twice
 * before the reload, at least `around` − 1 times after, up to the window's end, and never
 * more than 1.5 intervals apart.
 */
export function scrapeContinuity(labels: Record<string, string>, ts: number[], o: { reloadAt: number; end: number; intervalMs: number; around: number }): Continuity {
  const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
  const limitMs = 1.5 * o.intervalMs;
  const before = ts.filter((t) => t < o.reloadAt).length;
  const after = ts.filter((t) => t >= o.reloadAt).length;
  const lastMs = ts.at(-1) ?? 0;
  const maxGapMs = gaps.length ? Math.max(...gaps) : Number.POSITIVE_INFINITY;
  const ok = maxGapMs <= limitMs && before >= 2 && after >= o.around - 1 && o.end - lastMs <= limitMs;
  return { labels, ok, before, after, lastMs, maxGapMs, limitMs };
}

/** Prometheus has been running (since its last start) for at least `n` scrape intervals. */
export function prometheusUpFor(n: number): Check {
  return {
    title: `Prometheus has been running for at least ${n} scrape intervals (its data before a reload is continuous)`,
    queries: [],
    evidenceQuery: () => ({ query: 'GET /api/v1/status/runtimeinfo (startTime)', language: 'promql' }),
    probe: (ctx) => async () => {
      const info = await ctx.prom.runtimeInfo();
      const upMs = Date.now() - Date.parse(info.startTime);
      return { ok: upMs >= n * ctx.timing.scrapeMs, observed: { startTime: info.startTime, upSeconds: Math.round(upMs / 100) / 10 } };
    },
  };
}

/** No active target belongs to the scrape pool `job` (the targets API; `up` itself lingers for the lookback delta). */
export function noScrapePool(job: string): Check {
  return {
    title: `no active target in job ${job} (targets API)`,
    queries: [],
    evidenceQuery: () => ({ query: `GET /api/v1/targets (scrapePool ${job})`, language: 'promql' }),
    probe: (ctx) => async () => {
      const active = (await ctx.prom.targets('active')).activeTargets.filter((a) => a.scrapePool === job);
      return { ok: active.length === 0, observed: active.length ? active.map((a) => `${a.scrapePool} ${a.labels.instance} ${a.health}`) : `no target in ${job}` };
    },
  };
}
