import { describe, expect, it, beforeAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderMonitoringConfig, REQUIRED_FILES, type RenderedConfig } from '../../../harness/render/render.ts';
import { buildTopology } from '../../../harness/plan/topology.ts';
import { UsageError } from '../../../harness/lib/errors.ts';

const BUNDLED = join(import.meta.dirname, '../../../monitoring');

/** Every leaf of a parsed YAML value, as "a.b[0].c" → value. */
function leaves(v: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  else out.set(prefix, v);
  return out;
}

function render(timeScale = 1, offset = 0): { rendered: RenderedConfig; runDir: string } {
  const runDir = mkdtempSync(join(tmpdir(), 'render-test-'));
  const rendered = renderMonitoringConfig({ monitoringDir: BUNDLED, topology: buildTopology({ offset, runDir }), timeScale });
  return { rendered, runDir };
}

describe('config rendering of the bundled monitoring folder', () => {
  let r: RenderedConfig;
  let prom: { scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[] }[]; rule_files: string[]; alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };
  let source: typeof prom;
  beforeAll(() => {
    r = render().rendered;
    prom = parse(readFileSync(r.files.prometheus, 'utf8'));
    source = parse(readFileSync(join(BUNDLED, 'prometheus/prometheus.yml'), 'utf8'));
  });

  it('puts every scrape target and the alertmanager on loopback', () => {
    const targets = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets));
    expect(targets.length).toBeGreaterThanOrEqual(21);
    for (const t of targets) expect(t).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['127.0.0.1:7033']);
    expect(prom.scrape_configs.find((j) => j.job_name === 'prometheus')!.static_configs[0]!.targets).toEqual(['127.0.0.1:7028']);
    expect(prom.scrape_configs.find((j) => j.job_name === 'loki')!.static_configs[0]!.targets).toEqual(['127.0.0.1:7032']);
  });

  it('keeps every job and every target label', () => {
    expect(prom.scrape_configs.map((j) => j.job_name)).toEqual(source.scrape_configs.map((j) => j.job_name));
    const labels = (c: typeof prom) => c.scrape_configs.flatMap((j) => j.static_configs.map((s) => s.labels ?? {}));
    expect(labels(prom)).toEqual(labels(source));
  });

  it('records every change it made, and nothing it did not', () => {
    const files = ['prometheus/prometheus.yml', 'alertmanager/config.yml', 'loki/loki-config.yml', 'promtail/promtail-config.yml', 'grafana/provisioning/datasources/datasources.yml', 'grafana/provisioning/dashboards/dashboards.yml'];
    for (const f of files) {
      const before = leaves(parse(readFileSync(join(BUNDLED, f), 'utf8')));
      const after = leaves(parse(readFileSync(join(r.dir, f), 'utf8')));
      const recorded = r.changes.filter((c) => c.file === f);
      const changedKeys = [...new Set([...before.keys(), ...after.keys()])].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)));
      for (const k of changedKeys) {
        // A recorded change covers the key itself or a parent (e.g. docker_sd_configs replaced as a whole).
        const covered = recorded.some((c) => k === c.key || k.startsWith(`${c.key}.`) || k.startsWith(`${c.key}[`) || c.key.startsWith('scrape_configs') && k.startsWith(c.key.replace('docker_sd_configs', 'file_sd_configs')));
        expect(covered, `${f}: ${k} changed (${JSON.stringify(before.get(k))} → ${JSON.stringify(after.get(k))}) but no change was recorded`).toBe(true);
      }
      for (const c of recorded) expect(c.from, `${f}: ${c.key}`).not.toEqual(c.to);
    }
  });

  it('never writes into the monitoring folder under test', () => {
    const snapshot = (dir: string) => REQUIRED_FILES.map((f) => readFileSync(join(dir, f), 'utf8'));
    const before = snapshot(BUNDLED);
    render(0.1);
    expect(snapshot(BUNDLED)).toEqual(before);
  });

  it('replaces Docker discovery by file targets labelled as Compose would label the containers', () => {
    const pt = parse(readFileSync(r.files.promtail!, 'utf8'));
    expect(JSON.stringify(pt)).not.toContain('docker_sd_configs');
    expect(pt.clients[0].url).toBe('http://127.0.0.1:7032/loki/api/v1/push');
    const groups = parse(readFileSync(r.files.promtailTargets!, 'utf8')) as { labels: Record<string, string> }[];
    expect(groups).toHaveLength(17);
    const terminal = groups.find((g) => g.labels.__meta_docker_container_label_com_docker_compose_service === 'terminal-mcp')!;
    expect(terminal.labels.__meta_docker_container_label_mcp_service_group).toBe('core');
    expect(terminal.labels.__path__).toMatch(/logs\/services\/terminal-mcp\.log$/);
  });

  it('sends every notification to the harness webhook and binds Loki to loopback', () => {
    const am = parse(readFileSync(r.files.alertmanager, 'utf8'));
    const urls = am.receivers.flatMap((x: { webhook_configs?: { url: string }[] }) => (x.webhook_configs ?? []).map((w) => w.url));
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(u).toBe('http://127.0.0.1:7040/alerts');
    const loki = parse(readFileSync(r.files.loki!, 'utf8'));
    expect(loki.server.http_listen_address).toBe('127.0.0.1');
    expect(loki.common.instance_addr).toBe('127.0.0.1');
    expect(JSON.stringify(loki)).not.toMatch(/"\/loki\//);
  });

  it('moves every port by --port-offset', () => {
    const { rendered } = render(1, 500);
    const p = parse(readFileSync(rendered.files.prometheus, 'utf8')) as typeof prom;
    expect(p.scrape_configs.find((j) => j.job_name === 'prometheus')!.static_configs[0]!.targets).toEqual(['127.0.0.1:7528']);
  });
});

