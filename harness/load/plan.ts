/**
 * A load plan as data, in the manner of k6's `options`: constant-arrival-rate stages, weighted
 * loopback targets and a weighted mix of MCP tools/call requests, with a seed. Both engines
 * (vegeta.ts, k6-script.ts) run the same plan, and `stageRequests` expands it into the exact
 * request list: the same seed always gives the same bodies in the same order.
 */
import { z } from 'zod';
import { UsageError } from '../lib/errors.ts';
import { Rng } from '../../fake-services/rng.ts';
import { parseDuration } from '../../assertions/duration.ts';

/**
 * Why `url` is not a loopback URL with one of `protocols`, or undefined when it is one. Only
 * 127.0.0.0/8 and [::1] pass: names are refused, since they could resolve anywhere.
 */
export function loopbackUrlProblem(url: string, protocols: readonly string[], schemes: string, what: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (!protocols.includes(u.protocol)) return `${url} is not ${schemes} URL`;
  // http(s) URLs normalise IPv4 (127.1 → 127.0.0.1); other schemes do not, so only dotted quads pass there.
  if (/^127\.\d+\.\d+\.\d+$/.test(u.hostname) || u.hostname === '[::1]') return undefined;
  return `${what} ${url} is not a loopback address`;
}

/** Why `url` is not a loopback HTTP load target, or undefined when it is one. */
export function loopbackProblem(url: string): string | undefined {
  return loopbackUrlProblem(url, ['http:', 'https:'], 'an http(s)', 'load target');
}

export const LOOPBACK_FIX = 'load and fault traffic only ever go to 127.0.0.0/8 or [::1]: use e.g. http://127.0.0.1:7001/mcp';

export function assertLoopback(url: string): void {
  const problem = loopbackProblem(url);
  if (problem) throw new UsageError(problem, { fix: LOOPBACK_FIX });
}

function durationMs(d: string): number | undefined {
  try {
    return parseDuration(d);
  } catch {
    return undefined;
  }
}

/** Zod's error option: "is required" when absent, else what the value must be. */
const must = (what: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : `must be ${what}`) });

const weight = z.number(must('a number')).positive('must be greater than 0').finite();

const stageSchema = z.strictObject({
  rate: z.number(must('a number (requests per second)')).int('must be a whole number of requests per second').positive('must be at least 1 request per second'),
  duration: z.string(must('a duration string')).refine((d) => (durationMs(d) ?? 0) > 0, 'must be a positive duration like "20s", "1m30s" or "500ms"'),
});

