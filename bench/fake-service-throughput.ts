/**
 * How much load one fake service process sustains, what it costs, and how that compares with
 * a bare node:http server answering the same JSON-RPC requests (an echo, no service logic).
 *
 *   npm run bench -- fake-service-throughput [--services terminal-mcp,research-mcp] [--seconds 5]
 *       [--concurrency 32] [--methods ping,tools/call] [--flags="--max-semi-space-size=1;none"] [--repeat 1]
 *
 * Each service runs as the fleet runs it (own process from the esbuild bundle with the fleet's
 * node flags, loopback port 18000+); each --flags set (node flags, or "none") adds a round with
 * those flags instead. Every measurement is paired: the bare echo server (its own process,
 * default flags) is driven just before the service with the same requests, and `vs bare` is
 * service req/s ÷ echo req/s, so machine load mostly cancels out; `CPU µs/req` (from /proc)
 * depends on it far less. Closed loop: `concurrency` clients for `seconds`, so req/s is at
 * most concurrency / mean latency. `ping` waits a tenth of the catalog latency, and Node
 * timers wait at least a millisecond: at 32 clients terminal-mcp's ping (median 2.5 ms) is
 * capped near 10k req/s and memory-mcp's (0.5 ms, waited as 1-2 ms) near 16k, whatever the
 * service's own cost. `CPU %` (the service's CPU time ÷ wall time) tells: well under 100, the
 * row is latency-bound and `vs bare` measures the catalog's latency, not the service; raise
 * --concurrency (256) to compare CPU-bound throughput. `tools/call` picks tools by catalog
 * weight and is capped near concurrency / mean latency for slow services.
 * --repeat N runs all rounds N times, interleaved, and summarises them per flags and method.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { serviceByName, type ServiceSpec } from '../fake-services/catalog.ts';
import { CONFIG_ENV } from '../fake-services/config.ts';
import { Rng } from '../fake-services/rng.ts';
import { ensureFleetBundle } from '../harness/stack/fleet-bundle.ts';
import { SERVICE_NODE_FLAGS } from '../harness/stack/fleet.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'fake-service-throughput'),
  options: {
    services: { type: 'string', default: 'terminal-mcp,filesystem-mcp,memory-mcp,research-mcp,qdrant-mcp' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    methods: { type: 'string', default: 'ping,tools/call' },
    flags: { type: 'string', default: '' },
    repeat: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const methods = values.methods.split(',').map((m) => m.trim()) as ('ping' | 'tools/call')[];
const dir = mkdtempSync(join(tmpdir(), 'fake-bench-'));
const bundle = await ensureFleetBundle();
const ECHO_PORT = 18999;

/** The floor: parse the JSON-RPC body, answer its id with a result, nothing else. */
const ECHO_SERVER = `
import { createServer } from 'node:http';
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const msg = JSON.parse(Buffer.concat(chunks).toString());
    const result = msg.method === 'tools/call' ? { content: [{ type: 'text', text: JSON.stringify(msg.params) }], isError: false } : {};
    const body = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}).listen(${ECHO_PORT}, '127.0.0.1', () => process.stdout.write('{"event":"ready"}\\n'));
`;

