/**
 * Dashboard panels as checks: each panel target of a provisioned dashboard evaluated
 * against the running stack the way Grafana would evaluate it. The dashboard is read
 * from the RENDERED config of the run (env.stack.config.files.grafanaProvisioning), so a
 * run with --monitoring-dir tests that folder's dashboards; the query goes to the URL of
 * the datasource the panel names (the rendered datasources.yml points it at the stack).
 *
 * A query is the panel's expression with Grafana's variables interpolated (the
 * dashboard's own with their saved selection, e.g. service_group = All → its allValue,
 * or an override; `$__rate_interval`, `$__interval`, `$__range` from the dashboard's time
 * range and the datasource's timeInterval), then time-scaled like every other query of a
 * scaled run. A range target is a range query over the (scaled) dashboard range with
 * step `$__interval` (scaled); an instant target an instant query; a logs target a log
 * query for up to its maxLines.
 *
 * Because the panel is only known once the run's config is rendered, these checks list no
 * queries up front; `dashboardProvisioning()` is the check that every query parses.
 */
import { PrometheusClient, type VectorSample } from '../../assertions/prometheus.ts';
import { LokiClient } from '../../assertions/loki.ts';
import { VictoriaLogsClient } from '../../assertions/victorialogs.ts';
import type { EvidenceLanguage } from '../../assertions/evidence.ts';
import type { ObservedSeries } from '../../assertions/evidence.ts';
import type { ProbeResult } from '../../assertions/expectations.ts';
import { scaleQueryDurations } from '../../assertions/time-scale.ts';
import type { GrafanaVariableValue, QueryLanguage } from '../../assertions/query-language.ts';
import { interpolateTarget, labelValuesQuery, languageOf, type PanelLanguage, loadDatasources, provisionedDashboards, resolveDatasource, targetsOf, type Dashboard, type PanelTarget, type ProvisionedDatasource, type TimeSettings } from '../check/dashboard-model.ts';
import { checkGrafana } from '../check/dashboards.ts';
import type { Check, CheckContext } from './checks.ts';
import type { TimingModel } from './timing.ts';

export const OVERVIEW_UID = 'mcp-overview';

export interface PanelSelector {
  /** Panel title as in the dashboard. */
  panel: string;
  refId?: string;
  /** Dashboard uid (default: the seed's overview). */
  dashboard?: string;
  /** Variable values instead of the dashboard's saved selection. */
  variables?: Record<string, GrafanaVariableValue>;
}

export interface ResolvedPanelTarget {
  dashboard: Dashboard;
  target: PanelTarget;
  datasource: ProvisionedDatasource;
  language: PanelLanguage;
  /** Interpolated, nominal (as Grafana would send it at real time). */
  query: string;
  /** Interpolated and time-scaled: what is sent. */
  sent: string;
  time: TimeSettings;
  /** Scaled range and step, ms. */
  rangeMs: number;
  stepMs: number;
}

function provisioningDir(ctx: CheckContext): string {
  if (!ctx.env) throw new Error('dashboard checks need the running environment (CheckContext.env)');
  return ctx.env.stack.config.files.grafanaProvisioning;
}

export function renderedDashboard(ctx: CheckContext, uid = OVERVIEW_UID): Dashboard {
  const dir = provisioningDir(ctx);
  const all = provisionedDashboards(dir);
  const d = all.find((x) => x.uid === uid);
  if (!d) throw new Error(`no dashboard with uid "${uid}" is provisioned in ${dir} (have: ${all.map((x) => x.uid).join(', ') || 'none'})`);
  return d;
}

