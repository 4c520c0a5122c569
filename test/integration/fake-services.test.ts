/**
 * Real fake-service processes (one OS process each, run from the esbuild bundle as the
 * harness runs them) on loopback ports 17000+, with a throwaway redis-server, mosquitto and
 * (when possible) PostgreSQL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFleetBundle } from '../../harness/stack/fleet-bundle.ts';
import { serviceArgs } from '../../harness/stack/fleet.ts';
import type { FinishedLogBurst } from '../../fake-services/service.ts';

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }[];
}
const parseProm = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

const ROOT = new URL('../..', import.meta.url).pathname;
const DIR = mkdtempSync(join(tmpdir(), 'fake-services-it-'));
const LINE_RE = /^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(DEBUG|INFO|WARN|ERROR) service=[a-z-]+ seq=([1-9]\d*) /;
const ERROR_RE = /error|exception|failed/i;
const SLOW_RE = /duration.*[1-9][0-9]{3,}ms/;
const DB_RE = /database.*error|connection.*failed/i;
const PORTS = { mosquitto: 17883, deadBroker: 17884, redis: 17379, postgres: 17432 };
// The services run from the esbuild bundle with the fleet's flags: what the harness runs.
const SERVICE_ARGS = serviceArgs(await ensureFleetBundle());

interface Svc {
  name: string;
  port: number;
  base: string;
  control: string;
  logFile: string;
  child: ChildProcess;
  stderr: () => string;
}
const children: ChildProcess[] = [];

function spawnService(service: string, port: number, extra: Record<string, unknown> = {}): Promise<Svc> {
  const logFile = join(DIR, `${service}-${port}-${children.length}.log`);
  const config = { service, port, controlPort: port + 100, host: '127.0.0.1', logFile, seed: 1234, heartbeatSeconds: 1, ...extra };
  const child = spawn(process.execPath, SERVICE_ARGS, {
    cwd: ROOT,
    env: { ...process.env, MCP_FAKE_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '', err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service} not ready in 30s: ${err}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`${service} exited ${code}: ${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('"event":"ready"')) {
        clearTimeout(timer);
        resolve({ name: service, port, base: `http://127.0.0.1:${port}`, control: `http://127.0.0.1:${port + 100}`, logFile, child, stderr: () => err });
      }
    });
  });
}

async function stopService(s: Svc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill(signal);
  await exited;
}

let rpcId = 0;
async function rpc(s: Svc, method: string, params?: unknown, opts: { timeoutMs?: number; requestId?: string } = {}) {
  const res = await fetch(`${s.base}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.requestId ? { 'x-request-id': opts.requestId } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  return { status: res.status, body: (await res.json()) as { result?: { content?: { text: string }[] }; error?: { message: string } } };
}
const call = (s: Svc, tool: string, args: Record<string, unknown> = {}, opts = {}) => rpc(s, 'tools/call', { name: tool, arguments: args }, opts);

async function control(s: Svc, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.control}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const addFault = async (s: Svc, spec: Record<string, unknown>) => {
  const r = await control(s, 'POST', '/faults', spec);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
};
const stats = async (s: Svc) => (await control(s, 'GET', '/stats')).body as { linesWritten: number; lastSeq: number; malformedLines: number; hungRequests: number; requestsByStatus: Record<string, Record<string, number>>; mqtt: { connected: boolean }; logBursts: FinishedLogBurst[] };

/**
 * Families by name. parse-prometheus-text-format parses every sample line faithfully but its
 * histogram grouping collapses all label sets of a histogram into one label-less entry, so
 * histogram families are parsed a second time as untyped: that keeps each _bucket/_sum/_count
 * sample with its labels (under `<name>_bucket` etc.), and `buckets` is rebuilt per label set.
 */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map(parseProm(text).map((f) => [f.name, f]));
  const raw = new Map<string, Family['metrics']>();
  for (const f of parseProm(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'))) raw.set(f.name, [...(raw.get(f.name) ?? []), ...f.metrics]);
  for (const f of families.values()) {
    if (f.type !== 'HISTOGRAM') continue;
    const series = new Map<string, Family['metrics'][number]>();
    const keyOf = (l: Record<string, string> = {}) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
    const get = (l?: Record<string, string>) => {
      const k = keyOf(l);
      if (!series.has(k)) series.set(k, { labels: Object.fromEntries(Object.entries(l ?? {}).filter(([k2]) => k2 !== 'le')), buckets: {} });
      return series.get(k)!;
    };
    for (const m of raw.get(`${f.name}_bucket`) ?? []) get(m.labels).buckets![m.labels!.le!] = m.value!;
    for (const m of raw.get(`${f.name}_count`) ?? []) get(m.labels).count = m.value;
    for (const m of raw.get(`${f.name}_sum`) ?? []) get(m.labels).sum = m.value;
    f.metrics = [...series.values()];
  }
  return families;
}

// Prometheus' own parser, when the stack's promtool has been built (scripts/setup.sh); else skipped.
const PROMTOOL = [process.env.PROMTOOL, ...(() => {
  const dir = join(process.env.HOME ?? '/root', '.cache/mcp-monitoring-harness/bin');
  try {
    return readdirSync(dir).filter((d) => d.startsWith('prometheus-')).map((d) => join(dir, d, 'promtool'));
  } catch {
    return [];
  }
})()].find((p) => p && existsSync(p));

async function metrics(s: Svc): Promise<Map<string, Family>> {
  const res = await fetch(`${s.base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  if (PROMTOOL) {
    const check = spawnSync(PROMTOOL, ['check', 'metrics', '--extended', '--lint=none'], { input: text, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  }
  return parseExposition(text);
}
const sumWhere = (f: Family | undefined, pred: (l: Record<string, string>) => boolean) =>
  (f?.metrics ?? []).filter((m) => pred(m.labels ?? {})).reduce((a, m) => a + Number(m.value ?? m.count), 0);

const logLines = (s: Svc) => readFileSync(s.logFile).toString('latin1').split('\n').filter(Boolean);

async function until<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

/** Local address of a listening TCP socket on `port`, from /proc/net/tcp (hex, little-endian IPv4). */
function listeningAddress(port: number): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , st] = line.trim().split(/\s+/);
    if (st === '0A' && local?.endsWith(`:${hexPort}`)) {
      const ip = local.split(':')[0]!;
      return [3, 2, 1, 0].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join('.');
    }
  }
  return undefined;
}

function startDaemon(cmd: string, args: string[], port: number, opts: { uid?: number; gid?: number } = {}): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return until(`${cmd} on ${port} (${err})`, async () => (await portOpen(port)) && child, 20_000);
}

let terminal: Svc, filesystem: Svc, coordinator: Svc;

beforeAll(async () => {
  [terminal, filesystem] = await Promise.all([
    spawnService('terminal-mcp', 17001, { mqttUrl: `mqtt://127.0.0.1:${PORTS.mosquitto}` }),
    // A broker that is not there: the service must serve anyway.
    spawnService('filesystem-mcp', 17002, { mqttUrl: `mqtt://127.0.0.1:${PORTS.deadBroker}` }),
  ]);
  coordinator = await spawnService('zen-coordinator', 17000, {
    upstreams: { 'terminal-mcp': terminal.base, 'filesystem-mcp': filesystem.base },
    upstreamTimeoutMs: 1500,
  });
});

