/**
 * The native backend: the whole stack as child processes on 127.0.0.1.
 * `NativeStack` holds the options; `start()` returns a `StartedNativeStack`, the only
 * thing that can be stopped (the testcontainers shape: a started thing is its own type).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { ephemeralDir } from '../plan/volumes.ts';
import { join, resolve } from 'node:path';
import { renderMonitoringConfig, type RenderedConfig } from '../render/render.ts';
import { Reaper } from '../process/reaper.ts';
import { Supervisor, type ManagedProcess } from '../process/supervisor.ts';
import { buildTopology, plannedPorts, type Topology } from '../plan/topology.ts';
import { assertPortsFree, isPortFree } from '../plan/ports.ts';
import { componentDefinitions, inactiveLogComponents, systemUser, type AbsentComponent, type ComponentDefinition } from './components.ts';
import { resolveBinary, type ResolvedBinary } from './binaries.ts';
import { waitUntilReady } from './wait.ts';
import { AlertReceiver } from './alert-receiver.ts';
import type { ComponentName } from '../plan/port-plan.ts';
import type { ComponentStatus, StackHandle, VirtualTargetsHandle } from './handles.ts';
import { serveInProcess } from './in-process-virtual-targets.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { detectLogPipeline } from '../plan/log-pipeline.ts';

export interface NativeStackOptions {
  monitoringDir?: string;
  /** Run directory; created. Defaults to runs/<timestamp>. */
  runDir?: string;
  portOffset?: number;
  timeScale?: number;
  /** Called with progress lines ("loki ready in 4.2s"). */
  onProgress?: (line: string) => void;
  /** More to start in the same dependency graph as the components (the fake-service fleet). */
  alsoStart?: StartNode[];
}

/**
 * Something started in the stack's dependency graph that is not a component process: it
 * starts once what it depends on is ready, and what it is `neededBy` waits for it (the
 * fleet is needed by Prometheus, so the first scrape finds the services up).
 */
export interface StartNode {
  name: string;
  dependsOn: ComponentName[];
  neededBy: ComponentName[];
  start(stack: StartedNativeStack): Promise<void>;
}

/** Stop order from `dependsOn` alone: every component before what it depends on (reverse topological order). */
export function stopOrder(defs: readonly ComponentDefinition[]): ComponentName[] {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const started: ComponentName[] = [];
  const visit = (d: ComponentDefinition, path: ComponentName[]): void => {
    if (started.includes(d.name)) return;
    if (path.includes(d.name)) throw new Error(`dependency cycle: ${[...path, d.name].join(' → ')}`);
    for (const dep of d.dependsOn) {
      const x = byName.get(dep);
      if (x) visit(x, [...path, d.name]);
    }
    started.push(d.name);
  };
  for (const d of defs) visit(d, []);
  return started.reverse();
}

/** The log components this folder's run will not start; none when the folder cannot be read (the render then says why). */
function inactivePorts(monitoringDir: string): ComponentName[] {
  try {
    return inactiveLogComponents(detectLogPipeline(resolve(monitoringDir)));
  } catch {
    return [];
  }
}

export function defaultRunDir(label = 'stack'): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(REPO_ROOT, 'runs', `${stamp}-${label}`);
}

export class NativeStack {
  constructor(private readonly opts: NativeStackOptions = {}) {}

