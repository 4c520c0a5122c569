/**
 * What the engine and the chaos modules need of an environment, as interfaces: a stack
 * this process started (StartedEnvironment) and one a `stack up` process runs
 * (RemoteEnvironment, for `scenario --reuse`) both provide them.
 */
import type { RenderedConfig } from '../render/render.ts';
import type { ReceivedNotification } from '../events/notification.ts';
import type { ComponentName } from '../plan/port-plan.ts';
import type { Topology } from '../plan/topology.ts';
import type { AbsentComponent } from './components.ts';

export interface ProcessHandle {
  readonly name: string;
  readonly pid: number;
  readonly running: boolean;
  readonly logFile: string;
  /** SIGKILL the process group. */
  kill(): Promise<unknown>;
  /** Graceful stop (SIGTERM, then SIGKILL). */
  stop(): Promise<unknown>;
  freeze(): void | Promise<void>;
  thaw(): void | Promise<void>;
  tail(lines?: number): string;
}

/** One component as a backend reports it. */
export interface ComponentStatus {
  name: string;
  pid: number;
  running: boolean;
  readyMs?: number;
  url?: string;
  version: string;
}

export interface StackHandle {
  readonly topology: Topology;
  readonly config: RenderedConfig;
  readonly runDir: string;
  readonly alertReceiver: { readonly notifications: readonly ReceivedNotification[] };
  url(name: ComponentName): string;
  process(name: string): ProcessHandle;
  processes(): ProcessHandle[];
  restartComponent(name: ComponentName): Promise<number>;
  /**
   * Starts a stopped component as a new container would: what lived in its own filesystem
   * is gone (natively, its ephemeral folder is wiped), its volumes are kept. Resolves when ready.
   */
  recreateComponent(name: ComponentName): Promise<number>;
  /**
   * Where a path a component sees (from its config) is on this machine: natively the path
   * itself; on containers through its mounts; undefined when it lives only inside its container.
   */
  hostPath(component: ComponentName, path: string): string | undefined;
  /** Whether this run has the component: a user-supplied one (Loki, Promtail) may be absent. */
  has(name: ComponentName): boolean;
  /** Serves virtual scrape targets where this stack's Prometheus can scrape them (capacity growth); stopped with the handle or the stack. */
  serveVirtualTargets(): Promise<VirtualTargetsHandle>;
  /** The components the folder needs that this run could not start, with how to supply them. */
  readonly absent: readonly AbsentComponent[];
  describe(): { runDir: string; offset: number; timeScale: number; components: ComponentStatus[]; absent: AbsentComponent[] };
}

/** Virtual scrape targets being served: every `/targets/<i>/metrics` at `scrapeAddress` answers the same N series. */
export interface VirtualTargetsHandle {
  /** host:port as the stack's Prometheus reaches it. */
  readonly scrapeAddress: string;
  setSeriesPerTarget(series: number): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetHandle {
  restart(name: string): Promise<number>;
}

export interface EnvironmentHandle {
  readonly stack: StackHandle;
  readonly fleet?: FleetHandle;
  readonly seed: number;
  stop(): Promise<{ leftoverPorts: number[] }>;
}
