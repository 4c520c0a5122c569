/**
 * The containers backend on a real engine (podman here, from `npm run setup --
 * --containers`), with the local images: the same scenario files give the same verdicts as
 * natively on both bundled folders at time scale 0.1 (service-down and log-pipeline among
 * them), every published port is on 127.0.0.1, and a SIGKILL of the harness leaves no
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
  /** One run of `scenarios` on a backend: each scenario's verdict, and the run's output for messages. */
  async function verdicts(backend: 'native' | 'containers', folder: string, scenarios: string[], offset: number, during?: () => Promise<void>): Promise<{ verdicts: Record<string, string>; output: string; code: number | null }> {
    const out = mkdtempSync(join(tmpdir(), `parity-${backend}-`));
    const cli = runCli('harness/cli/scenario.ts', [...scenarios, '--backend', backend, '--monitoring-dir', folder, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out, '--reporter', 'list,json']);
    if (during) {
      await cli.waitFor(`▶ ${scenarios[0]}`, 240_000);
      await during();
    }
    const code = await cli.exited;
    const result: Record<string, string> = {};
    for (const name of scenarios) {
      const doc = JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')) as { scenarios: { name: string; verdict: string }[] };
      expect(validateResults(doc)).toEqual([]);
      result[name] = doc.scenarios[0]!.verdict;
    }
    expect(await busyPorts(planned(offset))).toEqual([]);
    return { verdicts: result, output: cli.output(), code };
  }

  // The scenarios the platform's restart, outage and alert behaviour rest on, on both bundled folders.
  const PARITY = ['baseline', 'service-down', 'high-latency', 'log-shipper-restart'];

  it.each([
    ['monitoring-victorialogs', [...PARITY, 'log-pipeline'], 10_000, 10_400],
    ['monitoring', PARITY, 10_600, 11_000],
  ] as const)('%s: the same scenario files give the same verdicts natively and on containers (local images, time scale 0.1), every container port on 127.0.0.1', async (folder, scenarios, containersOffset, nativeOffset) => {
    const checkPorts = async () => {
      const containers = await runContainers(containersOffset);
      expect(containers.length).toBeGreaterThanOrEqual(25);
      const published = containers.flatMap((c) => c.Ports.filter((p) => p.PublicPort !== undefined).map((p) => ({ name: c.Names[0], ip: p.IP, port: p.PublicPort })));
      expect(published.length).toBeGreaterThan(40);
      expect(published.filter((p) => p.ip !== '127.0.0.1')).toEqual([]);
    };
    const [onContainers, onNative] = await Promise.all([verdicts('containers', join(REPO_ROOT, folder), [...scenarios], containersOffset, checkPorts), verdicts('native', join(REPO_ROOT, folder), [...scenarios], nativeOffset)]);
    expect(onContainers.output).toMatch(/Starting the stack on the containers backend/);
    expect(onContainers.verdicts, onContainers.output.slice(-3000)).toEqual(onNative.verdicts);
    // Where Loki is not supplied, its scenarios are skipped on both, with the reason.
    const expected = folder === 'monitoring' ? { baseline: 'pass', 'service-down': 'pass', 'high-latency': 'pass', 'log-shipper-restart': 'skipped' } : Object.fromEntries(scenarios.map((n) => [n, 'pass']));
    expect(onNative.verdicts, onNative.output.slice(-3000)).toEqual(expected);
    expect(await runContainers(containersOffset)).toEqual([]);
    expect(await runNetworks(containersOffset)).toEqual([]);
  }, 900_000);

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
