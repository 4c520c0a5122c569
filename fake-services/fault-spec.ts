/**
 * The fault kinds and their parameters. The harness adds faults through a service's control
 * port; the service validates them against this schema.
 *
 * The schema is built on first use: most services never get a fault, and a built schema of
 * this size stays in each of the 17 processes' heaps for good.
 */
import { z } from 'zod';

export const MALFORMED_KINDS = ['text', 'binary', 'oversized'] as const;

function buildFaultSpecSchema() {
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

  return z
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
}

export type FaultSpecSchema = ReturnType<typeof buildFaultSpecSchema>;
export type FaultSpec = z.infer<FaultSpecSchema>;

let built: FaultSpecSchema | undefined;

/** The fault schema, built once on the first call. */
export function faultSpecSchema(): FaultSpecSchema {
  return (built ??= buildFaultSpecSchema());
}
export type FaultKind = FaultSpec['kind'];
