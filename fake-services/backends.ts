/**
 * What a tool call does. Most services do synthetic but real work on a payload of the
 * catalog's size (derive, hash, compress); the db-wrappers talk to real backends through
 * pools whose connections show up in pg_stat_activity / redis CLIENT LIST; mqtt-mcp publishes
 * for real; the coordinator forwards to the owning service over HTTP.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
// Types only: each client library is loaded by the one service that uses it (a process that
// never talks to redis does not pay ioredis' ~20 MiB RSS; undici's ~25 MiB likewise).
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type * as Undici from 'undici';
import { serviceByName, type ServiceSpec, type ToolSpec } from './catalog.ts';
import type { FakeServiceConfig } from './config.ts';
import type { ServiceLogger } from './logfmt.ts';
import type { MqttLink } from './mqtt-link.ts';
import { Rng } from './rng.ts';

/** A failed tool call: the HTTP status to answer and a message for the log line. */
export class ToolError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CallContext {
  /** 1-based index of this /mcp request in the process: makes payloads and keys deterministic. */
  index: number;
  tool: ToolSpec;
  args: Record<string, unknown>;
  requestId: string;
}

export interface Backend {
  call(ctx: CallContext): Promise<unknown>;
  health(): Record<string, unknown>;
  /** dependency-failure: drop connections so calls fail; restore() re-creates them. */
  fail(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** Deterministic payload of the tool's size, hashed and compressed: real CPU work, sized by the catalog. */
export function syntheticWork(seed: number, service: string, tool: ToolSpec, index: number): Record<string, unknown> {
  const payload = createHash('shake256', { outputLength: Math.max(1, Math.ceil((tool.payloadBytes * 3) / 4)) })
    .update(`${seed}:${service}:${tool.name}:${index}`)
    .digest();
  return {
    tool: tool.name,
    sha256: createHash('sha256').update(payload).digest('hex'),
    bytes: payload.length,
    gzipBytes: gzipSync(payload, { level: 1 }).length,
    data: payload.toString('base64'),
  };
}

/** One WARN per outage of a dependency instead of one per retry. */
class Outage {
  private down = false;
  constructor(
    private readonly log: ServiceLogger,
    private readonly what: string,
  ) {}
  fail(code?: string): void {
    if (this.down) return;
    this.down = true;
    this.log.warn({ backend: this.what, code, msg: `${this.what} unreachable; retrying` });
  }
  ok(): void {
    if (!this.down) return;
    this.down = false;
    this.log.info({ backend: this.what, msg: `${this.what} reachable again` });
  }
}

/** A string code (ECONNREFUSED, 57P01...), else the error's name (DOMException codes are numbers). */
const errCode = (e: unknown): string => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : ((e as Error).name ?? 'unknown');
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

class SyntheticBackend implements Backend {
  protected failed = false;
  constructor(
    protected readonly seed: number,
    protected readonly spec: ServiceSpec,
  ) {}
  async call(ctx: CallContext): Promise<unknown> {
    if (this.failed) throw new ToolError(503, 'dependency connection failed (dependency-failure fault)');
    return syntheticWork(this.seed, this.spec.name, ctx.tool, ctx.index);
  }
  health(): Record<string, unknown> {
    return { dependency: this.failed ? 'down' : 'up' };
  }
  async fail(): Promise<void> {
    this.failed = true;
  }
  async restore(): Promise<void> {
    this.failed = false;
  }
  async stop(): Promise<void> {}
}

/**
 * There is no Qdrant server in this harness: qdrant-mcp answers from an in-memory
 * collection of seeded vectors (a brute-force cosine search is the real work) and says so
 * in its /health.
 */
class QdrantStandIn extends SyntheticBackend {
  private static readonly DIM = 64;
  private readonly vectors: Float32Array[];
  constructor(seed: number, spec: ServiceSpec) {
    super(seed, spec);
    const rng = new Rng(seed, spec.name, 'vectors');
    this.vectors = Array.from({ length: 2000 }, () => Float32Array.from({ length: QdrantStandIn.DIM }, () => rng.float() - 0.5));
  }
  override async call(ctx: CallContext): Promise<unknown> {
    if (this.failed) throw new ToolError(503, 'database error: qdrant connection failed (dependency-failure fault)');
    const rng = new Rng(this.seed, this.spec.name, 'query', ctx.index);
    const q = Float32Array.from({ length: QdrantStandIn.DIM }, () => rng.float() - 0.5);
    switch (ctx.tool.name) {
      case 'search_points': {
        const scored = this.vectors.map((v, id) => ({ id, score: cosine(q, v) }));
        return { collection: 'documents', result: scored.sort((a, b) => b.score - a.score).slice(0, 10) };
      }
      case 'upsert_points':
        this.vectors[ctx.index % this.vectors.length] = q;
        return { collection: 'documents', status: 'completed', upserted: 1 };
      case 'list_collections':
        return { collections: [{ name: 'documents' }] };
      default:
        return { collection: 'documents', points_count: this.vectors.length, dimension: QdrantStandIn.DIM, distance: 'Cosine' };
    }
  }
  override health(): Record<string, unknown> {
    return {
      ...super.health(),
      standIn: true,
      note: 'no Qdrant server is available in this harness; qdrant-mcp serves an in-memory stand-in collection',
    };
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * postgresql-mcp: a pg Pool of exactly `size` connections, kept open while idle (min = max,
 * no idle reaping) and re-filled by a periodic keepalive, so pg_stat_activity_count shows them.
 */
class PostgresBackend implements Backend {
  private pool: pg.Pool | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly outage: Outage;
  constructor(
    private readonly url: string | undefined,
    private readonly size: number,
    private readonly spec: ServiceSpec,
    log: ServiceLogger,
  ) {
    this.outage = new Outage(log, 'postgres');
  }

  async start(): Promise<void> {
    if (!this.url) return;
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({
      connectionString: this.url,
      max: this.size,
      min: this.size,
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: 2000,
      application_name: this.spec.name,
    });
    pool.on('error', (e) => this.outage.fail(errCode(e))); // an idle connection died (server restart)
    this.pool = pool;
    await this.warm();
    this.keepalive ??= setInterval(() => void this.warm(), 5000);
  }

  /** Touches `size` connections at once, so the pool grows back to full size after losses. */
  private async warm(): Promise<void> {
    const pool = this.pool;
    if (!pool) return;
    await Promise.all(
      Array.from({ length: this.size }, async () => {
        const c = await pool.connect();
        try {
          await c.query('SELECT 1');
        } finally {
          c.release();
        }
      }),
    ).then(
      () => this.outage.ok(),
      (e) => this.outage.fail(errCode(e)),
    );
  }

  async call(ctx: CallContext): Promise<unknown> {
    if (!this.url) throw new ToolError(503, 'database error: connection failed (no postgresUrl configured)');
    if (!this.pool) throw new ToolError(503, 'database error: connection failed (pool closed by dependency-failure fault)');
    const rows = Math.max(1, Math.round(ctx.tool.payloadBytes / 48));
    const [sql, params]: [string, unknown[]] =
      ctx.tool.name === 'query' ? ['SELECT n, md5(n::text) AS digest FROM generate_series(1, $1::int) AS n', [rows]]
      : ctx.tool.name === 'list_tables' ? ['SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2 LIMIT $1', [rows]]
      : ctx.tool.name === 'describe_table' ? ['SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1', ['pg_class']]
      : ['SELECT state, count(*)::int AS connections FROM pg_stat_activity GROUP BY state', []];
    try {
      const r = await this.pool.query(sql, params);
      this.outage.ok();
      return { rowCount: r.rowCount, rows: r.rows };
    } catch (e) {
      const code = errCode(e);
      // Connection-level codes (ECONNREFUSED, 57P01 admin shutdown, ...) vs. a query the server rejected.
      if (/^E[A-Z]+$|^57P|^08/.test(code) || /timeout|terminat|connect/i.test((e as Error).message)) {
        throw new ToolError(503, `database error: connection failed (${code})`);
      }
      throw new ToolError(500, `database error: query rejected (${code})`);
    }
  }

  health(): Record<string, unknown> {
    if (!this.url) return { postgres: 'unconfigured' };
    if (!this.pool) return { postgres: 'down', pool: 0 };
    return { postgres: 'up', pool: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async fail(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  async restore(): Promise<void> {
    if (!this.pool) await this.start();
  }

  async stop(): Promise<void> {
    clearInterval(this.keepalive);
    await this.fail();
  }
}

/** redis-mcp: `size` ioredis connections used round-robin, each named so CLIENT LIST shows them. */
class RedisBackend implements Backend {
  private clients: Redis[] = [];
  private readonly outage: Outage;
  private readonly value: string;
  constructor(
    private readonly url: string | undefined,
    private readonly size: number,
    private readonly spec: ServiceSpec,
    log: ServiceLogger,
  ) {
    this.outage = new Outage(log, 'redis');
    this.value = 'v'.repeat(spec.tools.find((t) => t.name === 'redis_get')?.payloadBytes ?? 1024);
  }

  async start(): Promise<void> {
    if (!this.url) return;
    const { Redis: RedisClient } = await import('ioredis');
    this.clients = Array.from({ length: this.size }, (_, i) => {
      const c = new RedisClient(this.url!, {
        connectionName: `${this.spec.name}-${i}`,
        // Fail calls fast while redis is away (they become 503 database errors), reconnect every second.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        retryStrategy: () => 1000,
      });
      c.on('error', (e) => this.outage.fail(errCode(e)));
      c.on('ready', () => this.outage.ok());
      return c;
    });
    // Give the pool a moment to connect so the first calls after start-up find it ready.
    await Promise.all(this.clients.map((c) => new Promise<void>((r) => (c.once('ready', r), setTimeout(r, 2000).unref()))));
  }

  async call(ctx: CallContext): Promise<unknown> {
    if (!this.url) throw new ToolError(503, 'database error: redis connection failed (no redisUrl configured)');
    const c = this.clients[ctx.index % Math.max(1, this.clients.length)];
    if (!c) throw new ToolError(503, 'database error: redis connection failed (pool closed by dependency-failure fault)');
    const key = `mcp:fake:${ctx.index % 1000}`;
    try {
      switch (ctx.tool.name) {
        case 'redis_get': {
          const v = await c.get(key);
          return { key, hit: v !== null, value: v };
        }
        case 'redis_set':
          return { key, result: await c.set(key, this.value, 'EX', 300) };
        case 'redis_delete':
          return { key, deleted: await c.del(key) };
        default: {
          const [cursor, keys] = await c.scan('0', 'MATCH', 'mcp:fake:*', 'COUNT', 100);
          return { cursor, keys };
        }
      }
    } catch (e) {
      if (c.status !== 'ready') throw new ToolError(503, `database error: redis connection failed (${c.status})`);
      throw new ToolError(500, `database error: redis command rejected (${errCode(e)})`);
    }
  }

  health(): Record<string, unknown> {
    if (!this.url) return { redis: 'unconfigured' };
    const ready = this.clients.filter((c) => c.status === 'ready').length;
    return { redis: ready > 0 ? 'up' : 'down', pool: this.clients.length, ready };
  }

  async fail(): Promise<void> {
    const cs = this.clients;
    this.clients = [];
    for (const c of cs) c.disconnect(false);
  }

  async restore(): Promise<void> {
    if (this.clients.length === 0) await this.start();
  }

  async stop(): Promise<void> {
    await this.fail();
  }
}

/** mqtt-mcp: real publishes, and answers from the broker's $SYS tree. */
class MqttBackend extends SyntheticBackend {
  constructor(
    seed: number,
    spec: ServiceSpec,
    private readonly link: MqttLink,
  ) {
    super(seed, spec);
  }
  override async call(ctx: CallContext): Promise<unknown> {
    if (this.failed) throw new ToolError(503, 'mqtt broker connection failed (dependency-failure fault)');
    switch (ctx.tool.name) {
      case 'publish_message': {
        const topic = `mcp/${this.spec.name}/messages/${ctx.index % 8}`;
        if (!this.link.publishRaw(topic, JSON.stringify({ request_id: ctx.requestId, n: ctx.index }))) {
          throw new ToolError(503, 'mqtt broker connection failed (not connected)');
        }
        return { topic, qos: 0, published: true };
      }
      case 'list_topics':
        return { topics: [...this.link.sys.keys()].slice(0, 100) };
      case 'get_broker_stats':
        return Object.fromEntries([...this.link.sys].filter(([k]) => k.startsWith('$SYS/broker/messages/') || k.startsWith('$SYS/broker/clients/')));
      default: {
        const topic = str(ctx.args.topic) ?? '$SYS/broker/version';
        return { topic, payload: this.link.sys.get(topic) ?? null };
      }
    }
  }
  override health(): Record<string, unknown> {
    return { ...super.health(), broker: this.link.connected ? 'up' : 'down', sysTopics: this.link.sys.size };
  }
}

/**
 * zen-coordinator: routes calls to the owning service. A target that is down or hung shows
 * here as 502/504 answers and ERROR lines, like a real gateway.
 */
class CoordinatorBackend implements Backend {
  private readonly agent: Undici.Agent;
  private readonly names: string[];
  private rr = 0;
  private failed = false;
  constructor(
    private readonly http: typeof Undici,
    private readonly upstreams: Record<string, string>,
    private readonly timeoutMs: number,
  ) {
    this.agent = new http.Agent({ keepAliveTimeout: 10_000, connect: { timeout: 2000 } });
    this.names = Object.keys(upstreams).sort();
  }

  async call(ctx: CallContext): Promise<unknown> {
    if (this.failed) throw new ToolError(502, 'upstream connection failed (dependency-failure fault)');
    switch (ctx.tool.name) {
      case 'route_tool_call':
        return this.route(ctx);
      case 'list_services':
        return { services: this.names.map((name) => ({ name, url: this.upstreams[name], tools: serviceByName(name)?.tools.map((t) => t.name) ?? [] })) };
      default: {
        const results = await Promise.all(
          this.names.map(async (name) => {
            try {
              const r = await this.http.request(new URL('/health', this.upstreams[name]), { dispatcher: this.agent, signal: AbortSignal.timeout(1000) });
              await r.body.dump();
              return [name, r.statusCode === 200 ? 'up' : `status ${r.statusCode}`];
            } catch (e) {
              return [name, `down (${errCode(e)})`];
            }
          }),
        );
        return { services: Object.fromEntries(results) };
      }
    }
  }

  /** Target from the arguments, else round-robin over the upstreams (deterministic). */
  private async route(ctx: CallContext): Promise<unknown> {
    const n = this.rr++;
    const target = str(ctx.args.service) ?? this.names[n % Math.max(1, this.names.length)];
    if (!target) throw new ToolError(503, 'no upstream services registered');
    const base = this.upstreams[target];
    if (!base) throw new ToolError(404, `unknown service ${target}`);
    const targetTools = serviceByName(target)?.tools ?? [];
    const tool = str(ctx.args.tool) ?? targetTools[n % Math.max(1, targetTools.length)]?.name ?? 'unknown';
    const body = JSON.stringify({ jsonrpc: '2.0', id: ctx.requestId, method: 'tools/call', params: { name: tool, arguments: ctx.args.arguments ?? {} } });
    let status: number, text: string;
    try {
      const r = await this.http.request(new URL('/mcp', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': ctx.requestId },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = r.statusCode;
      text = await r.body.text();
    } catch (e) {
      // AbortSignal.timeout() rejects with a DOMException named TimeoutError (its `code` is the number 23).
      const name = (e as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError' || errCode(e) === 'UND_ERR_HEADERS_TIMEOUT')
        throw new ToolError(504, `upstream ${target} timeout after ${this.timeoutMs}ms`);
      throw new ToolError(502, `upstream ${target} connection failed (${errCode(e)})`);
    }
    if (status >= 500) throw new ToolError(502, `upstream ${target} returned ${status}: upstream exception`);
    if (status >= 400) throw new ToolError(status, `upstream ${target} rejected the call (${status})`);
    const parsed = JSON.parse(text) as { result?: unknown };
    return { service: target, tool, upstreamStatus: status, result: parsed.result };
  }

  health(): Record<string, unknown> {
    return { upstreams: this.names.length, dependency: this.failed ? 'down' : 'up' };
  }
  async fail(): Promise<void> {
    this.failed = true;
  }
  async restore(): Promise<void> {
    this.failed = false;
  }
  async stop(): Promise<void> {
    await this.agent.close();
  }
}

export async function createBackend(spec: ServiceSpec, config: FakeServiceConfig, log: ServiceLogger, link: MqttLink): Promise<Backend> {
  if (spec.group === 'coordinator') return new CoordinatorBackend(await import('undici'), config.upstreams ?? {}, config.upstreamTimeoutMs);
  switch (spec.backend) {
    case 'postgres': {
      const b = new PostgresBackend(config.postgresUrl, config.poolSize, spec, log);
      await b.start();
      return b;
    }
    case 'redis': {
      const b = new RedisBackend(config.redisUrl, config.poolSize, spec, log);
      await b.start();
      return b;
    }
    case 'mqtt':
      return new MqttBackend(config.seed, spec, link);
    case 'qdrant-standin':
      return new QdrantStandIn(config.seed, spec);
    default:
      return new SyntheticBackend(config.seed, spec);
  }
}