describe('time-scaled rendering', () => {
  it('scales scrape and evaluation intervals, rule for, rule windows and Alertmanager timings', () => {
    const { rendered } = render(0.1);
    const prom = parse(readFileSync(rendered.files.prometheus, 'utf8'));
    expect(prom.global.scrape_interval).toBe('1s500ms');
    expect(prom.global.evaluation_interval).toBe('1s500ms');
    const rules = parse(readFileSync(rendered.files.ruleFiles[0]!, 'utf8'));
    const g = rules.groups[0];
    expect(g.interval).toBe('3s');
    const byName = Object.fromEntries(g.rules.map((x: { alert: string }) => [x.alert, x]));
    expect(byName.ServiceDown.for).toBe('6s');
    expect(byName.HighErrorRate.for).toBe('30s');
    expect(byName.HighErrorRate.expr).toContain('[30s]');
    expect(byName.HighErrorRate.expr).not.toContain('[5m]');
    const am = parse(readFileSync(rendered.files.alertmanager, 'utf8'));
    expect(am.route.group_wait).toBe('3s');
    expect(am.route.group_interval).toBe('30s');
    expect(am.global.resolve_timeout).toBe('30s');
    expect(rendered.settings.lookbackDelta).toBe('30s');
    expect(rendered.changes.some((c) => c.reason.startsWith('time scale 0.1'))).toBe(true);
  });
});

describe('bad monitoring folders get one clear error', () => {
  it('names a missing required file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-monitoring-'));
    cpSync(BUNDLED, dir, { recursive: true });
    rmSync(join(dir, 'loki/loki-config.yml'));
    expect(() => renderMonitoringConfig({ monitoringDir: dir, topology: buildTopology({ offset: 0, runDir: mkdtempSync(join(tmpdir(), 'r-')) }) })).toThrowError(/loki\/loki-config\.yml.*required file is missing/s);
  });

  it('names the file and line of invalid YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-monitoring-'));
    cpSync(BUNDLED, dir, { recursive: true });
    const f = join(dir, 'prometheus/prometheus.yml');
    writeFileSync(f, 'global:\n  scrape_interval: [15s\n');
    let err: unknown;
    try {
      renderMonitoringConfig({ monitoringDir: dir, topology: buildTopology({ offset: 0, runDir: mkdtempSync(join(tmpdir(), 'r-')) }) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/prometheus\/prometheus\.yml: line \d+/);
  });

  it('names a rule file that prometheus.yml refers to but the folder lacks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-monitoring-'));
    cpSync(BUNDLED, dir, { recursive: true });
    rmSync(join(dir, 'prometheus/alerts.yml'));
    expect(() => renderMonitoringConfig({ monitoringDir: dir, topology: buildTopology({ offset: 0, runDir: mkdtempSync(join(tmpdir(), 'r-')) }) })).toThrowError(/rule_files\[0\].*alerts\.yml does not exist/s);
  });
});
