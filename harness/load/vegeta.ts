/**
 * Runs a load plan through vegeta (MIT, built by `npm run setup`), the native load engine.
 *
 * Open model: each stage is one `vegeta attack` at a constant arrival rate, so a slow or
 * hung service does not slow the load down (vegeta adds workers up to -max-workers instead).
 * The stage's targets file holds exactly the stage's planned requests in order, and vegeta
 * sends rate × duration of them, so every request goes out once. Between stages there is
 * the few milliseconds it takes to start the next attack.
 */
import { execa } from 'execa';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBinary } from '../stack/binaries.ts';
import { assertWithinLimits, parsePlan, stageDurationMs, stageRequestCount, stageRequests, type LoadPlan, type LoadPlanInput, type PlanLimits } from './plan.ts';

/** vegeta as `npm run setup` built it (or VEGETA_BIN, or the pinned version on PATH): the one binary lookup. */
export function vegetaBinary(): string {
  return resolveBinary('vegeta').path;
}

export interface VegetaOptions extends Partial<PlanLimits> {
  /** Per-request timeout (default 10 000 ms); a request still open then counts as an error. */
  timeoutMs?: number;
  /** Also return every request's result (seq, code, timestamp, latency, error). */
  keepResults?: boolean;
  /** Where targets and results files go (default: a fresh temp directory, removed afterwards). */
  workDir?: string;
  /** Cancels the running attack. */
  signal?: AbortSignal;
}

export interface LatencyMs {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  min: number;
}

/** `vegeta report -type=json`, in ms. Percentiles are vegeta's (t-digest estimates). */
export interface VegetaReport {
  requests: number;
  /** Achieved send rate: requests / (last send - first send), per second. */
  rate: number;
  /** Successful responses per second, over the sending span plus the wait for the last response. */
  throughput: number;
  /** Share of requests with a 2xx/3xx status and no error, 0..1. */
  success: number;
  durationMs: number;
  waitMs: number;
  statusCodes: Record<string, number>;
  latencyMs: LatencyMs;
  /** Distinct error strings ("503 Service Unavailable", "... timeout ..."). */
  errors: string[];
}

/** One request as vegeta recorded it (`vegeta encode -to=json`). */
export interface VegetaResult {
  /** 0-based send order within the stage: the stage's planned request `seq`. */
  seq: number;
  /** 0 when no response arrived (see `error`). */
  code: number;
  /** When it was sent, epoch ms with sub-ms precision. */
  timestampMs: number;
  latencyMs: number;
  error: string;
  url: string;
}

export interface StageReport extends VegetaReport {
  stage: number;
  offeredRate: number;
  plannedDurationMs: number;
  plannedRequests: number;
  results?: VegetaResult[];
}

export interface ThresholdOutcome {
  name: 'p99Ms' | 'errorRatio';
  limit: number;
  observed: number;
  ok: boolean;
}

export interface VegetaRun {
  binary: string;
  stages: StageReport[];
  /** Over all stages together. */
  total: VegetaReport;
  thresholds: ThresholdOutcome[];
  passed: boolean;
}

interface RawReport {
  latencies: { mean: number; '50th': number; '90th': number; '95th': number; '99th': number; max: number; min: number };
  duration: number;
  wait: number;
  requests: number;
  rate: number;
  throughput: number;
  success: number;
  status_codes: Record<string, number> | null;
  errors: string[] | null;
}

const nsToMs = (ns: number): number => ns / 1e6;

function toReport(raw: RawReport): VegetaReport {
  const l = raw.latencies;
  return {
    requests: raw.requests,
    rate: raw.rate,
    throughput: raw.throughput,
    success: raw.success,
    durationMs: nsToMs(raw.duration),
    waitMs: nsToMs(raw.wait),
    statusCodes: raw.status_codes ?? {},
    latencyMs: { mean: nsToMs(l.mean), p50: nsToMs(l['50th']), p90: nsToMs(l['90th']), p95: nsToMs(l['95th']), p99: nsToMs(l['99th']), max: nsToMs(l.max), min: nsToMs(l.min) },
    errors: raw.errors ?? [],
  };
}

/** RFC 3339 with nanoseconds → epoch ms keeping the sub-millisecond part Date.parse drops. */
function parseTimestamp(ts: string): number {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts);
  if (!m) return Date.parse(ts);
  return Date.parse(`${m[1]}${m[3]}`) + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

