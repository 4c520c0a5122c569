/**
 * What a scenario, or one step of it, needs of the environment, and why it is not there.
 * A part whose requirement is missing is reported as skipped with the reason and how to
 * supply the missing component; it never passes silently.
 */
import { loadManifest } from '../lib/manifest.ts';
import type { ComponentName } from '../plan/port-plan.ts';

const LOG_COMPONENTS: ComponentName[] = ['loki', 'promtail', 'victorialogs', 'otelcol'];

/** A stack component, or the log pipeline as a whole (whichever store and shipper the folder declares). */
export type Requirement = ComponentName | 'log-pipeline';

export interface RequirementEnv {
  stack: {
    config: { logPipeline: { store: ComponentName; shipper: ComponentName } };
    has(name: ComponentName): boolean;
    readonly absent: readonly { name: ComponentName; reason: string; how: string }[];
  };
}

/** Names the alias components: the folder's log store and shipper. */
export function requiredComponents(r: Requirement, env: RequirementEnv): ComponentName[] {
  return r === 'log-pipeline' ? [env.stack.config.logPipeline.store, env.stack.config.logPipeline.shipper] : [r];
}

/** Why each unmet requirement is unmet, with how to supply it; empty when all are met. */
export function unmetRequirements(requires: readonly Requirement[] | undefined, env: RequirementEnv): string[] {
  const out: string[] = [];
  for (const r of requires ?? []) {
    for (const name of requiredComponents(r, env)) {
      if (env.stack.has(name)) continue;
      const p = env.stack.config.logPipeline;
      if (LOG_COMPONENTS.includes(name) && name !== p.store && name !== p.shipper) {
        out.push(`${name} is not part of this folder's log pipeline (${p.store} + ${p.shipper}): its checks do not apply`);
        continue;
      }
      const absent = env.stack.absent.find((a) => a.name === name);
      const supplied = loadManifest().userSupplied[name];
      if (absent) out.push(`${name} is absent: ${absent.reason}. To supply it: ${absent.how}`);
      else if (supplied) out.push(`${name} is not in this run (${supplied.license}, user-supplied, and the native backend does not start it). To supply it: ${supplied.how}`);
      else out.push(`${name} is not in this run`);
    }
  }
  return [...new Set(out)];
}
