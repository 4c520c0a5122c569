/**
 * vegeta against a node:http JSON-RPC echo server on loopback: each stage sends exactly
 * rate × duration requests (the planned bodies, once each), and a slow server still gets the
 * offered arrival rate: the open model, where slow answers do not slow the load down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../harness/lib/errors.ts';
import { expandPlan, parsePlan, type LoadPlanInput } from '../../harness/load/plan.ts';
import { runVegeta } from '../../harness/load/vegeta.ts';

interface Seen {
  attack: string;
  at: number;
  body: string;
  requestId: string;
}

interface EchoServer {
  url: string;
  seen: Seen[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** A JSON-RPC echo on 127.0.0.1 (free port) that answers after `delayMs`. */
async function echoServer(delayMs = 0): Promise<EchoServer> {
  const seen: Seen[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    const at = performance.now();
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ attack: String(req.headers['x-vegeta-attack']), at, body, requestId: String(req.headers['x-request-id']) });
      const id = (JSON.parse(body) as { id: number }).id;
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } }));
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    seen,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const planFor = (url: string, stages: LoadPlanInput['stages']): LoadPlanInput => ({
  stages,
  targets: [{ url, weight: 1 }],
  requestMix: [{ tool: 'run_command', weight: 3, args: { command: 'ls' } }, { tool: 'list_processes', weight: 1 }],
  thresholds: { p99Ms: 250, errorRatio: 0 },
  seed: 11,
});

let server: EchoServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// `npm run setup` builds vegeta (MIT): it must be there, so nothing here is skipped.
describe('vegeta engine', () => {
  it('sends exactly rate × duration planned requests per stage', async () => {
    server = await echoServer();
    const input = planFor(server.url, [{ rate: 100, duration: '2s' }, { rate: 200, duration: '2s' }]);
    const run = await runVegeta(input, { keepResults: true });
    const planned = expandPlan(parsePlan(input));
    console.log('exact stages:', run.stages.map((s) => ({ offered: s.offeredRate, rate: +s.rate.toFixed(2), requests: s.requests, p99Ms: +s.latencyMs.p99.toFixed(2) })));

    expect(run.stages.map((s) => s.requests)).toEqual([200, 400]);
    expect(run.stages.map((s) => s.plannedRequests)).toEqual([200, 400]);
    run.stages.forEach((s, i) => {
      // What the server saw from this stage is the stage's planned bodies, each once.
      const got = server!.seen.filter((x) => x.attack === `stage-${i}`);
      expect(got).toHaveLength(s.requests);
      expect(got.map((x) => x.body).sort()).toEqual(planned[i]!.map((r) => r.body).sort());
      expect(got.map((x) => x.requestId).sort()).toEqual(planned[i]!.map((r) => r.headers['X-Request-Id']).sort());
      expect(s.success).toBe(1);
      expect(s.statusCodes).toEqual({ '200': s.requests });
      expect(s.errors).toEqual([]);
      expect(Math.abs(s.rate - s.offeredRate) / s.offeredRate).toBeLessThan(0.05);
      expect(s.results!.map((r) => r.seq)).toEqual(Array.from({ length: s.requests }, (_, k) => k));
    });
    expect(server.seen).toHaveLength(600);
    expect(run.total.requests).toBe(600);
    expect(run.thresholds.map((t) => t.name)).toEqual(['p99Ms', 'errorRatio']);
    expect(run.thresholds.find((t) => t.name === 'errorRatio')).toMatchObject({ observed: 0, ok: true });
  });

  it('holds the offered arrival rate against a slow server (open model)', async () => {
    server = await echoServer(300);
    const run = await runVegeta(planFor(server.url, [{ rate: 200, duration: '3s' }]), { keepResults: true });
    const [s] = run.stages;
    const at = server.seen.map((x) => x.at).sort((a, b) => a - b);
    const serverRate = ((at.length - 1) * 1000) / (at.at(-1)! - at[0]!);
    // Our own p99 from the raw results, to compare with vegeta's estimate.
    const lat = s!.results!.map((r) => r.latencyMs).sort((a, b) => a - b);
    const p99 = lat[Math.ceil(0.99 * lat.length) - 1]!;
    console.log('slow server:', { offered: s!.offeredRate, vegetaRate: +s!.rate.toFixed(2), serverRate: +serverRate.toFixed(2), requests: s!.requests, maxInFlight: server.maxInFlight, p50Ms: +s!.latencyMs.p50.toFixed(1), p99Ms: +s!.latencyMs.p99.toFixed(1), ownP99Ms: +p99.toFixed(1) });

    expect(s!.requests).toBe(600);
    expect(server.seen).toHaveLength(600);
    expect(Math.abs(s!.rate - 200) / 200).toBeLessThan(0.05);
    expect(Math.abs(serverRate - 200) / 200).toBeLessThan(0.05);
    // A closed model with vegeta's 20 starting workers would top out near 20 / 0.3 s ≈ 67/s.
    expect(server.maxInFlight).toBeGreaterThanOrEqual(50);
    expect(s!.latencyMs.p50).toBeGreaterThanOrEqual(300);
    expect(run.thresholds.find((t) => t.name === 'p99Ms')).toMatchObject({ ok: false });
    expect(run.passed).toBe(false);
  });

  it('refuses a plan over the caps before sending anything', async () => {
    server = await echoServer();
    const input = planFor(server.url, [{ rate: 500, duration: '1s' }]);
    await expect(runVegeta(input, { maxRate: 400 })).rejects.toThrow(UsageError);
    await expect(runVegeta(input, { maxDurationMs: 999 })).rejects.toThrow(/over the cap of 999 ms/);
    expect(server.seen).toHaveLength(0);
  });
});
