/**
 * Injectable faults. The harness adds and clears them through the control port; the
 * request path asks this store what to do to each request.
 *
 * RNG semantics (why clearing restores the exact baseline): the baseline draws of a
 * service (error draw, latency) come from one stream advanced by a fixed number of draws
 * per /mcp request, whatever faults are active. Each fault draws from its own stream,
 * seeded by (seed, service, fault ordinal). So faults never shift the baseline stream:
 * after a clear, request k gets the same baseline draws it would have had in a run that
 * never had the fault, and the same sequence of requests and fault additions reproduces
 * the same fault decisions.
 */
import { z } from 'zod';
import { logNormalMs, normalFrom, Rng } from './rng.ts';

const filter = {
  /** Which endpoint the fault hits (default /mcp). */
  path: z.enum(['/mcp', '/health']).optional(),
  /** Only tools/call of this tool (implies /mcp). */
  tool: z.string().optional(),
};

/**
 * Shapes shared by the request-path faults, so a scenario can separate a correct rule
 * from a near miss (a tail that moves p95 but not the median; errors in bursts that cross
 * a threshold only briefly; a slow degradation instead of a step).
 */
const shape = {
  /** Share of the matching requests the fault hits (a slow tail on 8 % of them); seeded draw per request. Default 1. */
  share: z.number().min(0).max(1).default(1),
  /** Ramp: the effect grows linearly from 0 to full over this many seconds after the fault is added. */
  rampSeconds: z.number().positive().max(86_400).optional(),
  /** Bursts, counted in matching requests: the first `length` of every `every` requests are hit, the rest not. */
  burst: z.strictObject({ length: z.number().int().positive(), every: z.number().int().positive() }).refine((b) => b.length <= b.every, 'length must not exceed every').optional(),
};

export const MALFORMED_KINDS = ['text', 'binary', 'oversized'] as const;

export const FaultSpecSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('latency'),
      /** Fixed extra latency... */
      ms: z.number().nonnegative().optional(),
      /** ...or a log-normal one. */
      medianMs: z.number().positive().optional(),
      sigma: z.number().nonnegative().default(0),
      maxMs: z.number().positive().default(120_000),
      ...filter,
      ...shape,
    }),
    z.object({
      kind: z.literal('error-ratio'),
      ratio: z.number().min(0).max(1),
      status: z.number().int().min(400).max(599).default(500),
      /**
       * Spread the errors evenly (request n fails when floor(n·ratio) steps up) instead of
       * drawing each one: any window of N requests then holds ratio·N ± 1 errors, so a level
       * "just under" an alert threshold stays under in every window.
       */
      spread: z.boolean().default(false),
      ...filter,
      ...shape,
    }),
    z.object({ kind: z.literal('hang'), ...filter }),
    z.object({ kind: z.literal('metrics-slow'), ms: z.number().nonnegative() }),
    z.object({ kind: z.literal('metrics-fail'), status: z.number().int().min(500).max(599).default(500) }),
    z.object({
      kind: z.literal('log-burst'),
      linesPerSecond: z.number().positive().max(200_000),
      durationSeconds: z.number().positive().max(3600),
      /** Pad each line to about this many bytes. */
      lineBytes: z.number().int().positive().max(1 << 20).optional(),
    }),
    z.object({
      kind: z.literal('malformed-logs'),
      ratio: z.number().min(0).max(1),
      kinds: z.array(z.enum(MALFORMED_KINDS)).nonempty().default([...MALFORMED_KINDS]),
      /** Size of an oversized line: above Loki's default 256 KiB max_line_size. */
      oversizedBytes: z.number().int().positive().max(8 << 20).default(300_000),
    }),
    z.object({
      kind: z.literal('cardinality-explosion'),
      /** Distinct session_id values on mcp_tool_calls_total. */
      n: z.number().int().positive().max(1_000_000),
      /** New series touched per /mcp request, so a big n is reached in few requests. */
      perRequest: z.number().int().positive().max(10_000).default(100),
    }),
    z.object({
      kind: z.literal('concurrency-limit'),
      /** At most this many POST /mcp requests are processed at once; the rest queue (FIFO). Several: the smallest applies. */
      workers: z.number().int().min(1).max(10_000),
    }),
    z.object({
      kind: z.literal('metrics-undercount'),
      /** Share of the POST /mcp requests left out of http_requests_total / _created and the duration histogram; seeded draw per request. */
      share: z.number().min(0).max(1),
    }),
    z.object({
      kind: z.literal('metrics-buckets'),
      /** Upper bounds of http_request_duration_seconds while active (+Inf is implied). Several: the newest applies. */
      buckets: z
        .array(z.number().positive())
        .min(1)
        .max(40)
        .refine((b) => b.every((x, i) => i === 0 || x > b[i - 1]!), 'buckets must be strictly increasing'),
    }),
    z.object({ kind: z.literal('mqtt-disconnect') }),
    z.object({ kind: z.literal('dependency-failure') }),
  ])
  .superRefine((f, ctx) => {
    if (f.kind === 'latency' && (f.ms === undefined) === (f.medianMs === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of ms or medianMs', path: ['ms'] });
  });

export type FaultSpec = z.infer<typeof FaultSpecSchema>;
export type FaultKind = FaultSpec['kind'];
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

  /** Validates and activates a fault; throws a ZodError on bad input. */
  add(raw: unknown): ActiveFault {
    const spec = FaultSpecSchema.parse(raw);
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