export function resolvePanelTarget(ctx: CheckContext, sel: PanelSelector): ResolvedPanelTarget {
  const d = renderedDashboard(ctx, sel.dashboard);
  const targets = targetsOf(d).filter((t) => t.panelTitle === sel.panel);
  if (targets.length === 0) throw new Error(`dashboard ${d.uid} has no panel titled "${sel.panel}"`);
  const target = sel.refId ? targets.find((t) => t.refId === sel.refId) : targets[0];
  if (!target) throw new Error(`panel "${sel.panel}" has no target ${sel.refId} (has ${targets.map((t) => t.refId).join(', ')})`);
  const r = resolveDatasource(target.datasourceRef, loadDatasources(provisioningDir(ctx)), d);
  if (!r.ok) throw new Error(`${target.key}: ${r.why}`);
  if (!('datasource' in r)) throw new Error(`${target.key}: uses Grafana's built-in datasource ${r.builtIn}, which has no query to evaluate`);
  const language = languageOf(r.datasource.type);
  if (!language) throw new Error(`${target.key}: datasource type ${r.datasource.type} has no query language the harness evaluates`);
  const { query, time } = interpolateTarget(d, target, r.datasource, sel.variables);
  const scale = ctx.timing.scale;
  // LogsQL is sent as written: the log panel's query has no range to scale (its time range is the request's).
  const sent = scale === 1 || language === 'logsql' ? query : scaleQueryDurations(language, query, scale);
  return { dashboard: d, target, datasource: r.datasource, language, query, sent, time, rangeMs: Math.max(1000, time.rangeMs * scale), stepMs: Math.max(100, time.intervalMs * scale) };
}

const clients = new Map<string, PrometheusClient | LokiClient | VictoriaLogsClient>();
function promAt(r: ResolvedPanelTarget, ctx: CheckContext): PrometheusClient {
  const url = r.datasource.url;
  if (!url) return ctx.prom;
  let c = clients.get(`p ${url}`) as PrometheusClient | undefined;
  if (!c) clients.set(`p ${url}`, (c = new PrometheusClient(url)));
  return c;
}
function lokiAt(r: ResolvedPanelTarget, ctx: CheckContext): LokiClient {
  const url = r.datasource.url;
  if (!url) return ctx.loki;
  let c = clients.get(`l ${url}`) as LokiClient | undefined;
  if (!c) clients.set(`l ${url}`, (c = new LokiClient(url)));
  return c;
}

function victoriaLogsAt(r: ResolvedPanelTarget): VictoriaLogsClient {
  const url = r.datasource.url;
  if (!url) throw new Error(`datasource ${r.datasource.uid ?? r.datasource.name} has no url`);
  let c = clients.get(`v ${url}`) as VictoriaLogsClient | undefined;
  if (!c) clients.set(`v ${url}`, (c = new VictoriaLogsClient(url)));
  return c;
}

