import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrafficDriver } from '../../../fake-services/traffic.ts';

// A stand-in service on an ephemeral loopback port that records what the driver sends.
let server: Server;
let base = '';
const seen = new Map<string, string>();
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body) as { method: string; params?: { name: string } };
      // keyed by arrival number only, so runs with different seeds are comparable
      seen.set(String(req.headers['x-request-id']).split('-').pop()!, `${req.url} ${m.method} ${m.params?.name ?? ''}`);
      res.writeHead(m.params?.name === 'write_file' ? 503 : 200).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

async function run(seed: number) {
  seen.clear();
  const d = new TrafficDriver({ targets: [{ service: 'filesystem-mcp', baseUrl: base }, { service: 'git-mcp', baseUrl: base.replace('127.0.0.1', 'localhost') }], ratePerSecond: 2000, seed, maxRequests: 300 });
  d.start();
  await d.finished;
  const stats = await d.stop();
  return { stats, sent: new Map(seen) };
}

describe('TrafficDriver', () => {
  it('sends the same seeded schedule on every run and counts outcomes per service', async () => {
    const a = await run(4);
    const b = await run(4);
    expect(a.sent.size).toBe(300);
    expect([...a.sent].sort()).toEqual([...b.sent].sort());
    expect(a.stats.byService).toEqual(b.stats.byService);
    const total = Object.values(a.stats.byService).flatMap((o) => Object.values(o)).reduce((x, y) => x + y, 0);
    expect(total).toBe(300);
    expect(a.stats.byService['filesystem-mcp']?.['503']).toBeGreaterThan(0);
    expect([...a.sent.values()].filter((v) => v.includes('tools/list')).length).toBeGreaterThan(10);
    const c = await run(5);
    expect([...c.sent].sort()).not.toEqual([...a.sent].sort());
  });

  it('refuses non-loopback targets', () => {
    expect(() => new TrafficDriver({ targets: [{ service: 'git-mcp', baseUrl: 'http://10.0.0.1:7004' }], ratePerSecond: 1, seed: 1 })).toThrow(/loopback/);
  });

  it('counts timeouts and connection failures without slowing the schedule', async () => {
    const hang = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as AddressInfo).port;
    const d = new TrafficDriver({
      targets: [{ service: 'git-mcp', baseUrl: `http://127.0.0.1:${port}` }, { service: 'memory-mcp', baseUrl: 'http://127.0.0.1:1' }],
      ratePerSecond: 200, seed: 1, timeoutMs: 300, maxRequests: 40,
    });
    d.start();
    await d.finished;
    const s = await d.stop();
    hang.closeAllConnections();
    hang.close();
    expect(s.byService['git-mcp']?.timeout).toBeGreaterThan(0);
    expect(s.byService['memory-mcp']?.connection_error).toBeGreaterThan(0);
    expect((s.byService['git-mcp']?.timeout ?? 0) + (s.byService['memory-mcp']?.connection_error ?? 0)).toBe(40);
  });
});
