/**
 * The other commands on the containers backend: a Ctrl-C mid-scenario rolls back, writes the
 * interrupted report and leaves no container, network or port; `capacity` runs its load and
 * its monitoring-truth checks against the containerised stack just as natively, and grows the
 * log pipeline's rate there too.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateResults } from '../../reports/results-schema.ts';
import type { CapacityLogGrowthStep, CapacityResult } from '../../harness/events/capacity.ts';
import { busyPorts, runCli } from '../support/stack-helpers.ts';
import { planned, runContainers, runNetworks, skipReason, VL } from '../support/containers.ts';
import { assertion, readScenarioResult } from '../support/results.ts';

describe.skipIf(skipReason)(`commands on the containers backend${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('Ctrl-C mid-scenario: exit 130, the report says INTERRUPTED, and no container, network or port is left', async () => {
    const offset = 12_200;
    const out = mkdtempSync(join(tmpdir(), 'containers-sigint-'));
    const cli = runCli('harness/cli/scenario.ts', ['service-down', '--backend', 'containers', '--monitoring-dir', VL, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out]);
    await cli.waitFor(/kill -9 filesystem-mcp done/, 240_000);
    cli.child.kill('SIGINT');
    expect(await cli.exited, cli.output().slice(-2000)).toBe(130);
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { scenarios: { verdict: string }[] };
    expect(validateResults(doc)).toEqual([]);
    expect(doc.scenarios[0]!.verdict).toBe('interrupted');
    expect(await runContainers(offset)).toEqual([]);
    expect(await runNetworks(offset)).toEqual([]);
    expect(await busyPorts(planned(offset))).toEqual([]);
  }, 300_000);

  // Light steps: with the whole suite beside it, 80/s on 27 containers broke the SLO once, and the quantile is judged only where it held.
  it('capacity --backend containers: the monitoring counts every request and its quantile stays within the bucket bound', async () => {
    const offset = 12_400;
    const out = mkdtempSync(join(tmpdir(), 'containers-capacity-'));
    const cli = runCli('harness/cli/capacity.ts', ['--backend', 'containers', '--target', 'filesystem-mcp', '--stages', '20:6s,40:6s', '--slo', 'p99<1s,errors<5%', '--monitoring-dir', VL, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out, '--reporter', 'json']);
    expect(await cli.exited, cli.output().slice(-3000)).toBe(0);
    const r = readScenarioResult(out);
    for (const part of ['20/s: Prometheus counts', '40/s: Prometheus counts', '20/s: histogram_quantile', '40/s: histogram_quantile', 'within its timeout']) expect(assertion(r, part).verdict, part).toBe('pass');
    expect(cli.output()).toMatch(/Starting the stack on the containers backend/);
    expect(await runContainers(offset)).toEqual([]);
  }, 300_000);
  it('capacity --target monitoring --growth logs --backend containers: the log axis grows and reconciles every line against the containerised pipeline', async () => {
    const offset = 12_200;
    const out = mkdtempSync(join(tmpdir(), 'containers-log-growth-'));
    const cli = runCli('harness/cli/capacity.ts', ['--backend', 'containers', '--target', 'monitoring', '--growth', 'logs', '--max-log-rate', '1000', '--monitoring-dir', VL, '--port-offset', String(offset), '--out', out, '--reporter', 'json']);
    expect(await cli.exited, cli.output().slice(-3000)).toBe(0);
    const r = readScenarioResult(out) as unknown as { capacity: { steps: CapacityLogGrowthStep[]; result: CapacityResult } };
    expect(r.capacity.steps.length).toBeGreaterThanOrEqual(2);
    for (const s of r.capacity.steps) expect([s.kind, s.missing, s.ok]).toEqual(['log-growth', 0, true]);
    expect(r.capacity.result.logHeadroom?.multipleOfToday).toBeGreaterThan(10);
    expect(await runContainers(offset)).toEqual([]);
  }, 300_000);
});
