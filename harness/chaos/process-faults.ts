/**
 * Process faults on the fleet's services and the stack's components: a SIGKILL is a
 * real kill of a real process; a freeze is SIGSTOP (the port stays open, nothing
 * answers — the nastier failure for a scraper). Clearing restarts or thaws.
 */
import type { FaultContext, FaultModule } from './fault-module.ts';
import type { ComponentName } from '../stack/port-plan.ts';

export interface ProcessTarget {
  /** A fake service name (terminal-mcp) or a stack component (loki, promtail, ...). */
  target: string;
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
    await ctx.env.stack.process(p.target).kill();
  },
  async clear(ctx, p) {
    if (!ctx.env.stack.process(p.target).running) await restart(ctx, p.target);
  },
};

export const freezeProcess: FaultModule<ProcessTarget> = {
  kind: 'freeze',
  describe: (p) => `freeze ${p.target} (SIGSTOP)`,
  async inject(ctx, p) {
    await ctx.env.stack.process(p.target).freeze();
  },
  async clear(ctx, p) {
    await ctx.env.stack.process(p.target).thaw();
  },
};

/** A component outage: graceful stop (SIGTERM), later started again with the same config and data. */
export const componentOutage: FaultModule<ProcessTarget> = {
  kind: 'outage',
  describe: (p) => `stop ${p.target}`,
  async inject(ctx, p) {
    await ctx.env.stack.process(p.target).stop();
  },
  async clear(ctx, p) {
    if (!ctx.env.stack.process(p.target).running) await restart(ctx, p.target);
  },
};
