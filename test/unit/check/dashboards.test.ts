/** Grafana provisioning, statically: datasource references and queries after interpolation. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { checkDashboard, checkGrafana } from '../../../harness/check/dashboards.ts';
import {
  interpolateTarget,
  labelValuesQuery,
  loadDatasources,
  parseDashboard,
  promqlOfVariableQuery,
  provisionedDashboards,
  resolveDatasource,
  targetsOf,
  timeSettingsFor,
  variableValues,
} from '../../../harness/check/dashboard-model.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const PROVISIONING = join(REPO_ROOT, 'monitoring/grafana/provisioning');
const DASHBOARD = join(PROVISIONING, 'dashboards/mcp-overview.json');
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the bundled provisioning folder with the dashboard changed by `edit`. */
function provisioningWith(edit: (d: any) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-grafana-'));
  tmp.push(dir);
  cpSync(PROVISIONING, dir, { recursive: true });
  const file = join(dir, 'dashboards/mcp-overview.json');
  const d = JSON.parse(readFileSync(file, 'utf8'));
  edit(d);
  writeFileSync(file, JSON.stringify(d, null, 2));
  return dir;
}
const panelNamed = (d: any, title: string): any => d.panels.find((p: any) => p.title === title);

describe('the bundled provisioning', () => {
  it('has no findings: seven panels, uids provisioned, every query parses', () => {
    expect(checkGrafana({ provisioningDir: PROVISIONING, seedDashboardUid: 'mcp-overview' })).toEqual([]);
  });

  it('maps the provider container path to the folder and finds the overview dashboard', () => {
    expect(provisionedDashboards(PROVISIONING).map((d) => d.uid)).toEqual(['mcp-overview']);
  });
});

describe('findings', () => {
  it('a dangling datasource uid names the dashboard file, the panel and target, and the provisioned uids', () => {
    const dir = provisioningWith((d) => (panelNamed(d, 'Error Rate').targets[0].datasource.uid = 'promethues'));
    const f = checkGrafana({ provisioningDir: dir, seedDashboardUid: 'mcp-overview' });
    expect(f).toHaveLength(1);
    expect(f[0]!.file).toBe(join(dir, 'dashboards/mcp-overview.json'));
    expect(f[0]!.key).toBe('panels[3] "Error Rate" targets[0] (refId A).datasource.uid');
    expect(f[0]!.why).toBe('datasource uid "promethues" is not provisioned (provisioned uids: prometheus, loki, alertmanager)');
  });

  it('an unparseable query names the target and the column', () => {
    const dir = provisioningWith((d) => (panelNamed(d, 'Request Rate').targets[0].expr = 'sum by (service) (rate(http_requests_total{service_group=~"$service_group"}[5m])'));
    const [f] = checkGrafana({ provisioningDir: dir });
    expect(f!.key).toBe('panels[1] "Request Rate" targets[0] (refId A).expr');
    expect(f!.why).toMatch(/does not parse as PromQL .*missing "\)"/s);
  });

  it('a LogQL query is parsed as LogQL; an unknown variable is named', () => {
    const dir = provisioningWith((d) => {
      panelNamed(d, 'Live Error Logs').targets[0].expr = '{service=~".*mcp.*"} |= ';
      panelNamed(d, 'MQTT Activity').targets[1].expr = 'rate(mqtt_messages_sent_total{instance=~"$broker"}[1m])';
    });
    const f = checkGrafana({ provisioningDir: dir });
    expect(f.find((x) => x.key.includes('Live Error Logs'))!.why).toContain('does not parse as LogQL');
    expect(f.find((x) => x.key.includes('MQTT Activity'))!.why).toContain('uses $broker');
  });

  it('a type mismatch, a variable query that does not parse, and missing seed panels are reported', () => {
    const dir = provisioningWith((d) => {
      panelNamed(d, 'Request Rate').datasource = { type: 'loki', uid: 'prometheus' };
      panelNamed(d, 'Request Rate').targets[0].datasource = undefined;
      d.templating.list[0].query.query = 'label_values(up{job=~"mcp-.*", service_group)';
      d.panels = d.panels.filter((p: any) => p.title !== 'MQTT Activity');
    });
    const f = checkGrafana({ provisioningDir: dir, seedDashboardUid: 'mcp-overview' });
    expect(f.find((x) => x.key === 'panels[1] "Request Rate".datasource.uid')!.why).toContain('provisioned as type "prometheus", the reference says "loki"');
    expect(f.find((x) => x.key === 'templating.list[0] ($service_group).query')).toBeDefined();
    expect(f.find((x) => x.key === 'panels')!.why).toContain('"MQTT Activity"');
  });
});

