/**
 * The fake-service fleet: the 16 MCP services and the zen-coordinator, each its own OS
 * process under the stack's supervisor (so a chaos kill is a real SIGKILL of a real
 * process), configured from the catalog and the run's topology.
 */
import { join } from 'node:path';
import { CONFIG_ENV, type FakeServiceConfig } from '../../fake-services/config.ts';
import { fleetBundleDir, REPO_ROOT } from '../lib/paths.ts';
import type { ManagedProcess } from '../process/supervisor.ts';
import { mqttUrl, postgresUrl, redisUrl } from './components.ts';
import { ensureFleetBundle } from './fleet-bundle.ts';
import type { StartedNativeStack } from './native-stack.ts';
import type { ComponentName } from '../plan/port-plan.ts';
import type { ServiceEndpoint, Topology } from '../plan/topology.ts';
import { HttpWait, waitUntilReady } from './wait.ts';

export const COORDINATOR_NAME = 'zen-coordinator';

/** The services use the broker, PostgreSQL and Redis from their first second; Prometheus scrapes them, so its first scrape should find them up. */
export const FLEET_DEPENDENCIES: { dependsOn: ComponentName[]; neededBy: ComponentName[] } = { dependsOn: ['mosquitto', 'postgres', 'redis'], neededBy: ['prometheus'] };

export interface FleetOptions {
  seed: number;
  onProgress?: (line: string) => void;
}

// Young generation capped at 4 MiB (grows to 8+ by default): 17 idle services 1694 -> 1588 MiB RSS, 860 -> 761 MiB Pss, one under load 223 -> 148 MiB; req/s same below saturation, 0-13% lower at it (bench/fleet-rss.ts, fake-service-throughput.ts).
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** Arguments to process.execPath that run one fake service from the bundle, as the fleet does. */
export const serviceArgs = (bundle: string): string[] => [...SERVICE_NODE_FLAGS, bundle];

/** One service's MCP_FAKE_CONFIG in a run with topology `t` (also what bench/fleet-rss.ts starts). */
export function serviceConfig(t: Topology, svc: ServiceEndpoint, seed: number): FakeServiceConfig {
  const upstreams = svc.name === COORDINATOR_NAME ? Object.fromEntries(t.services.filter((s) => s.name !== COORDINATOR_NAME).map((s) => [s.name, s.baseUrl])) : undefined;
  return {
    service: svc.name,
    port: svc.port,
    controlPort: svc.controlPort,
    host: '127.0.0.1',
    logFile: svc.logFile,
    // One seed per run; each service derives its own stream from it and its name.
    seed,
    mqttUrl: mqttUrl(t),
    postgresUrl: svc.name === 'postgresql-mcp' ? postgresUrl(t) : undefined,
    redisUrl: svc.name === 'redis-mcp' ? redisUrl(t) : undefined,
    upstreams,
    upstreamTimeoutMs: 5000,
    heartbeatSeconds: 5,
    poolSize: 4,
  };
}

export class Fleet {
  /** The built fake services (fleet-bundle.ts), set by start(). */
  private bundle: string | undefined;

  constructor(
    private readonly stack: StartedNativeStack,
    private readonly opts: FleetOptions,
  ) {}

  configFor(svc: ServiceEndpoint): FakeServiceConfig {
    return serviceConfig(this.stack.topology, svc, this.opts.seed);
  }

  /** Starts one service process (also used to restart after a kill); start() must have run. */
  startService(svc: ServiceEndpoint): ManagedProcess {
    if (!this.bundle) throw new Error('Fleet.startService before Fleet.start: the fake-service bundle is not ready');
    return this.stack.supervisor.start({
      name: svc.name,
      // Plain node on the prebuilt bundle: no TypeScript compiled per process.
      command: process.execPath,
      args: serviceArgs(this.bundle),
      cwd: REPO_ROOT,
      // V8's compile cache beside the bundle: the 17 starts after the first skip compiling it.
      env: { [CONFIG_ENV]: JSON.stringify(this.configFor(svc)), NODE_COMPILE_CACHE: join(fleetBundleDir(), 'compile-cache') },
      logFile: join(this.stack.topology.logDir, `process-${svc.name}.log`),
      stopTimeoutMs: 5000,
    });
  }

  async waitReady(svc: ServiceEndpoint, proc: ManagedProcess, timeoutMs = 30_000): Promise<number> {
    return waitUntilReady(proc, new HttpWait(`${svc.baseUrl}/health`), { timeoutMs, name: svc.name });
  }

  async start(): Promise<StartedFleet> {
    const progress = this.opts.onProgress ?? (() => {});
    const t0 = Date.now();
    this.bundle = await ensureFleetBundle();
    // The coordinator last, so its upstreams are there when it starts routing.
    const services = this.stack.topology.services;
    const ordered = [...services.filter((s) => s.name !== COORDINATOR_NAME), ...services.filter((s) => s.name === COORDINATOR_NAME)];
    await Promise.all(ordered.map(async (svc) => this.waitReady(svc, this.startService(svc))));
    progress(`fake services: ${services.length} processes ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return new StartedFleet(this, this.stack);
  }
}

export class StartedFleet {
  constructor(
    private readonly fleet: Fleet,
    private readonly stack: StartedNativeStack,
  ) {}

  get services(): ServiceEndpoint[] {
    return this.stack.topology.services;
  }

  endpoint(name: string): ServiceEndpoint {
    const s = this.services.find((x) => x.name === name);
    if (!s) throw new Error(`no service named ${name}; known: ${this.services.map((x) => x.name).join(', ')}`);
    return s;
  }

  process(name: string): ManagedProcess {
    return this.stack.process(name);
  }

  /** Starts a killed or stopped service again with the same config, and waits for /health. */
  async restart(name: string): Promise<number> {
    const svc = this.endpoint(name);
    const p = this.stack.supervisor.get(name);
    if (p?.running) await p.stop();
    return this.fleet.waitReady(svc, this.fleet.startService(svc));
  }

  async stop(): Promise<void> {
    await Promise.all(this.services.map((s) => this.stack.supervisor.get(s.name)?.stop()));
  }
}
