/** The harness side of the reaper (see reaper-process.ts): start it once, register groups. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export class Reaper {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts the reaper, logging to `logFile`. It lives in its own session so terminal signals skip it. */
  static start(logFile: string): Reaper {
    const script = join(fileURLToPath(new URL('.', import.meta.url)), 'reaper-process.ts');
    const out = openSync(logFile, 'a');
    const child = spawn(process.execPath, [script, logFile], { detached: true, stdio: ['pipe', out, out] });
    child.unref();
    // Neither the pipe nor the child may keep the harness's event loop alive.
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    return new Reaper(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  register(pgid: number): void {
    this.child.stdin?.write(`add ${pgid}\n`);
  }

  unregister(pgid: number): void {
    this.child.stdin?.write(`remove ${pgid}\n`);
  }

  /** On the harness's death, remove every container, network and volume labelled `label` (key=value) on the engine at `socket`. */
  registerContainers(socket: string, label: string): void {
    this.child.stdin?.write(`containers ${socket} ${label}\n`);
  }

  /** The stack removed its containers itself. */
  unregisterContainers(): void {
    this.child.stdin?.write('forget-containers\n');
  }

  /** Normal end: close the pipe; with nothing registered the reaper just exits. */
  close(): void {
    this.child.stdin?.end();
  }
}
