/** How every CLI ends on an error: UsageError → its message and exit 2; anything else → exit 1. */
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