afterAll(async () => {
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, sleep(5000).then(() => c.kill('SIGKILL'))]);
    await exited;
  }
  // No leftovers: every process we started is gone.
  for (const c of children) expect(() => process.kill(c.pid!, 0)).toThrow();
  rmSync(DIR, { recursive: true, force: true });
});

describe('a fake service process', () => {
  it('binds loopback only and answers /health', async () => {
    for (const s of [terminal, filesystem, coordinator]) {
      expect(listeningAddress(s.port)).toBe('127.0.0.1');
      expect(listeningAddress(s.port + 100)).toBe('127.0.0.1');
      const h = (await (await fetch(`${s.base}/health`)).json()) as Record<string, unknown>;
      expect(h).toMatchObject({ status: 'ok', service: s.name });
    }
  });

  it('speaks MCP JSON-RPC: initialize, tools/list, tools/call, notifications, errors', async () => {
    const init = await rpc(terminal, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'it', version: '0' } });
    expect(init.body.result).toMatchObject({ serverInfo: { name: 'terminal-mcp' }, capabilities: { tools: {} } });
    const list = await rpc(terminal, 'tools/list');
    const names = (list.body.result as unknown as { tools: { name: string; inputSchema: object }[] }).tools.map((t) => t.name);
    expect(names).toEqual(['run_command', 'get_working_directory', 'list_processes', 'get_environment']);
    const r = await call(terminal, 'list_processes');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.result!.content![0]!.text)).toMatchObject({ tool: 'list_processes', bytes: 6144 });
    const note = await fetch(`${terminal.base}/mcp`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    expect(note.status).toBe(202);
    expect((await call(terminal, 'no_such_tool')).status).toBe(400);
    expect((await fetch(`${terminal.base}/mcp`, { method: 'POST', body: '{not json' })).status).toBe(400);
    expect((await fetch(`${terminal.base}/nowhere`)).status).toBe(404);
  });

  it("exposes the seed's metrics with the right types and labels, counting real requests", async () => {
    const before = sumWhere((await metrics(filesystem)).get('http_requests_total'), (l) => l.path === '/mcp');
    for (let i = 0; i < 20; i++) await call(filesystem, 'read_file', { path: '/etc/hosts' });
    for (let i = 0; i < 5; i++) await rpc(filesystem, 'tools/list');
    const m = await metrics(filesystem);
    const total = m.get('http_requests_total')!;
    expect(total.type).toBe('COUNTER');
    for (const x of total.metrics) expect(Object.keys(x.labels!).sort()).toEqual(['method', 'path', 'status']);
    expect(sumWhere(total, (l) => l.path === '/mcp') - before).toBe(25);
    expect(sumWhere(total, (l) => l.path === '/metrics')).toBeGreaterThanOrEqual(1); // scrapes count themselves

    const created = m.get('http_requests_created')!;
    expect(created.type).toBe('GAUGE');
    const key = (l?: Record<string, string>) => `${l?.method} ${l?.path} ${l?.status}`;
    expect(created.metrics.map((x) => key(x.labels)).sort()).toEqual(total.metrics.map((x) => key(x.labels)).sort());
    for (const x of created.metrics) expect(Math.abs(Number(x.value) - Date.now() / 1000)).toBeLessThan(3600);

    const hist = m.get('http_request_duration_seconds')!;
    expect(hist.type).toBe('HISTOGRAM');
    const mcp = hist.metrics.find((x) => x.labels?.path === '/mcp' && x.labels.status === '200')!;
    expect(Object.keys(mcp.buckets!)).toEqual(expect.arrayContaining(['0.005', '0.1', '1', '10', '+Inf']));
    expect(Number(mcp.count)).toBeGreaterThanOrEqual(25);
    expect(Object.keys(mcp.labels!).sort()).toEqual(['method', 'path', 'status']);

    expect(m.get('process_resident_memory_bytes')).toMatchObject({ type: 'GAUGE' });
    expect(Number(m.get('process_resident_memory_bytes')!.metrics[0]!.value)).toBeGreaterThan(1e6);
    expect(m.get('process_cpu_seconds_total')).toMatchObject({ type: 'COUNTER' });
    expect(m.get('mcp_tool_calls_total')).toMatchObject({ type: 'COUNTER' });
    // Prometheus adds `service` from the scrape config; a service label here would clash.
    for (const f of m.values()) for (const x of f.metrics) expect(x.labels?.service).toBeUndefined();
  });

  it('writes logfmt lines with a gapless seq; only failures match the error LogQL', async () => {
    await call(filesystem, 'write_file', { path: '/tmp/x' });
    const st = await stats(filesystem);
    await until('lines flushed', async () => (await stats(filesystem)).linesWritten >= st.lastSeq);
    const lines = logLines(filesystem);
    const seqs = lines.map((l) => Number(LINE_RE.exec(l)?.[2]));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const access = lines.find((l) => l.includes('tool=write_file'))!;
    expect(access).toMatch(/level=INFO service=filesystem-mcp seq=\d+ request_id=\S+ method=tools\/call path=\/mcp tool=write_file status=200 duration=\d+ms msg="tools\/call ok"$/);
    for (const l of lines) {
      if (l.includes('level=INFO')) {
        expect(l, l).not.toMatch(ERROR_RE);
        expect(l, l).not.toMatch(SLOW_RE);
      }
      if (l.includes('level=ERROR')) expect(l, l).toMatch(ERROR_RE);
    }
    // The broker at deadBroker is absent: one WARN, and the service served all the same.
    expect(lines.filter((l) => l.includes('mqtt broker unreachable')).length).toBe(1);
  });
});

