/**
 * The config against its promise, statically, before any stack starts: each number the
 * spec fixes (spec.yml, or the seed's) compared with what the folder configures. A
 * finding names the config file and key, the value, and the promise it breaks (the spec
 * file and field), so a reader sees both sides.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseDuration, formatDuration } from '../../assertions/duration.ts';
import { resolveBinary } from '../stack/binaries.ts';
import type { PromiseSpec } from '../spec/promise-spec.ts';
import { FindingSink, type Finding } from './findings.ts';
import { isMcpJob } from './seed.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export interface PromiseCheckInput {
  monitoringDir: string;
  spec: PromiseSpec;
  /** Parsed documents of the folder by absolute path (from the files check). */
  docs: Map<string, Json>;
  ruleFiles: string[];
  show: (f: string) => string;
}

const dur = (ms: number) => formatDuration(ms);

/**
 * A config duration, or NaN when it does not parse: an unparseable value is its tool's
 * finding (promtool, the files check), not the promise's; comparisons with NaN find nothing.
 */
const configMs = (v: unknown, dflt: number): number => {
  if (v === undefined || v === null || v === '') return dflt;
  try {
    return parseDuration(String(v));
  } catch {
    return NaN;
  }
};

export function checkPromises(i: PromiseCheckInput): Finding[] {
  const sink = new FindingSink('config against the promise (spec)');
  scrapeIntervals(i, sink);
  alertRules(i, sink);
  routes(i, sink);
  logLimits(i, sink);
  return sink.findings;
}

function scrapeIntervals({ monitoringDir, spec, docs, show }: PromiseCheckInput, sink: FindingSink): void {
  const file = join(monitoringDir, 'prometheus/prometheus.yml');
  const prom = docs.get(file);
  if (!prom) return;
  const global = configMs(prom.global?.scrape_interval, 60_000);
  const want = spec.scrapeIntervalMs;
  for (const job of (prom.scrape_configs ?? []) as Json[]) {
    const name = String(job?.job_name ?? '');
    if (!isMcpJob(name)) continue;
    const ms = configMs(job.scrape_interval, global);
    if (Number.isFinite(ms) && ms !== want) sink.add(show(file), `scrape_configs[job_name=${name}].scrape_interval${job.scrape_interval ? '' : ' (global)'}`, `scraped every ${dur(ms)}; promised every ${dur(want)} (${spec.where('scrape.interval')})`, `scrape ${name} every ${dur(want)}`);
  }
}

interface RuleAt {
  file: string;
  group: string;
  groupIntervalMs: number;
  rule: Json;
}

