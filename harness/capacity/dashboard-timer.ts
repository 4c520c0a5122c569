/**
 * How long the folder's dashboard takes to draw: every PromQL panel query, interpolated as
 * Grafana would send it (its variables, its range and step), timed against Prometheus; and
 * every log panel query, as Grafana's logs panel sends it (the newest maxLines entries of
 * the dashboard's range), timed against the log store.
 */
import { interpolateTarget, languageOf, loadDatasources, provisionedDashboards, resolveDatasource, targetsOf } from '../check/dashboard-model.ts';
import type { PrometheusClient } from '../../assertions/prometheus.ts';
import type { LogStore } from '../logs/log-store.ts';

/** Grafana's default line limit for a logs query (a datasource's jsonData.maxLines overrides it). */
const GRAFANA_MAX_LINES = 1000;

export interface PanelQuery {
  panel: string;
  query: string;
  rangeMs: number;
  stepMs: number;
}

/** The dashboard's PromQL panel queries (log panels are the log store's, not Prometheus's). */
export function dashboardPromQueries(provisioningDir: string, uid: string): PanelQuery[] {
  return panelQueries(provisioningDir, uid, 'promql');
}

/** The dashboard's log panel queries in the store's language, each with the line limit Grafana sends. */
export function dashboardLogQueries(provisioningDir: string, uid: string, store: Pick<LogStore, 'language'>): (PanelQuery & { maxLines: number })[] {
  return panelQueries(provisioningDir, uid, store.language).map((q) => ({ ...q, maxLines: q.maxLines ?? GRAFANA_MAX_LINES }));
}

function panelQueries(provisioningDir: string, uid: string, language: 'promql' | LogStore['language']): (PanelQuery & { maxLines?: number })[] {
  const d = provisionedDashboards(provisioningDir).find((x) => x.uid === uid);
  if (!d) return [];
  const datasources = loadDatasources(provisioningDir);
  const out: (PanelQuery & { maxLines?: number })[] = [];
  for (const t of targetsOf(d)) {
    if (t.hide || !t.expr) continue;
    const r = resolveDatasource(t.datasourceRef, datasources, d);
    if (!r.ok || !('datasource' in r) || languageOf(r.datasource.type) !== language) continue;
    const { query, time } = interpolateTarget(d, t, r.datasource);
    out.push({ panel: t.panelTitle, query, rangeMs: time.rangeMs, stepMs: Math.max(1000, time.intervalMs), ...(r.datasource.maxLines ? { maxLines: r.datasource.maxLines } : {}) });
  }
  return out;
}

/** Runs each log panel query once, one after another; the slowest, in ms, and which. */
export async function timeLogPanels(store: LogStore, queries: readonly (PanelQuery & { maxLines: number })[]): Promise<{ maxMs: number; slowest?: string; failures: string[] }> {
  return timeEach(queries, (q, end) => store.panelLines(q.query, end - q.rangeMs, end, q.maxLines));
}

/** Runs each query once, one after another (as one browser would); the slowest, in ms, and which. */
export async function timeDashboard(prom: PrometheusClient, queries: readonly PanelQuery[]): Promise<{ maxMs: number; slowest?: string; failures: string[] }> {
  return timeEach(queries, (q, end) => prom.rangeQuery(q.query, end / 1000 - q.rangeMs / 1000, end / 1000, q.stepMs / 1000));
}

async function timeEach<Q extends PanelQuery>(queries: readonly Q[], run: (q: Q, endMs: number) => Promise<unknown>): Promise<{ maxMs: number; slowest?: string; failures: string[] }> {
  let maxMs = 0;
  let slowest: string | undefined;
  const failures: string[] = [];
  for (const q of queries) {
    const end = Date.now();
    const t0 = performance.now();
    try {
      await run(q, end);
    } catch (e) {
      failures.push(`${q.panel}: ${(e as Error).message.split('\n')[0]}`);
    }
    const ms = performance.now() - t0;
    if (ms > maxMs) [maxMs, slowest] = [ms, q.panel];
  }
  return { maxMs, ...(slowest ? { slowest } : {}), failures };
}
