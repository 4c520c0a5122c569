/**
 * The capacity faults (concurrency-limit, metrics-undercount, metrics-buckets) on a
 * FakeService run in this process (no MQTT broker, a synthetic backend, ports chosen by the
 * OS), driven through its service and control ports as the harness drives it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { FakeServiceConfig } from '../../../fake-services/config.ts';
import { FaultSpecSchema, FaultStore } from '../../../fake-services/faults.ts';
import { DURATION_BUCKETS } from '../../../fake-services/metrics.ts';
import { FakeService } from '../../../fake-services/service.ts';
import { WorkerPool } from '../../../fake-services/worker-pool.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
/** The samples of a text exposition (label values here never hold quotes or commas). */
const parseSamples = (text: string): Sample[] =>
  [...text.matchAll(/^(\w+)(?:\{([^}]*)\})? (\S+)$/gm)].map(([, name, labels, value]) => ({
    name: name!,
    labels: Object.fromEntries([...(labels ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!])),
    value: Number(value),
  }));

const DIR = mkdtempSync(join(tmpdir(), 'capacity-faults-'));
const running: FakeService[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop('test done')));
  rmSync(DIR, { recursive: true, force: true });
});

interface Svc {
  svc: FakeService;
  base: string;
  control: string;
}

async function startService(seed = 42): Promise<Svc> {
  const config: FakeServiceConfig = {
    service: 'config-mcp',
    port: 0,
    controlPort: 0,
    host: '127.0.0.1',
    logFile: join(DIR, `config-mcp-${running.length}.log`),
    seed,
    heartbeatSeconds: 5,
    upstreamTimeoutMs: 5000,
    poolSize: 4,
    baselineErrorRatio: 0,
  };
  const svc = new FakeService(config);
  await svc.start();
  running.push(svc);
  const port = (s: 'server' | 'control') => (svc[s]!.address() as AddressInfo).port;
  return { svc, base: `http://127.0.0.1:${port('server')}`, control: `http://127.0.0.1:${port('control')}` };
}

