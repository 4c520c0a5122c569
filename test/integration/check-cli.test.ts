/**
 * `npm run check`: the bundled configuration passes (exit 0), each broken fixture is
 * reported with its file and key (exit 1), and bad arguments are usage errors (exit 2).
 * The fixtures are overlays on a copy of monitoring/ (test/fixtures/broken-monitoring).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { runCli } from '../support/stack-helpers.ts';
import { findUserSupplied } from '../../harness/stack/binaries.ts';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/broken-monitoring');
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function check(args: string[]): Promise<{ code: number | null; out: string }> {
  const r = runCli('harness/cli/check.ts', args);
  const code = await r.exited;
  return { code, out: r.output() };
}

/** monitoring/ copied to a temp folder with a fixture's files laid over it. */
function brokenCopy(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `check-${fixture}-`));
  tmp.push(dir);
  cpSync(join(REPO_ROOT, 'monitoring'), dir, { recursive: true });
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

describe('npm run check', () => {
  it('passes the bundled monitoring/ with the real tools and the reference compose file (exit 0)', async () => {
    const r = await check(['--compose', 'docker-compose.test.yml']);
    expect(r.out).toContain('OK: no findings');
    for (const tool of ['promtool check config', 'promtool check rules', 'amtool check-config', 'compose services and ports match the port plan']) expect(r.out).toMatch(new RegExp(`✓ ${tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // Loki and Promtail are AGPL and user-supplied: checked with the user's binaries, else skipped out loud.
    if (findUserSupplied('loki')) expect(r.out).toContain('✓ loki -verify-config');
    else expect(r.out).toMatch(/- loki -verify-config: skipped, loki is AGPL-3\.0 and user-supplied, and none was found: set LOKI_BIN/);
    if (findUserSupplied('promtail')) expect(r.out).toContain('✓ promtail -check-syntax');
    else expect(r.out).toMatch(/- promtail -check-syntax: skipped, promtail is AGPL-3\.0 and user-supplied/);
    // Said, not faked: the Go module proxy refuses these modules here.
    expect(r.out).toMatch(/- pint .*skipped, not built: the Go module proxy refuses github.com\/cloudflare\/pint/);
    expect(r.out).toMatch(/- dashboard-linter .*refuses github.com\/grafana\/dashboard-linter/);
    expect(r.code).toBe(0);
  });

  it('passes the VictoriaLogs folder, validating the collector config with the collector itself (exit 0)', async () => {
    const r = await check(['--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs')]);
    expect(r.out).toContain('✓ otelcol validate');
    expect(r.out).toContain('✓ required scrape jobs');
    expect(r.out).not.toContain('loki -verify-config');
    expect(r.out).toContain('OK: no findings');
    expect(r.code).toBe(0);
  });

  it('names a broken collector config by its file in the folder (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-otelcol-'));
    tmp.push(dir);
    cpSync(join(REPO_ROOT, 'monitoring-victorialogs'), dir, { recursive: true });
    const f = join(dir, 'otelcol/otelcol-config.yml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('exporters: [otlp_http]', 'exporters: [otlp_htp]'));
    const r = await check(['--monitoring-dir', dir]);
    expect(r.out).toMatch(/otelcol\/otelcol-config\.yml.*otlp_htp/s);
    expect(r.code).toBe(1);
  });

  it.each([
    ['missing-target', /prometheus\/prometheus\.yml: scrape_configs\[job_name=mcp-db-wrappers\]\.static_configs: redis-mcp .* is not scraped/],
    ['dangling-datasource', /grafana\/provisioning\/dashboards\/mcp-overview\.json: panels\[3\] "Error Rate" targets\[0\] \(refId A\)\.datasource\.uid: datasource uid "promethues" is not provisioned/],
    ['unparseable-query', /grafana\/provisioning\/dashboards\/mcp-overview\.json: panels\[1\] "Request Rate" targets\[0\] \(refId A\)\.expr: does not parse as PromQL/],
  ])('reports the %s fixture, naming the file and the key (exit 1)', async (fixture, finding) => {
    const r = await check(['--monitoring-dir', brokenCopy(fixture)]);
    expect(r.out).toMatch(finding);
    expect(r.out).toContain('1 finding(s)');
    expect(r.code).toBe(1);
  });

  it('reports a wrong port in a compose file (exit 1)', async () => {
    const r = await check(['--compose', join(FIXTURES, 'wrong-compose-port/docker-compose.yml')]);
    expect(r.out).toMatch(/wrong-compose-port\/docker-compose\.yml: services\.terminal-mcp\.ports\[0\]: publishes "7101:7001"; the catalog .* says 7001:7001/);
    expect(r.code).toBe(1);
  });

  it('reports what promtool rejects against the source file, with its line, once', async () => {
    const dir = brokenCopy('missing-target');
    const rules = join(dir, 'prometheus/alerts.yml');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace('for: 1m', 'for: 1 minute'));
    const r = await check(['--monitoring-dir', dir]);
    expect(r.out).toMatch(/✗ promtool check rules/);
    expect(r.out).toMatch(/prometheus\/alerts\.yml: line \d+: promtool check rules rejects it: unknown unit " minute" in duration "1 minute"/);
    // promtool check config reads the rule file too: the same problem is not reported twice.
    expect(r.out).toMatch(/✗ promtool check config .*fails on the problem\(s\) reported above/);
    expect(r.out).toContain('2 finding(s)');
    expect(r.code).toBe(1);
  });

  it('is a usage error (exit 2) for a missing folder or compose file', async () => {
    const a = await check(['--monitoring-dir', '/nonexistent/monitoring']);
    expect(a.out).toContain('/nonexistent/monitoring: --monitoring-dir: monitoring folder does not exist');
    expect(a.code).toBe(2);
    const b = await check(['--compose', '/nonexistent/compose.yml']);
    expect(b.out).toContain('--compose: compose file does not exist');
    expect(b.code).toBe(2);
  });
});
