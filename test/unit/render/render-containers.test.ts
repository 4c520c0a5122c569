/**
 * On the containers backend the folder runs as Compose runs it: the render keeps every
 * address and container path, scales the timings (recorded), and redirects only the
 * notifications that would leave the stack (recorded); the user's folder is untouched.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONTAINER_RECEIVER_URL, renderMonitoringConfig } from '../../../harness/render/render.ts';
import { buildTopology } from '../../../harness/plan/topology.ts';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';

function render(folder: string, timeScale = 1) {
  const runDir = mkdtempSync(join(tmpdir(), 'render-containers-'));
  return renderMonitoringConfig({ monitoringDir: folder, topology: buildTopology({ offset: 100, runDir }), timeScale, backend: 'containers' });
}

describe('render for the containers backend', () => {
  it('keeps the Compose names, container paths and the receiver the folder already names: no change at time scale 1', () => {
    for (const folder of ['monitoring', 'monitoring-victorialogs']) {
      const r = render(join(REPO_ROOT, folder));
      expect(r.changes, folder).toEqual([]);
      const prom = readFileSync(r.files.prometheus, 'utf8');
      expect(prom).toBe(readFileSync(join(REPO_ROOT, folder, 'prometheus/prometheus.yml'), 'utf8'));
      expect(readFileSync(r.files.alertmanager, 'utf8')).toBe(readFileSync(join(REPO_ROOT, folder, 'alertmanager/config.yml'), 'utf8'));
    }
  });

  it('at time scale 0.1 changes only timings, each recorded', () => {
    const r = render(join(REPO_ROOT, 'monitoring-victorialogs'), 0.1);
    expect(r.changes.length).toBeGreaterThan(0);
    expect(r.changes.every((c) => c.reason.startsWith('time scale 0.1')), JSON.stringify(r.changes.filter((c) => !c.reason.startsWith('time scale')))).toBe(true);
    const prom = parse(readFileSync(r.files.prometheus, 'utf8'));
    expect(prom.global.scrape_interval).toBe('1s500ms');
    expect(prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'mcp-core-services').static_configs[0].targets[0]).toBe('terminal-mcp:7001');
    expect(prom.rule_files[0]).toBe('/etc/prometheus/alerts.yml');
  });

  it('redirects a receiver that would leave the stack to the receiver container, and records it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'folder-'));
    cpSync(join(REPO_ROOT, 'monitoring-victorialogs'), dir, { recursive: true });
    const am = join(dir, 'alertmanager/config.yml');
    writeFileSync(am, readFileSync(am, 'utf8').replace("url: 'http://alert-receiver:9095/alerts'", "url: 'https://hooks.example.com/oncall'"));
    const before = readFileSync(am, 'utf8');
    const r = render(dir);
    expect(readFileSync(am, 'utf8')).toBe(before);
    expect(parse(readFileSync(r.files.alertmanager, 'utf8')).receivers[0].webhook_configs[0].url).toBe(CONTAINER_RECEIVER_URL);
    expect(r.changes).toEqual([expect.objectContaining({ key: 'receivers[0].webhook_configs[0].url', from: 'https://hooks.example.com/oncall', to: CONTAINER_RECEIVER_URL })]);
  });

  it('passes VictoriaLogs the flags Compose would, unchanged', () => {
    const r = render(join(REPO_ROOT, 'monitoring-victorialogs'));
    expect(r.settings.victorialogsArgs).toEqual(expect.arrayContaining(['-httpListenAddr=:9428', '-storageDataPath=/victoria-logs-data', '-retentionPeriod=7d']));
  });
});
