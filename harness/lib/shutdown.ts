/**
 * One place that turns Ctrl-C, SIGTERM and SIGHUP into an orderly teardown. A second
 * signal while tearing down is ignored (the reaper still covers a SIGKILL).
 */
type Cleanup = () => Promise<void>;

const cleanups: Cleanup[] = [];
let shuttingDown = false;

export function onShutdown(fn: Cleanup): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch((e: unknown) => console.error(`cleanup failed: ${String(e)}`));
}

export function installSignalHandlers(onSignal?: (sig: NodeJS.Signals) => void): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (shuttingDown) return;
      shuttingDown = true;
      onSignal?.(sig);
      void runCleanups().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
}

export function isShuttingDown(): boolean {
  return shuttingDown;
}
