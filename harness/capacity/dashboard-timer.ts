/**
 * How long the folder's dashboard takes to draw: every PromQL panel query, interpolated as
 * Grafana would send it (its variables, its range and step), timed against Prometheus.
 */
import { interpolateTarget, languageOf, loadDatasources, provisionedDashboards, resolveDatasource, targetsOf } from '../check/dashboard-model.ts';
import type { PrometheusClient } from '../../assertions/prometheus.ts';

export interface PanelQuery {
  panel: string;
  query: string;
  rangeMs: number;
  stepMs: number;
}

/** The dashboard's PromQL panel queries (log panels are the log store's, not Prometheus's). */
export function dashboardPromQueries(provisioningDir: string, uid: string): PanelQuery[] {
  const d = provisionedDashboards(provisioningDir).find((x) => x.uid === uid);
  if (!d) return [];
  const datasources = loadDatasources(provisioningDir);
  const out: PanelQuery[] = [];
  for (const t of targetsOf(d)) {
    if (t.hide || !t.expr) continue;
    const r = resolveDatasource(t.datasourceRef, datasources, d);
    if (!r.ok || !('datasource' in r) || languageOf(r.datasource.type) !== 'promql') continue;
    const { query, time } = interpolateTarget(d, t, r.datasource);
    out.push({ panel: t.panelTitle, query, rangeMs: time.rangeMs, stepMs: Math.max(1000, time.intervalMs) });
  }
  return out;
}

/** Runs each query once, one after another (as one browser would); the slowest, in ms, and which. */
export async function timeDashboard(prom: PrometheusClient, queries: readonly PanelQuery[]): Promise<{ maxMs: number; slowest?: string; failures: string[] }> {
  let maxMs = 0;
  let slowest: string | undefined;
  const failures: string[] = [];
  for (const q of queries) {
    const end = Date.now();
    const t0 = performance.now();
    try {
      await prom.rangeQuery(q.query, end / 1000 - q.rangeMs / 1000, end / 1000, q.stepMs / 1000);
    } catch (e) {
      failures.push(`${q.panel}: ${(e as Error).message.split('\n')[0]}`);
    }
    const ms = performance.now() - t0;
    if (ms > maxMs) [maxMs, slowest] = [ms, q.panel];
  }
  return { maxMs, ...(slowest ? { slowest } : {}), failures };
}