describe('fault controls', () => {
  it('error-ratio 1.0 turns every call into the given status; clearing restores the baseline', async () => {
    const id = await addFault(terminal, { kind: 'error-ratio', ratio: 1, status: 503 });
    expect((await control(terminal, 'GET', '/faults')).body.faults).toMatchObject([{ id, spec: { kind: 'error-ratio', ratio: 1, status: 503 } }]);
    const during = await Promise.all(Array.from({ length: 10 }, () => call(terminal, 'run_command', { command: 'ls' })));
    expect(during.map((r) => r.status)).toEqual(Array(10).fill(503));
    const m = await metrics(terminal);
    expect(sumWhere(m.get('http_requests_total'), (l) => l.path === '/mcp' && /^5..$/.test(l.status!))).toBeGreaterThanOrEqual(10);
    expect((await control(terminal, 'DELETE', `/faults/${id}`)).status).toBe(200);
    expect((await control(terminal, 'DELETE', `/faults/${id}`)).status).toBe(404);
    const after = await Promise.all(Array.from({ length: 10 }, () => call(terminal, 'run_command')));
    expect(after.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(9);
    const errors = logLines(terminal).filter((l) => l.includes('status=503'));
    expect(errors.length).toBeGreaterThanOrEqual(10);
    for (const l of errors) expect(l).toMatch(/level=ERROR .*msg="tools\/call failed: .*exception/);
  });

  it('rejects a bad fault with a message naming the field', async () => {
    const r = await control(terminal, 'POST', '/faults', { kind: 'error-ratio', ratio: 2 });
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/ratio/);
  });

  it('latency shifts the duration histogram and clearing shifts it back', async () => {
    const slowBucket = async () => {
      const h = (await metrics(filesystem)).get('http_request_duration_seconds')!;
      const x = h.metrics.find((v) => v.labels?.path === '/mcp' && v.labels.status === '200')!;
      return { le025: Number(x.buckets!['0.25']), count: Number(x.count) };
    };
    const a = await slowBucket();
    const id = await addFault(filesystem, { kind: 'latency', ms: 300, tool: 'read_file' });
    await Promise.all(Array.from({ length: 5 }, () => call(filesystem, 'read_file')));
    await call(filesystem, 'get_file_info'); // not matched by the tool filter
    const b = await slowBucket();
    expect(b.count - a.count).toBe(6);
    expect(b.le025 - a.le025).toBe(1);
    await control(filesystem, 'DELETE', `/faults/${id}`);
    await Promise.all(Array.from({ length: 5 }, () => call(filesystem, 'read_file')));
    const c = await slowBucket();
    expect(c.le025 - b.le025).toBe(5);
  });

  it('hang accepts and never answers until cleared; /health still answers', async () => {
    const id = await addFault(filesystem, { kind: 'hang' });
    await expect(call(filesystem, 'read_file', {}, { timeoutMs: 800 })).rejects.toThrow(/timeout|abort/i);
    expect((await stats(filesystem)).hungRequests).toBe(1);
    expect((await fetch(`${filesystem.base}/health`)).status).toBe(200);
    const parked = call(filesystem, 'list_directory', {}, { timeoutMs: 20_000 });
    await until('second request parked', async () => (await stats(filesystem)).hungRequests === 2);
    await control(filesystem, 'DELETE', `/faults/${id}`);
    expect((await parked).status).toBe(200); // released requests carry on
    expect((await stats(filesystem)).hungRequests).toBe(0);
    expect((await call(filesystem, 'read_file')).status).toBe(200);
  });

  it('metrics-slow delays /metrics, metrics-fail makes it 500; clearing restores it', async () => {
    const slow = await addFault(terminal, { kind: 'metrics-slow', ms: 600 });
    const t = performance.now();
    await metrics(terminal);
    expect(performance.now() - t).toBeGreaterThanOrEqual(550);
    await control(terminal, 'DELETE', `/faults/${slow}`);
    await addFault(terminal, { kind: 'metrics-fail' });
    expect((await fetch(`${terminal.base}/metrics`)).status).toBe(500);
    expect((await control(terminal, 'DELETE', '/faults')).body).toEqual({ cleared: 1 });
    const m = await metrics(terminal);
    // The failed scrape was itself a request: counted, like prometheus-fastapi-instrumentator does.
    expect(sumWhere(m.get('http_requests_total'), (l) => l.path === '/metrics' && l.status === '500')).toBe(1);
  });

  it('log-burst writes real lines through the logger at the requested rate, then clears itself', async () => {
    const before = await stats(terminal);
    const id = await addFault(terminal, { kind: 'log-burst', linesPerSecond: 500, durationSeconds: 1, lineBytes: 200 });
    await until('burst done', async () => ((await control(terminal, 'GET', '/faults')).body.faults as unknown[]).length === 0);
    const after = await until('flushed', async () => {
      const s = await stats(terminal);
      return s.linesWritten === s.lastSeq && s;
    });
    expect(after.linesWritten - before.linesWritten).toBeGreaterThanOrEqual(500);
    const burst = logLines(terminal).filter((l) => l.includes(`burst=${id} `));
    expect(burst).toHaveLength(500);
    for (const l of burst) {
      expect(l).toMatch(LINE_RE);
      expect(l.length).toBeGreaterThan(170);
      expect(l.length).toBeLessThan(230);
    }
    const seqs = burst.map((l) => Number(LINE_RE.exec(l)![2]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Lines become due on the wall clock: 500 lines at 500/s span about a second.
    const ts = burst.map((l) => Date.parse(l.slice(3, 27)));
    expect(ts.at(-1)! - ts[0]!).toBeGreaterThanOrEqual(900);
    // /stats tells when the writer wrote, by its own clock: the first and last line's stamps lie inside it.
    const record = after.logBursts.find((b) => b.id === id);
    expect(record?.lines).toBe(500);
    expect(record!.seconds).toBeGreaterThanOrEqual(0.98);
    expect(ts[0]!).toBeGreaterThanOrEqual(record!.startedAt);
    // (+1: both clocks are read in whole milliseconds)
    expect(ts.at(-1)!).toBeLessThanOrEqual(record!.startedAt + Math.ceil(record!.seconds * 1000) + 1);
  });

  it('malformed-logs writes broken lines (text, binary, oversized) until cleared', async () => {
    const id = await addFault(filesystem, { kind: 'malformed-logs', ratio: 1 });
    for (let i = 0; i < 20; i++) await call(filesystem, 'get_file_info');
    await control(filesystem, 'DELETE', `/faults/${id}`);
    await call(filesystem, 'get_file_info');
    const st = await until('flushed', async () => {
      const s = await stats(filesystem);
      return s.linesWritten === s.lastSeq && s;
    });
    expect(st.malformedLines).toBeGreaterThanOrEqual(20);
    const raw = readFileSync(filesystem.logFile);
    const lines = raw.toString('latin1').split('\n').filter(Boolean);
    const bad = lines.filter((l) => !LINE_RE.test(l) || l.length > 250_000);
    expect(bad.some((l) => l.includes('\u0000'))).toBe(true);
    expect(bad.some((l) => l.length >= 299_000)).toBe(true);
    expect(bad.some((l) => l.includes('{"unterminated"'))).toBe(true);
    expect(lines.at(-1)).toMatch(LINE_RE); // back to logfmt after clearing
  });

  it('cardinality-explosion adds n session_id series; clearing removes them', async () => {
    const series = async () => (await metrics(terminal)).get('mcp_tool_calls_total')!.metrics.filter((x) => x.labels?.session_id !== '').length;
    expect(await series()).toBe(0);
    const id = await addFault(terminal, { kind: 'cardinality-explosion', n: 300, perRequest: 100 });
    for (let i = 0; i < 4; i++) await call(terminal, 'run_command');
    expect(await series()).toBe(300);
    await control(terminal, 'DELETE', `/faults/${id}`);
    expect(await series()).toBe(0);
  });
});

describe('zen-coordinator', () => {
  it('routes calls to the owning service and turns upstream failures into 502 and ERROR lines', async () => {
    const ok = await Promise.all(Array.from({ length: 4 }, (_, i) => call(coordinator, 'route_tool_call', {}, { requestId: `route-${i}` })));
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const routed = ok.map((r) => (JSON.parse(r.body.result!.content![0]!.text) as { service: string }).service);
    expect(new Set(routed)).toEqual(new Set(['filesystem-mcp', 'terminal-mcp']));
    await until('upstream log has the request id', () => [...logLines(terminal), ...logLines(filesystem)].some((l) => l.includes('request_id=route-0 ')));

    const id = await addFault(filesystem, { kind: 'error-ratio', ratio: 1 });
    const bad = await call(coordinator, 'route_tool_call', { service: 'filesystem-mcp', tool: 'read_file' });
    expect(bad.status).toBe(502);
    await control(filesystem, 'DELETE', `/faults/${id}`);
    await until('ERROR line', () => logLines(coordinator).some((l) => /level=ERROR .*status=502 .*upstream filesystem-mcp returned 500/.test(l)));

    // A hung upstream: the coordinator gives up after upstreamTimeoutMs and answers 504.
    const hang = await addFault(filesystem, { kind: 'hang' });
    const timedOut = await call(coordinator, 'route_tool_call', { service: 'filesystem-mcp', tool: 'read_file' });
    expect(timedOut.status).toBe(504);
    expect(timedOut.body.error!.message).toMatch(/upstream filesystem-mcp timeout after 1500ms/);
    await control(filesystem, 'DELETE', `/faults/${hang}`);
    const line = await until('504 line', () => logLines(coordinator).find((l) => l.includes('status=504')));
    expect(line).toMatch(ERROR_RE);
    expect(line).toMatch(SLOW_RE); // duration=15xxms: the seed's high-latency LogQL sees it
  });
});

describe('determinism', () => {
  async function runOnce(seed: number): Promise<{ statuses: number[]; byStatus: Record<string, number> }> {
    const s = await spawnService('config-mcp', 17007, { seed });
    await addFault(s, { kind: 'error-ratio', ratio: 0.2, status: 500, tool: 'get_config' });
    const tools = ['get_config', 'set_config', 'list_configs', 'validate_config'];
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const r = i % 7 === 0 ? await rpc(s, 'tools/list') : await call(s, tools[i % tools.length]!);
      statuses.push(r.status);
    }
    const byStatus = (await stats(s)).requestsByStatus['/mcp']!;
    await stopService(s);
    return { statuses, byStatus };
  }

  it('gives the same per-status counts for the same seed across fresh processes', async () => {
    const a = await runOnce(77);
    const b = await runOnce(77);
    expect(b.statuses).toEqual(a.statuses);
    expect(b.byStatus).toEqual(a.byStatus);
    expect(a.byStatus['500']).toBeGreaterThan(5);
    const c = await runOnce(78);
    expect(c.statuses).not.toEqual(a.statuses);
  });
});

describe('real backends', () => {
  const redisOk = existsSync('/usr/bin/redis-server');
  describe.skipIf(!redisOk)('redis-mcp', () => {
    let redisMcp: Svc, admin: Redis;
    beforeAll(async () => {
      await startDaemon('/usr/bin/redis-server', ['--port', String(PORTS.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], PORTS.redis);
      redisMcp = await spawnService('redis-mcp', 17014, { redisUrl: `redis://127.0.0.1:${PORTS.redis}` });
      admin = new Redis(PORTS.redis, '127.0.0.1');
    });
    afterAll(() => void admin?.disconnect());
    const poolClients = async () => ((await admin.client('LIST')) as string).split('\n').filter((l) => / name=redis-mcp-\d /.test(l)).length;

    it('holds 4 connections while idle, drops them under dependency-failure and re-creates them on clear', async () => {
      expect(await poolClients()).toBe(4);
      expect((await call(redisMcp, 'redis_set')).status).toBe(200);
      expect((await call(redisMcp, 'redis_get')).status).toBe(200);
      const id = await addFault(redisMcp, { kind: 'dependency-failure' });
      await until('pool gone', async () => (await poolClients()) === 0);
      const r = await call(redisMcp, 'redis_get');
      expect(r.status).toBe(503);
      expect(r.body.error!.message).toMatch(DB_RE);
      await until('ERROR line', () => logLines(redisMcp).some((l) => l.includes('level=ERROR') && DB_RE.test(l)));
      await control(redisMcp, 'DELETE', `/faults/${id}`);
      await until('pool back', async () => (await poolClients()) === 4);
      expect((await call(redisMcp, 'redis_get')).status).toBe(200);
    });
  });

  describe.skipIf(!existsSync('/usr/sbin/mosquitto'))('mqtt', () => {
    let mqttMcp: Svc;
    let sub: mqtt.MqttClient;
    const seen = new Map<string, string>();
    beforeAll(async () => {
      const conf = join(DIR, 'mosquitto.conf');
      writeFileSync(conf, `listener ${PORTS.mosquitto} 127.0.0.1\nallow_anonymous true\nsys_interval 1\npersistence false\n`);
      await startDaemon('/usr/sbin/mosquitto', ['-c', conf], PORTS.mosquitto);
      mqttMcp = await spawnService('mqtt-mcp', 17016, { mqttUrl: `mqtt://127.0.0.1:${PORTS.mosquitto}` });
      sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${PORTS.mosquitto}`, { clientId: 'it-observer' });
      sub.on('message', (t, p) => seen.set(t, p.toString()));
      await sub.subscribeAsync(['mcp/#', '$SYS/broker/messages/+']);
    });
    afterAll(async () => void (await sub?.endAsync(true)));

    it('publishes heartbeats and tool-call events', async () => {
      await until('terminal connected', async () => (await stats(terminal)).mqtt.connected);
      await until('heartbeat', () => seen.has('mcp/terminal-mcp/heartbeat'));
      await call(terminal, 'run_command');
      await until('event', () => seen.get('mcp/terminal-mcp/events')?.includes('"tool":"run_command"'));
    });

    it("exposes the broker's own $SYS message counters as counters", async () => {
      expect((await call(mqttMcp, 'publish_message', { topic: 'x' })).status).toBe(200);
      const read = async () => {
        const m = await metrics(mqttMcp);
        return { rx: m.get('mqtt_messages_received_total'), tx: m.get('mqtt_messages_sent_total') };
      };
      const first = await until('$SYS counters', async () => {
        const r = await read();
        return Number(r.rx?.metrics[0]?.value) > 0 && r;
      });
      expect(first.rx!.type).toBe('COUNTER');
      expect(first.tx!.type).toBe('COUNTER');
      // Same numbers the broker publishes (sys_interval 1 s, so allow for one interval of drift).
      const broker = Number(await until('observer saw $SYS', () => seen.get('$SYS/broker/messages/received')));
      expect(Math.abs(Number(first.rx!.metrics[0]!.value) - broker)).toBeLessThan(200);
      const v0 = Number(first.rx!.metrics[0]!.value);
      // A message of our own, rather than waiting on the next heartbeat (5 s, slower under load).
      expect((await call(mqttMcp, 'publish_message', { topic: 'y' })).status).toBe(200);
      await until('counter grows', async () => Number((await read()).rx?.metrics[0]?.value) > v0);
    });

    it('mqtt-disconnect drops the broker link until cleared', async () => {
      const id = await addFault(terminal, { kind: 'mqtt-disconnect' });
      await until('disconnected', async () => !(await stats(terminal)).mqtt.connected);
      seen.delete('mcp/terminal-mcp/heartbeat');
      await sleep(2500);
      expect(seen.has('mcp/terminal-mcp/heartbeat')).toBe(false);
      await control(terminal, 'DELETE', `/faults/${id}`);
      await until('reconnected', async () => (await stats(terminal)).mqtt.connected);
      await until('heartbeat again', () => seen.has('mcp/terminal-mcp/heartbeat'));
    });
  });

  // initdb refuses to run as root: it needs the Debian `postgres` user to own the data dir.
  const pgBin = '/usr/lib/postgresql/15/bin';
  const pgUser = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const pgOk = existsSync(`${pgBin}/initdb`) && process.getuid?.() === 0 && pgUser.status === 0;
  describe.skipIf(!pgOk)('postgresql-mcp (skipped unless root with a postgres user and PostgreSQL 15)', () => {
    let pgMcp: Svc, admin: pg.Client;
    beforeAll(async () => {
      const uid = Number(pgUser.stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const data = join(DIR, 'pgdata');
      chmodSync(DIR, 0o755);
      mkdirSync(data);
      chownSync(data, uid, gid);
      const init = spawnSync('runuser', ['-u', 'postgres', '--', `${pgBin}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres'], { encoding: 'utf8' });
      expect(init.status, init.stderr).toBe(0);
      await startDaemon(`${pgBin}/postgres`, ['-D', data, '-p', String(PORTS.postgres), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${data}`], PORTS.postgres, { uid, gid });
      // The port answers before PostgreSQL accepts logins ("the database system is starting up"): retry, bounded.
      for (let attempt = 0; ; attempt++) {
        admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${PORTS.postgres}/postgres` });
        try {
          await admin.connect();
          break;
        } catch (e) {
          await admin.end().catch(() => {});
          if (attempt >= 100 || !/starting up|ECONNREFUSED/.test((e as Error).message)) throw e;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      pgMcp = await spawnService('postgresql-mcp', 17013, { postgresUrl: `postgres://postgres@127.0.0.1:${PORTS.postgres}/postgres` });
    });
    afterAll(async () => void (await admin?.end()));
    const poolConns = async () =>
      (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'postgresql-mcp'")).rows[0]!.n;

    it('keeps 4 connections in pg_stat_activity while idle, runs real SELECTs, and fails with database errors when dropped', async () => {
      await until('pool warm', async () => (await poolConns()) === 4);
      const q = await call(pgMcp, 'query');
      expect(q.status).toBe(200);
      expect(JSON.parse(q.body.result!.content![0]!.text)).toMatchObject({ rowCount: 171 });
      expect((await call(pgMcp, 'get_stats')).status).toBe(200);
      const id = await addFault(pgMcp, { kind: 'dependency-failure' });
      await until('pool gone', async () => (await poolConns()) === 0);
      const r = await call(pgMcp, 'query');
      expect(r.status).toBe(503);
      expect(r.body.error!.message).toMatch(/database error: connection failed/);
      await control(pgMcp, 'DELETE', `/faults/${id}`);
      await until('pool back', async () => (await poolConns()) === 4);
      expect((await call(pgMcp, 'list_tables')).status).toBe(200);
    });
  });
});

describe('process lifecycle', () => {
  it('exits 2 with a message naming the bad field', () => {
    const r = spawnSync(process.execPath, SERVICE_ARGS, {
      cwd: ROOT,
      env: { ...process.env, MCP_FAKE_CONFIG: JSON.stringify({ service: 'terminal-mcp', port: 17001, controlPort: 17101, logFile: join(DIR, 'x.log'), seed: 'one' }) },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/seed/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('flushes its log on SIGTERM: every seq from 1 to the last is in the file', async () => {
    const s = await spawnService('memory-mcp', 17005);
    await Promise.all(Array.from({ length: 50 }, () => call(s, 'store_memory')));
    await stopService(s);
    expect(s.child.exitCode).toBe(0);
    const seqs = logLines(s).map((l) => Number(LINE_RE.exec(l)?.[2]));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(logLines(s).at(-1)).toContain('msg="service stopping"');
    expect(seqs.length).toBeGreaterThanOrEqual(52);
  });

  it("closes a SIGKILLed service's port, and the coordinator then answers 502", async () => {
    await stopService(filesystem, 'SIGKILL');
    expect(filesystem.child.signalCode).toBe('SIGKILL');
    expect(await portOpen(filesystem.port)).toBe(false);
    expect(await portOpen(filesystem.port + 100)).toBe(false);
    const r = await call(coordinator, 'route_tool_call', { service: 'filesystem-mcp' });
    expect(r.status).toBe(502);
    expect(r.body.error!.message).toMatch(/upstream filesystem-mcp connection failed/);
  });
});
