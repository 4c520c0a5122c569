/** A CLI's run folder: made before the stack starts, removed again if a usage error stops the run before anything started. */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { onUsageError } from '../lib/cli-errors.ts';

export interface RunFolder {
  dir: string;
  /** From now on a usage error keeps the folder: something ran, and its report belongs there. */
  markStarted(): void;
}

export function openRunFolder(dir: string): RunFolder {
  const abs = resolve(dir);
  const existed = existsSync(abs);
  mkdirSync(abs, { recursive: true });
  let started = false;
  // A usage error found while starting (a port taken, a binary missing) leaves no run folder behind.
  onUsageError(() => {
    if (!existed && !started) rmSync(abs, { recursive: true, force: true });
  });
  return { dir: abs, markStarted: () => void (started = true) };
}
