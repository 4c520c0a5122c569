/** Shared by the containers tests: the engine, the containers and networks of a run, and a parity run. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildTopology, plannedPorts } from '../../harness/plan/topology.ts';
import { containerEngineEnv, detectEngine, engineRequest } from '../../harness/stack/containers/engine.ts';
import { RUN_LABEL } from '../../harness/stack/containers/containers-stack.ts';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { type ResultsDocument, validateResults } from '../../reports/results-schema.ts';
import { busyPorts, runCli } from './stack-helpers.ts';

export const engine = await detectEngine();
export const skipReason = engine ? undefined : 'no container engine answers: run `npm run setup -- --containers`';
export const VL = join(REPO_ROOT, 'monitoring-victorialogs');

interface ContainerSummary {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number }[];
}

/** Containers and networks of the runs at this port offset (their run label starts with it). */
export async function runContainers(offset: number): Promise<ContainerSummary[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [RUN_LABEL] }));
  const res = await engineRequest(containerEngineEnv().DOCKER_HOST!, 'GET', `/containers/json?all=1&filters=${filters}`);
  const all = (await res.body.json()) as ContainerSummary[];
  return all.filter((c) => c.Labels[RUN_LABEL]?.startsWith(`${offset}-`));
}

export async function runNetworks(offset: number): Promise<string[]> {
  const res = await engineRequest(containerEngineEnv().DOCKER_HOST!, 'GET', '/networks');
  return ((await res.body.json()) as { Name: string }[]).map((n) => n.Name).filter((n) => n.startsWith(`mcp-harness-${offset}-`));
}

export const planned = (offset: number) => plannedPorts(buildTopology({ offset, runDir: '/x' }), { services: true }).map((p) => p.port);


/** One run of `scenarios` on a backend: each scenario's verdict, and the run's output for messages. */
export async function verdicts(backend: 'native' | 'containers', folder: string, scenarios: string[], offset: number, during?: () => Promise<void>): Promise<{ verdicts: Record<string, string>; output: string; why: string; code: number | null }> {
  const out = mkdtempSync(join(tmpdir(), `parity-${backend}-`));
  const cli = runCli('harness/cli/scenario.ts', [...scenarios, '--backend', backend, '--monitoring-dir', folder, '--time-scale', '0.1', '--port-offset', String(offset), '--out', out, '--reporter', 'list,json']);
  if (during) {
    await cli.waitFor(`▶ ${scenarios[0]}`, 240_000);
    await during();
  }
  const code = await cli.exited;
  const result: Record<string, string> = {};
  const why: string[] = [];
  for (const name of scenarios) {
    const doc = JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8')) as ResultsDocument;
    expect(validateResults(doc)).toEqual([]);
    const scenario = doc.scenarios[0]!;
    result[name] = scenario.verdict;
    // A verdict that differs must say which check decided it, not only the run's last lines.
    if (scenario.error) why.push(`${backend} ${name}: error: ${scenario.error}`);
    for (const a of scenario.assertions.filter((a) => a.verdict === 'fail')) why.push(`${backend} ${name}: ${a.title} (${a.startedAt} → ${a.endedAt}): ${a.message}`);
  }
  expect(await busyPorts(planned(offset))).toEqual([]);
  return { verdicts: result, output: cli.output(), why: why.join('\n'), code };
}


/** The scenarios the platform's restart, outage and alert behaviour rest on, compared across backends. */
export const PARITY = ['baseline', 'service-down', 'high-latency', 'log-shipper-restart'];

/** Runs `scenarios` on both backends at once and requires identical verdicts, equal to `expected`. */
export async function expectParity(folder: string, scenarios: readonly string[], containersOffset: number, nativeOffset: number, expected: Record<string, string>): Promise<void> {
  const checkPorts = async () => {
    const containers = await runContainers(containersOffset);
    expect(containers.length).toBeGreaterThanOrEqual(25);
    const published = containers.flatMap((c) => c.Ports.filter((p) => p.PublicPort !== undefined).map((p) => ({ name: c.Names[0], ip: p.IP, port: p.PublicPort })));
    expect(published.length).toBeGreaterThan(40);
    expect(published.filter((p) => p.ip !== '127.0.0.1')).toEqual([]);
  };
  const [onContainers, onNative] = await Promise.all([verdicts('containers', join(REPO_ROOT, folder), [...scenarios], containersOffset, checkPorts), verdicts('native', join(REPO_ROOT, folder), [...scenarios], nativeOffset)]);
  expect(onContainers.output).toMatch(/Starting the stack on the containers backend/);
  expect(onContainers.verdicts, `${onContainers.why}\n${onNative.why}\n${onContainers.output.slice(-3000)}`).toEqual(onNative.verdicts);
  expect(onNative.verdicts, `${onNative.why}\n${onNative.output.slice(-3000)}`).toEqual(expected);
  expect(await runContainers(containersOffset)).toEqual([]);
  expect(await runNetworks(containersOffset)).toEqual([]);
}
