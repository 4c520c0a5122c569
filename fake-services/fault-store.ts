/**
 * The active faults of one service: the request path asks this store what to do to each
 * request. It takes validated specs (fault-spec.ts); faults.ts is the validating front for
 * the harness and the tests.
 *
 * RNG semantics (why clearing restores the exact baseline): the baseline draws of a
 * service (error draw, latency) come from one stream advanced by a fixed number of draws
 * per /mcp request, whatever faults are active. Each fault draws from its own stream,
 * seeded by (seed, service, fault ordinal). So faults never shift the baseline stream:
 * after a clear, request k gets the same baseline draws it would have had in a run that
 * never had the fault, and the same sequence of requests and fault additions reproduces
 * the same fault decisions.
 */
import type { FaultKind, FaultSpec } from './fault-spec.ts';
import { logNormalMs, normalFrom, Rng } from './rng.ts';

type Of<K extends FaultKind> = Extract<FaultSpec, { kind: K }>;

export interface ActiveFault<S extends FaultSpec = FaultSpec> {
  id: string;
  spec: S;
  rng: Rng;
  createdAt: string;
  /** Resolves when the fault is cleared (hung requests wait on it). */
  cleared: Promise<void>;
  /** Requests this fault has been asked about (bursts count them). */
  seen: number;
  /** Requests its shape let through to it (the spread error pattern counts them). */
  hits: number;
}

/** Whether request n (1-based, counted per fault) falls in a burst; every request when there is no burst shape. */
export function inBurst(burst: { length: number; every: number } | undefined, n: number): boolean {
  return !burst || (n - 1) % burst.every < burst.length;
}

/** How much of a ramped fault applies now: 0 → 1 linearly over rampSeconds after it was added. */
export function rampFactor(f: { spec: { rampSeconds?: number }; createdAt: string }, now: number): number {
  if (!f.spec.rampSeconds) return 1;
  return Math.min(1, Math.max(0, (now - Date.parse(f.createdAt)) / (f.spec.rampSeconds * 1000)));
}

/** Side effects of a fault kind (pool drop, timers...): run on add, undone by the returned function. */
export type Activate = (f: ActiveFault) => (() => void | Promise<void>) | void;

export class FaultStore {
  private readonly active = new Map<string, ActiveFault & { release: () => void; undo?: () => void | Promise<void> }>();
  private ordinal = 0;

  constructor(
    private readonly seed: number,
    private readonly service: string,
    private readonly activate: Activate = () => {},
  ) {}

  /** Activates a fault (already validated against the fault schema). */
  add(spec: FaultSpec): ActiveFault {
    const n = ++this.ordinal;
    let release!: () => void;
    const cleared = new Promise<void>((r) => (release = r));
    const f = { id: `f${n}`, spec, rng: new Rng(this.seed, this.service, 'fault', n), createdAt: new Date().toISOString(), cleared, release, seen: 0, hits: 0 };
    this.active.set(f.id, f);
    const undo = this.activate(f);
    if (undo) Object.assign(f, { undo });
    return f;
  }

  async remove(id: string): Promise<boolean> {
    const f = this.active.get(id);
    if (!f) return false;
    this.active.delete(id);
    f.release();
    await f.undo?.();
    return true;
  }

  async clear(): Promise<number> {
    const ids = [...this.active.keys()];
    for (const id of ids) await this.remove(id);
    return ids.length;
  }

  list(): { id: string; createdAt: string; spec: FaultSpec }[] {
    return [...this.active.values()].map(({ id, createdAt, spec }) => ({ id, createdAt, spec }));
  }

  of<K extends FaultKind>(kind: K): ActiveFault<Of<K>>[] {
    // Asked several times per request: with no fault active (the usual case) that must cost nothing.
    if (this.active.size === 0) return [];
    return [...this.active.values()].filter((f): f is typeof f & ActiveFault<Of<K>> => f.spec.kind === kind);
  }

  has(kind: FaultKind): boolean {
    return this.of(kind).length > 0;
  }

  /** Faults of a request-path kind whose path/tool filter matches this request. */
  matching<K extends 'latency' | 'error-ratio' | 'hang'>(kind: K, path: string, tool: string | undefined): ActiveFault<Of<K>>[] {
    return this.of(kind).filter(({ spec }) => {
      const f: { path?: string; tool?: string } = spec;
      return (f.path ?? '/mcp') === path && (f.tool === undefined || f.tool === tool);
    });
  }

  /**
   * Extra latency in ms; each matching fault draws from its own stream. A fault's shape
   * decides whether this request is hit (share, burst) and how much of it (ramp).
   */
  extraLatencyMs(path: string, tool: string | undefined, now = Date.now()): number {
    let ms = 0;
    for (const f of this.matching('latency', path, tool)) {
      const n = ++f.seen;
      // Both draws happen for every request, hit or not, so the stream advances the same.
      const hitDraw = f.rng.float();
      const value = f.spec.ms ?? logNormalMs(f.spec.medianMs!, f.spec.sigma, f.spec.maxMs, normalFrom(f.rng.float(), f.rng.float()));
      if (inBurst(f.spec.burst, n) && hitDraw < f.spec.share) ms += value * rampFactor(f, now);
    }
    return ms;
  }

  /** The status an error-ratio fault imposes on this request, if any. */
  injectedStatus(path: string, tool: string | undefined, now = Date.now()): number | undefined {
    let status: number | undefined;
    // Every matching fault draws, even after a hit, so each fault's stream advances once per request.
    for (const f of this.matching('error-ratio', path, tool)) {
      const n = ++f.seen;
      const draw = f.rng.float();
      if (!inBurst(f.spec.burst, n) || draw >= f.spec.share) continue;
      const ratio = f.spec.ratio * rampFactor(f, now);
      // Spread counts the requests this fault hits, so a burst is evenly spread within itself.
      const k = ++f.hits;
      const fails = f.spec.spread ? Math.floor(k * ratio) > Math.floor((k - 1) * ratio) : f.rng.float() < ratio;
      if (fails) status ??= f.spec.status;
    }
    return status;
  }

  /**
   * Whether this POST /mcp request is left out of the request metrics (metrics-undercount).
   * Every active fault draws once per request, hit or not, so its stream advances the same.
   */
  unrecorded(): boolean {
    let hit = false;
    for (const f of this.of('metrics-undercount')) {
      f.seen++;
      if (f.rng.float() < f.spec.share) {
        f.hits++;
        hit = true;
      }
    }
    return hit;
  }

  /** Resolves when every hang fault matching this request has been cleared (at once if none). */
  async waitWhileHung(path: string, tool: string | undefined): Promise<boolean> {
    let hung = false;
    for (let hs = this.matching('hang', path, tool); hs.length > 0; hs = this.matching('hang', path, tool)) {
      hung = true;
      await Promise.all(hs.map((h) => h.cleared));
    }
    return hung;
  }
}
