/**
 * What a fault is: inject it, get a handle, clear it with that handle. Each fault family
 * is one module implementing this; adding a fault is adding a module to chaos/index.ts.
 */
import type { EnvironmentHandle } from '../stack/handles.ts';

export interface FaultContext {
  env: EnvironmentHandle;
}

export interface FaultModule<P> {
  /** Stable name used by scenarios and reports: "kill", "service-fault", "component-outage". */
  kind: string;
  describe(params: P): string;
  /** Injects the fault; the returned value is what `clear` needs. */
  inject(ctx: FaultContext, params: P): Promise<unknown>;
  /** Undo; must be safe to call when the fault is already gone. */
  clear(ctx: FaultContext, params: P, handle: unknown): Promise<void>;
}
