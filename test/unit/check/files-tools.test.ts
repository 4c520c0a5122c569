/** Files present and valid; tool output turned into findings against the source file; scrape continuity. */
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { checkFiles } from '../../../harness/check/files.ts';
import { toolFindings, type ToolCheck } from '../../../harness/check/tools.ts';
import type { RenderedConfig } from '../../../harness/render/render.ts';
import { scrapeContinuity } from '../../../harness/engine/stack-checks.ts';

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));
function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'check-files-'));
  tmp.push(dir);
  cpSync(join(REPO_ROOT, 'monitoring'), dir, { recursive: true });
  return dir;
}
const show = (f: string) => f;

describe('checkFiles', () => {
  it('finds the bundled folder complete and valid', () => {
    expect(checkFiles(join(REPO_ROOT, 'monitoring'), show).findings).toEqual([]);
  });

  it('reports a missing file, invalid YAML and JSON at their line, and a rule file that does not exist', () => {
    const dir = copy();
    unlinkSync(join(dir, 'loki/loki-config.yml'));
    writeFileSync(join(dir, 'alertmanager/config.yml'), 'route:\n  receiver: x\n  group_by: [a\n');
    writeFileSync(join(dir, 'grafana/provisioning/dashboards/mcp-overview.json'), '{\n  "uid": "x",\n  "panels": [\n}\n');
    unlinkSync(join(dir, 'prometheus/alerts.yml'));
    const f = checkFiles(dir, show).findings;
    const by = (file: string) => f.find((x) => x.file === join(dir, file));
    expect(by('loki/loki-config.yml')).toMatchObject({ key: '(file)' });
    expect(by('alertmanager/config.yml')!.why).toMatch(/^invalid YAML/);
    expect(by('grafana/provisioning/dashboards/mcp-overview.json')).toMatchObject({ key: expect.stringMatching(/^line 4/) });
    expect(by('prometheus/prometheus.yml')).toMatchObject({ key: 'rule_files[0]' });
  });
});

describe('toolFindings', () => {
  const r = { sourceDir: '/src/monitoring', dir: '/tmp/run/config' } as RenderedConfig;
  it('names the source file and the line, and strips the rendered path from the message', () => {
    const c: ToolCheck = { name: 'promtool check config', binary: 'promtool', args: [], file: '/tmp/run/config/prometheus/prometheus.yml', rendered: true };
    const out = 'Checking /tmp/run/config/prometheus/prometheus.yml\nFAILED: parsing YAML file /tmp/run/config/prometheus/prometheus.yml: yaml: unmarshal errors:\n  line 20: field foo not found in type config.ScrapeConfig\n';
    const [f] = toolFindings(c, { tool: c.name, command: '', ok: false, output: out }, r, show);
    expect(f).toMatchObject({ file: '/src/monitoring/prometheus/prometheus.yml', key: 'line 20 of the rendered copy' });
    expect(f!.why).toContain('field foo not found');
    expect(f!.why).not.toContain('/tmp/run');
  });
  it('is empty for a successful run', () => {
    const c: ToolCheck = { name: 'amtool check-config', binary: 'amtool', args: [], file: '/src/monitoring/alertmanager/config.yml', rendered: false };
    expect(toolFindings(c, { tool: c.name, command: '', ok: true, output: 'SUCCESS' }, r, show)).toEqual([]);
  });
});

describe('scrapeContinuity', () => {
  const o = { reloadAt: 10_000, end: 22_000, intervalMs: 1500, around: 8 };
  const every = (from: number, to: number, step = 1500) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
  it('accepts samples every interval across the reload', () => {
    expect(scrapeContinuity({}, every(1000, 22_000), o)).toMatchObject({ ok: true, maxGapMs: 1500 });
  });
  it('rejects one missed scrape, a series that ends early, and one that starts at the reload', () => {
    const missed = every(1000, 22_000).filter((t) => t !== 11_500);
    expect(scrapeContinuity({}, missed, o)).toMatchObject({ ok: false, maxGapMs: 3000 });
    expect(scrapeContinuity({}, every(1000, 17_500), o).ok).toBe(false);
    expect(scrapeContinuity({}, every(10_000, 22_000), o).ok).toBe(false);
  });
});
