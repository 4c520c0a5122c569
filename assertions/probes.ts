/**
 * Ready-made probes for expectations.ts: one query per call, a predicate on the result,
 * and the series recorded for evidence. No retries here - the timing model repeats.
 */

import { type ObservedSeries, seriesFromStreams, seriesFromVector } from './evidence.ts';
import type { Probe } from './expectations.ts';
import type { LogStream, LokiClient } from './loki.ts';
import { type PrometheusClient, type VectorSample, asVector } from './prometheus.ts';
import { type QueryLocation, validateQuery } from './query-language.ts';

/**
 * An instant PromQL query evaluated at the probe's time (the clock's now), ok when
 * `predicate(samples)` holds. Default predicate: the result is non-empty (the usual
 * shape of an alert-like condition such as `up{job=~"mcp-.*"} == 0`).
 */
export function promqlProbe(
  client: PrometheusClient,
  expr: string,
  predicate: (samples: VectorSample[]) => boolean = (s) => s.length > 0,
  options: { where?: QueryLocation; evaluateAtProbeTime?: boolean } = {},
): Probe<VectorSample[]> {
  validateQuery('promql', expr, options.where); // fail at definition time, not in the loop
  return async ({ now }) => {
    const result = await client.instantQuery(expr, options.evaluateAtProbeTime ? new Date(now) : undefined, {
      where: options.where,
    });
    const samples = asVector(result);
    const series: ObservedSeries[] = seriesFromVector(samples);
    return { ok: predicate(samples), observed: samples, series };
  };
}

/**
 * A LogQL log query over the `lookback` before the probe's time, ok when
 * `predicate(streams)` holds. Default predicate: at least one line matched.
 */
export function logqlLinesProbe(
  client: LokiClient,
  logql: string,
  lookbackMs: number,
  predicate: (streams: LogStream[]) => boolean = (s) => s.some((x) => x.entries.length > 0),
  options: { where?: QueryLocation; limit?: number } = {},
): Probe<{ lines: number }> {
  validateQuery('logql', logql, options.where);
  return async ({ now }) => {
    const result = await client.queryRange(logql, new Date(now - lookbackMs), new Date(now), {
      limit: options.limit,
      where: options.where,
    });
    const lines = result.streams.reduce((n, s) => n + s.entries.length, 0);
    return { ok: predicate(result.streams), observed: { lines }, series: seriesFromStreams(result.streams) };
  };
}

/** An instant LogQL metric query, ok when `predicate(samples)` holds (default: non-empty). */
export function logqlMetricProbe(
  client: LokiClient,
  logql: string,
  predicate: (samples: VectorSample[]) => boolean = (s) => s.length > 0,
  options: { where?: QueryLocation } = {},
): Probe<VectorSample[]> {
  validateQuery('logql', logql, options.where);
  return async () => {
    const result = await client.instantQuery(logql, undefined, { where: options.where });
    if (result.resultType !== 'vector') throw new Error(`expected a vector from ${logql}, got ${result.resultType}`);
    return { ok: predicate(result.result), observed: result.result, series: seriesFromVector(result.result) };
  };
}
