/**
 * The containers backend: the stack and the fleet as containers on one network, through
 * testcontainers, on whatever Docker API answers (a user's Docker, or the podman service
 * setup starts). The folder runs as Compose runs it; the harness reaches every component on
 * its published 127.0.0.1 port, so the engine, chaos and assertions see the same
 * EnvironmentHandle as natively. Every container, and the network, carries the run's label,
 * which the reaper removes if the harness dies.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ImageName, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { request } from 'undici';
import { renderMonitoringConfig, type RenderedConfig } from '../../render/render.ts';
import { Reaper } from '../../process/reaper.ts';
import { buildTopology, plannedPorts, type Topology } from '../../plan/topology.ts';
import { assertPortsFree, isPortFree } from '../../plan/ports.ts';
import { COMPONENT_PORTS, type ComponentName } from '../../plan/port-plan.ts';
import type { ReceivedNotification } from '../../events/notification.ts';
import { UsageError } from '../../lib/errors.ts';
import { REPO_ROOT } from '../../lib/paths.ts';
import { inactiveLogComponents, type AbsentComponent } from '../components.ts';
import { loadManifest } from '../../lib/manifest.ts';
import { ensureFleetBundle } from '../fleet-bundle.ts';
import { HttpWait, waitUntilReady } from '../wait.ts';
import { defaultRunDir } from '../native-stack.ts';
import { COORDINATOR_NAME } from '../fleet.ts';
import type { ComponentStatus, EnvironmentHandle, FleetHandle, StackHandle, VirtualTargetsHandle } from '../handles.ts';
import { containerEngineEnv, detectEngine } from './engine.ts';
import { LoopbackContainer } from './loopback-container.ts';
import { ContainerProcess } from './container-process.ts';
import { containerDefinitions, newRunSecrets, type ContainerDefinition, type RunSecrets } from './definitions.ts';
import { serviceContainerDefinition, type ServiceContainerDefinition } from './fleet-containers.ts';
import { defaultImageSource, type ImageSource } from './images.ts';

export interface ContainersStackOptions {
  monitoringDir?: string;
  runDir?: string;
  portOffset?: number;
  timeScale?: number;
  seed: number;
  services?: boolean;
  images?: ImageSource;
  onProgress?: (line: string) => void;
}

export const RUN_LABEL = 'mcp-harness.run';

/** The engine must answer before anything is made; the environment testcontainers reads is set from it. */
async function useEngine(): Promise<string> {
  const engine = await detectEngine();
  if (!engine) throw new UsageError('no container engine answers (no DOCKER_HOST, no /var/run/docker.sock, no podman API service)', { field: '--backend containers', fix: 'run `npm run setup -- --containers` (installs and starts podman here), or start Docker' });
  Object.assign(process.env, containerEngineEnv());
  return engine.host;
}

export class ContainersStack {
  constructor(private readonly opts: ContainersStackOptions) {}

