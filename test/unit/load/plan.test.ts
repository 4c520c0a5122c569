import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/lib/errors.ts';
import { assertLoopback, assertWithinLimits, expandPlan, parsePlan, stageRequestCount, type LoadPlanInput } from '../../../harness/load/plan.ts';

const base: LoadPlanInput = {
  stages: [{ rate: 100, duration: '2s' }, { rate: 50, duration: '1m' }],
  targets: [{ url: 'http://127.0.0.1:7001/mcp', weight: 3 }, { url: 'http://[::1]:7002/mcp', weight: 1 }],
  requestMix: [{ tool: 'run_command', weight: 6, args: { command: 'ls' } }, { tool: 'list_processes', weight: 1 }],
  thresholds: { p99Ms: 500, errorRatio: 0.01 },
  seed: 42,
};

/** The UsageError parsePlan throws for a plan, or a failure when it accepts it. */
function rejection(plan: unknown): UsageError {
  try {
    parsePlan(plan);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('plan was accepted');
}

describe('parsePlan', () => {
  it('accepts a good plan unchanged', () => {
    expect(parsePlan(base)).toEqual(base);
  });

  it('refuses a non-loopback target, naming the field and the fix', () => {
    const e = rejection({ ...base, targets: [base.targets[0], { url: 'http://10.0.0.5:7001/mcp', weight: 1 }] });
    expect(e.details.field).toBe('targets[1].url');
    expect(e.message).toContain('http://10.0.0.5:7001/mcp is not a loopback address');
    expect(e.message).toMatch(/fix: .*127\.0\.0\.0\/8/);
  });

  it.each([
    ['http://localhost:7001/mcp', 'not a loopback'],
    ['http://example.com/mcp', 'not a loopback'],
    ['http://[::2]:7001/mcp', 'not a loopback'],
    ['ftp://127.0.0.1/x', 'not an http(s) URL'],
    ['127.0.0.1:7001', 'not'],
  ])('refuses target %s', (url, msg) => {
    const e = rejection({ ...base, targets: [{ url, weight: 1 }] });
    expect(e.details.field).toBe('targets[0].url');
    expect(e.message).toContain(msg);
  });

  it('accepts all of 127.0.0.0/8 and ::1', () => {
    for (const url of ['http://127.0.0.1:1/mcp', 'http://127.9.8.7:1/', 'http://127.1:80/', 'https://[::1]/mcp']) expect(() => assertLoopback(url)).not.toThrow();
  });

  it.each([
    [{ stages: [] }, 'stages', 'at least one stage'],
    [{ stages: [{ rate: 0, duration: '1s' }] }, 'stages[0].rate', 'at least 1'],
    [{ stages: [{ rate: 1.5, duration: '1s' }] }, 'stages[0].rate', 'whole number'],
    [{ stages: [{ rate: 10, duration: '10' }] }, 'stages[0].duration', 'duration like'],
    [{ stages: [{ rate: 10, duration: '0s' }] }, 'stages[0].duration', 'positive duration'],
    [{ stages: [{ rate: 10, durration: '1s' }] }, 'stages[0]', 'durration'],
    [{ targets: [{ url: 'http://127.0.0.1:1/', weight: 0 }] }, 'targets[0].weight', 'greater than 0'],
    [{ requestMix: [] }, 'requestMix', 'at least one tool call'],
    [{ requestMix: [{ tool: '', weight: 1 }] }, 'requestMix[0].tool', 'tool name'],
    [{ thresholds: { errorRatio: 2 } }, 'thresholds.errorRatio', 'between 0 and 1'],
    [{ seed: 1.5 }, 'seed', 'integer'],
  ])('refuses %j at %s', (patch, field, msg) => {
    const e = rejection({ ...base, ...patch });
    expect(e.details.field).toBe(field);
    expect(e.message).toContain(msg);
    expect(e.details.fix).toBeTruthy();
  });

  it('reports every problem, not just the first', () => {
    const e = rejection({ ...base, seed: 'x', stages: [{ rate: -1, duration: 'soon' }] });
    expect(e.message).toContain('also');
    expect(e.message).toContain('seed');
  });
});

describe('assertWithinLimits', () => {
  const plan = parsePlan(base);
  it('refuses a stage over maxRate and a plan over maxDurationMs', () => {
    expect(() => assertWithinLimits(plan, { maxRate: 99 })).toThrow(/stages\[0\]\.rate: stage rate 100\/s is over the cap of 99\/s/);
    expect(() => assertWithinLimits(plan, { maxDurationMs: 60_000 })).toThrow(/lasts 62000 ms, over the cap/);
    expect(() => assertWithinLimits(plan, { maxRate: 100, maxDurationMs: 62_000 })).not.toThrow();
  });
});

describe('expandPlan', () => {
  const plan = parsePlan(base);

  it('gives rate × duration requests per stage, ids running on across stages', () => {
    const stages = expandPlan(plan);
    expect(stages.map((s) => s.length)).toEqual([200, 3000]);
    expect(plan.stages.map(stageRequestCount)).toEqual([200, 3000]);
    expect(stageRequestCount({ rate: 3, duration: '500ms' })).toBe(2);
    expect(stages.flat().map((r) => r.id)).toEqual(Array.from({ length: 3200 }, (_, i) => i + 1));
  });

  it('builds JSON-RPC tools/call bodies with the mix arguments and a request id header', () => {
    const r = expandPlan(plan)[0]![0]!;
    const body = JSON.parse(r.body) as { jsonrpc: string; id: number; method: string; params: { name: string; arguments: unknown } };
    expect(body).toEqual({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: r.tool, arguments: r.tool === 'run_command' ? { command: 'ls' } : {} } });
    expect(r.headers).toEqual({ 'Content-Type': 'application/json', 'X-Request-Id': 'load-42-1' });
    expect(r.url).toBe(plan.targets[r.targetIndex]!.url);
  });

  it('is deterministic: the same seed gives the same requests, another seed others', () => {
    expect(expandPlan(parsePlan(base))).toEqual(expandPlan(parsePlan(base)));
    const a = expandPlan(plan).flat().map((r) => [r.targetIndex, r.mixIndex]);
    const b = expandPlan(parsePlan({ ...base, seed: 43 })).flat().map((r) => [r.targetIndex, r.mixIndex]);
    expect(a).not.toEqual(b);
  });

  it("does not let one stage's rate shift another stage's draws", () => {
    const other = parsePlan({ ...base, stages: [{ rate: 10, duration: '1s' }, base.stages[1]!] });
    const pick = (p: typeof plan) => expandPlan(p)[1]!.map((r) => [r.targetIndex, r.mixIndex]);
    expect(pick(other)).toEqual(pick(plan));
  });

  it('respects target and mix weights', () => {
    const all = expandPlan(parsePlan({ ...base, stages: [{ rate: 1000, duration: '20s' }] })).flat();
    const share = (f: (r: (typeof all)[number]) => boolean) => all.filter(f).length / all.length;
    expect(share((r) => r.targetIndex === 0)).toBeCloseTo(3 / 4, 2);
    expect(share((r) => r.tool === 'run_command')).toBeCloseTo(6 / 7, 2);
    // Independence: the tool mix is the same on each target.
    expect(all.filter((r) => r.targetIndex === 1 && r.mixIndex === 0).length / all.filter((r) => r.targetIndex === 1).length).toBeCloseTo(6 / 7, 1);
  });
});

