import { describe, expect, it } from 'vitest';
import { FaultSpecSchema, FaultStore } from '../../../fake-services/faults.ts';

describe('fault specs', () => {
  it('accept the documented kinds with defaults', () => {
    expect(FaultSpecSchema.parse({ kind: 'error-ratio', ratio: 1 })).toEqual({ kind: 'error-ratio', ratio: 1, status: 500, spread: false, share: 1 });
    expect(FaultSpecSchema.parse({ kind: 'latency', ms: 300, tool: 'read_file' })).toMatchObject({ ms: 300, tool: 'read_file' });
    expect(FaultSpecSchema.parse({ kind: 'malformed-logs', ratio: 0.5 })).toMatchObject({ kinds: ['text', 'binary', 'oversized'] });
    for (const kind of ['hang', 'mqtt-disconnect', 'dependency-failure']) expect(FaultSpecSchema.parse({ kind })).toEqual({ kind });
  });

  it('reject bad input', () => {
    for (const bad of [
      { kind: 'latency' },
      { kind: 'latency', ms: 1, medianMs: 2 },
      { kind: 'error-ratio', ratio: 1.5 },
      { kind: 'error-ratio', ratio: 0.1, status: 200 },
      { kind: 'log-burst', linesPerSecond: 10 },
      { kind: 'nope' },
      { kind: 'hang', path: '/metrics' },
    ]) {
      expect(FaultSpecSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('FaultStore', () => {
  const decisions = (store: FaultStore, n: number) => Array.from({ length: n }, () => store.injectedStatus('/mcp', 'read_file') ?? 200);

  it('spreads errors evenly when asked: every window of 100 requests holds 4 ± 1 errors at 4 %', () => {
    const store = new FaultStore(1, 'terminal-mcp');
    store.add({ kind: 'error-ratio', ratio: 0.04, status: 500, spread: true });
    const d = decisions(store, 2000);
    expect(d.filter((s) => s === 500).length).toBe(80);
    for (let i = 0; i + 100 <= d.length; i += 37) {
      const inWindow = d.slice(i, i + 100).filter((s) => s === 500).length;
      expect(inWindow).toBeGreaterThanOrEqual(3);
      expect(inWindow).toBeLessThanOrEqual(5);
    }
  });

  it('draws error-ratio decisions from a per-fault seeded stream: same seed, same decisions', () => {
    const a = new FaultStore(9, 'filesystem-mcp');
    const b = new FaultStore(9, 'filesystem-mcp');
    a.add({ kind: 'error-ratio', ratio: 0.3, status: 503 });
    b.add({ kind: 'error-ratio', ratio: 0.3, status: 503 });
    const da = decisions(a, 500);
    expect(da).toEqual(decisions(b, 500));
    const failures = da.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(100);
    expect(failures).toBeLessThan(200);
    const c = new FaultStore(10, 'filesystem-mcp');
    c.add({ kind: 'error-ratio', ratio: 0.3, status: 503 });
    expect(decisions(c, 500)).not.toEqual(da);
  });

  it('applies path and tool filters and stops applying once cleared', async () => {
    const s = new FaultStore(1, 'filesystem-mcp');
    const f = s.add({ kind: 'latency', ms: 250, tool: 'read_file' });
    s.add({ kind: 'latency', ms: 50, path: '/health' });
    expect(s.extraLatencyMs('/mcp', 'read_file')).toBe(250);
    expect(s.extraLatencyMs('/mcp', 'write_file')).toBe(0);
    expect(s.extraLatencyMs('/health', undefined)).toBe(50);
    expect(await s.remove(f.id)).toBe(true);
    expect(await s.remove(f.id)).toBe(false);
    expect(s.extraLatencyMs('/mcp', 'read_file')).toBe(0);
    expect(await s.clear()).toBe(1);
    expect(s.list()).toEqual([]);
  });

  it('holds hung requests until the hang is cleared, and runs/undoes side effects', async () => {
    const log: string[] = [];
    const s = new FaultStore(1, 'git-mcp', (f) => {
      log.push(`on ${f.spec.kind}`);
      return () => void log.push(`off ${f.spec.kind}`);
    });
    const h = s.add({ kind: 'hang' });
    let released = false;
    const waiting = s.waitWhileHung('/mcp', 'git_log').then((hung) => (released = hung));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(false);
    await s.remove(h.id);
    await waiting;
    expect(released).toBe(true);
    expect(await s.waitWhileHung('/mcp', 'git_log')).toBe(false);
    expect(log).toEqual(['on hang', 'off hang']);
  });
});
