/**
 * Grafana provisioning, statically: datasources with unique uids, a dashboard provider
 * whose folder exists and holds dashboards, the seed's seven panels, every panel's (and
 * template variable's) datasource among the provisioned ones, and every query parsing
 * with the official grammar (lezer PromQL / LogQL) after Grafana's variables are
 * interpolated as Grafana would.
 */
import { parseQuery, UnknownGrafanaVariableError } from '../../assertions/query-language.ts';
import { FindingSink, type Finding } from './findings.ts';
import { SEED_PANELS } from './seed.ts';
import {
  interpolateTarget,
  languageOf,
  loadDashboardProviders,
  loadDatasources,
  panelsOf,
  promqlOfVariableQuery,
  provisionedDashboards,
  resolveDatasource,
  targetsOf,
  type Dashboard,
  type ProvisionedDatasource,
  dashboardFilesOf,
} from './dashboard-model.ts';

export interface DashboardCheckOptions {
  /** <monitoring>/grafana/provisioning */
  provisioningDir: string;
  /** How a path is shown in findings. */
  show?: (file: string) => string;
  /** The seed's overview dashboard must be among them (uid). */
  seedDashboardUid?: string;
  /** The panels the promised dashboard has (spec.yml dashboard.panels; the seed's seven). */
  panels?: readonly string[];
  /** Where the promise is stated, for findings. */
  promiseWhere?: string;
}

export function checkGrafana(o: DashboardCheckOptions): Finding[] {
  const show = o.show ?? ((f: string): string => f);
  const sink = new FindingSink('grafana provisioning');
  const datasources = loadDatasources(o.provisioningDir);
  const byUid = new Map<string, ProvisionedDatasource>();
  for (const d of datasources) {
    const key = `datasources[${d.index}] (${d.name})`;
    if (!d.uid) sink.add(show(d.file), `${key}.uid`, 'no uid: Grafana generates a random one, so no dashboard can refer to this datasource reliably', 'give it a fixed uid');
    else if (byUid.has(d.uid)) sink.add(show(d.file), `${key}.uid`, `uid "${d.uid}" is also used by datasource ${byUid.get(d.uid)!.name}`);
    else byUid.set(d.uid, d);
  }
  if (datasources.filter((d) => d.isDefault).length > 1) sink.add(show(datasources[0]!.file), 'datasources[*].isDefault', 'more than one datasource is the default');

  const providers = loadDashboardProviders(o.provisioningDir);
  for (const p of providers) {
    if (dashboardFilesOf(p.resolved).length === 0) sink.add(show(p.file), `providers[${p.index}] (${p.name}).options.path`, `"${p.path}" holds no dashboard JSON in this folder (looked in ${show(p.resolved)})`, 'point the provider at the folder that holds the dashboards');
  }
  let dashboards: Dashboard[] = [];
  try {
    dashboards = provisionedDashboards(o.provisioningDir);
  } catch (e) {
    sink.blocking(show(o.provisioningDir), 'dashboards', `a dashboard could not be read: ${(e as Error).message}`);
  }
  if (o.seedDashboardUid) {
    const seed = dashboards.find((d) => d.uid === o.seedDashboardUid);
    if (!seed) sink.add(show(o.provisioningDir), 'dashboards', `no provisioned dashboard has uid "${o.seedDashboardUid}" (the seed's "MCP Orchestration - Overview")`);
    else {
      const titles = panelsOf(seed).map((p) => String(p.panel?.title ?? ''));
      const panels = o.panels ?? SEED_PANELS;
      for (const want of panels) if (!titles.includes(want)) sink.add(show(seed.file), 'panels', `no panel titled "${want}" (promised ${panels.length} panels: ${panels.join(', ')}; ${o.promiseWhere ?? 'the seed'})`);
    }
  }
  for (const d of dashboards) sink.findings.push(...checkDashboard(d, datasources, show));
  return sink.findings;
}

/** One dashboard: datasource references and queries. */
export function checkDashboard(d: Dashboard, datasources: ProvisionedDatasource[], show: (f: string) => string = (f) => f): Finding[] {
  const sink = new FindingSink('grafana dashboards');
  const file = show(d.file);
  for (const v of d.variables) {
    const key = `templating.list[${v.index}] ($${v.name})`;
    if (v.type !== 'query') continue;
    const r = resolveDatasource(v.datasource, datasources, d);
    if (!r.ok) {
      sink.add(file, `${key}.datasource`, r.why, 'use the uid of a datasource in grafana/provisioning/datasources');
      continue;
    }
    if (!('datasource' in r) || r.datasource.type !== 'prometheus' || !v.query) continue;
    const inner = promqlOfVariableQuery(v.query);
    if (inner === undefined) continue;
    const p = parseQuery('promql', inner);
    if (!p.ok) sink.blocking(file, `${key}.query`, `${p.error.reason} at column ${p.error.column} of "${inner}"`);
  }
  for (const t of targetsOf(d)) {
    if (t.hide) continue;
    const r = resolveDatasource(t.datasourceRef, datasources, d);
    if (!r.ok) {
      sink.add(file, `${t.datasourceKey}.uid`, r.why, 'use the uid of a datasource in grafana/provisioning/datasources');
      continue;
    }
    if (!('datasource' in r)) continue;
    const language = languageOf(r.datasource.type);
    // LogsQL has no published grammar to check it against: the dashboards scenario runs it against VictoriaLogs instead.
    if (!language || language === 'logsql') continue;
    if (t.expr.trim() === '') {
      sink.blocking(file, `${t.key}.expr`, 'empty query');
      continue;
    }
    let query: string;
    try {
      query = interpolateTarget(d, t, r.datasource).query;
    } catch (e) {
      if (e instanceof UnknownGrafanaVariableError) {
        sink.add(file, `${t.key}.expr`, `uses $${e.variable}, which is neither a dashboard variable nor a Grafana built-in`);
        continue;
      }
      throw e;
    }
    const p = parseQuery(language, query);
    if (!p.ok) sink.blocking(file, `${t.key}.expr`, `does not parse as ${language === 'promql' ? 'PromQL' : 'LogQL'} (after interpolating Grafana's variables: ${JSON.stringify(query)}): ${p.error.reason} at column ${p.error.column}\n${p.error.snippet}`);
  }
  return sink.findings;
}
