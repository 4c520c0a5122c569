/** How every CLI ends on an error: UsageError → its message and exit 2; anything else → exit 1. */
import type { Command } from 'commander';
import { UsageError } from './errors.ts';
import { runCleanups } from './shutdown.ts';

const usageErrorHooks: (() => void)[] = [];

/** Undo what a command made before it found bad input (its run folder): a usage error leaves nothing behind. */
export function onUsageError(hook: () => void): void {
  usageErrorHooks.push(hook);
}

export async function failAndExit(command: string, e: unknown): Promise<never> {
  await runCleanups();
  if (e instanceof UsageError) {
    for (const hook of usageErrorHooks.splice(0)) hook();
    console.error(`${command}: ${e.message}`);
    process.exit(2);
  }
  const err = e as Error;
  console.error(`${command}: ${err?.message ?? String(e)}`);
  if (process.env.HARNESS_DEBUG && err?.stack) console.error(err.stack);
  process.exit(1);
}

/** Parse a CLI number option, or fail with a UsageError naming the option. */
export function numberOption(name: string, raw: string | undefined, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const bad = !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max);
  if (bad) throw new UsageError(`invalid value "${raw}"`, { field: name, fix: `give ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}` });
  return n;
}

/** Parses argv and runs the command: help exits 0, a commander usage error 2, a UsageError 2 with its message, anything else 1. */
export function runCommand(program: Command, name: string): void {
  program.parseAsync(process.argv).catch((e: unknown) => {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.help' || code === 'commander.version') process.exit(0);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
    return failAndExit(name, e);
  });
}