const fmtLabels = (l: Record<string, string>): string =>
  `{${Object.entries(l)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
const num = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

/** Values remembered between checks of one scenario (a panel's healthy value, to see it fall and recover). */
export class PanelMemory {
  private readonly values = new Map<string, number>();
  set(key: string, v: number): void {
    this.values.set(key, v);
  }
  get(key: string): number {
    const v = this.values.get(key);
    if (v === undefined) throw new Error(`nothing remembered as "${key}" yet: a check with remember: "${key}" must pass first`);
    return v;
  }
  has(key: string): boolean {
    return this.values.has(key);
  }
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.values);
  }
}

export interface LogLine {
  labels: Record<string, string>;
  line: string;
  tsNs: bigint;
}

type Mode =
  | { kind: 'data' }
  | { kind: 'latest'; test: (v: VectorSample[], mem: PanelMemory, t: TimingModel) => boolean; remember?: { memory: PanelMemory; key: string; value: (v: VectorSample[]) => number } }
  | { kind: 'logs'; test: (lines: LogLine[], mem: PanelMemory) => boolean };

class PanelCheck implements Check {
  readonly queries: { language: QueryLanguage; expr: string }[] = [];
  constructor(
    private readonly sel: PanelSelector,
    private readonly mode: Mode,
    readonly title: string,
    private readonly memory?: PanelMemory,
  ) {}

  evidenceQuery(ctx: CheckContext): { query: string; language: EvidenceLanguage } {
    try {
      const r = resolvePanelTarget(ctx, this.sel);
      return { query: r.sent, language: r.language };
    } catch (e) {
      return { query: `panel "${this.sel.panel}" ${this.sel.refId ?? ''}: ${(e as Error).message}`, language: 'promql' };
    }
  }

  probe(ctx: CheckContext) {
    return async (): Promise<ProbeResult<unknown>> => {
      const r = resolvePanelTarget(ctx, this.sel);
      const mem = this.memory ?? new PanelMemory();
      const where = { file: r.dashboard.file, field: r.target.key };
      const m = this.mode;
      if (r.language === 'logql' || r.language === 'logsql') {
        // Data: the dashboard's range, as Grafana shows it; lines for a test: since the scenario began.
        const start = m.kind === 'logs' ? ctx.scenarioStartMs - 5000 : Date.now() - r.rangeMs;
        const limit = r.target.maxLines ?? 1000;
        const lines: LogLine[] =
          r.language === 'logql'
            ? (await lokiAt(r, ctx).queryRange(r.sent, new Date(start), new Date(), { limit, direction: 'backward', where })).streams.flatMap((s) => s.entries.map((e) => ({ labels: s.labels, line: e.line, tsNs: e.tsNs })))
            : (await victoriaLogsAt(r).query(r.sent, { start: new Date(start), end: new Date(), limit })).map((e) => ({ labels: e.stream, line: e.msg, tsNs: e.timeNs }));
        const ok = m.kind === 'logs' ? m.test(lines, mem) : lines.length > 0;
        const streams = new Map<string, LogLine[]>();
        for (const l of lines) streams.set(fmtLabels(l.labels), [...(streams.get(fmtLabels(l.labels)) ?? []), l]);
        return {
          ok,
          observed: { query: r.sent, lines: lines.length, streams: streams.size, sample: lines.slice(0, 5).map((l) => `${fmtLabels(l.labels)} ${l.line}`) },
          series: [...streams.values()].slice(0, 20).map((ls) => ({ labels: ls[0]!.labels, lines: ls.slice(0, 10).map((e): [string, string] => [new Date(Number(e.tsNs / 1_000_000n)).toISOString(), e.line]) })),
        };
      }
      const prom = promAt(r, ctx);
      if (m.kind === 'data' && !r.target.instant) {
        const end = Date.now() / 1000;
        const res = await prom.rangeQuery(r.sent, end - r.rangeMs / 1000, end, r.stepMs / 1000, { where });
        const withData = res.result.filter((s) => s.samples.length > 0);
        return {
          ok: withData.length > 0,
          observed: { query: r.sent, range: `${(r.rangeMs / 1000).toFixed(0)}s`, step: `${r.stepMs / 1000}s`, series: withData.length, sample: withData.slice(0, 8).map((s) => `${fmtLabels(s.labels)} ${s.samples.length} points, last ${s.samples.at(-1)?.value}`) },
          series: withData.slice(0, 30).map((s): ObservedSeries => ({ labels: s.labels, values: s.samples.slice(-5).map((p): [string, number | string] => [new Date(p.timestamp * 1000).toISOString(), num(p.value)]) })),
        };
      }
      const res = await prom.instantQuery(r.sent, undefined, { where });
      const v: VectorSample[] = res.resultType === 'vector' ? res.result : res.resultType === 'scalar' ? [{ labels: {}, value: res.result.value, timestamp: res.result.timestamp }] : [];
      let ok: boolean;
      if (m.kind === 'latest') {
        ok = m.test(v, mem, ctx.timing);
        if (ok && m.remember) m.remember.memory.set(m.remember.key, m.remember.value(v));
      } else ok = v.length > 0;
      return {
        ok,
        observed: { query: r.sent, ...(v.length ? { values: v.slice(0, 20).map((s) => `${fmtLabels(s.labels)} ${s.value}`) } : { values: 'empty result' }), ...(this.memory ? { remembered: this.memory.snapshot() } : {}) },
        series: v.slice(0, 40).map((s) => ({ labels: s.labels, value: num(s.value) })),
      };
    };
  }
}

export interface PanelOptions {
  refId?: string;
  dashboard?: string;
  variables?: Record<string, GrafanaVariableValue>;
  memory?: PanelMemory;
}

const describeSel = (s: PanelSelector): string => `panel "${s.panel}"${s.refId ? ` ${s.refId}` : ''}${s.variables ? ` (${Object.entries(s.variables).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : String(v)}`).join(', ')})` : ''}`;

