/**
 * The one process supervisor. Every stack component and fake service is a child process
 * in its own process group (so a kill reaches its helpers too, and the terminal's Ctrl-C
 * reaches only the harness, which then stops children in order). Output goes to a log
 * file per process. Each group is registered with the reaper so a crash of the harness
 * leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Reaper } from './reaper.ts';

export interface ProcessSpec {
  /** Unique name within the supervisor: "prometheus", "terminal-mcp", ... */
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  logFile: string;
  /** Signal for a graceful stop (Prometheus and Loki flush on SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** Grace before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private stopping = false;

  constructor(
    readonly spec: ProcessSpec,
    private readonly child: ChildProcess,
    private readonly onGone: (p: ManagedProcess) => void,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.onGone(this);
        resolve(this.exitInfo);
      });
      child.once('error', () => {
        this.exitInfo ??= { code: -1, signal: null };
        this.onGone(this);
        resolve(this.exitInfo);
      });
    });
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** True when the process ended without the supervisor asking it to. */
  get crashed(): boolean {
    return this.exitInfo !== undefined && !this.stopping;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Signal the whole process group. */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGKILL: the chaos "kill", no chance to flush. */
  kill(): Promise<ExitInfo> {
    this.stopping = true;
    this.signal('SIGKILL');
    return this.exited;
  }

  freeze(): void {
    this.signal('SIGSTOP');
  }

  thaw(): void {
    this.signal('SIGCONT');
  }

  /** Graceful stop: stopSignal, then SIGKILL after the timeout. */
  async stop(): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo!;
    this.stopping = true;
    this.signal('SIGCONT'); // a frozen process cannot handle SIGTERM
    this.signal(this.spec.stopSignal ?? 'SIGTERM');
    const timeout = this.spec.stopTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.signal('SIGKILL');
        resolve();
      }, timeout);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }

  /** The last `lines` lines of the process's log, for error messages and reports. */
  tail(lines = 20): string {
    return tailFile(this.spec.logFile, lines);
  }
}

export function tailFile(path: string, lines = 20): string {
  try {
    const size = statSync(path).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n').filter(Boolean).slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export class Supervisor {
  private readonly processes = new Map<string, ManagedProcess>();

  constructor(private readonly reaper?: Reaper) {}

  start(spec: ProcessSpec): ManagedProcess {
    const existing = this.processes.get(spec.name);
    if (existing?.running) throw new Error(`process ${spec.name} is already running (pid ${existing.pid})`);
    const out = openSync(spec.logFile, 'a');
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', out, out],
      detached: true,
    });
    closeSync(out);
    const managed = new ManagedProcess(spec, child, (p) => {
      if (p.pid > 0) this.reaper?.unregister(p.pid);
    });
    if (child.pid) this.reaper?.register(child.pid);
    this.processes.set(spec.name, managed);
    return managed;
  }

  get(name: string): ManagedProcess | undefined {
    return this.processes.get(name);
  }

  list(): ManagedProcess[] {
    return [...this.processes.values()];
  }

  /** Stops processes in the given order (dependents first), then any others, in parallel per step. */
  async stopAll(order: string[] = []): Promise<void> {
    for (const name of order) await this.processes.get(name)?.stop();
    await Promise.all(this.list().map((p) => p.stop()));
  }
}