describe('a mix entry pinned to one target (a tool only one service of a group has)', () => {
  const pinned: LoadPlanInput = { ...base, stages: [{ rate: 200, duration: '5s' }], requestMix: [{ tool: 'run_command', weight: 1, target: 0 }, { tool: 'read_file', weight: 1, target: 1 }] };

  it('always goes to its target, and the mix weights still hold', () => {
    const all = expandPlan(parsePlan(pinned)).flat();
    expect(all.every((r) => (r.tool === 'run_command' ? r.targetIndex === 0 : r.targetIndex === 1))).toBe(true);
    expect(all.filter((r) => r.tool === 'run_command').length / all.length).toBeCloseTo(0.5, 1);
  });

  it('does not shift the draws: the tools drawn are those of the same plan unpinned', () => {
    const unpinned = expandPlan(parsePlan({ ...pinned, requestMix: pinned.requestMix.map(({ tool, weight }) => ({ tool, weight })) })).flat();
    expect(expandPlan(parsePlan(pinned)).flat().map((r) => r.tool)).toEqual(unpinned.map((r) => r.tool));
  });

  it('refuses a target index the plan does not have, naming the field', () => {
    const e = rejection({ ...pinned, requestMix: [{ tool: 'run_command', weight: 1, target: 2 }] });
    expect(e.message).toContain('requestMix[0].target: must be a target index below 2');
  });
});
