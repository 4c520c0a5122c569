/**
 * Grafana provisioning as data: the provisioned datasources, the dashboards the
 * providers load, each panel's targets with their datasource resolved, and the values
 * Grafana would give the template variables. Shared by the static check (`npm run
 * check`: datasource uids provisioned, every query parses) and the live `dashboards`
 * scenario (every panel's query evaluated against the running stack).
 *
 * The Grafana behaviour modelled here, and nothing more:
 *   - a panel or target without a datasource uses the default datasource (isDefault);
 *     a target without one inherits its panel's; "-- Mixed --" panels use their targets';
 *   - a multi-value variable set to All is the variable's `allValue` (inserted raw) or, without
 *     one, the alternation of its options; a custom variable's options come from its query;
 *   - `$__interval` is the dashboard range divided by the panel's max data points (1000
 *     when unset, about a panel's width), never below the datasource's `timeInterval`;
 *     `$__rate_interval` is max($__interval + scrape interval, 4 × scrape interval).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatDuration, parseDuration } from '../../assertions/duration.ts';
import { grafanaTimeVariables, interpolateGrafanaVariables, type GrafanaVariables, type GrafanaVariableValue, type QueryLanguage } from '../../assertions/query-language.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export interface ProvisionedDatasource {
  name: string;
  uid?: string;
  type: string;
  isDefault: boolean;
  /** jsonData.timeInterval: the scrape interval Grafana assumes (Prometheus). */
  timeInterval?: string;
  /** jsonData.maxLines: the line limit Grafana sends with a logs query (Loki, VictoriaLogs). */
  maxLines?: number;
  url?: string;
  file: string;
  index: number;
}

/** Every datasource of every YAML file in <provisioning>/datasources/. */
export function loadDatasources(provisioningDir: string): ProvisionedDatasource[] {
  const dir = join(provisioningDir, 'datasources');
  if (!existsSync(dir)) return [];
  const out: ProvisionedDatasource[] = [];
  for (const f of readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    const file = join(dir, f);
    const doc = parseYaml(readFileSync(file, 'utf8')) as Json;
    ((doc?.datasources ?? []) as Json[]).forEach((d, index) =>
      out.push({ name: String(d?.name ?? ''), uid: d?.uid === undefined ? undefined : String(d.uid), type: String(d?.type ?? ''), isDefault: d?.isDefault === true, timeInterval: d?.jsonData?.timeInterval, ...(Number(d?.jsonData?.maxLines) > 0 ? { maxLines: Number(d.jsonData.maxLines) } : {}), url: typeof d?.url === 'string' ? d.url : undefined, file, index }),
    );
  }
  return out;
}

const GRAFANA_PROVISIONING_MOUNT = '/etc/grafana/provisioning';

export interface DashboardProvider {
  name: string;
  file: string;
  index: number;
  /** The path as written. */
  path: string;
  /** Where it is in the folder under test (container paths mapped through the Compose mount). */
  resolved: string;
}

