/**
 * One fake MCP service: the generic implementation every catalog entry runs.
 *
 *   127.0.0.1:port        POST /mcp (JSON-RPC 2.0: initialize, ping, tools/list, tools/call,
 *                         notifications/*), GET /health, GET /metrics
 *   127.0.0.1:controlPort the harness's fault API (never scraped): GET/POST/DELETE /faults,
 *                         DELETE /faults/:id, GET /stats
 *
 * Every /mcp request takes exactly BASELINE_DRAWS draws from the service's baseline stream
 * when it arrives (error draw, error flavour, two for the log-normal latency), whatever its
 * method, its outcome or the active faults. So the k-th request of a run always gets the same
 * draws, and per-status counts over N requests depend only on the seed and N.
 *
 * Metrics: every answered request on the service port is counted in http_requests_total and
 * http_request_duration_seconds, /metrics and /health included, as prometheus-fastapi-
 * instrumentator does by default (a scrape shows up in the next scrape). The `path` label is
 * the route (/mcp, /health, /metrics, or "other"), never the tool, to keep cardinality flat.
 * Two faults make them lie on purpose: metrics-undercount leaves a share of the POST /mcp
 * requests out (the log and /stats still count them: /stats is the truth), metrics-buckets
 * swaps the histogram's bucket layout. concurrency-limit gives the service a fixed worker
 * pool: the queueing counts in the duration, the latency applies from the start of processing.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackend, ToolError, type Backend } from './backends.ts';
import { http } from './builtins.ts';
import { serviceByName, type ServiceSpec } from './catalog.ts';
import type { FakeServiceConfig } from './config.ts';
import { faultSpecSchema, type FaultSpec } from './fault-spec.ts';
import { FaultStore, type ActiveFault } from './fault-store.ts';
import { ServiceLogger, type Level } from './logfmt.ts';
import { ServiceMetrics } from './metrics.ts';
import { MqttLink } from './mqtt-link.ts';
import { logNormalMs, normalFrom, Rng } from './rng.ts';
import { WorkerPool } from './worker-pool.ts';

export const BASELINE_DRAWS = 4;
export const MCP_PROTOCOL_VERSION = '2025-06-18';
const MAX_BODY = 1 << 20;

interface RpcMessage {
  jsonrpc?: unknown;
  id?: string | number | null;
  method?: unknown;
  params?: { name?: unknown; arguments?: unknown } & Record<string, unknown>;
}

/** A JSON-RPC-level failure with its HTTP status. */
class RpcError extends ToolError {
  constructor(
    status: number,
    readonly code: number,
    message: string,
  ) {
    super(status, message);
  }
}

const rpcCode = (status: number) => (status === 429 ? -32000 : status >= 500 ? -32603 : -32602);

/** A log burst as its writer saw it: its start (epoch ms) and the seconds from it to its last line. `GET /stats` lists the last 16. */
export interface FinishedLogBurst {
  id: string;
  lines: number;
  startedAt: number;
  seconds: number;
}

export class FakeService {
  readonly spec: ServiceSpec;
  readonly log: ServiceLogger;
  readonly metrics = new ServiceMetrics();
  readonly faults: FaultStore;
  /** Built on the first POST /faults, when zod is loaded (fault-spec.ts says why not at start). */
  private readonly baseline: Rng;
  private readonly housekeepingRng: Rng;
  private readonly mqtt: MqttLink;
  /** POST /mcp processing slots: unlimited unless a concurrency-limit fault is active. */
  private readonly workers = new WorkerPool();
  private backend: Backend | undefined;
  private server: Server | undefined;
  private readonly aliases: Server[] = [];
  private control: Server | undefined;
  private timers: NodeJS.Timeout[] = [];
  private mcpRequests = 0;
  private hung = 0;
  private sessionCursor = 0;
  private readonly sessionSeries = new Set<string>();
  private readonly requestsByStatus: Record<string, Record<string, number>> = {};
  private readonly startedAt = Date.now();
  private stopping = false;
  /** The last finished log bursts, with how long each took to hand its lines to the logger: the writer's own timing, free of the caller's polling. */
  private readonly finishedBursts: FinishedLogBurst[] = [];