let rpcId = 0;
async function rpc(s: Svc, method: string, params?: unknown): Promise<number> {
  const res = await fetch(`${s.base}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }) });
  await res.arrayBuffer();
  return res.status;
}
const call = (s: Svc) => rpc(s, 'tools/call', { name: 'get_config', arguments: { key: 'a' } });

async function addFault(s: Svc, spec: unknown): Promise<string> {
  const res = await fetch(`${s.control}/faults`, { method: 'POST', body: JSON.stringify(spec) });
  const body = (await res.json()) as { id: string; error?: string };
  expect(res.status, body.error).toBe(201);
  return body.id;
}
async function removeFault(s: Svc, id: string): Promise<void> {
  expect((await fetch(`${s.control}/faults/${id}`, { method: 'DELETE' })).status).toBe(200);
}
async function scrape(s: Svc): Promise<Sample[]> {
  return parseSamples(await (await fetch(`${s.base}/metrics`)).text());
}
/** Sum of the samples of this name on this path. */
const total = (samples: Sample[], name: string, path: string) => samples.filter((m) => m.name === name && m.labels.path === path).reduce((a, m) => a + m.value, 0);

/** Counts the requests inside handleMcp (the processing) by wrapping the instance's method. */
function countInFlight(svc: FakeService): { now: number; max: number } {
  const c = { now: 0, max: 0 };
  const inner = svc['handleMcp'].bind(svc);
  svc['handleMcp'] = async (...args: Parameters<typeof inner>) => {
    c.max = Math.max(c.max, ++c.now);
    try {
      return await inner(...args);
    } finally {
      c.now--;
    }
  };
  return c;
}

/** Fires n tool calls at once; the finish time of each, in ms from the start, sorted. */
async function burst(s: Svc, n: number): Promise<number[]> {
  const t0 = performance.now();
  const done = await Promise.all(
    Array.from({ length: n }, async () => {
      expect(await call(s)).toBe(200);
      return performance.now() - t0;
    }),
  );
  return done.sort((a, b) => a - b);
}

describe('capacity fault specs', () => {
  it('accept the three kinds and reject bad parameters with a clear message', () => {
    expect(FaultSpecSchema.parse({ kind: 'concurrency-limit', workers: 4 })).toEqual({ kind: 'concurrency-limit', workers: 4 });
    expect(FaultSpecSchema.parse({ kind: 'metrics-undercount', share: 0.25 })).toEqual({ kind: 'metrics-undercount', share: 0.25 });
    expect(FaultSpecSchema.parse({ kind: 'metrics-buckets', buckets: [0.5, 2, 30] })).toEqual({ kind: 'metrics-buckets', buckets: [0.5, 2, 30] });
    for (const bad of [
      { kind: 'concurrency-limit' },
      { kind: 'concurrency-limit', workers: 0 },
      { kind: 'concurrency-limit', workers: 1.5 },
      { kind: 'concurrency-limit', workers: 10_001 },
      { kind: 'metrics-undercount', share: 1.2 },
      { kind: 'metrics-undercount' },
      { kind: 'metrics-buckets', buckets: [] },
      { kind: 'metrics-buckets', buckets: [0, 1] },
      { kind: 'metrics-buckets', buckets: [-1, 1] },
      { kind: 'metrics-buckets', buckets: Array.from({ length: 41 }, (_, i) => i + 1) },
    ])
      expect(FaultSpecSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    for (const unordered of [[1, 1], [2, 1], [0.1, 0.5, 0.3]]) {
      const r = FaultSpecSchema.safeParse({ kind: 'metrics-buckets', buckets: unordered });
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.message)).toEqual(['buckets must be strictly increasing']);
    }
  });

  it('metrics-undercount draws once per request from its own stream: same seed, same decisions', () => {
    const decisions = (seed: number) => {
      const store = new FaultStore(seed, 'config-mcp');
      const f = store.add({ kind: 'metrics-undercount', share: 0.25 });
      const d = Array.from({ length: 400 }, () => store.unrecorded());
      expect(f.rng.draws).toBe(400);
      return d;
    };
    expect(decisions(5)).toEqual(decisions(5));
    expect(decisions(5)).not.toEqual(decisions(6));
    expect(new FaultStore(5, 'config-mcp').unrecorded()).toBe(false);
  });
});

describe('WorkerPool', () => {
  it('hands out workers up to the limit, in arrival order, and lets everything through when the limit goes', async () => {
    const pool = new WorkerPool();
    expect(pool.acquire()).toBeUndefined(); // unlimited: never waits
    pool.setLimit(2);
    expect(pool.acquire()).toBeUndefined();
    const order: number[] = [];
    const waits = [1, 2, 3].map((i) => pool.acquire()!.then(() => order.push(i)));
    expect(pool.state()).toEqual({ limit: 2, busy: 2, queued: 3 });
    pool.release();
    await sleep(0);
    expect(order).toEqual([1]);
    pool.setLimit(undefined);
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect(pool.state()).toEqual({ limit: null, busy: 4, queued: 0 });
  });
});

describe('capacity faults on a running service', () => {
  it('concurrency-limit: 2 workers and 100 ms each make 6 concurrent calls take 3 rounds; cleared, they run in parallel again', async () => {
    const s = await startService();
    const inFlight = countInFlight(s.svc);
    const limit = await addFault(s, { kind: 'concurrency-limit', workers: 2 });
    await addFault(s, { kind: 'latency', ms: 100 });

    const limited = await burst(s, 6);
    expect(inFlight.max).toBe(2);
    expect(limited[5]).toBeGreaterThanOrEqual(280);
    // The k-th call to finish waited for floor(k/2) rounds before its own 100 ms.
    limited.forEach((t, k) => expect(t, `call ${k}`).toBeGreaterThanOrEqual(100 * (Math.floor(k / 2) + 1) - 5));
    // The duration includes the queueing: 0.1 + 0.1 + 0.2 + 0.2 + 0.3 + 0.3 s at least.
    const samples = await scrape(s);
    expect(total(samples, 'http_request_duration_seconds_count', '/mcp')).toBe(6);
    expect(total(samples, 'http_request_duration_seconds_sum', '/mcp')).toBeGreaterThanOrEqual(1.15);

    await removeFault(s, limit);
    inFlight.max = 0;
    const free = await burst(s, 6);
    expect(inFlight.max).toBeGreaterThan(2);
    expect(free[5]).toBeLessThan(250);
    const stats = (await (await fetch(`${s.control}/stats`)).json()) as { workerPool: unknown };
    expect(stats.workerPool).toEqual({ limit: null, busy: 0, queued: 0 });
  });

  it('concurrency-limit: the smallest limit applies, and clearing it releases the queue at once', async () => {
    const s = await startService();
    const inFlight = countInFlight(s.svc);
    await addFault(s, { kind: 'concurrency-limit', workers: 3 });
    const one = await addFault(s, { kind: 'concurrency-limit', workers: 1 });
    await addFault(s, { kind: 'latency', ms: 100 });
    const calls = burst(s, 6);
    await sleep(50);
    expect(inFlight.max).toBe(1);
    await removeFault(s, one); // now 3 workers: the 5 queued go in two rounds
    const done = await calls;
    expect(inFlight.max).toBe(3);
    // 1 worker throughout: 600 ms. Cleared at 50 ms: two more start then, the last two once those end (>= 250 ms).
    expect(done[5]).toBeGreaterThanOrEqual(245);
    expect(done[5]).toBeLessThan(450);
  });

  it('concurrency-limit: a queued request whose client went away still frees its worker', async () => {
    const s = await startService();
    await addFault(s, { kind: 'concurrency-limit', workers: 1 });
    await addFault(s, { kind: 'latency', ms: 100 });
    const first = call(s);
    await sleep(20);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const abandoned = request(`${s.base}/mcp`, { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } });
    abandoned.on('error', () => {});
    abandoned.end(body);
    await sleep(30);
    abandoned.destroy(); // while it waits for the worker
    expect(await first).toBe(200);
    const t0 = performance.now();
    expect(await Promise.race([call(s), sleep(3000).then(() => 'stuck')])).toBe(200);
    expect(performance.now() - t0).toBeLessThan(1000);
    const stats = (await (await fetch(`${s.control}/stats`)).json()) as { workerPool: unknown; requestsByStatus: Record<string, Record<string, number>> };
    expect(stats.workerPool).toEqual({ limit: 1, busy: 0, queued: 0 });
    expect(stats.requestsByStatus['/mcp']).toEqual({ 200: 2, 400: 1 });
  });

  it('metrics-undercount: http_requests_total for /mcp misses about a quarter of 400 calls, the same count for the same seed; /stats has them all', async () => {
    const N = 400;
    const run = async () => {
      const s = await startService(7);
      await addFault(s, { kind: 'metrics-undercount', share: 0.25 });
      for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: 20 }, () => rpc(s, 'ping')));
      for (let i = 0; i < 5; i++) expect((await fetch(`${s.base}/health`)).status).toBe(200);
      const samples = await scrape(s);
      const counted = total(samples, 'http_requests_total', '/mcp');
      expect(total(samples, 'http_request_duration_seconds_count', '/mcp')).toBe(counted);
      expect(total(samples, 'http_requests_total', '/health')).toBe(5);
      const stats = (await (await fetch(`${s.control}/stats`)).json()) as { requestsByStatus: Record<string, Record<string, number>> };
      expect(stats.requestsByStatus['/mcp']).toEqual({ 200: N });
      return counted;
    };
    const first = await run();
    const sigma = Math.sqrt(N * 0.25 * 0.75);
    expect(Math.abs(first - 0.75 * N)).toBeLessThanOrEqual(4 * sigma);
    expect(first).toBeLessThan(N);
    expect(await run()).toBe(first);
  });

  it('metrics-undercount at share 1 hides every /mcp call, also from http_requests_created', async () => {
    const s = await startService();
    const f = await addFault(s, { kind: 'metrics-undercount', share: 1 });
    await call(s);
    const hidden = await scrape(s);
    expect(hidden.filter((m) => m.name.startsWith('http_') && m.labels.path === '/mcp')).toEqual([]);
    await removeFault(s, f);
    await call(s);
    const shown = await scrape(s);
    expect(total(shown, 'http_requests_total', '/mcp')).toBe(1);
    expect(total(shown, 'http_request_duration_seconds_count', '/mcp')).toBe(1);
    expect(shown.filter((m) => m.name === 'http_requests_created' && m.labels.path === '/mcp')).toHaveLength(1);
  });

  it('metrics-buckets: the histogram has exactly the given bounds while active, the default ones after the clear', async () => {
    const s = await startService();
    const les = async () => {
      await call(s); // the histogram restarts empty: give it a series
      const text = await (await fetch(`${s.base}/metrics`)).text();
      expect(text.match(/^# TYPE http_request_duration_seconds histogram$/gm)).toHaveLength(1);
      return [...new Set([...text.matchAll(/^http_request_duration_seconds_bucket\{[^}]*le="([^"]+)"/gm)].map((m) => m[1]))];
    };
    const defaults = [...DURATION_BUCKETS.map(String), '+Inf'];
    expect(await les()).toEqual(defaults);
    const coarse = await addFault(s, { kind: 'metrics-buckets', buckets: [0.5, 2, 30] });
    expect(await les()).toEqual(['0.5', '2', '30', '+Inf']);
    const newer = await addFault(s, { kind: 'metrics-buckets', buckets: [1] });
    expect(await les()).toEqual(['1', '+Inf']);
    await removeFault(s, newer);
    expect(await les()).toEqual(['0.5', '2', '30', '+Inf']);
    await removeFault(s, coarse);
    expect(await les()).toEqual(defaults);

    const res = await fetch(`${s.control}/faults`, { method: 'POST', body: JSON.stringify({ kind: 'metrics-buckets', buckets: [1, 0.5] }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('buckets: buckets must be strictly increasing');
  });
});
