/**
 * Renders the seed's log pipeline, Loki + Promtail, for the native backend: loopback
 * listeners on the port plan, data in the run directory, and Docker discovery replaced
 * by file discovery of the fake services' logs, labelled as Docker + Compose label them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Topology } from '../plan/topology.ts';
import { dataPathChange, loadYaml, mapUrl, rewritePaths, scalarAt, seqLength, set, type Path, type Recorder } from './yaml-edit.ts';
import { nativeDataPath } from '../plan/volumes.ts';

export interface LokiPromtailFiles {
  loki: string;
  promtail: string;
  promtailTargets: string;
}

export function renderLokiPromtail(out: string, t: Topology, rec: Recorder): LokiPromtailFiles {
  const lokiFile = join(out, 'loki/loki-config.yml');
  const loki = loadYaml(lokiFile, 'Loki config');
  set(loki, rec, lokiFile, ['server', 'http_listen_address'], '127.0.0.1', 'bind loopback only');
  set(loki, rec, lokiFile, ['server', 'http_listen_port'], t.component.loki.port, 'port plan');
  set(loki, rec, lokiFile, ['server', 'grpc_listen_address'], '127.0.0.1', 'bind loopback only');
  set(loki, rec, lokiFile, ['server', 'grpc_listen_port'], t.component.loki.extra.grpc, 'port plan');
  // Loki advertises the first private interface address in its ring by default; on loopback it must be 127.0.0.1.
  set(loki, rec, lokiFile, ['common', 'instance_addr'], '127.0.0.1', 'ring address on loopback');
  rewritePaths(loki, rec, lokiFile, [], (p) => {
    if (!p.startsWith('/loki') && !p.startsWith('/tmp/')) return undefined;
    const d = nativeDataPath(t.dataDir, 'loki', p);
    return d.path ? { to: d.path, ...dataPathChange(d.storage) } : undefined;
  });
  writeFileSync(lokiFile, loki.toString());

  const ptFile = join(out, 'promtail/promtail-config.yml');
  const pt = loadYaml(ptFile, 'Promtail config');
  const ptData = join(t.dataDir, 'promtail');
  const targetsFile = join(out, 'promtail/targets/docker.yml');
  set(pt, rec, ptFile, ['server', 'http_listen_address'], '127.0.0.1', 'bind loopback only');
  set(pt, rec, ptFile, ['server', 'http_listen_port'], t.component.promtail.port, 'port plan');
  set(pt, rec, ptFile, ['server', 'grpc_listen_address'], '127.0.0.1', 'bind loopback only');
  set(pt, rec, ptFile, ['server', 'grpc_listen_port'], t.component.promtail.extra.grpc, 'port plan');
  // Where the shipper keeps its read positions is part of the config under test: a volume
  // survives a recreate, the container's /tmp does not, /dev/null keeps nothing.
  const positions = String(scalarAt(pt, ['positions', 'filename']) ?? '/var/log/positions.yaml');
  const moved = nativeDataPath(t.dataDir, 'promtail', positions);
  if (moved.path) set(pt, rec, ptFile, ['positions', 'filename'], moved.path, dataPathChange(moved.storage).reason, dataPathChange(moved.storage).how);
  mkdirSync(ptData, { recursive: true });
  for (let c = 0; c < seqLength(pt, ['clients']); c++) {
    const from = String(scalarAt(pt, ['clients', c, 'url']));
    const to = mapUrl(t, from);
    if (to) set(pt, rec, ptFile, ['clients', c, 'url'], to, 'Compose DNS name → loopback port');
  }
  for (let j = 0; j < seqLength(pt, ['scrape_configs']); j++) {
    if (scalarAt(pt, ['scrape_configs', j, 'docker_sd_configs']) !== undefined) {
      rec.change(ptFile, `scrape_configs[${j}].docker_sd_configs`, '(Docker socket discovery)', `file_sd_configs: ${targetsFile}`, "no Docker here: the fake services' log files are described with the same __meta_docker_* labels, so the config's relabel rules apply unchanged", { kind: 'meaning-preserving' });
      pt.deleteIn(['scrape_configs', j, 'docker_sd_configs']);
      pt.setIn(['scrape_configs', j, 'file_sd_configs'], [{ files: [targetsFile], refresh_interval: '5s' }]);
    }
    for (let s = 0; s < seqLength(pt, ['scrape_configs', j, 'static_configs']); s++) {
      const path: Path = ['scrape_configs', j, 'static_configs', s, 'labels', '__path__'];
      const p = scalarAt(pt, path);
      if (typeof p === 'string' && p.startsWith('/var/log')) set(pt, rec, ptFile, path, join(t.logDir, 'system', p.slice('/var/log/'.length)), "the host's /var/log is not the stack under test; an empty run-directory folder stands in", { kind: 'cannot-keep-meaning' });
    }
  }
  writeFileSync(ptFile, pt.toString());
  mkdirSync(dirname(targetsFile), { recursive: true });
  mkdirSync(join(t.logDir, 'system'), { recursive: true });
  writeFileSync(targetsFile, renderDockerTargets(t));
  return { loki: lokiFile, promtail: ptFile, promtailTargets: targetsFile };
}

/**
 * Promtail file-discovery targets standing in for Docker discovery: one group per fake
 * service, labelled as Docker + Compose would label its container.
 */
export function renderDockerTargets(t: Topology): string {
  const groups = t.services.map((s) => ({
    targets: ['localhost'],
    labels: {
      __path__: s.logFile,
      __meta_docker_container_name: `/${s.name}`,
      __meta_docker_container_label_com_docker_compose_service: s.name,
      __meta_docker_container_label_com_docker_compose_project: 'mcp-orchestration',
      __meta_docker_container_label_mcp_service_group: s.group,
    },
  }));
  return JSON.stringify(groups, null, 2) + '\n';
}
