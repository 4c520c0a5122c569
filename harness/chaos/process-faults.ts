/**
 * Process faults on the fleet's services and the stack's components: a SIGKILL is a
 * real kill of a real process; a freeze is SIGSTOP (the port stays open, nothing
 * answers — the nastier failure for a scraper). Clearing restarts or thaws.
 */
import type { FaultContext, FaultModule } from './fault-module.ts';
import type { ComponentName } from '../plan/port-plan.ts';

export interface ProcessTarget {
  /**
   * A fake service name (terminal-mcp), a stack component (prometheus, loki, ...), or
   * `log-store` / `log-shipper`: whichever store and shipper the folder declares.
   */
  target: string;
}

/** The process a target names in this run (the log pipeline aliases resolved). */
export function resolveTarget(ctx: FaultContext, target: string): string {
  const p = ctx.env.stack.config.logPipeline;
  return target === 'log-store' ? p.store : target === 'log-shipper' ? p.shipper : target;
}

function isService(ctx: FaultContext, name: string): boolean {
  return ctx.env.stack.topology.services.some((s) => s.name === name);
}

async function restart(ctx: FaultContext, name: string): Promise<void> {
  if (isService(ctx, name)) {
    if (!ctx.env.fleet) throw new Error(`cannot restart ${name}: the fake services are not running (--no-services)`);
    await ctx.env.fleet.restart(name);
  } else {
    await ctx.env.stack.restartComponent(name as ComponentName);
  }
}

export const killProcess: FaultModule<ProcessTarget> = {
  kind: 'kill',
  describe: (p) => `kill -9 ${p.target}`,
  async inject(ctx, p) {
    await ctx.env.stack.process(resolveTarget(ctx, p.target)).kill();
  },
  async clear(ctx, p) {
    const t = resolveTarget(ctx, p.target);
    if (!ctx.env.stack.process(t).running) await restart(ctx, t);
  },
};

export const freezeProcess: FaultModule<ProcessTarget> = {
  kind: 'freeze',
  describe: (p) => `freeze ${p.target} (SIGSTOP)`,
  async inject(ctx, p) {
    await ctx.env.stack.process(resolveTarget(ctx, p.target)).freeze();
  },
  async clear(ctx, p) {
    await ctx.env.stack.process(resolveTarget(ctx, p.target)).thaw();
  },
};

/** A component outage: graceful stop (SIGTERM), later started again with the same config and data. */
export const componentOutage: FaultModule<ProcessTarget> = {
  kind: 'outage',
  describe: (p) => `stop ${p.target}`,
  async inject(ctx, p) {
    await ctx.env.stack.process(resolveTarget(ctx, p.target)).stop();
  },
  async clear(ctx, p) {
    const t = resolveTarget(ctx, p.target);
    if (!ctx.env.stack.process(t).running) await restart(ctx, t);
  },
};

/**
 * A component's container recreated, as `docker compose up` does after a config or image
 * change: stopped (SIGTERM) until cleared, then created anew from the same definition. What
 * it kept in its own filesystem is gone; its volumes are kept.
 */
export const componentRecreate: FaultModule<ProcessTarget> = {
  kind: 'recreate',
  describe: (p) => `stop ${p.target}, then recreate its container (own filesystem wiped, volumes kept)`,
  async inject(ctx, p) {
    await ctx.env.stack.process(resolveTarget(ctx, p.target)).stop();
  },
  async clear(ctx, p) {
    await ctx.env.stack.recreateComponent(resolveTarget(ctx, p.target) as ComponentName);
  },
};
