/** The run-begin record every CLI that runs a stack emits: what ran, on which components, with which config changes. */
import type { RunInfo } from '../events/run-events.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';

export function runInfoOf(env: EnvironmentHandle, o: { outDir: string; scenarios: string[]; startedAtMs: number; timing: Record<string, unknown> }): RunInfo {
  return {
    runId: o.outDir.split('/').at(-1)!,
    runDir: o.outDir,
    scenarios: o.scenarios,
    seed: env.seed,
    timeScale: env.stack.config.timeScale,
    monitoringDir: env.stack.config.sourceDir,
    startedAt: new Date(o.startedAtMs).toISOString(),
    components: env.stack.describe().components.map((c) => ({ name: c.name, version: c.version, url: c.url, pid: c.pid })),
    configChanges: env.stack.config.changes,
    configWarnings: env.stack.config.warnings,
    timing: o.timing,
    absent: [...env.stack.absent],
  };
}