const targetSchema = z.strictObject({
  url: z.string(must('a URL string')).superRefine((url, ctx) => {
    const problem = loopbackProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  weight,
});

const mixSchema = z.strictObject({
  tool: z.string(must('a tool name')).min(1, 'must be a tool name'),
  weight,
  args: z.record(z.string(), z.json()).optional(),
  /** Index into `targets`: this call goes only there (a tool only one of the targets has). Default: the drawn target. */
  target: z.number(must('a target index')).int('must be a whole number').min(0, 'must be a target index from 0').optional(),
});

export const loadPlanSchema = z.strictObject({
  stages: z.array(stageSchema, must('a list of stages')).min(1, 'needs at least one stage'),
  targets: z.array(targetSchema, must('a list of targets')).min(1, 'needs at least one target'),
  requestMix: z.array(mixSchema, must('a list of tool calls')).min(1, 'needs at least one tool call'),
  thresholds: z
    .strictObject({
      p99Ms: z.number().positive('must be greater than 0').optional(),
      errorRatio: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
    })
    .optional(),
  seed: z.number(must('a number')).int('must be an integer'),
}).superRefine((plan, ctx) => {
  plan.requestMix.forEach((m, i) => {
    if (m.target !== undefined && m.target >= plan.targets.length) ctx.addIssue({ code: 'custom', path: ['requestMix', i, 'target'], message: `must be a target index below ${plan.targets.length}` });
  });
});

export type LoadPlan = z.output<typeof loadPlanSchema>;
export type LoadPlanInput = z.input<typeof loadPlanSchema>;
export type LoadStage = LoadPlan['stages'][number];

const FIXES: Record<string, string> = {
  url: LOOPBACK_FIX,
  rate: 'give requests per second as a whole number >= 1, e.g. 100',
  duration: 'write a duration like "20s", "1m30s" or "500ms"',
  weight: 'give a positive relative weight, e.g. 1',
  tool: 'name the MCP tool to call, e.g. "run_command"',
  args: 'give the tool arguments as a JSON object, e.g. { "command": "ls" }',
  target: 'give the index of one of the plan\'s targets (0 for the first), or leave it out',
  stages: 'e.g. stages: [{ rate: 100, duration: "20s" }]',
  targets: 'e.g. targets: [{ url: "http://127.0.0.1:7001/mcp", weight: 1 }]',
  requestMix: 'e.g. requestMix: [{ tool: "run_command", weight: 1 }]',
  p99Ms: 'give the p99 latency limit in milliseconds, e.g. 500',
  errorRatio: 'give the largest acceptable failed share, e.g. 0.01 for 1 %',
  seed: 'give an integer seed, e.g. 42',
};

function fieldPath(path: PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/** Validates a plan; a bad one is a UsageError naming the first bad field and its fix, then any others. */
export function parsePlan(input: unknown, file?: string): LoadPlan {
  const parsed = loadPlanSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  // A misspelt key also shows as a missing one; the misspelling is the one to report first.
  const issues = [...parsed.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const [first, ...rest] = issues as [z.core.$ZodIssue, ...z.core.$ZodIssue[]];
  const lastKey = [...first.path].reverse().find((p) => typeof p === 'string');
  const fix = first.code === 'unrecognized_keys' ? `check the spelling of ${first.keys.join(', ')}, or remove it; see harness/load/plan.ts for the plan fields` : (FIXES[String(lastKey)] ?? 'see harness/load/plan.ts for the plan fields');
  const more = rest.map((i) => `\n  also ${fieldPath(i.path) || '(plan)'}: ${i.message}`).join('');
  throw new UsageError(`${first.message}${more}`, { file: file ?? 'load plan', field: fieldPath(first.path) || '(plan)', fix });
}

export function stageDurationMs(stage: LoadStage): number {
  return parseDuration(stage.duration);
}

/** Requests in a stage: rate × duration, rounded up as vegeta's pacer sends it (7/s for 1.1 s is 8, measured). */
export function stageRequestCount(stage: LoadStage): number {
  return Math.ceil((stage.rate * stageDurationMs(stage)) / 1000);
}

export function totalDurationMs(plan: LoadPlan): number {
  return plan.stages.reduce((a, s) => a + stageDurationMs(s), 0);
}

export function peakRate(plan: LoadPlan): number {
  return Math.max(...plan.stages.map((s) => s.rate));
}

/** The `params` of a mix entry's tools/call as JSON text; the k6 script embeds these very strings. */
export function paramsJson(entry: LoadPlan['requestMix'][number]): string {
  return JSON.stringify({ name: entry.tool, arguments: entry.args ?? {} });
}

/** A JSON-RPC tools/call body. Kept a string template so k6-script.ts can render the identical concatenation. */
export function rpcBody(id: number, params: string): string {
  return '{"jsonrpc":"2.0","id":' + id + ',"method":"tools/call","params":' + params + '}';
}

export const requestIdOf = (seed: number, id: number): string => `load-${seed}-${id}`;

export interface PlannedRequest {
  /** 1-based over the whole plan: the JSON-RPC id. */
  id: number;
  stage: number;
  targetIndex: number;
  mixIndex: number;
  url: string;
  tool: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * The requests of one stage, in sending order. Each stage draws from its own stream
 * (seed, 'load-plan', stage), two draws a request (target, tool), so a stage's list does not
 * depend on the rates of earlier stages, only its ids do.
 */
export function* stageRequests(plan: LoadPlan, stage: number): Generator<PlannedRequest> {
  const s = plan.stages[stage];
  if (!s) throw new RangeError(`plan has no stage ${stage}`);
  const rng = new Rng(plan.seed, 'load-plan', stage);
  const targetWeights = plan.targets.map((t) => t.weight);
  const mixWeights = plan.requestMix.map((m) => m.weight);
  const params = plan.requestMix.map(paramsJson);
  let id = plan.stages.slice(0, stage).reduce((a, x) => a + stageRequestCount(x), 0);
  for (let i = stageRequestCount(s); i > 0; i--) {
    // Both draws happen for every request, so a pinned target does not shift the stream.
    const drawnTarget = rng.weighted(targetWeights);
    const mixIndex = rng.weighted(mixWeights);
    const targetIndex = plan.requestMix[mixIndex]!.target ?? drawnTarget;
    id++;
    yield {
      id,
      stage,
      targetIndex,
      mixIndex,
      url: plan.targets[targetIndex]!.url,
      tool: plan.requestMix[mixIndex]!.tool,
      body: rpcBody(id, params[mixIndex]!),
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestIdOf(plan.seed, id) },
    };
  }
}

/** Every request of the plan, per stage. Holds them all in memory: for large plans iterate `stageRequests`. */
export function expandPlan(plan: LoadPlan): PlannedRequest[][] {
  return plan.stages.map((_, i) => [...stageRequests(plan, i)]);
}

export interface PlanLimits {
  /** Highest stage rate allowed, requests per second. */
  maxRate: number;
  /** Longest total plan duration allowed. */
  maxDurationMs: number;
}

export const DEFAULT_LIMITS: PlanLimits = { maxRate: 2000, maxDurationMs: 10 * 60_000 };

/** Refuses a plan over the caps before anything is sent. */
export function assertWithinLimits(plan: LoadPlan, limits: Partial<PlanLimits> = {}): void {
  const { maxRate, maxDurationMs } = { ...DEFAULT_LIMITS, ...limits };
  plan.stages.forEach((s, i) => {
    if (s.rate > maxRate) throw new UsageError(`stage rate ${s.rate}/s is over the cap of ${maxRate}/s`, { field: `stages[${i}].rate`, fix: `lower the rate, or raise maxRate (${maxRate}) deliberately` });
  });
  const total = totalDurationMs(plan);
  if (total > maxDurationMs) throw new UsageError(`plan lasts ${total} ms, over the cap of ${maxDurationMs} ms`, { field: 'stages', fix: `shorten the stages, or raise maxDurationMs (${maxDurationMs}) deliberately` });
}
