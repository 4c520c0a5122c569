/** Bookkeeping of detached stacks: one state file per port offset, so `down` and `status` find them. */
import type { ComponentName } from '../plan/port-plan.ts';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from '../lib/paths.ts';

export interface StackState {
  pid: number;
  offset: number;
  runDir: string;
  startedAt: string;
  phase: 'starting' | 'ready' | 'failed' | 'stopping';
  error?: string;
  urls: Record<string, string>;
  /** The log store and shipper this stack runs (status probes them). */
  logComponents?: ComponentName[];
  credentials?: Record<string, string>;
}

export const stateFile = (offset: number): string => join(stateDir(), `stack-offset-${offset}.json`);

export function readState(offset: number): StackState | undefined {
  const f = stateFile(offset);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

export function writeState(s: StackState): void {
  mkdirSync(stateDir(), { recursive: true });
  writeFileSync(stateFile(s.offset), JSON.stringify(s, null, 2));
}

export function clearState(offset: number): void {
  rmSync(stateFile(offset), { force: true });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
