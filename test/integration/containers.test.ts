/**
 * The containers backend on a real engine (podman here, from `npm run setup --
 * --containers`), with the local images: the same scenario files pass unchanged at time
 * scale 0.1, every published port is on 127.0.0.1, and a SIGKILL of the harness leaves no
 * container, network or listening port (the reaper removes what carries the run's label).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { buildTopology, plannedPorts } from '../../harness/plan/topology.ts';
import { containerEngineEnv, detectEngine, engineRequest } from '../../harness/stack/containers/engine.ts';
import { RUN_LABEL } from '../../harness/stack/containers/containers-stack.ts';
import { validateResults } from '../../reports/results-schema.ts';
import { busyPorts, eventually, runCli } from '../support/stack-helpers.ts';

const engine = await detectEngine();
const skipReason = engine ? undefined : 'no container engine answers: run `npm run setup -- --containers`';
const VL = join(REPO_ROOT, 'monitoring-victorialogs');

interface ContainerSummary {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number }[];
}

/** Containers and networks of the runs at this port offset (their run label starts with it). */
async function runContainers(offset: number): Promise<ContainerSummary[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [RUN_LABEL] }));
  const res = await engineRequest(containerEngineEnv().DOCKER_HOST!, 'GET', `/containers/json?all=1&filters=${filters}`);
  const all = (await res.body.json()) as ContainerSummary[];
  return all.filter((c) => c.Labels[RUN_LABEL]?.startsWith(`${offset}-`));
}

async function runNetworks(offset: number): Promise<string[]> {
  const res = await engineRequest(containerEngineEnv().DOCKER_HOST!, 'GET', '/networks');
  return ((await res.body.json()) as { Name: string }[]).map((n) => n.Name).filter((n) => n.startsWith(`mcp-harness-${offset}-`));
}

const planned = (offset: number) => plannedPorts(buildTopology({ offset, runDir: '/x' }), { services: true }).map((p) => p.port);

describe.skipIf(skipReason)(`the containers backend${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('runs service-down and log-pipeline unchanged at time scale 0.1, every port published on 127.0.0.1 only', async () => {
    const offset = 10_000;
    const out = mkdtempSync(join(tmpdir(), 'containers-run-'));
    const cli = runCli('harness/cli/scenario.ts', ['service-down', 'log-pipeline', '--backend', 'containers', '--monitoring-dir', VL, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out, '--reporter', 'list,json,junit']);
    await cli.waitFor('▶ service-down', 240_000);
    const containers = await runContainers(offset);
    expect(containers.length).toBeGreaterThanOrEqual(25);
    const published = containers.flatMap((c) => c.Ports.filter((p) => p.PublicPort !== undefined).map((p) => ({ name: c.Names[0], ip: p.IP, port: p.PublicPort })));
    expect(published.length).toBeGreaterThan(40);
    expect(published.filter((p) => p.ip !== '127.0.0.1')).toEqual([]);
    expect(await cli.exited, cli.output().slice(-4000)).toBe(0);
    for (const name of ['service-down', 'log-pipeline']) {
      const doc = JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')) as { scenarios: { name: string; verdict: string }[] };
      expect(validateResults(doc)).toEqual([]);
      expect(doc.scenarios.map((s) => [s.name, s.verdict])).toEqual([[name, 'pass']]);
    }
    expect(cli.output()).toMatch(/Starting the stack on the containers backend/);
    expect(await runContainers(offset)).toEqual([]);
    expect(await runNetworks(offset)).toEqual([]);
    expect(await busyPorts(planned(offset))).toEqual([]);
  }, 420_000);

  it('a SIGKILL of the harness leaves no container, network or listening port', async () => {
    const offset = 10_200;
    const out = mkdtempSync(join(tmpdir(), 'containers-kill-'));
    const cli = runCli('harness/cli/scenario.ts', ['baseline', '--backend', 'containers', '--monitoring-dir', VL, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out]);
    await cli.waitFor('▶ baseline', 240_000);
    expect((await runContainers(offset)).length).toBeGreaterThanOrEqual(25);
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(await eventually(async () => (await runContainers(offset)).length === 0, 60_000, 500), 'the reaper removed every container').toBe(true);
    expect(await eventually(async () => (await runNetworks(offset)).length === 0, 20_000, 500), 'and the network').toBe(true);
    expect(await eventually(async () => (await busyPorts(planned(offset))).length === 0, 20_000, 500)).toBe(true);
    expect(readFileSync(join(out, 'stack/logs/reaper.log'), 'utf8')).toMatch(/removing \d+ container\(s\) labelled mcp-harness\.run=/);
  }, 300_000);
});