function parseResults(file: string): VegetaResult[] {
  const out: VegetaResult[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line) as { seq: number; code: number; timestamp: string; latency: number; error: string; url: string };
    out.push({ seq: r.seq, code: r.code, timestampMs: parseTimestamp(r.timestamp), latencyMs: nsToMs(r.latency), error: r.error, url: r.url });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** The stage's planned requests as vegeta JSON targets, one per line, in sending order. */
function writeTargets(plan: LoadPlan, stage: number, file: string): void {
  const fd = openSync(file, 'w');
  try {
    let chunk: string[] = [];
    const flush = () => {
      writeSync(fd, chunk.join(''));
      chunk = [];
    };
    for (const r of stageRequests(plan, stage)) {
      const header = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, [v]]));
      chunk.push(`${JSON.stringify({ method: 'POST', url: r.url, body: Buffer.from(r.body).toString('base64'), header })}\n`);
      if (chunk.length >= 10_000) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
}

/**
 * Enough workers that the rate holds even if every request takes the full timeout
 * (rate × timeout in flight); vegeta starts them only when the existing ones are busy.
 */
export function workerCounts(rate: number, timeoutMs: number): { workers: number; maxWorkers: number } {
  const maxWorkers = Math.ceil((rate * timeoutMs) / 1000) + rate;
  return { workers: Math.min(maxWorkers, Math.max(10, Math.ceil(rate / 10))), maxWorkers };
}

function thresholdOutcomes(plan: LoadPlan, total: VegetaReport): ThresholdOutcome[] {
  const out: ThresholdOutcome[] = [];
  const t = plan.thresholds;
  if (t?.p99Ms !== undefined) out.push({ name: 'p99Ms', limit: t.p99Ms, observed: total.latencyMs.p99, ok: total.latencyMs.p99 <= t.p99Ms });
  if (t?.errorRatio !== undefined) out.push({ name: 'errorRatio', limit: t.errorRatio, observed: 1 - total.success, ok: 1 - total.success <= t.errorRatio });
  return out;
}

/** Runs every stage of the plan in turn. Plans over the caps are refused before anything is sent. */
export async function runVegeta(input: LoadPlanInput, opts: VegetaOptions = {}): Promise<VegetaRun> {
  const plan = parsePlan(input);
  assertWithinLimits(plan, opts);
  const binary = vegetaBinary();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const dir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'vegeta-'));
  const run = (args: string[]) => execa(binary, args, { ...(opts.signal ? { cancelSignal: opts.signal } : {}), stdin: 'ignore' });
  try {
    const stages: StageReport[] = [];
    const resultFiles: string[] = [];
    for (let i = 0; i < plan.stages.length; i++) {
      const s = plan.stages[i]!;
      const targets = join(dir, `stage-${i}.targets.jsonl`);
      const results = join(dir, `stage-${i}.results.gob`);
      writeTargets(plan, i, targets);
      const { workers, maxWorkers } = workerCounts(s.rate, timeoutMs);
      await run([
        'attack', `-name=stage-${i}`, `-rate=${s.rate}/1s`, `-duration=${stageDurationMs(s)}ms`, '-format=json', `-targets=${targets}`,
        `-timeout=${timeoutMs}ms`, `-workers=${workers}`, `-max-workers=${maxWorkers}`,
        // Bodies are drained but not kept: results stay small and bytes_in reads 0.
        '-max-body=0', `-output=${results}`,
      ]);
      resultFiles.push(results);
      const report = toReport(JSON.parse((await run(['report', '-type=json', results])).stdout) as RawReport);
      let raw: VegetaResult[] | undefined;
      if (opts.keepResults) {
        const json = join(dir, `stage-${i}.results.jsonl`);
        await run(['encode', '-to=json', `-output=${json}`, results]);
        raw = parseResults(json);
      }
      stages.push({ stage: i, offeredRate: s.rate, plannedDurationMs: stageDurationMs(s), plannedRequests: stageRequestCount(s), ...report, ...(raw ? { results: raw } : {}) });
    }
    const total = toReport(JSON.parse((await run(['report', '-type=json', ...resultFiles])).stdout) as RawReport);
    const thresholds = thresholdOutcomes(plan, total);
    return { binary, stages, total, thresholds, passed: thresholds.every((t) => t.ok) };
  } finally {
    if (!opts.workDir) rmSync(dir, { recursive: true, force: true });
  }
}