  constructor(readonly config: FakeServiceConfig) {
    const spec = serviceByName(config.service);
    if (!spec) throw new Error(`unknown service ${config.service}`);
    this.spec = spec;
    this.log = new ServiceLogger(config.logFile, spec.name);
    this.baseline = new Rng(config.seed, spec.name, 'baseline');
    this.housekeepingRng = new Rng(config.seed, spec.name, 'housekeeping');
    this.faults = new FaultStore(config.seed, spec.name, (f) => this.activate(f));
    this.mqtt = new MqttLink(config.mqttUrl, spec.name, this.log, config.heartbeatSeconds, spec.backend === 'mqtt' ? ['$SYS/#'] : []);
    if (spec.backend === 'mqtt') {
      // The broker's own counts, as of its last $SYS publication (sys_interval).
      const sys = (t: string) => () => Number(this.mqtt.sys.get(`$SYS/broker/messages/${t}`) ?? 0) || 0;
      this.metrics.externalCounter('mqtt_messages_received_total', 'Messages received by the broker ($SYS/broker/messages/received)', sys('received'));
      this.metrics.externalCounter('mqtt_messages_sent_total', 'Messages sent by the broker ($SYS/broker/messages/sent)', sys('sent'));
    }
  }

  async start(): Promise<void> {
    // mqtt.js loads while the backend connects.
    [, this.backend] = await Promise.all([this.mqtt.start(), createBackend(this.spec, this.config, this.log, this.mqtt)]);
    this.control = await listen(http.createServer((req, res) => void this.handleControl(req, res)), this.config.controlPort, this.config.host);
    this.server = await listen(http.createServer((req, res) => void this.handle(req, res)), this.config.port, this.config.host);
    // Another server's address this service stands in for (qdrant:6333 on a container network).
    for (const port of this.config.aliasPorts ?? []) this.aliases.push(await listen(http.createServer((req, res) => void this.handle(req, res)), port, this.config.host));
    this.timers.push(setInterval(() => this.housekeeping(), 1000));
    this.log.info({ port: this.config.port, pid: process.pid, group: this.spec.group, msg: 'service started' });
  }

  async stop(reason = 'shutdown'): Promise<void> {
    this.log.info({ reason, msg: 'service stopping' });
    this.stopping = true; // clearing faults below must not re-create pools or reconnect
    for (const t of this.timers) clearInterval(t);
    await this.faults.clear(); // releases hung requests, stops bursts
    for (const s of [this.server, this.control, ...this.aliases]) {
      s?.closeAllConnections();
      await new Promise((r) => (s ? s.close(r) : r(undefined)));
    }
    await Promise.allSettled([this.backend?.stop(), this.mqtt.stop()]);
    await this.log.close();
  }

  stats(): Record<string, unknown> {
    return {
      service: this.spec.name,
      pid: process.pid,
      port: this.config.port,
      controlPort: this.config.controlPort,
      seed: this.config.seed,
      uptimeSeconds: (Date.now() - this.startedAt) / 1000,
      linesWritten: this.log.linesWritten,
      linesQueued: this.log.linesQueued,
      bytesWritten: this.log.bytesWritten,
      lastSeq: this.log.lastSeq,
      malformedLines: this.log.malformedLines,
      malformedSeqs: this.log.malformedSeqs,
      requestsByStatus: this.requestsByStatus,
      mcpRequests: this.mcpRequests,
      baselineDraws: this.baseline.draws,
      hungRequests: this.hung,
      workerPool: this.workers.state(),
      activeFaults: this.faults.list().length,
      logBursts: this.finishedBursts,
      mqtt: { connected: this.mqtt.connected, published: this.mqtt.published },
      backend: this.backend?.health(),
    };
  }

