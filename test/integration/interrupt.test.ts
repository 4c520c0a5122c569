/**
 * Ctrl-C and SIGTERM in the middle of a real scenario: the current wait ends, the
 * rollbacks run and clear the active fault, the scenario and the run end `interrupted`,
 * every reporter writes (JSON, JUnit, HTML), and only then does the stack stop — with
 * exit 130 for SIGINT, 143 for SIGTERM, and no process or port left behind.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { buildTopology, plannedPorts } from '../../harness/plan/topology.ts';
import { busyPorts, runCli } from '../support/stack-helpers.ts';
import { chromiumSkipReason, launchChromium } from '../support/chromium.ts';
import { validateResults } from '../../reports/results-schema.ts';

const OFFSET = 2500;
const ports = () => plannedPorts(buildTopology({ offset: OFFSET, runDir: '/x' }), { services: true }).map((p) => p.port);

interface Results {
  summary: { scenarios: number };
  scenarios: { name: string; verdict: string; error?: string; actions: { title: string; error?: string }[] }[];
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s mid-scenario', (signal, code) => {
  it(`rolls back, writes every report with the interrupted verdict, stops the stack and exits ${code}`, async () => {
    const out = mkdtempSync(join(tmpdir(), `interrupt-${signal}-`));
    const cli = runCli('harness/cli/scenario.ts', ['service-down', '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs'), '--time-scale', '0.1', '--port-offset', String(OFFSET), '--out', out]);
    // The kill is the fault; interrupt while the scenario waits for ServiceDown.
    await cli.waitFor(/kill -9 filesystem-mcp done/, 180_000);
    await cli.waitFor(/waiting for: .*ServiceDown/, 60_000);
    const t0 = Date.now();
    cli.child.kill(signal);
    expect(await cli.exited, cli.output().slice(-3000)).toBe(code);
    const tookMs = Date.now() - t0;
    console.log(`${signal} → exit with the report written: ${tookMs} ms`);

    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as unknown;
    expect(validateResults(doc)).toEqual([]);
    const r = doc as Results;
    const s = r.scenarios[0]!;
    expect(s.verdict).toBe('interrupted');
    expect(s.error).toMatch(/interrupted by a signal during method; the rollbacks ran/);
    // The active fault was cleared by the rollback: filesystem-mcp restarted.
    expect(s.actions.some((a) => /rollback: clear kill -9 filesystem-mcp/.test(a.title) && !a.error)).toBe(true);
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/type="ScenarioInterrupted"/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/data-verdict="interrupted"/);
    expect(html).toContain('INTERRUPTED');
    expect(existsSync(join(out, 'stack'))).toBe(true);
    expect(await busyPorts(ports())).toEqual([]);
    if (!chromiumSkipReason) {
      const browser = await launchChromium();
      try {
        const { page, errors } = await browser.open(join(out, 'report.html'));
        expect((await page.locator('#verdict').textContent())?.trim()).toBe('INTERRUPTED');
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    }
  });
});

describe('a second Ctrl-C', () => {
  it('skips to a fast teardown and still leaves nothing running', async () => {
    const out = mkdtempSync(join(tmpdir(), 'interrupt-twice-'));
    const cli = runCli('harness/cli/scenario.ts', ['service-down', '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs'), '--time-scale', '0.1', '--port-offset', String(OFFSET), '--out', out]);
    await cli.waitFor(/kill -9 filesystem-mcp done/, 180_000);
    cli.child.kill('SIGINT');
    await cli.waitFor(/rolling back, writing the reports/, 10_000);
    cli.child.kill('SIGINT');
    expect(await cli.exited, cli.output().slice(-3000)).toBe(130);
    expect(await busyPorts(ports())).toEqual([]);
  });
});