  async start(): Promise<StartedNativeStack> {
    const progress = this.opts.onProgress ?? (() => {});
    const runDir = resolve(this.opts.runDir ?? defaultRunDir());
    const topology = buildTopology({ offset: this.opts.portOffset ?? 0, runDir });

    // Everything that can be wrong with the input is checked before anything starts.
    const binaries = new Map<string, ResolvedBinary>((['promtool', 'initdb'] as const).map((b) => [b, resolveBinary(b)]));
    if (process.getuid?.() === 0 && !systemUser('postgres')) throw new Error('running as root, PostgreSQL needs the "postgres" system user: run `npm run setup`');
    const monitoringDir = this.opts.monitoringDir ?? join(REPO_ROOT, 'monitoring');
    await assertPortsFree(plannedPorts(topology, { services: false, except: inactivePorts(monitoringDir) }));

    mkdirSync(topology.logDir, { recursive: true });
    mkdirSync(topology.dataDir, { recursive: true });
    const rendered = renderMonitoringConfig({ monitoringDir, topology, timeScale: this.opts.timeScale ?? 1 });
    for (const w of rendered.warnings) progress(`warning: ${w}`);
    const { definitions, absent } = componentDefinitions(topology, rendered);
    for (const d of definitions) binaries.set(d.binary, resolveBinary(d.binary));
    for (const a of absent) progress(`${a.name}: ABSENT (${a.reason}); to supply it: ${a.how}`);

    const reaper = Reaper.start(join(topology.logDir, 'reaper.log'));
    const supervisor = new Supervisor(reaper);
    const receiver = new AlertReceiver(topology.component['alert-receiver'].port, join(runDir, 'notifications.jsonl'));
    const started = new StartedNativeStack(topology, rendered, supervisor, reaper, receiver, binaries, absent);
    try {
      await receiver.start();
      await started.startComponents(definitions, progress, this.opts.alsoStart);
    } catch (e) {
      await started.stop();
      throw e;
    }
    writeFileSync(join(runDir, 'stack.json'), JSON.stringify(started.describe(), null, 2));
    return started;
  }
}

export class StartedNativeStack implements StackHandle {
  readonly readyMs = new Map<string, number>();
  private readonly definitions = new Map<string, ComponentDefinition>();
  private stopped = false;
  private virtualTargets: VirtualTargetsHandle | undefined;

  constructor(
    readonly topology: Topology,
    readonly config: RenderedConfig,
    readonly supervisor: Supervisor,
    private readonly reaper: Reaper,
    readonly alertReceiver: AlertReceiver,
    readonly binaries: Map<string, ResolvedBinary>,
    readonly absent: readonly AbsentComponent[] = [],
  ) {}

  /** Whether this run has the component (a user-supplied one may be absent). */
  has(name: ComponentName): boolean {
    return this.definitions.has(name) || this.supervisor.get(name) !== undefined;
  }

  get runDir(): string {
    return this.topology.runDir;
  }

  url(name: ComponentName): string {
    return this.topology.component[name].url;
  }

  process(name: string): ManagedProcess {
    const p = this.supervisor.get(name);
    if (!p) throw new Error(`no process named ${name} in this stack`);
    return p;
  }

