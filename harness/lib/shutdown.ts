/**
 * One place that turns Ctrl-C, SIGTERM and SIGHUP into an orderly teardown. By default the
 * first signal runs the cleanups and exits (130 for SIGINT, 143 otherwise) and a second is
 * ignored. With `deferTeardown` the first signal only tells the caller (which winds down,
 * writes its reports and then runs the cleanups itself), and a second one skips to a fast
 * teardown. The reaper still covers a SIGKILL.
 */
type Cleanup = () => Promise<void>;

const cleanups: Cleanup[] = [];
let shuttingDown = false;
let signalled: NodeJS.Signals | undefined;
let fastTeardown = false;

export const exitCodeOf = (sig: NodeJS.Signals): number => (sig === 'SIGINT' ? 130 : 143);

/** The signal that interrupted this process, if one did. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return signalled;
}

export function onShutdown(fn: Cleanup): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

let running: Promise<void> | undefined;

/**
 * Runs every registered cleanup, newest first. Callers share one run: a fast teardown that
 * starts while the orderly one is already stopping the stack waits for that stop instead of
 * exiting under it (which would leave the reaper to finish after the exit).
 */
export function runCleanups(): Promise<void> {
  running ??= (async () => {
    while (cleanups.length) await cleanups.pop()!().catch((e: unknown) => console.error(`cleanup failed: ${String(e)}`));
  })().finally(() => (running = undefined));
  return running;
}

export function installSignalHandlers(onSignal?: (sig: NodeJS.Signals) => void, opts: { deferTeardown?: boolean } = {}): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (shuttingDown) {
        if (!opts.deferTeardown || fastTeardown) return;
        fastTeardown = true;
        console.log(`\n${sig} again: fast teardown (reports as far as written)`);
        void runCleanups().then(() => process.exit(exitCodeOf(signalled ?? sig)));
        return;
      }
      shuttingDown = true;
      signalled = sig;
      onSignal?.(sig);
      if (!opts.deferTeardown) void runCleanups().then(() => process.exit(exitCodeOf(sig)));
    });
  }
}

export function isShuttingDown(): boolean {
  return shuttingDown;
}
