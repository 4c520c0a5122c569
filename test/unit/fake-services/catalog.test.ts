import { describe, expect, it } from 'vitest';
import { allServices, COORDINATOR, CONTROL_PORT_OFFSET, serviceByName, SERVICES } from '../../../fake-services/catalog.ts';

// The seed's list (monitoring-stack.md, "16 MCP Services").
const SEED_GROUPS = {
  core: ['terminal', 'filesystem', 'database', 'git', 'memory', 'system', 'config', 'log', 'network', 'security'],
  ai: ['research', 'transcriber'],
  'db-wrappers': ['postgresql', 'redis', 'qdrant'],
  messaging: ['mqtt'],
};
const FORBIDDEN = /error|exception|failed/i;

describe('catalog', () => {
  it("has the seed's 16 services in the seed's groups, named <name>-mcp", () => {
    expect(SERVICES).toHaveLength(16);
    for (const [group, names] of Object.entries(SEED_GROUPS)) {
      expect(SERVICES.filter((s) => s.group === group).map((s) => s.name)).toEqual(names.map((n) => `${n}-mcp`));
    }
  });

  it('puts the services on unique ports in 7001-7026 and the coordinator on 7000', () => {
    const ports = SERVICES.map((s) => s.port);
    expect(new Set(ports).size).toBe(16);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(7001);
    expect(Math.max(...ports)).toBeLessThanOrEqual(7026);
    expect(SERVICES.map((s) => s.port)).toEqual(Array.from({ length: 16 }, (_, i) => 7001 + i));
    expect(COORDINATOR).toMatchObject({ name: 'zen-coordinator', port: 7000, group: 'coordinator' });
    // Control ports must not land on a service port (or on the seed's 7028-7033 components).
    const control = allServices().map((s) => s.port + CONTROL_PORT_OFFSET);
    for (const c of control) expect(allServices().some((s) => s.port === c) || (c >= 7028 && c <= 7042)).toBe(false);
  });

  it('looks services up by name', () => {
    expect(allServices()).toHaveLength(17);
    expect(allServices()[0]).toBe(COORDINATOR);
    expect(serviceByName('redis-mcp')?.backend).toBe('redis');
    expect(serviceByName('zen-coordinator')).toBe(COORDINATOR);
    expect(serviceByName('nope-mcp')).toBeUndefined();
  });

  it('gives every service plausible, uniquely named tools without the words the error LogQL looks for', () => {
    for (const s of allServices()) {
      expect(s.tools.length, s.name).toBeGreaterThanOrEqual(3);
      expect(new Set(s.tools.map((t) => t.name)).size, s.name).toBe(s.tools.length);
      expect(s.name).not.toMatch(FORBIDDEN);
      for (const t of s.tools) {
        expect(t.name, `${s.name}/${t.name}`).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(t.name, `${s.name}/${t.name}`).not.toMatch(FORBIDDEN);
        expect(t.description.length).toBeGreaterThan(10);
        expect(t.weight).toBeGreaterThan(0);
        expect(t.payloadBytes).toBeGreaterThan(0);
      }
    }
  });

  it('keeps healthy latency far from the HighLatency alert and baseline errors far from HighErrorRate', () => {
    const p99 = (m: number, sigma: number) => m * Math.exp(2.326 * sigma);
    const maxUpstream = Math.max(...SERVICES.map((s) => s.latency.maxMs));
    for (const s of allServices()) {
      expect(p99(s.latency.medianMs, s.latency.sigma), s.name).toBeLessThan(500);
      expect(s.latency.maxMs, s.name).toBeLessThan(1000);
      expect(s.baselineErrorRatio, s.name).toBeGreaterThan(0);
      expect(s.baselineErrorRatio, s.name).toBeLessThanOrEqual(0.005);
      expect(s.logLinesPerSecond).toBeGreaterThan(0);
    }
    // A routed call costs coordinator overhead + upstream: still under the 1000 ms LogQL threshold.
    expect(COORDINATOR.latency.maxMs + maxUpstream).toBeLessThan(1000);
  });
});