  /**
   * Starts everything as soon as what it depends on is ready: the order comes from
   * `dependsOn` (and the extra nodes' `neededBy`) alone, so independent parts start together.
   */
  async startComponents(defs: ComponentDefinition[], progress: (line: string) => void, alsoStart: StartNode[] = []): Promise<void> {
    const names = new Set<string>([...defs.map((d) => d.name), ...alsoStart.map((n) => n.name)]);
    const deps = new Map<string, string[]>(defs.map((d) => [d.name, [...d.dependsOn]]));
    for (const n of alsoStart) {
      deps.set(n.name, [...n.dependsOn]);
      for (const c of n.neededBy) deps.get(c)?.push(n.name);
    }
    for (const [name, ds] of deps) for (const dep of ds) if (!names.has(dep)) throw new Error(`${name} depends on ${dep}, which this stack does not start`);
    const ready = new Map<string, Promise<void>>();
    const after = (name: string) => Promise.all(deps.get(name)!.map((dep) => ready.get(dep)));
    const startOne = async (d: ComponentDefinition): Promise<void> => {
      this.definitions.set(d.name, d);
      await after(d.name);
      d.prepare?.();
      const bin = this.binaries.get(d.binary) ?? resolveBinary(d.binary);
      const user = d.user ? systemUser(d.user) : undefined;
      const command = user ? 'setpriv' : bin.path;
      const args = user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', bin.path, ...d.args] : d.args;
      const proc = this.supervisor.start({ name: d.name, command, args, env: d.env, cwd: this.topology.dataDir, logFile: join(this.topology.logDir, `${d.name}.log`), stopTimeoutMs: 15_000 });
      progress(`${d.name}: started pid ${proc.pid}, waiting for ${d.wait.describe()}`);
      const ms = await waitUntilReady(proc, d.wait, { timeoutMs: d.readyTimeoutMs, name: d.name });
      this.readyMs.set(d.name, ms);
      progress(`${d.name}: ready in ${(ms / 1000).toFixed(1)}s`);
    };
    // Registered before any awaits, so every node can find the promises of what it depends on.
    for (const d of defs) ready.set(d.name, Promise.resolve().then(() => startOne(d)));
    for (const n of alsoStart) ready.set(n.name, Promise.resolve().then(() => after(n.name)).then(() => n.start(this)));
    const results = await Promise.allSettled(ready.values());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  processes(): ManagedProcess[] {
    return this.supervisor.list();
  }

  /** Starts a stopped or killed component again with the same arguments; resolves when ready. */
  async restartComponent(name: ComponentName): Promise<number> {
    const d = this.definitions.get(name);
    const p = this.supervisor.get(name);
    if (!d || !p) throw new Error(`no component named ${name} in this stack`);
    if (p.running) await p.stop();
    const proc = this.supervisor.start(p.spec);
    const ms = await waitUntilReady(proc, d.wait, { timeoutMs: d.readyTimeoutMs, name });
    this.readyMs.set(name, ms);
    return ms;
  }

  /** Natively every path a component sees is already on this machine (the render moved it there). */
  hostPath(_component: ComponentName, path: string): string {
    return path;
  }

  /** As a recreated container: stopped, its ephemeral folder (the container's own filesystem) wiped, started again. */
  async recreateComponent(name: ComponentName): Promise<number> {
    const p = this.supervisor.get(name);
    if (p?.running) await p.stop();
    rmSync(ephemeralDir(this.topology.dataDir, name), { recursive: true, force: true });
    return this.restartComponent(name);
  }

  describe(): { runDir: string; offset: number; timeScale: number; components: ComponentStatus[]; absent: AbsentComponent[] } {
    return {
      absent: [...this.absent],
      runDir: this.runDir,
      offset: this.topology.offset,
      timeScale: this.config.timeScale,
      components: this.supervisor.list().map((p) => ({
        name: p.name,
        pid: p.pid,
        running: p.running,
        readyMs: this.readyMs.get(p.name),
        url: (this.topology.component as Record<string, { url: string }>)[p.name]?.url,
        version: this.binaries.get(this.definitions.get(p.name as ComponentName)?.binary ?? p.name)?.version ?? '',
      })),
    };
  }

  /** Stops every process (dependents first) and checks that no planned port is still held. */
  /** In this process, on the port plan's 127.0.0.1 port: the native Prometheus scrapes loopback. */
  async serveVirtualTargets(): Promise<VirtualTargetsHandle> {
    if (this.virtualTargets) throw new Error('virtual targets are already being served');
    const served = await serveInProcess(this.topology);
    this.virtualTargets = served;
    return {
      ...served,
      stop: async () => {
        this.virtualTargets = undefined;
        await served.stop();
      },
    };
  }

  async stop(): Promise<{ leftoverPorts: number[] }> {
    if (this.stopped) return { leftoverPorts: [] };
    this.stopped = true;
    await this.virtualTargets?.stop();
    await this.supervisor.stopAll(['traffic', ...this.topology.services.map((s) => s.name), ...stopOrder([...this.definitions.values()])]);
    for (const d of this.definitions.values()) d.afterStop?.();
    await this.alertReceiver.stop();
    this.reaper.close();
    const leftoverPorts: number[] = [];
    for (const p of plannedPorts(this.topology, { services: true })) if (!(await isPortFree(p.port))) leftoverPorts.push(p.port);
    return { leftoverPorts };
  }
}