describe('the Grafana model', () => {
  const d = parseDashboard(DASHBOARD);
  const ds = loadDatasources(PROVISIONING);

  it('resolves references: uid, the default datasource, built-ins, and unknown uids', () => {
    expect(resolveDatasource({ type: 'loki', uid: 'loki' }, ds)).toMatchObject({ ok: true, datasource: { uid: 'loki' } });
    expect(resolveDatasource(undefined, ds)).toMatchObject({ ok: true, datasource: { uid: 'prometheus' }, via: 'the default datasource' });
    expect(resolveDatasource('Loki', ds)).toMatchObject({ ok: true, datasource: { uid: 'loki' } });
    expect(resolveDatasource({ uid: '-- Grafana --' }, ds)).toEqual({ ok: true, builtIn: '-- Grafana --' });
    expect(resolveDatasource({ uid: 'nope' }, ds)).toMatchObject({ ok: false });
  });

  it('gives service_group = All its allValue, and an override as a regex alternation', () => {
    expect(variableValues(d)).toEqual({ service_group: '.*' });
    const t = targetsOf(d).find((x) => x.panelTitle === 'Request Rate')!;
    expect(interpolateTarget(d, t, ds[0]).query).toBe('sum by (service) (rate(http_requests_total{service_group=~".*"}[5m]))');
    expect(interpolateTarget(d, t, ds[0], { service_group: ['core', 'ai'] }).query).toBe('sum by (service) (rate(http_requests_total{service_group=~"(core|ai)"}[5m]))');
  });

  it('without allValue, All is the alternation of the options; a custom variable takes its options from its query', () => {
    const json = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    json.templating.list = [
      { name: 'g', type: 'query', includeAll: true, multi: true, current: { value: ['$__all'] }, options: [{ value: '$__all' }, { value: 'core' }, { value: 'ai' }] },
      { name: 'c', type: 'custom', query: 'a, b', current: { value: '$__all' }, includeAll: true },
      { name: 'one', type: 'custom', query: 'x,y', current: { value: 'y' } },
    ];
    const dd = parseDashboard('x.json', JSON.stringify(json));
    expect(variableValues(dd)).toEqual({ g: ['core', 'ai'], c: ['a', 'b'], one: 'y' });
  });

  it("computes Grafana's time variables from the dashboard range and the datasource timeInterval", () => {
    const t = targetsOf(d)[0]!;
    const { vars, settings } = timeSettingsFor(d, t, ds[0]);
    expect(settings.rangeMs).toBe(3_600_000);
    expect(vars).toMatchObject({ __interval: '15s', __rate_interval: '1m', __range: '1h' });
    const { vars: wide } = timeSettingsFor({ ...d, rangeMs: 24 * 3_600_000 }, t, ds[0]);
    expect(wide.__interval).toBe('1m26s400ms');
    expect(wide.__rate_interval).toBe('1m41s400ms');
  });

  it('finds the PromQL in variable queries', () => {
    expect(promqlOfVariableQuery('label_values(up{job=~"mcp-.*", x="a,b"}, service_group)')).toBe('up{job=~"mcp-.*", x="a,b"}');
    expect(promqlOfVariableQuery('query_result(sum by (job) (up))')).toBe('sum by (job) (up)');
    expect(promqlOfVariableQuery('label_names()')).toBeUndefined();
    expect(labelValuesQuery('label_values(job)')).toEqual({ label: 'job' });
  });

  it('checkDashboard on a dashboard whose targets use a datasource variable and the rate interval', () => {
    const json = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    json.templating.list.push({ name: 'ds', type: 'datasource', query: 'prometheus', current: { value: 'prometheus' } });
    const p = json.panels.find((x: any) => x.title === 'Request Rate');
    p.datasource = { uid: '${ds}' };
    p.targets[0].datasource = { uid: '$ds' };
    p.targets[0].expr = 'sum by (service) (rate(http_requests_total{service_group=~"$service_group"}[$__rate_interval]))';
    expect(checkDashboard(parseDashboard('x.json', JSON.stringify(json)), ds)).toEqual([]);
  });
});