/** The file providers of <provisioning>/dashboards/*.yml, their paths mapped into the folder. */
export function loadDashboardProviders(provisioningDir: string): DashboardProvider[] {
  const dir = join(provisioningDir, 'dashboards');
  if (!existsSync(dir)) return [];
  const out: DashboardProvider[] = [];
  for (const f of readdirSync(dir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    const file = join(dir, f);
    const doc = parseYaml(readFileSync(file, 'utf8')) as Json;
    ((doc?.providers ?? []) as Json[]).forEach((p, index) => {
      if (p?.type !== undefined && p.type !== 'file') return;
      const path = String(p?.options?.path ?? '');
      const resolved = path.startsWith(`${GRAFANA_PROVISIONING_MOUNT}/`) || path === GRAFANA_PROVISIONING_MOUNT ? join(provisioningDir, path.slice(GRAFANA_PROVISIONING_MOUNT.length)) : isAbsolute(path) ? path : join(provisioningDir, path);
      out.push({ name: String(p?.name ?? ''), file, index, path, resolved });
    });
  }
  return out;
}

/** Every *.json under a provider's folder (Grafana reads subfolders too). */
export function dashboardFilesOf(folder: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  const out: string[] = [];
  for (const e of readdirSync(folder).sort()) {
    const p = join(folder, e);
    if (statSync(p).isDirectory()) out.push(...dashboardFilesOf(p));
    else if (e.endsWith('.json')) out.push(p);
  }
  return out;
}

export interface DashboardVariableDef {
  name: string;
  type: string;
  /** The variable's own query (label_values(...) and the like), if any. */
  query?: string;
  datasource?: Json;
  multi: boolean;
  includeAll: boolean;
  allValue?: string;
  current: string[];
  options: string[];
  index: number;
}

export interface Dashboard {
  file: string;
  uid: string;
  title: string;
  json: Json;
  variables: DashboardVariableDef[];
  /** Dashboard time range, "now-1h" → 1h. */
  rangeMs: number;
}

function asStrings(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

function variableQuery(v: Json): string | undefined {
  if (typeof v?.query === 'string') return v.query;
  if (typeof v?.query?.query === 'string') return v.query.query;
  if (typeof v?.definition === 'string' && v.definition) return v.definition;
  return undefined;
}

/** "now-1h" → 1h; anything else (absolute times, "now/d") → 1h, Grafana's default range. */
export function relativeRangeMs(from: unknown, to: unknown): number {
  const m = typeof from === 'string' ? /^now-(\S+)$/.exec(from) : null;
  const toNow = to === undefined || to === 'now';
  if (m && toNow) {
    try {
      return parseDuration(m[1]!);
    } catch {
      /* fall through */
    }
  }
  return 3_600_000;
}

export function parseDashboard(file: string, text = readFileSync(file, 'utf8')): Dashboard {
  const json = JSON.parse(text) as Json;
  const variables: DashboardVariableDef[] = ((json?.templating?.list ?? []) as Json[]).map((v, index) => ({
    name: String(v?.name ?? ''),
    type: String(v?.type ?? 'query'),
    query: variableQuery(v),
    datasource: v?.datasource,
    multi: v?.multi === true,
    includeAll: v?.includeAll === true,
    allValue: typeof v?.allValue === 'string' && v.allValue !== '' ? v.allValue : undefined,
    current: asStrings(v?.current?.value),
    options: ((v?.options ?? []) as Json[]).map((o) => String(o?.value ?? '')).filter((o) => o !== '$__all'),
    index,
  }));
  return { file, uid: String(json?.uid ?? ''), title: String(json?.title ?? ''), json, variables, rangeMs: relativeRangeMs(json?.time?.from, json?.time?.to) };
}

/** Dashboards provisioned under a provisioning folder, by the providers' paths. */
export function provisionedDashboards(provisioningDir: string): Dashboard[] {
  const seen = new Set<string>();
  const out: Dashboard[] = [];
  for (const p of loadDashboardProviders(provisioningDir)) {
    for (const f of dashboardFilesOf(p.resolved)) {
      if (seen.has(f)) continue;
      seen.add(f);
      out.push(parseDashboard(f));
    }
  }
  return out;
}

// ---------------------------------------------------------------- panels and targets

export interface PanelTarget {
  /** Key path for messages: `panels[3] "Error Rate" targets[0] (refId A)`. */
  key: string;
  panelTitle: string;
  panelType: string;
  panelInterval?: string;
  maxDataPoints?: number;
  refId: string;
  expr: string;
  /** The datasource reference as written (target's, else panel's; undefined = default). */
  datasourceRef: Json;
  /** Where the reference was taken from, for messages. */
  datasourceKey: string;
  instant: boolean;
  hide: boolean;
  maxLines?: number;
}

/** Panels in order, row panels' collapsed children included. */
export function panelsOf(d: Dashboard): { panel: Json; key: string }[] {
  const out: { panel: Json; key: string }[] = [];
  ((d.json?.panels ?? []) as Json[]).forEach((p, i) => {
    out.push({ panel: p, key: `panels[${i}]` });
    ((p?.panels ?? []) as Json[]).forEach((c, j) => out.push({ panel: c, key: `panels[${i}].panels[${j}]` }));
  });
  return out.filter((x) => x.panel?.type !== 'row');
}

const MIXED = '-- Mixed --';

export function targetsOf(d: Dashboard): PanelTarget[] {
  const out: PanelTarget[] = [];
  for (const { panel, key } of panelsOf(d)) {
    const title = String(panel?.title ?? '');
    ((panel?.targets ?? []) as Json[]).forEach((t, j) => {
      const refId = String(t?.refId ?? String.fromCharCode(65 + j));
      const own = t?.datasource !== undefined && t?.datasource !== null;
      const panelIsMixed = panel?.datasource?.uid === MIXED || panel?.datasource === MIXED;
      const ref = own ? t.datasource : panelIsMixed ? undefined : panel?.datasource;
      out.push({
        key: `${key} "${title}" targets[${j}] (refId ${refId})`,
        panelTitle: title,
        panelType: String(panel?.type ?? ''),
        panelInterval: typeof panel?.interval === 'string' && panel.interval ? panel.interval : undefined,
        maxDataPoints: typeof panel?.maxDataPoints === 'number' ? panel.maxDataPoints : undefined,
        refId,
        expr: typeof t?.expr === 'string' ? t.expr : typeof t?.query === 'string' ? t.query : '',
        datasourceRef: ref,
        datasourceKey: own ? `${key} "${title}" targets[${j}] (refId ${refId}).datasource` : `${key} "${title}".datasource`,
        instant: t?.instant === true && t?.range !== true,
        hide: t?.hide === true,
        maxLines: typeof t?.maxLines === 'number' ? t.maxLines : undefined,
      });
    });
  }
  return out;
}

// ---------------------------------------------------------------- datasources

/** Grafana's built-in pseudo datasources, never provisioned. */
const BUILT_IN_UIDS = new Set(['-- Grafana --', 'grafana', MIXED, '-- Dashboard --']);

export type DatasourceResolution =
  | { ok: true; datasource: ProvisionedDatasource; via: string }
  | { ok: true; builtIn: string }
  | { ok: false; why: string };

const isVariableRef = (s: string): boolean => /^\$\{?[A-Za-z_]\w*\}?$/.test(s);
const variableName = (s: string): string => s.replace(/^\$\{?/, '').replace(/\}$/, '');

/** Which provisioned datasource a panel or target reference means. */
export function resolveDatasource(ref: Json, all: ProvisionedDatasource[], d?: Dashboard): DatasourceResolution {
  const provisioned = (): string => all.map((x) => x.uid ?? `(no uid: ${x.name})`).join(', ') || 'none';
  if (ref === undefined || ref === null || ref === 'default') {
    const def = all.find((x) => x.isDefault) ?? (all.length === 1 ? all[0] : undefined);
    return def ? { ok: true, datasource: def, via: 'the default datasource' } : { ok: false, why: 'no datasource set and no provisioned datasource is the default (isDefault: true)' };
  }
  const uidOrName = typeof ref === 'string' ? ref : ref?.uid !== undefined ? String(ref.uid) : undefined;
  const type = typeof ref === 'object' && ref?.type ? String(ref.type) : undefined;
  if (uidOrName === undefined) {
    if (type) {
      const byType = all.filter((x) => x.type === type);
      const pick = byType.find((x) => x.isDefault) ?? byType[0];
      return pick ? { ok: true, datasource: pick, via: `type ${type}` } : { ok: false, why: `no provisioned datasource of type "${type}"` };
    }
    return { ok: false, why: 'datasource reference has neither uid nor type' };
  }
  if (BUILT_IN_UIDS.has(uidOrName)) return { ok: true, builtIn: uidOrName };
  if (isVariableRef(uidOrName)) {
    const v = d?.variables.find((x) => x.name === variableName(uidOrName) && x.type === 'datasource');
    if (!v) return { ok: false, why: `datasource "${uidOrName}" names no datasource variable of the dashboard` };
    const wanted = v.current[0] && v.current[0] !== 'default' && !isVariableRef(v.current[0]) ? v.current[0] : undefined;
    const pick = (wanted ? all.find((x) => x.uid === wanted || x.name === wanted) : undefined) ?? all.find((x) => x.type === v.query && x.isDefault) ?? all.find((x) => x.type === v.query);
    return pick ? { ok: true, datasource: pick, via: `variable $${v.name}` } : { ok: false, why: `datasource variable $${v.name} (type ${v.query ?? '?'}) matches no provisioned datasource (provisioned: ${provisioned()})` };
  }
  const byUid = all.find((x) => x.uid === uidOrName);
  const hit = byUid ?? (typeof ref === 'string' ? all.find((x) => x.name === uidOrName) : undefined);
  if (!hit) return { ok: false, why: `datasource uid "${uidOrName}" is not provisioned (provisioned uids: ${provisioned()})` };
  if (type && hit.type !== type) return { ok: false, why: `datasource uid "${uidOrName}" is provisioned as type "${hit.type}", the reference says "${type}"` };
  return { ok: true, datasource: hit, via: `uid ${uidOrName}` };
}

/** A panel's query language: the grammar-checked ones, and VictoriaLogs' LogsQL (no published grammar). */
export type PanelLanguage = QueryLanguage | 'logsql';

export function languageOf(datasourceType: string): PanelLanguage | undefined {
  return datasourceType === 'prometheus' ? 'promql' : datasourceType === 'loki' ? 'logql' : datasourceType === 'victoriametrics-logs-datasource' ? 'logsql' : undefined;
}

// ---------------------------------------------------------------- variables

/** Options of a custom variable: its query "a, b, c" (or "text : value" pairs). */
function customOptions(query: string | undefined): string[] {
  if (!query) return [];
  return query
    .split(/(?<!\\),/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.includes(' : ') ? s.split(' : ')[1]!.trim() : s));
}

/**
 * The value Grafana gives each dashboard variable with its saved selection (or the
 * override): All → allValue raw, else the options' alternation; a selection → as is.
 * Datasource and ad hoc variables get none (they are not inserted into queries).
 */
export function variableValues(d: Dashboard, overrides: Record<string, GrafanaVariableValue> = {}): Record<string, GrafanaVariableValue> {
  const out: Record<string, GrafanaVariableValue> = {};
  for (const v of d.variables) {
    if (Object.hasOwn(overrides, v.name)) {
      out[v.name] = overrides[v.name]!;
      continue;
    }
    if (v.type === 'adhoc') continue;
    if (v.type === 'datasource') {
      out[v.name] = v.current[0] ?? v.query ?? '';
      continue;
    }
    if (v.type === 'constant' || v.type === 'textbox') {
      out[v.name] = v.current[0] ?? v.query ?? '';
      continue;
    }
    const options = v.options.length ? v.options : v.type === 'custom' || v.type === 'interval' ? customOptions(v.query) : [];
    const all = v.current.length === 0 ? v.includeAll : v.current.includes('$__all') || v.current.includes('All');
    if (all) {
      out[v.name] = v.allValue ?? (options.length ? options : '.*');
    } else if (v.current.length) {
      out[v.name] = v.multi ? v.current : v.current[0]!;
    } else {
      out[v.name] = options[0] ?? '';
    }
  }
  return out;
}

export interface TimeSettings {
  /** $__interval, nominal ("15s"). */
  interval: string;
  /** $__rate_interval. */
  rateInterval: string;
  /** $__range (the dashboard's time range). */
  range: string;
  rangeMs: number;
  intervalMs: number;
}

/** Grafana's time variables for one panel target of a dashboard (see the file comment). */
export function timeSettingsFor(d: Dashboard, t: Pick<PanelTarget, 'panelInterval' | 'maxDataPoints'>, datasource?: ProvisionedDatasource): { vars: Record<string, string>; settings: TimeSettings } {
  const scrapeInterval = datasource?.timeInterval ?? '15s';
  const minMs = parseDuration(t.panelInterval?.replace(/^>/, '') ?? scrapeInterval);
  const intervalMs = Math.max(minMs, Math.ceil(d.rangeMs / (t.maxDataPoints ?? 1000)));
  const vars = grafanaTimeVariables({ interval: formatDuration(intervalMs), range: formatDuration(d.rangeMs), scrapeInterval });
  return { vars, settings: { interval: vars.__interval!, rateInterval: vars.__rate_interval!, range: vars.__range!, rangeMs: d.rangeMs, intervalMs } };
}

/** The query Grafana would send for a target: every variable (dashboard and time) replaced. Throws UnknownGrafanaVariableError. */
export function interpolateTarget(d: Dashboard, t: PanelTarget, datasource: ProvisionedDatasource | undefined, overrides: Record<string, GrafanaVariableValue> = {}): { query: string; time: TimeSettings } {
  const { vars: timeVars, settings } = timeSettingsFor(d, t, datasource);
  const vars: GrafanaVariables = { ...timeVars, ...variableValues(d, overrides) };
  return { query: interpolateGrafanaVariables(t.expr, vars), time: settings };
}

/**
 * The PromQL inside a Prometheus variable query: label_values(<selector>, label) →
 * the selector, query_result(<expr>) → the expression; undefined for the forms with no
 * PromQL in them (label_names(), metrics(regex), label_values(label)).
 */
export function promqlOfVariableQuery(q: string): string | undefined {
  const lv = /^\s*label_values\s*\(\s*([\s\S]+)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/.exec(q);
  if (lv) return lv[1]!.trim();
  const qr = /^\s*query_result\s*\(\s*([\s\S]+)\s*\)\s*$/.exec(q);
  if (qr) return qr[1]!.trim();
  return undefined;
}

/** label_values(<selector>, <label>) → its parts, for evaluating the variable live. */
export function labelValuesQuery(q: string): { selector?: string; label: string } | undefined {
  const two = /^\s*label_values\s*\(\s*([\s\S]+)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(q);
  if (two) return { selector: two[1]!.trim(), label: two[2]! };
  const one = /^\s*label_values\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(q);
  return one ? { label: one[1]! } : undefined;
}