async function startProcess(args: string[], env: Record<string, string>, what: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('"event":"ready"') && resolve());
    child.once('exit', (c) => reject(new Error(`${what} exited ${c}`)));
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** CPU seconds (user + system) the process has used: per request, it hardly depends on machine load. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Drives http://127.0.0.1:port closed-loop; tools/call picks the spec's tools by weight. */
async function drive(port: number, pid: number, method: 'ping' | 'tools/call', spec: ServiceSpec, withMetrics: boolean) {
  const cpu0 = cpuSeconds(pid);
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
  const rng = new Rng(1, 'bench', spec.name);
  const weights = spec.tools.map((t) => t.weight);
  const latencies: number[] = [];
  let ok = 0, id = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const params = method === 'tools/call' ? { name: spec.tools[rng.weighted(weights)]!.name, arguments: {} } : undefined;
      const t0 = performance.now();
      const r = await pool.request({ path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
      await r.body.dump();
      latencies.push(performance.now() - t0);
      if (r.statusCode === 200) ok++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const cpuUsPerReq = (cpu * 1e6) / latencies.length;
  const text = withMetrics ? await (await pool.request({ path: '/metrics', method: 'GET' })).body.text() : '';
  await pool.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    rps: latencies.length / elapsed,
    cpuUsPerReq,
    cpuPct: (cpu / elapsed) * 100,
    p50: +q(0.5).toFixed(1),
    p99: +q(0.99).toFixed(1),
    non200: latencies.length - ok,
    series: withMetrics ? text.split('\n').filter((l) => l && !l.startsWith('#')).length : undefined,
    rssMiB: withMetrics ? +(Number(/^process_resident_memory_bytes (\S+)/m.exec(text)?.[1]) / 2 ** 20).toFixed(1) : undefined,
  };
}

const rounds: string[][] = [[...SERVICE_NODE_FLAGS], ...values.flags.split(';').map((s) => s.trim()).filter(Boolean).map((s) => (s === 'none' ? [] : s.split(/\s+/)))];
const echo = await startProcess(['--input-type=module', '-e', ECHO_SERVER], {}, 'echo server');
const rows = [];
try {
  for (const flags of Array.from({ length: Number(values.repeat) }, () => rounds).flat()) {
    let port = 18001;
    for (const name of values.services.split(',').map((s) => s.trim())) {
      const spec = serviceByName(name);
      if (!spec) throw new Error(`unknown service ${name}`);
      const config = { service: name, port, controlPort: port + 100, logFile: join(dir, `${name}.log`), seed: 1 };
      const child = await startProcess([...flags, bundle], { [CONFIG_ENV]: JSON.stringify(config) }, name);
      try {
        for (const method of methods) {
          const bare = await drive(ECHO_PORT, echo.pid!, method, spec, false);
          const r = await drive(port, child.pid!, method, spec, true);
          rows.push({
            flags: flags.join(' ') || '(none)',
            service: name,
            method,
            'req/s': Math.round(r.rps),
            'echo req/s': Math.round(bare.rps),
            'vs bare': +(r.rps / bare.rps).toFixed(3),
            'CPU µs/req': Math.round(r.cpuUsPerReq),
            'CPU %': Math.round(r.cpuPct),
            'echo CPU µs/req': Math.round(bare.cpuUsPerReq),
            'p50 ms': r.p50,
            'p99 ms': r.p99,
            non200: r.non200,
            series: r.series,
            'rss MiB': r.rssMiB,
          });
        }
      } finally {
        await stopProcess(child);
      }
      port++;
    }
  }
} finally {
  await stopProcess(echo);
  rmSync(dir, { recursive: true, force: true });
}
console.log(`closed loop, ${concurrency} clients, ${seconds}s per measurement; the echo server measured just before each service`);
console.table(rows);
if (rows.length > 1) {
  // Per flags and method over all services and repeats: the flags' effect with machine load divided out.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const method of methods) {
    for (const flags of rounds) {
      const label = flags.join(' ') || '(none)';
      const rs = rows.filter((r) => r.flags === label && r.method === method);
      const mean = (k: 'vs bare' | 'rss MiB' | 'CPU µs/req') => (rs.reduce((a, r) => a + (r[k] ?? 0), 0) / rs.length).toFixed(k === 'vs bare' ? 3 : 0);
      console.log(`${method.padEnd(10)} ${label.padEnd(28)} vs bare: median ${median(rs.map((r) => r['vs bare'])).toFixed(3)}, mean ${mean('vs bare')}; CPU µs/req mean ${mean('CPU µs/req')}; rss under load mean ${mean('rss MiB')} MiB (n=${rs.length})`);
    }
  }
}