  // ---- service port -------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const pathname = pathnameOf(req.url ?? '/');
    const route = ROUTES.has(pathname) ? pathname : 'other';
    // Drawn before anything can fail or wait, so the stream position is the request count.
    const draws = route === '/mcp' ? Array.from({ length: BASELINE_DRAWS }, () => this.baseline.float()) : [];
    const index = route === '/mcp' ? ++this.mcpRequests : 0;
    const isMcpCall = route === '/mcp' && req.method === 'POST';
    // metrics-undercount: decided on arrival, like the baseline draws, so it follows the arrival order.
    const unrecorded = isMcpCall && this.faults.unrecorded();
    const requestId = sanitizeId(req.headers['x-request-id']) ?? `${this.spec.name}-${process.pid}-${++reqCounter}`;
    const done = (status: number, level: Level, fields: Record<string, string | number | undefined>) => {
      const seconds = (performance.now() - t0) / 1000;
      if (!unrecorded) this.metrics.observe(req.method ?? 'GET', route, status, seconds);
      const byStatus = (this.requestsByStatus[route] ??= {});
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      this.log.log(level, { request_id: requestId, ...fields, status, duration: `${Math.round(seconds * 1000)}ms`, msg: fields.msg });
    };
    try {
      if (isMcpCall) {
        // concurrency-limit: the wait counts in the request's duration (the timer started at receipt).
        const wait = this.workers.acquire();
        if (wait) await wait;
        try {
          return await this.handleMcp(req, res, { index, draws, requestId, started: performance.now(), done });
        } finally {
          this.workers.release();
        }
      }
      if (route === '/health' && req.method === 'GET') {
        await this.parkIfHung('/health', undefined);
        const extra = this.faults.extraLatencyMs('/health', undefined);
        if (extra > 0) await sleep(extra);
        const status = 'ok';
        send(res, 200, { status, service: this.spec.name, group: this.spec.group, pid: process.pid, uptimeSeconds: Math.round(process.uptime()), mqtt: this.mqtt.connected ? 'connected' : this.config.mqttUrl ? 'disconnected' : 'unconfigured', ...this.backend?.health() });
        return done(200, 'INFO', { method: 'GET', path: '/health', msg: 'health ok' });
      }
      if (route === '/metrics' && req.method === 'GET') return await this.handleMetrics(res, done);
      send(res, route === 'other' ? 404 : 405, { error: route === 'other' ? 'not found' : 'method not allowed' });
      done(route === 'other' ? 404 : 405, 'WARN', { method: req.method, path: pathname.slice(0, 200), msg: 'request rejected: no such route' });
    } catch (e) {
      if (!res.headersSent) send(res, 500, { error: 'internal' });
      done(500, 'ERROR', { method: req.method, path: route, msg: `request failed: unexpected exception: ${(e as Error).message}` });
    }
  }

  private async handleMetrics(res: ServerResponse, done: (s: number, l: Level, f: Record<string, string | number | undefined>) => void): Promise<void> {
    for (const f of this.faults.of('metrics-slow')) await sleep(f.spec.ms);
    const failing = this.faults.of('metrics-fail')[0];
    if (failing) {
      res.writeHead(failing.spec.status, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      return done(failing.spec.status, 'ERROR', { method: 'GET', path: '/metrics', msg: 'scrape failed: metrics collection exception (metrics-fail fault)' });
    }
    const body = await this.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body);
    done(200, 'INFO', { method: 'GET', path: '/metrics', msg: 'scrape ok' });
  }

  private async parkIfHung(path: string, tool: string | undefined): Promise<void> {
    if (this.faults.matching('hang', path, tool).length === 0) return;
    this.hung++;
    try {
      await this.faults.waitWhileHung(path, tool);
    } finally {
      this.hung--;
    }
  }

  private async handleMcp(
    req: IncomingMessage,
    res: ServerResponse,
    r: { index: number; draws: number[]; requestId: string; started: number; done: (s: number, l: Level, f: Record<string, string | number | undefined>) => void },
  ): Promise<void> {
    const [uErr, uFlavour, u1, u2] = r.draws as [number, number, number, number];
    let msg: RpcMessage | undefined;
    let status = 200;
    let result: unknown;
    let failure: RpcError | undefined;
    try {
      const text = await readBody(req);
      try {
        msg = JSON.parse(text) as RpcMessage;
      } catch {
        throw new RpcError(400, -32700, 'parse error: body is not JSON');
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string')
        throw new RpcError(400, -32600, 'invalid request: expected one JSON-RPC 2.0 request object');
    } catch (e) {
      failure = e instanceof RpcError ? e : new RpcError(400, -32600, `invalid request: ${(e as Error).message}`);
    }
    const method = typeof msg?.method === 'string' ? msg.method.slice(0, 64) : 'invalid';
    const toolName = method === 'tools/call' && typeof msg?.params?.name === 'string' ? msg.params.name.slice(0, 64) : undefined;

    await this.parkIfHung('/mcp', toolName);
    const base = logNormalMs(this.spec.latency.medianMs, this.spec.latency.sigma, this.spec.latency.maxMs, normalFrom(u1, u2));
    const targetMs = (method === 'tools/call' ? base : base / 10) + this.faults.extraLatencyMs('/mcp', toolName);

    if (!failure) {
      try {
        const injected = this.faults.injectedStatus('/mcp', toolName);
        if (injected !== undefined)
          throw new RpcError(injected, rpcCode(injected), injected >= 500 ? 'upstream exception (error-ratio fault)' : `request rejected with ${injected} (error-ratio fault)`);
        if (uErr < (this.config.baselineErrorRatio ?? this.spec.baselineErrorRatio))
          throw uFlavour < 0.8 ? new RpcError(500, -32603, 'upstream exception') : new RpcError(503, -32603, 'service temporarily unavailable: worker pool exhausted');
        result = await this.dispatch(method, msg!, r.index, r.requestId);
      } catch (e) {
        failure =
          e instanceof RpcError ? e
          : e instanceof ToolError ? new RpcError(e.status, rpcCode(e.status), e.message)
          : new RpcError(500, -32603, `unexpected exception: ${(e as Error).message}`);
      }
    }
    // From the start of processing, so a request that queued for a worker still takes its latency.
    const elapsed = performance.now() - r.started;
    if (targetMs > elapsed) await sleep(targetMs - elapsed);

    const isNotification = msg !== undefined && !failure && msg.id === undefined;
    if (failure) {
      status = failure.status;
      send(res, status, { jsonrpc: '2.0', id: msg?.id ?? null, error: { code: failure.code, message: failure.message } });
    } else if (isNotification) {
      status = 202;
      res.writeHead(202).end();
    } else {
      send(res, 200, { jsonrpc: '2.0', id: msg!.id, result });
    }
    this.afterCall(toolName, status);
    const level: Level = status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO';
    const outcome = status >= 500 ? `failed: ${failure!.message}` : status >= 400 ? `rejected: ${failure!.message}` : 'ok';
    r.done(status, level, { method, path: '/mcp', tool: toolName, msg: `${method} ${outcome}` });
    if (toolName) this.mqtt.publish('events', { event: 'tool_call', service: this.spec.name, tool: toolName, status, request_id: r.requestId, ts: new Date().toISOString() });
  }

  private async dispatch(method: string, msg: RpcMessage, index: number, requestId: string): Promise<unknown> {
    switch (method) {
      case 'initialize':
        return {
          protocolVersion: MCP_PROTOCOL_VERSION,
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: this.spec.name, version: '1.0.0' },
        };
      case 'ping':
        return {};
      case 'tools/list':
        return {
          tools: this.spec.tools.map((t) => ({
            name: t.name,
            description: t.description,
            inputSchema: { type: 'object', properties: Object.fromEntries(t.args.map((a) => [a, { type: 'string' }])), required: t.args.slice(0, 1) },
          })),
        };
      case 'tools/call': {
        const tool = this.spec.tools.find((t) => t.name === msg.params?.name);
        if (!tool) throw new RpcError(400, -32602, `unknown tool ${String(msg.params?.name).slice(0, 64)}`);
        const args = typeof msg.params?.arguments === 'object' && msg.params.arguments !== null ? (msg.params.arguments as Record<string, unknown>) : {};
        const out = await this.backend!.call({ index, tool, args, requestId });
        return { content: [{ type: 'text', text: JSON.stringify(out) }], isError: false };
      }
      default:
        if (method.startsWith('notifications/')) return undefined;
        throw new RpcError(404, -32601, `method not found: ${method}`);
    }
  }

  /** Tool-call counter; under cardinality-explosion each call also touches perRequest session series. */
  private afterCall(tool: string | undefined, status: number): void {
    if (!tool || status >= 400) return;
    this.metrics.toolCalls.inc({ tool, session_id: '' });
    for (const f of this.faults.of('cardinality-explosion')) {
      for (let i = 0; i < f.spec.perRequest; i++) {
        const session_id = `sess-${(this.sessionCursor++ % f.spec.n).toString(36)}`;
        this.metrics.toolCalls.inc({ tool, session_id });
        this.sessionSeries.add(`${tool}\u0000${session_id}`);
      }
    }
  }

  /** Request-independent lines (cache stats, sweeps) at the catalog's rate. */
  private housekeepingDebt = 0;
  private housekeeping(): void {
    this.housekeepingDebt += this.spec.logLinesPerSecond;
    for (; this.housekeepingDebt >= 1; this.housekeepingDebt--) {
      const rng = this.housekeepingRng;
      const kind = rng.int(3);
      if (kind === 0) this.log.info({ entries: rng.int(5000), hit_ratio: rng.float().toFixed(3), msg: 'cache stats' });
      else if (kind === 1) this.log.info({ swept: rng.int(20), active: rng.int(50), msg: 'session sweep done' });
      else this.log.info({ heap_mb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), msg: 'housekeeping tick' });
    }
  }

  // ---- faults ------------------------------------------------------------------------

  /** Side effects of a new fault; the returned function undoes them when it is cleared. */
  private activate(f: ActiveFault): (() => void | Promise<void>) | void {
    const spec: FaultSpec = f.spec;
    switch (spec.kind) {
      case 'dependency-failure':
        void this.backend?.fail().catch(() => {});
        return () => (this.stopping ? undefined : this.backend?.restore());
      case 'mqtt-disconnect':
        void this.mqtt.suspend().catch(() => {});
        return () => (this.stopping ? undefined : this.mqtt.resume());
      case 'cardinality-explosion':
        return () => {
          if (this.faults.has('cardinality-explosion')) return;
          for (const k of this.sessionSeries) {
            const [tool, session_id] = k.split('\u0000') as [string, string];
            this.metrics.toolCalls.remove({ tool, session_id });
          }
          this.sessionSeries.clear();
          this.sessionCursor = 0;
        };
      case 'malformed-logs':
        this.installMalformer();
        return () => this.installMalformer();
      case 'log-burst':
        return this.startBurst(f, spec);
      case 'concurrency-limit': {
        // The smallest active limit applies; re-evaluated on every add and clear.
        const apply = () => this.workers.setLimit(Math.min(...this.faults.of('concurrency-limit').map((c) => c.spec.workers)));
        apply();
        return apply;
      }
      case 'metrics-buckets': {
        // The newest active layout applies; none left: the default buckets.
        const apply = () => this.metrics.setDurationBuckets(this.faults.of('metrics-buckets').at(-1)?.spec.buckets);
        apply();
        return apply;
      }
      default:
        return undefined;
    }
  }

  private installMalformer(): void {
    const faults = this.faults.of('malformed-logs');
    this.log.malformer =
      faults.length === 0 ? undefined : (
        (seq, line) => {
          for (const { spec, rng } of faults) {
            if (rng.float() >= spec.ratio) continue;
            const kind = spec.kinds[rng.int(spec.kinds.length)]!;
            if (kind === 'text') return Buffer.from(`[${new Date().toISOString()}] ${this.spec.name} seq=${seq} {"unterminated": "request handled`);
            if (kind === 'oversized') return Buffer.from(`${line} pad=${'x'.repeat(Math.max(0, spec.oversizedBytes - line.length - 5))}`);
            // binary-ish: a seq marker amid bytes that are neither newline nor ASCII letters
            const junk = Buffer.from(Array.from({ length: 96 }, () => (rng.float() < 0.2 ? rng.int(9) : 0x80 + rng.int(128))));
            return Buffer.concat([Buffer.from([0, 0xff, 0xfe]), Buffer.from(` seq=${seq} `), junk]);
          }
          return undefined;
        }
      );
  }

  /** Writes linesPerSecond real lines (through the logger, with seq) for durationSeconds, then clears itself. */
  private startBurst(f: ActiveFault, spec: Extract<FaultSpec, { kind: 'log-burst' }>): () => void {
    const total = Math.round(spec.linesPerSecond * spec.durationSeconds);
    const started = performance.now();
    const startedAt = Date.now();
    let written = 0;
    const probe = `ts=${new Date().toISOString()} level=INFO service=${this.spec.name} seq=${this.log.lastSeq + total} burst=${f.id} n=${total} msg="log burst"`;
    const pad = spec.lineBytes ? 'x'.repeat(Math.max(0, spec.lineBytes - probe.length - 5)) : undefined;
    const timer = setInterval(() => {
      // Catch up to the wall-clock target, so a slow tick does not lower the rate.
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * spec.linesPerSecond));
      for (; written < due; ) this.log.info({ burst: f.id, n: ++written, pad, msg: 'log burst' });
      if (written < total) return;
      clearInterval(timer);
      this.finishedBursts.push({ id: f.id, lines: total, startedAt, seconds: (performance.now() - started) / 1000 });
      if (this.finishedBursts.length > 16) this.finishedBursts.shift();
      void this.faults.remove(f.id);
    }, 20);
    return () => clearInterval(timer);
  }

  // ---- control port ------------------------------------------------------------------

  private async handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathnameOf(req.url ?? '/');
    try {
      if (path === '/stats' && req.method === 'GET') return send(res, 200, this.stats());
      if (path === '/faults' && req.method === 'GET') return send(res, 200, { faults: this.faults.list() });
      if (path === '/faults' && req.method === 'DELETE') return send(res, 200, { cleared: await this.faults.clear() });
      if (path === '/faults' && req.method === 'POST') {
        let raw: unknown;
        try {
          raw = JSON.parse(await readBody(req));
        } catch {
          return send(res, 400, { error: 'body must be a JSON object' });
        }
        try {
          const f = this.faults.add(faultSpecSchema().parse(raw));
          return send(res, 201, { id: f.id, fault: f.spec });
        } catch (e) {
          const issues = (e as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
          return send(res, 400, { error: issues ? issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; ') : (e as Error).message });
        }
      }
      const m = /^\/faults\/([\w-]+)$/.exec(path);
      if (m && req.method === 'DELETE') return (await this.faults.remove(m[1]!)) ? send(res, 200, { removed: m[1] }) : send(res, 404, { error: `no active fault ${m[1]}` });
      send(res, 404, { error: 'not found' });
    } catch (e) {
      send(res, 500, { error: (e as Error).message });
    }
  }
}

let reqCounter = 0;

const ROUTES: ReadonlySet<string> = new Set(['/mcp', '/health', '/metrics']);

/** The URL's pathname as the WHATWG parser reads it; a bare route is its own pathname, so the common case skips the parser. */
function pathnameOf(url: string): string {
  return ROUTES.has(url) ? url : new URL(url, 'http://x').pathname;
}

function sanitizeId(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s && /^[\w.:-]{1,64}$/.test(s) ? s : undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  // A length instead of chunked encoding: head and body leave in one write.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    // A request that waited for a worker may have lost its client meanwhile ('close' already fired).
    if (req.destroyed) return reject(new Error('client closed the connection before the body ended'));
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    // A client that goes away mid-body must not leave this promise pending forever. Every request
    // closes, so the Error (a stack capture) is only built when the body did not end.
    req.on('close', () => {
      if (!ended) reject(new Error('client closed the connection before the body ended'));
    });
  });
}

/** Binds the config's host: 127.0.0.1, or 0.0.0.0 inside a container whose ports are published on 127.0.0.1 only. */
function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
