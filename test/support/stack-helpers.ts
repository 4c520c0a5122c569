/** Helpers shared by integration tests: run the CLI, check for leftovers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isPortFree } from '../../harness/plan/ports.ts';
export { pidAlive } from '../../harness/stack/state.ts';
import { REPO_ROOT } from '../../harness/lib/paths.ts';

export const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');

export interface CliRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves when the output contains `text`; rejects if the process exits first or time runs out. */
  waitFor: (text: string | RegExp, timeoutMs: number) => Promise<void>;
}

export function runCli(script: string, args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor = async (text: string | RegExp, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    const seen = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
    let done = false;
    void exited.then(() => (done = true));
    while (!seen()) {
      if (done) throw new Error(`process exited before printing ${String(text)}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, output: () => out, exited, waitFor };
}

export async function busyPorts(ports: number[]): Promise<number[]> {
  const busy: number[] = [];
  for (const p of ports) if (!(await isPortFree(p))) busy.push(p);
  return busy;
}

/** Polls until `check` returns true or the time is up; returns the last result. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A port nothing listens on right now (the OS picks it on 127.0.0.1). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
