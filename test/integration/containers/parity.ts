/**
 * The containers backend on a real engine (podman here, from `npm run setup --
 * --containers`), with the local images, on the permissive folder: the same scenario files
 * give the same verdicts as natively at time scale 0.1 (service-down and log-pipeline among
 * them), every published port is on 127.0.0.1, and a SIGKILL of the harness leaves no
 * container, network or listening port (the reaper removes what carries the run's label).
 * The seed folder's parity is seed-parity.ts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { busyPorts, eventually, runCli } from '../../support/stack-helpers.ts';
import { expectParity, PARITY, planned, runContainers, runNetworks, skipReason, VL } from '../../support/containers.ts';

describe.skipIf(skipReason)(`the containers backend${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('monitoring-victorialogs: the same scenario files give the same verdicts natively and on containers (local images, time scale 0.1), every container port on 127.0.0.1', async () => {
    const scenarios = [...PARITY, 'log-pipeline'];
    await expectParity('monitoring-victorialogs', scenarios, 11_000, 11_400, Object.fromEntries(scenarios.map((n) => [n, 'pass'])));
  }, 900_000);

  it('a SIGKILL of the harness leaves no container, network or listening port', async () => {
    const offset = 11_200;
    const out = mkdtempSync(join(tmpdir(), 'containers-kill-'));
    const cli = runCli('harness/cli/scenario.ts', ['baseline', '--backend', 'containers', '--monitoring-dir', VL, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out]);
    await cli.waitFor('▶ baseline', 240_000);
    expect((await runContainers(offset)).length).toBeGreaterThanOrEqual(25);
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(await eventually(async () => (await runContainers(offset)).length === 0, 60_000, 500), 'the reaper removed every container').toBe(true);
    expect(await eventually(async () => (await runNetworks(offset)).length === 0, 20_000, 500), 'and the network').toBe(true);
    expect(await eventually(async () => (await busyPorts(planned(offset))).length === 0, 20_000, 500)).toBe(true);
    expect(readFileSync(join(out, 'stack/logs/reaper.log'), 'utf8')).toMatch(/removing \d+ container\(s\) and \d+ network\(s\) labelled mcp-harness\.run=/);
  }, 300_000);
});
