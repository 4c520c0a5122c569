/**
 * The other commands on the containers backend: a Ctrl-C mid-scenario rolls back, writes the
 * interrupted report and leaves no container, network or port; `capacity` runs its load and
 * its monitoring-truth checks against the containerised stack just as natively, and grows
 * the containerised stack's targets, series and log rate.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateResults } from '../../../reports/results-schema.ts';
import type { CapacityGrowthStep, CapacityLogGrowthStep, CapacityResult } from '../../../harness/events/capacity.ts';
import { busyPorts, runCli } from '../../support/stack-helpers.ts';
import { planned, runContainers, runNetworks, skipReason, VL } from '../../support/containers.ts';
import { assertion, readScenarioResult } from '../../support/results.ts';

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
  // Time scale 0.2: a 2 s scrape timeout (at 0.05 its 0.5 s was within reach of a container scrape on a loaded machine).
  it('capacity --target monitoring --backend containers: both axes grow the containerised stack, virtual targets and log lines, every guarantee held', async () => {
    const offset = 12_200;
    const out = mkdtempSync(join(tmpdir(), 'containers-growth-'));
    const cli = runCli('harness/cli/capacity.ts', ['--backend', 'containers', '--target', 'monitoring', '--max-series', '30000', '--max-log-rate', '1000', '--time-scale', '0.2', '--monitoring-dir', VL, '--port-offset', String(offset), '--out', out, '--reporter', 'json']);
    expect(await cli.exited, cli.output().slice(-3000)).toBe(0);
    type Capacity = { capacity: { steps: (CapacityGrowthStep | CapacityLogGrowthStep)[]; result: CapacityResult } };
    // The virtual targets run in their own container, which the containerised Prometheus scrapes.
    const series = readScenarioResult(join(out, 'capacity-monitoring')) as unknown as Capacity;
    const grown = series.capacity.steps as CapacityGrowthStep[];
    expect(grown.length).toBeGreaterThanOrEqual(2);
    expect(grown.at(-1)!.targets).toBeGreaterThan(grown[0]!.targets);
    for (const s of grown) expect([s.kind, s.ok, s.droppedSamples]).toEqual(['growth', true, 0]);
    expect(series.capacity.result.headroom?.multipleOfToday.targets).toBeGreaterThanOrEqual(2);
    const logs = readScenarioResult(join(out, 'capacity-monitoring-logs')) as unknown as Capacity;
    expect(logs.capacity.steps.length).toBeGreaterThanOrEqual(2);
    for (const s of logs.capacity.steps as CapacityLogGrowthStep[]) expect([s.kind, s.missing, s.ok]).toEqual(['log-growth', 0, true]);
    expect(logs.capacity.result.logHeadroom?.multipleOfToday).toBeGreaterThan(10);
    expect(await runContainers(offset)).toEqual([]);
  }, 300_000);
});
