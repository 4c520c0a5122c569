/**
 * The fake-service fleet as containers: each of the 16 MCP services and the coordinator
 * runs the same prebuilt bundle as natively (plain node, the repository mounted read-only
 * for its packages), named as the Compose service the folder scrapes (terminal-mcp:7001),
 * its service and control ports published on 127.0.0.1 only.
 */
import { join } from 'node:path';
import { CONFIG_ENV, type FakeServiceConfig } from '../../../fake-services/config.ts';
import { CONTROL_PORT_OFFSET, serviceByName } from '../../../fake-services/catalog.ts';
import type { ServiceEndpoint, Topology } from '../../plan/topology.ts';
import { REPO_ROOT } from '../../lib/paths.ts';
import { HttpWait } from '../wait.ts';
import { COORDINATOR_NAME, SERVICE_NODE_FLAGS } from '../fleet.ts';
import { containerUrls, type Bind, type RunSecrets } from './definitions.ts';

export interface ServiceContainerDefinition {
  name: string;
  /** Its Compose DNS names: its own, and any server it stands in for. */
  aliases: string[];
  command: string[];
  env: Record<string, string>;
  binds: Bind[];
  ports: { container: number; host: number }[];
  wait: HttpWait;
}

/**
 * Servers the folder scrapes that the harness has no real one of: no Qdrant can be had here,
 * so qdrant-mcp's container also answers as qdrant:6333 (natively, the render maps the address).
 */
export const STANDS_IN: Record<string, { host: string; port: number }> = { 'qdrant-mcp': { host: 'qdrant', port: 6333 } };

/** The port a service listens on inside its container: the catalog's, as under Compose. */
const containerPortOf = (name: string): number => serviceByName(name)!.port;

export function serviceContainerConfig(t: Topology, svc: ServiceEndpoint, seed: number, secrets: RunSecrets): FakeServiceConfig {
  const urls = containerUrls(secrets);
  const port = containerPortOf(svc.name);
  const upstreams = svc.name === COORDINATOR_NAME ? Object.fromEntries(t.services.filter((s) => s.name !== COORDINATOR_NAME).map((s) => [s.name, `http://${s.name}:${containerPortOf(s.name)}`])) : undefined;
  return {
    service: svc.name,
    port,
    controlPort: port + CONTROL_PORT_OFFSET,
    // Inside its own network namespace; published on the host's 127.0.0.1 only.
    host: '0.0.0.0',
    logFile: `/var/log/mcp/${svc.name}.log`,
    seed,
    mqttUrl: urls.mqtt,
    postgresUrl: svc.name === 'postgresql-mcp' ? urls.postgres : undefined,
    redisUrl: svc.name === 'redis-mcp' ? urls.redis : undefined,
    upstreams,
    ...(STANDS_IN[svc.name] ? { aliasPorts: [STANDS_IN[svc.name]!.port] } : {}),
    upstreamTimeoutMs: 5000,
    heartbeatSeconds: 5,
    poolSize: 4,
  };
}

export function serviceContainerDefinition(t: Topology, svc: ServiceEndpoint, seed: number, secrets: RunSecrets, bundle: string): ServiceContainerDefinition {
  const cfg = serviceContainerConfig(t, svc, seed, secrets);
  const inRepo = bundle.startsWith(`${REPO_ROOT}/`) ? `/app/${bundle.slice(REPO_ROOT.length + 1)}` : undefined;
  if (!inRepo) throw new Error(`the fake-service bundle ${bundle} is outside the repository, so its packages cannot be mounted beside it`);
  return {
    name: svc.name,
    aliases: [svc.name, ...(STANDS_IN[svc.name] ? [STANDS_IN[svc.name]!.host] : [])],
    command: ['node', ...SERVICE_NODE_FLAGS, inRepo],
    env: { [CONFIG_ENV]: JSON.stringify(cfg) },
    binds: [
      { source: REPO_ROOT, target: '/app', mode: 'ro' },
      // The shared log volume the log shipper reads.
      { source: join(t.logDir, 'services'), target: '/var/log/mcp', mode: 'rw' },
    ],
    ports: [
      { container: cfg.port, host: svc.port },
      { container: cfg.controlPort, host: svc.controlPort },
    ],
    wait: new HttpWait(`${svc.baseUrl}/health`),
  };
}
