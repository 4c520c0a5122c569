/**
 * The generated Compose file under a real compose (v1, `docker-compose`) on the engine here
 * (podman's Docker API from `npm run setup -- --containers`): the monitoring-victorialogs
 * stack at port offset 12000 on the local images, every Prometheus target up, every
 * published port on 127.0.0.1, and `down -v` leaving no container, network or volume.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { COMPONENT_PORTS } from '../../harness/plan/port-plan.ts';
import { localImageEnv, renderComposeFile } from '../../harness/stack/containers/compose-file.ts';
import { detectEngine, engineRequest } from '../../harness/stack/containers/engine.ts';
import { ensureFleetBundle } from '../../harness/stack/fleet-bundle.ts';

const OFFSET = 12_000;
const FOLDER = 'monitoring-victorialogs';
const PROMETHEUS = `http://127.0.0.1:${COMPONENT_PORTS.prometheus.port + OFFSET}`;

const engine = await detectEngine();
const composeVersion = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
const skipReason = !engine
  ? 'no container engine answers: run `npm run setup -- --containers`'
  : composeVersion.status !== 0
    ? 'docker-compose is missing: run `npm run setup -- --containers` (installs the Debian package docker-compose)'
    : undefined;

interface ContainerSummary {
  Id: string;
  Names: string[];
  State: string;
  Labels: Record<string, string>;
  Ports: { IP?: string; PrivatePort: number; PublicPort?: number }[];
  Mounts: { Type: string; Name?: string }[];
}

interface Target {
  health: string;
  scrapeUrl: string;
  lastError: string;
  labels: Record<string, string>;
}

describe.skipIf(skipReason)(`docker-compose.test.yml under compose v1${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const project = `mcp-compose-${randomBytes(4).toString('hex')}`;
  let dir = '';
  let file = '';
  const env = { ...process.env, DOCKER_HOST: engine?.host ?? '', POSTGRES_PASSWORD: randomBytes(18).toString('hex'), ...localImageEnv() };
  // The file lives outside the repository; its relative paths (./monitoring-victorialogs/..., .:/app) are the repository's.
  const compose = (args: string[], timeout: number) => execa('docker-compose', ['-f', file, '--project-directory', REPO_ROOT, '-p', project, ...args], { env, all: true, reject: false, timeout });
  const api = async <T,>(path: string): Promise<T> => {
    const res = await engineRequest(engine!.host, 'GET', path, { timeoutMs: 10_000 });
    return (await res.body.json()) as T;
  };
  const containers = () => api<ContainerSummary[]>(`/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${project}`] }))}`);
  const t0 = Date.now();
  let upAt = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'compose-test-'));
    file = join(dir, 'docker-compose.yml');
    writeFileSync(file, renderComposeFile({ monitoringDir: FOLDER, portOffset: OFFSET }));
    await ensureFleetBundle();
    // The local images must be there: compose would try to pull them, and no registry answers here.
    for (const tag of Object.values(localImageEnv())) {
      const res = await engineRequest(engine!.host, 'GET', `/images/${encodeURIComponent(tag)}/json`, { timeoutMs: 10_000 });
      await res.body.dump();
      expect(res.status, `image ${tag} is not on the engine: run \`npm run setup -- --containers\``).toBe(200);
    }
    const up = await compose(['up', '-d'], 240_000);
    expect(up.exitCode, up.all).toBe(0);
    upAt = Date.now();
  }, 300_000);

  afterAll(async () => {
    if (!file) return;
    try {
      // Also the images' anonymous volumes (mosquitto's /mosquitto/data, redis's /data...): down -v removes them too.
      const used = (await containers()).flatMap((c) => c.Mounts.filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!));
      const down = await compose(['down', '-v', '--remove-orphans', '-t', '5'], 180_000);
      console.log(`[compose] up -d ${((upAt - t0) / 1000).toFixed(1)} s; whole test with down -v ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(down.exitCode, down.all).toBe(0);
      expect(await containers()).toEqual([]);
      // Compose v1 names them <project>_default, <project>_prometheus-data...
      expect((await api<{ Name: string }[]>('/networks')).map((n) => n.Name).filter((n) => n.startsWith(`${project}_`))).toEqual([]);
      const volumes = await api<{ Volumes: { Name: string }[] | null }>('/volumes');
      expect((volumes.Volumes ?? []).map((v) => v.Name).filter((n) => n.startsWith(`${project}_`) || used.includes(n))).toEqual([]);
      if (upAt) expect(used.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('brings every Prometheus target up within 120 s, and publishes every port on 127.0.0.1 only', async () => {
    // As many targets as the folder's prometheus.yml names, each scraped and up.
    const prom = parseYaml(readFileSync(join(REPO_ROOT, FOLDER, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const expected = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)).length;
    let targets: Target[] = [];
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${PROMETHEUS}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(5000) });
        targets = ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
      } catch {
        // Prometheus not answering yet
      }
      if (targets.length === expected && targets.every((t) => t.health === 'up')) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const notUp = targets.filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`);
    const diag = notUp.length || targets.length !== expected ? (await compose(['ps'], 30_000)).all : '';
    expect(notUp, diag).toEqual([]);
    expect(targets.length, diag).toBe(expected);
    console.log(`[compose] ${targets.length} targets up ${((Date.now() - upAt) / 1000).toFixed(1)} s after up -d`);
    expect(new Set(targets.map((t) => t.labels.job))).toEqual(new Set(['prometheus', 'zen-coordinator', 'mcp-core-services', 'mcp-ai-services', 'mcp-db-wrappers', 'mcp-mqtt', 'infrastructure', 'victorialogs', 'otelcol']));

    const all = await containers();
    const services = Object.keys((parseYaml(readFileSync(file, 'utf8')) as { services: object }).services);
    expect(all.map((c) => c.Labels['com.docker.compose.service']).sort()).toEqual([...services].sort());
    expect(all.filter((c) => c.State !== 'running').map((c) => c.Names[0])).toEqual([]);
    const published = all.flatMap((c) => c.Ports.filter((p) => p.PublicPort !== undefined).map((p) => ({ name: c.Names[0], ip: p.IP, port: p.PublicPort! })));
    expect(published.length).toBe(10 + 2 * 17);
    expect(published.filter((p) => p.ip !== '127.0.0.1')).toEqual([]);
    expect(published.filter((p) => p.port < 7000 + OFFSET || p.port > 7200 + OFFSET)).toEqual([]);
  }, 180_000);
});