/** Builders: panel('Error Rate').returnsData(), panel('Error Rate').latest(test, says). */
export function panel(title: string, o: PanelOptions = {}) {
  const sel: PanelSelector = { panel: title, refId: o.refId, dashboard: o.dashboard, variables: o.variables };
  return {
    /** Evaluated as Grafana would (range over the dashboard range, or instant): at least one series or line. */
    returnsData: (): Check => new PanelCheck(sel, { kind: 'data' }, `${describeSel(sel)} returns data`, o.memory),
    /** The panel's latest values (an instant query of its expression). */
    latest: (test: (v: VectorSample[], mem: PanelMemory, t: TimingModel) => boolean, says: string, remember?: { key: string; value: (v: VectorSample[]) => number }): Check =>
      new PanelCheck(sel, { kind: 'latest', test, remember: remember && o.memory ? { memory: o.memory, ...remember } : undefined }, `${describeSel(sel)} ${says}`, o.memory),
    /** The panel's log lines since the scenario began. */
    logs: (test: (lines: LogLine[], mem: PanelMemory) => boolean, says: string): Check => new PanelCheck(sel, { kind: 'logs', test }, `${describeSel(sel)} ${says}`, o.memory),
  };
}

/** Value of the series with these labels (NaN if absent). */
export function valueOf(v: VectorSample[], labels: Record<string, string>): number {
  const s = v.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return s ? s.value : Number.NaN;
}

export const sumOf = (v: VectorSample[]): number => v.reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);

/**
 * The run's rendered Grafana provisioning passes the static dashboard checks: every
 * datasource uid provisioned, every query parsing after interpolation, the seed's seven
 * panels present.
 */
export function dashboardProvisioning(uid = OVERVIEW_UID): Check {
  return {
    title: `dashboard ${uid}: the seven panels present, datasources provisioned, every query parses (rendered config)`,
    queries: [],
    evidenceQuery: () => ({ query: `static check of grafana/provisioning (dashboard ${uid})`, language: 'promql' }),
    probe: (ctx) => async () => {
      const findings = checkGrafana({ provisioningDir: provisioningDir(ctx), seedDashboardUid: uid });
      const d = renderedDashboard(ctx, uid);
      const targets = targetsOf(d);
      return { ok: findings.length === 0, observed: findings.length ? findings.map((f) => `${f.key}: ${f.why}`) : { panels: new Set(targets.map((t) => t.panelTitle)).size, targets: targets.length } };
    },
  };
}

/** A dashboard variable's options, evaluated live as Grafana would (label_values(selector, label)). */
export function dashboardVariableOptions(name: string, test: (options: string[]) => boolean, says: string, uid = OVERVIEW_UID): Check {
  return {
    title: `dashboard variable $${name} ${says}`,
    queries: [],
    evidenceQuery: (ctx) => {
      try {
        const v = renderedDashboard(ctx, uid).variables.find((x) => x.name === name);
        return { query: v?.query ?? `$${name}`, language: 'promql' };
      } catch (e) {
        return { query: (e as Error).message, language: 'promql' };
      }
    },
    probe: (ctx) => async () => {
      const d = renderedDashboard(ctx, uid);
      const v = d.variables.find((x) => x.name === name);
      if (!v?.query) throw new Error(`dashboard ${uid} has no query variable $${name}`);
      const lv = labelValuesQuery(v.query);
      if (!lv) throw new Error(`$${name}: only label_values(...) variable queries are evaluated (got ${v.query})`);
      const r = resolveDatasource(v.datasource, loadDatasources(provisioningDir(ctx)), d);
      const url = r.ok && 'datasource' in r ? r.datasource.url : undefined;
      const prom = url ? new PrometheusClient(url) : ctx.prom;
      const options = (await prom.labelValues(lv.label, lv.selector ? { match: [lv.selector] } : {})).sort();
      return { ok: test(options), observed: { query: v.query, options } };
    },
  };
}