  async start(): Promise<StartedContainersStack> {
    const progress = this.opts.onProgress ?? (() => {});
    const engineHost = await useEngine();
    const runDir = resolve(this.opts.runDir ?? defaultRunDir());
    const topology = buildTopology({ offset: this.opts.portOffset ?? 0, runDir });
    const monitoringDir = this.opts.monitoringDir ?? join(REPO_ROOT, 'monitoring');
    mkdirSync(topology.logDir, { recursive: true });
    mkdirSync(join(topology.logDir, 'services'), { recursive: true });
    mkdirSync(topology.dataDir, { recursive: true });
    const rendered = renderMonitoringConfig({ monitoringDir, topology, timeScale: this.opts.timeScale ?? 1, backend: 'containers' });
    const images = this.opts.images ?? (await defaultImageSource());
    // Loki and Promtail are AGPL: on containers they run only from their upstream images.
    const absent = images === 'upstream' ? [] : absentOnLocalImages(rendered);
    await assertPortsFree(plannedPorts(topology, { services: this.opts.services !== false, except: inactiveLogComponents(rendered.logPipeline) }));
    const secrets = newRunSecrets();
    // For the user who connects by hand; owner-only, and never part of a report.
    writeFileSync(join(runDir, 'secrets.json'), JSON.stringify(secrets, null, 2), { mode: 0o600 });
    progress(`images: ${images}${this.opts.images ? '' : ' (chosen: no --images given)'}`);
    const defs = containerDefinitions(topology, rendered, images, secrets, engineHost.startsWith('unix://') ? engineHost.slice('unix://'.length) : undefined);
    const client = await getContainerRuntimeClient();
    for (const d of defs) {
      if (!(await client.image.exists(ImageName.fromString(d.image)))) throw new UsageError(`image ${d.image} (${d.name}) is not on the engine`, { field: '--images', fix: images === 'upstream' ? `pull it (docker pull ${d.image}), or use --images local` : 'build the local images: npm run setup -- --containers' });
    }
    for (const a of absent) progress(`${a.name}: ABSENT (${a.reason}); to supply it: ${a.how}`);

    const runId = `${topology.offset}-${Date.now().toString(36)}`;
    const label = `${RUN_LABEL}=${runId}`;
    const reaper = Reaper.start(join(topology.logDir, 'reaper.log'));
    reaper.registerContainers(engineHost.replace(/^unix:\/\//, ''), label);
    const network = `mcp-harness-${runId}`;
    await client.network.create({ Name: network, Driver: 'bridge', Labels: { [RUN_LABEL]: runId } });
    const started = new StartedContainersStack(topology, rendered, reaper, absent, network, runId, secrets, this.opts.seed);
    try {
      await started.startAll(defs, progress, this.opts.services !== false);
    } catch (e) {
      await started.stop();
      throw e;
    }
    writeFileSync(join(runDir, 'stack.json'), JSON.stringify(started.describe(), null, 2));
    return started;
  }
}

/** The folder's log components that have no local image (AGPL): absent, with how to run them. */
function absentOnLocalImages(cfg: RenderedConfig): AbsentComponent[] {
  const names = [cfg.logPipeline.store, cfg.logPipeline.shipper].filter((n) => loadManifest().userSupplied[n] !== undefined);
  return names.map((name) => {
    const spec = loadManifest().userSupplied[name]!;
    return { name, reason: `${name} is ${spec.license}: this project builds no local image of it`, how: `run with --images upstream on an engine that can pull ${spec.image}` };
  });
}

export class StartedContainersStack implements StackHandle {
  private readonly procs = new Map<string, ContainerProcess>();
  private readonly defs = new Map<string, ContainerDefinition | ServiceContainerDefinition>();
  private readonly readyMs = new Map<string, number>();
  private readonly images = new Map<string, string>();
  readonly notifications: ReceivedNotification[] = [];
  readonly alertReceiver = { notifications: this.notifications };
  private poller: NodeJS.Timeout | undefined;
  private stopped = false;
  private bundle: string | undefined;

  constructor(
    readonly topology: Topology,
    readonly config: RenderedConfig,
    private readonly reaper: Reaper,
    readonly absent: readonly AbsentComponent[],
    readonly network: string,
    readonly runId: string,
    private readonly secrets: RunSecrets,
    private readonly seed: number,
  ) {}

  get runDir(): string {
    return this.topology.runDir;
  }

  url(name: ComponentName): string {
    return this.topology.component[name].url;
  }

  has(name: ComponentName): boolean {
    return this.procs.has(name);
  }

  process(name: string): ContainerProcess {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no container named ${name} in this stack`);
    return p;
  }

  processes(): ContainerProcess[] {
    return [...this.procs.values()];
  }

  private async run(name: string, image: string, d: { aliases: string[]; command?: string[]; env?: Record<string, string>; binds: ContainerDefinition['binds']; ports: ContainerDefinition['ports'] }): Promise<ContainerProcess> {
    let c = new LoopbackContainer(image)
      .withName(`mcp-${name}-${this.runId}`)
      .withNetworkMode(this.network)
      .withNetworkAliases(...d.aliases)
      .withLoopbackPorts(d.ports)
      .withBindMounts(d.binds.map((b) => ({ source: b.source, target: b.target, mode: b.mode })))
      .withEnvironment(d.env ?? {})
      .withLabels({ [RUN_LABEL]: this.runId, 'mcp-harness.component': name })
      // Readiness is the harness's own wait, on the published port, as natively.
      .withWaitStrategy(Wait.forAll([]));
    if (d.command) c = c.withCommand(d.command);
    const container: StartedTestContainer = await c.start();
    const proc = await ContainerProcess.of(name, container, join(this.topology.logDir, `${name}.log`));
    this.procs.set(name, proc);
    this.images.set(name, image);
    return proc;
  }

  private async startService(d: ServiceContainerDefinition, image: string): Promise<number> {
    this.defs.set(d.name, d);
    await this.run(d.name, image, d);
    const ms = await waitUntilReady(undefined, d.wait, { timeoutMs: 60_000, name: d.name, logTail: () => this.procs.get(d.name)?.tail() ?? '' });
    this.readyMs.set(d.name, ms);
    return ms;
  }

  /** Everything in dependsOn order, independent parts together; the fleet after the broker and databases, before Prometheus. */
  async startAll(defs: ContainerDefinition[], progress: (line: string) => void, services: boolean): Promise<void> {
    const ready = new Map<string, Promise<void>>();
    const nodeImage = defs.find((d) => d.name === 'alert-receiver')!.image;
    const fleetDeps = ['mosquitto', 'postgres', 'redis'];
    const startOne = async (d: ContainerDefinition): Promise<void> => {
      this.defs.set(d.name, d);
      await Promise.all([...d.dependsOn, ...(d.name === 'prometheus' && services ? ['fleet'] : [])].map((x) => ready.get(x)));
      const t0 = Date.now();
      await this.run(d.name, d.image, d);
      progress(`${d.name}: container started (${d.image}), waiting for ${d.wait.describe()}`);
      const ms = await waitUntilReady(undefined, d.wait, { timeoutMs: d.readyTimeoutMs, name: d.name, logTail: () => this.procs.get(d.name)?.tail() ?? '' });
      this.readyMs.set(d.name, Date.now() - t0);
      progress(`${d.name}: ready in ${((Date.now() - t0) / 1000).toFixed(1)}s (${(ms / 1000).toFixed(1)}s after start)`);
    };
    for (const d of defs) ready.set(d.name, Promise.resolve().then(() => startOne(d)));
    if (services) {
      ready.set(
        'fleet',
        Promise.all(fleetDeps.map((x) => ready.get(x))).then(async () => {
          const t0 = Date.now();
          this.bundle = await ensureFleetBundle();
          const svcs = this.topology.services;
          // The coordinator last, so its upstreams answer when it starts routing.
          await Promise.all(svcs.filter((s) => s.name !== COORDINATOR_NAME).map((s) => this.startService(serviceContainerDefinition(this.topology, s, this.seed, this.secrets, this.bundle!), nodeImage)));
          const coord = svcs.find((s) => s.name === COORDINATOR_NAME);
          if (coord) await this.startService(serviceContainerDefinition(this.topology, coord, this.seed, this.secrets, this.bundle), nodeImage);
          progress(`fake services: ${svcs.length} containers ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
        }),
      );
    }
    const results = await Promise.allSettled(ready.values());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    this.pollNotifications();
  }

  /** Notifications land in the receiver container; the harness reads them back as they come. */
  private pollNotifications(): void {
    const url = `${this.topology.component['alert-receiver'].url}/alerts`;
    const tick = async () => {
      try {
        const res = await request(url, { headersTimeout: 2000, bodyTimeout: 2000 });
        const all = (await res.body.json()) as ReceivedNotification[];
        if (all.length > this.notifications.length) this.notifications.push(...all.slice(this.notifications.length));
      } catch {
        // The receiver is restarting or the stack is stopping: next tick.
      }
    };
    this.poller = setInterval(() => void tick(), 250);
    this.poller.unref();
  }

  /**
   * In a container on the stack's network (alias capacity-targets), run from the repository
   * by Node's type stripping like the alert receiver: the containerised Prometheus cannot
   * reach this process's loopback. Sized through its published 127.0.0.1 port.
   */
  async serveVirtualTargets(): Promise<VirtualTargetsHandle> {
    const name = 'capacity-targets';
    if (this.procs.has(name)) throw new Error('virtual targets are already being served');
    const { containerPort } = COMPONENT_PORTS[name];
    const url = this.topology.component[name].url;
    const nodeImage = this.images.get('alert-receiver')!;
    const proc = await this.run(name, nodeImage, {
      aliases: [name],
      command: ['node', '/app/fake-services/virtual-targets-main.ts'],
      env: { PORT: String(containerPort) },
      binds: [{ source: REPO_ROOT, target: '/app', mode: 'ro' }],
      ports: [{ container: containerPort, host: this.topology.component[name].port }],
    });
    await waitUntilReady(undefined, new HttpWait(`${url}/ready`), { timeoutMs: 30_000, name, logTail: () => proc.tail() });
    return {
      scrapeAddress: `${name}:${containerPort}`,
      setSeriesPerTarget: async (n) => {
        const res = await request(`${url}/series/${n}`, { method: 'PUT', headersTimeout: 30_000 });
        await res.body.dump();
        if (res.statusCode !== 204) throw new Error(`PUT ${url}/series/${n} → ${res.statusCode}`);
      },
      stop: async () => {
        this.procs.delete(name);
        await proc.remove();
      },
    };
  }

  /** `docker start` of a killed or stopped component (a restart keeps its writable layer); resolves when ready. */
  async restartComponent(name: ComponentName): Promise<number> {
    return this.restartContainer(name);
  }

  /** A container path through the component's bind mounts (the deepest that covers it); undefined when only the container has it. */
  hostPath(component: ComponentName, path: string): string | undefined {
    const d = this.defs.get(component);
    const bind = d?.binds.filter((b) => path === b.target || path.startsWith(`${b.target}/`)).sort((a, b) => b.target.length - a.target.length)[0];
    return bind ? join(bind.source, path.slice(bind.target.length)) : undefined;
  }

  /** `docker rm` and a new container from the same definition: its own filesystem gone, its volumes (run-folder binds) kept. */
  async recreateComponent(name: ComponentName): Promise<number> {
    const d = this.defs.get(name);
    if (!d || !('readyTimeoutMs' in d)) throw new Error(`no component container named ${name}`);
    await this.process(name).remove();
    await this.run(name, d.image, d);
    const ms = await waitUntilReady(undefined, d.wait, { timeoutMs: d.readyTimeoutMs, name, logTail: () => this.procs.get(name)?.tail() ?? '' });
    this.readyMs.set(name, ms);
    return ms;
  }

  async restartContainer(name: string): Promise<number> {
    const p = this.process(name);
    const d = this.defs.get(name);
    if (!d) throw new Error(`no container named ${name}`);
    if (p.running) await p.stop();
    await p.start();
    const timeoutMs = 'readyTimeoutMs' in d ? d.readyTimeoutMs : 60_000;
    const ms = await waitUntilReady(undefined, d.wait, { timeoutMs, name, logTail: () => p.tail() });
    this.readyMs.set(name, ms);
    return ms;
  }

  describe(): { runDir: string; offset: number; timeScale: number; components: ComponentStatus[]; absent: AbsentComponent[] } {
    return {
      runDir: this.runDir,
      offset: this.topology.offset,
      timeScale: this.config.timeScale,
      absent: [...this.absent],
      components: [...this.procs.values()].map((p) => ({
        name: p.name,
        pid: p.pid,
        running: p.running,
        readyMs: this.readyMs.get(p.name),
        url: (this.topology.component as Record<string, { url: string }>)[p.name]?.url,
        version: this.images.get(p.name) ?? '',
      })),
    };
  }

  /** Removes every container and the network; then no planned port may be held. */
  async stop(): Promise<{ leftoverPorts: number[] }> {
    if (this.stopped) return { leftoverPorts: [] };
    this.stopped = true;
    clearInterval(this.poller);
    await Promise.all([...this.procs.values()].map((p) => p.remove()));
    // Also any container whose start was cut short before it was registered: everything with the run's label.
    const client = await getContainerRuntimeClient();
    const left = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${this.runId}`] } }).catch(() => []);
    await Promise.all(left.map((c) => client.container.getById(c.Id).remove({ force: true, v: true }).catch(() => {})));
    await client.network.remove(client.network.getById(this.network)).catch(() => {});
    this.reaper.unregisterContainers();
    this.reaper.close();
    const leftoverPorts: number[] = [];
    for (const p of plannedPorts(this.topology, { services: true })) if (!(await isPortFree(p.port))) leftoverPorts.push(p.port);
    return { leftoverPorts };
  }
}

/** The containers environment: the same handle the engine, chaos and assertions see natively. */
export async function startContainersEnvironment(opts: ContainersStackOptions): Promise<EnvironmentHandle & { stack: StartedContainersStack; stop(): Promise<{ leftoverPorts: number[] }> }> {
  const stack = await new ContainersStack(opts).start();
  const fleet: FleetHandle = { restart: (name) => stack.restartContainer(name) };
  return { stack, fleet, seed: opts.seed, stop: () => stack.stop() };
}