function alertRules({ spec, docs, ruleFiles, show, monitoringDir }: PromiseCheckInput, sink: FindingSink): void {
  const prom = docs.get(join(monitoringDir, 'prometheus/prometheus.yml'));
  const evaluation = configMs(prom?.global?.evaluation_interval, 60_000);
  const scrape = spec.scrapeIntervalMs;
  const rules = new Map<string, RuleAt>();
  for (const file of ruleFiles) {
    for (const g of (docs.get(file)?.groups ?? []) as Json[]) {
      const groupIntervalMs = configMs(g?.interval, evaluation);
      for (const r of (g?.rules ?? []) as Json[]) if (r?.alert) rules.set(String(r.alert), { file, group: String(g.name), groupIntervalMs, rule: r });
    }
  }
  for (const [name, promise] of Object.entries(spec.data.alerts)) {
    const at = rules.get(name);
    const field = (f: string) => spec.where(`alerts.${name}.${f}`);
    if (!at) {
      sink.add(show(ruleFiles[0] ?? join(monitoringDir, 'prometheus')), `alert ${name}`, `no alerting rule named ${name}; the spec promises it (${field('firesWithin')})`, `add the ${name} rule`);
      continue;
    }
    const key = (k: string) => `groups[name=${at.group}].rules[alert=${name}].${k}`;
    const forMs = configMs(at.rule.for, 0);
    // The soonest it can fire after its condition: one scrape to see it, one evaluation to go pending, `for`, one evaluation to fire.
    const soonest = scrape + at.groupIntervalMs + forMs;
    const budget = parseDuration(promise.firesWithin);
    if (soonest > budget) sink.add(show(at.file), key('for'), `for ${dur(forMs)} with evaluation every ${dur(at.groupIntervalMs)} fires ${dur(soonest)} after its condition at the soonest (one ${dur(scrape)} scrape + one evaluation + for); promised within ${promise.firesWithin} (${field('firesWithin')})`, `a for of at most ${dur(Math.max(0, budget - scrape - at.groupIntervalMs))}`);
    const severity = at.rule.labels?.severity;
    if (severity !== promise.severity) sink.add(show(at.file), key('labels.severity'), `severity ${JSON.stringify(severity ?? null)}; promised ${promise.severity} (${field('severity')})`);
    const expr = String(at.rule.expr ?? '');
    if (promise.threshold !== undefined) {
      // The comparison the rule ends with: `... > 0.05`.
      const m = /(>=|>)\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/.exec(expr.trim());
      if (!m) sink.add(show(at.file), key('expr'), `does not end in a comparison with a number; promised threshold ${promise.threshold} (${field('threshold')})`);
      else if (Number(m[2]) !== promise.threshold) sink.add(show(at.file), key('expr'), `fires above ${m[2]}; promised threshold ${promise.threshold} (${field('threshold')})`, `compare with ${promise.threshold}`);
    }
    if (promise.quantile !== undefined) {
      const q = /histogram_quantile\(\s*(\d*\.?\d+)/.exec(expr);
      if (!q || Number(q[1]) !== promise.quantile) sink.add(show(at.file), key('expr'), `${q ? `uses quantile ${q[1]}` : 'takes no histogram_quantile'}; promised quantile ${promise.quantile} (${field('quantile')})`);
    }
  }
}

/** Which receiver each promised alert reaches, as amtool resolves the routing tree. */
function routes({ monitoringDir, spec, show }: PromiseCheckInput, sink: FindingSink): void {
  const file = join(monitoringDir, 'alertmanager/config.yml');
  let amtool: string;
  try {
    amtool = resolveBinary('amtool').path;
  } catch {
    return; // the tool checks report a missing amtool
  }
  for (const [name, promise] of Object.entries(spec.data.alerts)) {
    const labels = [`alertname=${name}`, `severity=${promise.severity}`, ...(promise.labels ?? []).map((l) => `${l}=example`)];
    const r = spawnSync(amtool, ['config', 'routes', 'test', `--config.file=${file}`, ...labels], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0 && !r.stdout) continue; // an invalid config is amtool check-config's finding
    const got = r.stdout.trim().split(/[\s,]+/).filter(Boolean);
    if (!got.includes(promise.receiver)) sink.add(show(file), `route (for ${labels.join(', ')})`, `reaches ${got.join(', ') || 'no receiver'}; promised ${promise.receiver} (${spec.where(`alerts.${name}.receiver`)})`, `route ${name} to ${promise.receiver}`);
  }
}

function logLimits({ monitoringDir, spec, docs, show }: PromiseCheckInput, sink: FindingSink): void {
  const want = spec.logsRetentionMs;
  const loki = join(monitoringDir, 'loki/loki-config.yml');
  const limits = docs.get(loki)?.limits_config;
  if (limits) {
    const r = configMs(limits.retention_period, 0);
    if (Number.isFinite(r) && r !== want) sink.add(show(loki), 'limits_config.retention_period', `keeps ${r ? dur(r) : 'forever (0)'}; promised ${spec.data.retention.logs} (${spec.where('retention.logs')})`);
    const rate = Number(limits.ingestion_rate_mb ?? 4) * 1024 * 1024;
    if (rate < spec.ingestionBytesPerSecond) sink.add(show(loki), 'limits_config.ingestion_rate_mb', `admits ${(rate / 1024 / 1024).toFixed(2)} MiB/s; promised at least ${spec.data.logs.ingestionRate}/s without loss (${spec.where('logs.ingestionRate')})`);
  }
  const vl = join(monitoringDir, 'victorialogs/victorialogs.yml');
  const flags = docs.get(vl)?.flags;
  if (flags) {
    const r = configMs(flags.retentionPeriod, 7 * 86_400_000);
    if (Number.isFinite(r) && r !== want) sink.add(show(vl), 'flags.retentionPeriod', `keeps ${dur(r)}; promised ${spec.data.retention.logs} (${spec.where('retention.logs')})`);
  }
}
