/**
 * Bad input is refused before anything starts: exit 2 within seconds, the user's own
 * file named (never the rendered copy in a run folder) with the place and the fix, no
 * run folder made and no port left listening. Each case is a copy of a bundled folder
 * with one thing broken, as a user would break it.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { buildTopology, plannedPorts } from '../../harness/plan/topology.ts';
import { busyPorts, runCli } from '../support/stack-helpers.ts';

const OFFSET = 900;
const work = mkdtempSync(join(tmpdir(), 'bad-input-'));

/** A copy of a bundled folder with `edit` applied to one file. */
function broken(name: string, folder: 'monitoring' | 'monitoring-victorialogs', file: string, edit: (text: string) => string): string {
  const dir = join(work, name);
  cpSync(join(REPO_ROOT, folder), dir, { recursive: true });
  const f = join(dir, file);
  const before = readFileSync(f, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`the edit for ${name} changed nothing`);
  writeFileSync(f, after);
  return dir;
}

async function refused(args: string[]): Promise<string> {
  const out = join(work, `run-${Math.random().toString(36).slice(2)}`);
  const cli = runCli('harness/cli/scenario.ts', [...args, '--out', out, '--port-offset', String(OFFSET)]);
  const code = await cli.exited;
  const output = cli.output();
  expect(code, output).toBe(2);
  expect(existsSync(out), 'no run folder is made').toBe(false);
  expect(output).not.toMatch(/runs\/[^ ]*\/stack\/config/); // never the rendered copy
  expect(await busyPorts(plannedPorts(buildTopology({ offset: OFFSET, runDir: '/x' }), { services: true }).map((p) => p.port))).toEqual([]);
  return output;
}

describe('bad input: exit 2, the user file named, nothing started', () => {
  it('a rule whose PromQL does not parse: the rule file, the rule, line and column, the fix', async () => {
    const dir = broken('rule-promql', 'monitoring', 'prometheus/alerts.yml', (t) => t.replace('expr: up{job=~"mcp-.*"} == 0', 'expr: up{job=~"mcp-.*"} === 0'));
    const out = await refused(['service-down', '--monitoring-dir', dir]);
    expect(out).toContain(`${dir}/prometheus/alerts.yml: groups[0] (mcp_services).rules[0] (ServiceDown).expr, line 6, column 35: does not parse as PromQL`);
    expect(out).toContain('fix: PromQL compares with == and !=');
    expect(out).toMatch(/promtool check rules rejects it: 6:15: group "mcp_services", rule 1, "ServiceDown"/);
  });

  it('a dashboard JSON that does not parse: the dashboard file, line and column', async () => {
    const dir = broken('dashboard-json', 'monitoring', 'grafana/provisioning/dashboards/mcp-overview.json', (t) => t.replace('"expr": "up{job', '"expr" "up{job'));
    const out = await refused(['dashboards', '--monitoring-dir', dir]);
    expect(out).toMatch(new RegExp(`${dir}/grafana/provisioning/dashboards/mcp-overview\\.json: line 96, column \\d+: invalid JSON`));
  });

  it('a dashboard query that does not parse: the panel target named', async () => {
    const dir = broken('dashboard-query', 'monitoring', 'grafana/provisioning/dashboards/mcp-overview.json', (t) => t.replace('"expr": "up{job=~\\"mcp-.*\\", service_group', '"expr": "up{job=~\\"mcp-.*\\" service_group'));
    const out = await refused(['dashboards', '--monitoring-dir', dir]);
    expect(out).toMatch(/mcp-overview\.json: panels\[\d+\].*\.expr: does not parse as PromQL/);
  });

  it('invalid YAML in prometheus.yml: the user file, not the rendered copy', async () => {
    const dir = broken('prom-yaml', 'monitoring', 'prometheus/prometheus.yml', (t) => t.replace('  scrape_interval: 15s', '  scrape_interval: 15s\n   evaluation_interval: [15s'));
    const out = await refused(['baseline', '--monitoring-dir', dir]);
    expect(out).toMatch(new RegExp(`${dir}/prometheus/prometheus\\.yml: line \\d+, column \\d+: invalid YAML`));
  });

  it('an Alertmanager route to a receiver that does not exist: amtool names the file', async () => {
    const dir = broken('am-receiver', 'monitoring', 'alertmanager/config.yml', (t) => t.replace('  receiver: mcp-oncall', '  receiver: nobody-home'));
    const out = await refused(['service-down', '--monitoring-dir', dir]);
    expect(out).toMatch(new RegExp(`${dir}/alertmanager/config\\.yml: .*amtool check-config rejects it: .*nobody-home`));
  });

  it('a collector config its own validate rejects: the user file named', async () => {
    const dir = broken('otelcol', 'monitoring-victorialogs', 'otelcol/otelcol-config.yml', (t) => t.replace('extensions:\n', 'extensions:\n  no_such_extension: {}\n'));
    const out = await refused(['log-pipeline', '--monitoring-dir', dir]);
    expect(out).toMatch(new RegExp(`${dir}/otelcol/otelcol-config\\.yml: .*otelcol validate rejects it`));
  });

  it('an unknown reporter and an out-of-range option name the option and the fix', async () => {
    expect(await refused(['baseline', '--reporter', 'html,pdf'])).toMatch(/--reporter: unknown reporter "pdf"\n\s+fix: a comma-separated list of: list/);
    expect(await refused(['baseline', '--time-scale', '5'])).toMatch(/--time-scale: invalid value "5"/);
    expect(await refused(['baseline', '--monitoring-dir', join(work, 'nowhere')])).toMatch(/monitoring folder does not exist/);
  });
});
