/**
 * A stack started by another process (`npm run stack -- up [--detach]`), driven through
 * its control port: `scenario --reuse` runs against it without starting anything, and
 * leaves it running afterwards.
 */
import { request } from 'undici';
import { UsageError } from '../lib/errors.ts';
import { tailFile } from '../process/supervisor.ts';
import type { RenderedConfig } from '../render/render.ts';
import type { ReceivedNotification } from './alert-receiver.ts';
import type { EnvironmentHandle, FleetHandle, ProcessHandle, StackHandle } from './handles.ts';
import type { AbsentComponent } from './components.ts';
import type { ComponentStatus } from './handles.ts';
import type { ComponentName } from '../plan/port-plan.ts';
import { buildTopology, type Topology } from '../plan/topology.ts';
import { serveInProcess } from './in-process-virtual-targets.ts';

async function call<T>(base: string, method: 'GET' | 'POST', path: string): Promise<T> {
  const res = await request(`${base}${path}`, { method, headersTimeout: 120_000, bodyTimeout: 120_000 });
  const body = (await res.body.json()) as T & { error?: string };
  if (res.statusCode >= 300) throw new Error(`${method} ${path} on the running stack: ${body.error ?? res.statusCode}`);
  return body;
}

interface RemoteProcessInfo {
  name: string;
  pid: number;
  running: boolean;
  logFile: string;
}

export class RemoteEnvironment implements EnvironmentHandle {
  readonly stack: StackHandle;
  readonly fleet?: FleetHandle;
  private poller: NodeJS.Timeout | undefined;

  private constructor(
    private readonly base: string,
    readonly seed: number,
    topology: Topology,
    config: RenderedConfig,
    components: ComponentStatus[],
    absent: AbsentComponent[],
    hasServices: boolean,
    private processInfo: RemoteProcessInfo[],
  ) {
    const notifications: ReceivedNotification[] = [];
    this.poller = setInterval(() => {
      call<ReceivedNotification[]>(base, 'GET', '/notifications')
        .then((n) => notifications.splice(0, notifications.length, ...n))
        .catch(() => {});
    }, 500);
    this.poller.unref();
    const info = (name: string) => this.info(name);
    const act = (name: string, action: string) => this.act(name, action);
    const proc = (name: string): ProcessHandle => ({
      name,
      get pid() {
        return info(name).pid;
      },
      get running() {
        return info(name).running;
      },
      get logFile() {
        return info(name).logFile;
      },
      kill: () => act(name, 'kill'),
      stop: () => act(name, 'stop'),
      freeze: () => act(name, 'freeze').then(() => {}),
      thaw: () => act(name, 'thaw').then(() => {}),
      tail: (lines = 20) => tailFile(info(name).logFile, lines),
    });
    this.stack = {
      topology,
      config,
      runDir: topology.runDir,
      alertReceiver: { notifications },
      url: (name: ComponentName) => topology.component[name].url,
      process: proc,
      processes: () => this.processInfo.map((p) => proc(p.name)),
      restartComponent: async (name: ComponentName) => (await this.act(name, 'restart')).readyMs ?? 0,
      recreateComponent: async (name: ComponentName) => (await this.act(name, 'recreate')).readyMs ?? 0,
      // The running stack is native: its components' paths are this machine's.
      hostPath: (_name: ComponentName, path: string) => path,
      // Its Prometheus runs on this machine and scrapes loopback.
      serveVirtualTargets: () => serveInProcess(topology),
      has: (name: ComponentName) => components.some((c) => c.name === name),
      absent,
      describe: () => ({ runDir: topology.runDir, offset: topology.offset, timeScale: config.timeScale, components, absent: [...absent] }),
    };
    if (hasServices) this.fleet = { restart: async (name: string) => (await this.act(name, 'restart')).readyMs ?? 0 };
  }

  /** Connects to the stack at this port offset, or says how to start one. */
  static async connect(offset: number): Promise<RemoteEnvironment> {
    const t = buildTopology({ offset, runDir: '' });
    const base = t.component['harness-control'].url;
    let env: { seed: number; runDir: string; config: RenderedConfig; components: ComponentStatus[]; absent: AbsentComponent[]; services: boolean };
    try {
      env = await call(base, 'GET', '/environment');
    } catch {
      throw new UsageError(`no running stack to reuse at port offset ${offset} (nothing answers on ${base})`, { field: '--reuse', fix: `start one with \`npm run stack -- up --detach${offset ? ` --port-offset ${offset}` : ''}\`, or drop --reuse` });
    }
    const processes = await call<RemoteProcessInfo[]>(base, 'GET', '/processes');
    return new RemoteEnvironment(base, env.seed, buildTopology({ offset, runDir: env.runDir }), env.config, env.components, env.absent, env.services, processes);
  }

  private info(name: string): RemoteProcessInfo {
    const p = this.processInfo.find((x) => x.name === name);
    if (!p) throw new Error(`no process named ${name} in the running stack`);
    return p;
  }

  private async act(name: string, action: string): Promise<{ readyMs?: number }> {
    const r = await call<{ readyMs?: number }>(this.base, 'POST', `/processes/${name}/${action}`);
    this.processInfo = await call<RemoteProcessInfo[]>(this.base, 'GET', '/processes');
    return r;
  }

  /** The stack belongs to its `stack up` process: leave it running. */
  async stop(): Promise<{ leftoverPorts: number[] }> {
    clearInterval(this.poller);
    return { leftoverPorts: [] };
  }
}
