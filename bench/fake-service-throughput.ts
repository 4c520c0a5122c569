/**
 * How much load one fake service process sustains, and what it costs.
 *
 *   npx tsx bench/fake-service-throughput.ts [--services terminal-mcp,research-mcp] [--seconds 5] [--concurrency 32]
 *
 * For each service: start it as the harness does (own process, loopback port 18000+), drive
 * it closed-loop with `concurrency` clients sending tools/call by catalog weight for `seconds`,
 * then print requests/s, client-side p50/p99, the series its /metrics exposes and its RSS.
 * Latency-bound services are capped near concurrency / mean latency; raise --concurrency to
 * find the CPU limit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { serviceByName } from '../fake-services/catalog.ts';
import { Rng } from '../fake-services/rng.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: 'terminal-mcp,filesystem-mcp,memory-mcp,research-mcp,qdrant-mcp' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const dir = mkdtempSync(join(tmpdir(), 'fake-bench-'));
const root = new URL('..', import.meta.url).pathname;

async function bench(name: string, port: number) {
  const spec = serviceByName(name);
  if (!spec) throw new Error(`unknown service ${name}`);
  const config = { service: name, port, controlPort: port + 100, logFile: join(dir, `${name}.log`), seed: 1 };
  const child = spawn(process.execPath, ['--import', 'tsx', 'fake-services/main.ts'], {
    cwd: root,
    env: { ...process.env, MCP_FAKE_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('"event":"ready"') && resolve());
    child.once('exit', (c) => reject(new Error(`${name} exited ${c}`)));
  });
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
  const rng = new Rng(1, 'bench', name);
  const weights = spec.tools.map((t) => t.weight);
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const tool = spec.tools[rng.weighted(weights)]!.name;
      const t0 = performance.now();
      const r = await pool.request({
        path: '/mcp',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
      });
      await r.body.dump();
      latencies.push(performance.now() - t0);
      statuses[r.statusCode] = (statuses[r.statusCode] ?? 0) + 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const text = await (await pool.request({ path: '/metrics', method: 'GET' })).body.text();
  await pool.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    service: name,
    'req/s': Math.round(latencies.length / elapsed),
    'p50 ms': +q(0.5).toFixed(1),
    'p99 ms': +q(0.99).toFixed(1),
    non200: latencies.length - (statuses[200] ?? 0),
    series: text.split('\n').filter((l) => l && !l.startsWith('#')).length,
    'rss MiB': +(Number(/^process_resident_memory_bytes (\S+)/m.exec(text)?.[1]) / 2 ** 20).toFixed(1),
  };
}

const rows = [];
let port = 18001;
for (const name of values.services.split(',')) rows.push(await bench(name.trim(), port++));
console.log(`closed loop, ${concurrency} clients, ${seconds}s per service`);
console.table(rows);
rmSync(dir, { recursive: true, force: true });
