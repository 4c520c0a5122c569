/**
 * One constant-rate step of a capacity run through a load engine: vegeta natively (every
 * request's result kept, so the quantiles are exact and the SLO is judged on them), or the
 * user's k6 (its end-of-test summary). Open model both ways: the arrival rate holds however
 * slow the target gets.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { runVegeta } from '../load/vegeta.ts';
import { runK6Plan } from '../load/k6.ts';
import { runMqttLoad } from '../load/mqtt-publisher.ts';
import type { LoadPlanInput, PlanLimits } from '../load/plan.ts';
import type { CapacityLoadStep, LatencyView } from '../events/capacity.ts';
import { exactQuantile } from './quantile-bound.ts';

export type LoadEngineName = 'vegeta' | 'k6';
/** What ran a step: an HTTP engine, or the MQTT publisher for the broker. */
export type StepEngine = LoadEngineName | 'mqtt';

export interface LoadStepOutcome {
  load: CapacityLoadStep['load'];
  /** Every request's latency (ms), when the engine gives them (vegeta). */
  latenciesMs?: number[];
  /** Whether failures are split by cause (no response, 5xx): vegeta yes, k6's summary no. */
  byCause: boolean;
  /** The fastest request (ms): bounds the transport time (see quantile-bound.ts). */
  minMs: number;
}

export interface LoadStepOptions extends Partial<PlanLimits> {
  engine: LoadEngineName;
  workDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

function latencyView(sorted: number[]): LatencyView {
  return { p50: exactQuantile(sorted, 0.5), p90: exactQuantile(sorted, 0.9), p95: exactQuantile(sorted, 0.95), p99: exactQuantile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
}

export async function runLoadStep(plan: LoadPlanInput, o: LoadStepOptions): Promise<LoadStepOutcome> {
  mkdirSync(o.workDir, { recursive: true });
  if (o.engine === 'k6') {
    const m = (await runK6Plan(plan, { timeoutMs: o.timeoutMs, ...(o.maxRate ? { maxRate: o.maxRate } : {}), ...(o.maxDurationMs ? { maxDurationMs: o.maxDurationMs } : {}) })).metrics;
    const d = m.http_req_duration?.values ?? {};
    const requests = m.http_reqs?.values.count ?? 0;
    const failed = m.http_req_failed?.values.value ?? 0;
    return {
      load: {
        engine: 'k6',
        requests,
        achievedRate: m.http_reqs?.values.rate ?? 0,
        throughput: (m.http_reqs?.values.rate ?? 0) * (1 - failed),
        // k6's summary does not split failures by cause: every failure may have had no response.
        noResponse: Math.round(failed * requests),
        serverErrors: 0,
        errorRatio: failed,
        latencyMs: { p50: d.med ?? NaN, p90: d['p(90)'] ?? NaN, p95: d['p(95)'] ?? NaN, p99: d['p(99)'] ?? NaN, max: d.max ?? NaN },
      },
      minMs: d.min ?? 0,
      byCause: false,
    };
  }
  const run = await runVegeta(plan, { workDir: join(o.workDir), keepResults: true, timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}), ...(o.maxRate ? { maxRate: o.maxRate } : {}), ...(o.maxDurationMs ? { maxDurationMs: o.maxDurationMs } : {}) });
  const stage = run.stages[0]!;
  const results = stage.results ?? [];
  const latencies = results.map((r) => r.latencyMs);
  const sorted = [...latencies].sort((a, b) => a - b);
  const failed = results.filter((r) => r.code === 0 || r.code >= 400 || r.error !== '').length;
  return {
    load: {
      engine: 'vegeta',
      requests: results.length,
      achievedRate: stage.rate,
      throughput: stage.throughput,
      noResponse: results.filter((r) => r.code === 0).length,
      serverErrors: results.filter((r) => r.code >= 500).length,
      errorRatio: results.length ? failed / results.length : 0,
      latencyMs: latencyView(sorted),
    },
    latenciesMs: latencies,
    minMs: sorted[0] ?? 0,
    byCause: true,
  };
}

export interface MqttStepOptions {
  url: string;
  rate: number;
  durationMs: number;
  seed: number;
  timeoutMs: number;
  maxRate?: number;
  maxDurationMs?: number;
  signal?: AbortSignal;
}

/** One step of QoS 1 publishes, open model; an unacknowledged message is the step's error. */
export async function runMqttStep(o: MqttStepOptions): Promise<LoadStepOutcome> {
  const r = await runMqttLoad({ url: o.url, topic: 'capacity/load', ratePerSecond: o.rate, durationMs: o.durationMs, qos: 1, seed: o.seed, timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}), ...(o.maxRate ? { maxRate: o.maxRate } : {}), ...(o.maxDurationMs ? { maxDurationMs: o.maxDurationMs } : {}) });
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  return {
    load: {
      engine: 'mqtt',
      requests: r.sent,
      achievedRate: r.achievedRate,
      throughput: (r.acked * 1000) / Math.max(1, Date.parse(r.endedAt) - Date.parse(r.startedAt)),
      noResponse: r.lost,
      serverErrors: 0,
      errorRatio: r.sent ? r.lost / r.sent : 0,
      latencyMs: latencyView(sorted),
    },
    latenciesMs: r.latenciesMs,
    minMs: sorted[0] ?? 0,
    byCause: true,
  };
}
