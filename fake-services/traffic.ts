/**
 * Seeded background traffic for the fake services, run inside the harness process.
 *
 * Open model: arrivals follow a Poisson process at `ratePerSecond` (total over all targets)
 * fixed by the seed, and are sent on schedule whether or not earlier requests have answered,
 * so a hung or slow service does not slow the load down; each request is abandoned after
 * `timeoutMs` and counted as a timeout. Every arrival takes exactly four draws (gap, target,
 * list-or-call, tool), so the i-th request of a run is always the same (target, method, tool).
 */
import { Agent, request } from 'undici';
import { serviceByName, type ToolSpec } from './catalog.ts';
import { Rng } from './rng.ts';

export interface TrafficTarget {
  /** Catalog name (e.g. terminal-mcp): picks the tools and their weights. */
  service: string;
  /** http://127.0.0.1:PORT (the /mcp path is appended). */
  baseUrl: string;
}

export interface TrafficOptions {
  targets: TrafficTarget[];
  /** Total request rate over all targets. */
  ratePerSecond: number;
  seed: number;
  /** A request not answered by then is aborted and counted as `timeout` (default 5000). */
  timeoutMs?: number;
  /** Share of tools/list among requests; the rest are tools/call (default 0.1). */
  listRatio?: number;
  /** Safety cap on open requests; arrivals beyond it are counted as `dropped` (default 10000). */
  maxInFlight?: number;
  /** Stop scheduling after this many arrivals (bounded runs; default unbounded). */
  maxRequests?: number;
}

/** Outcome keys: an HTTP status ("200", "503"...) or timeout | connection_error | aborted | dropped. */
export type Outcomes = Record<string, number>;

export interface TrafficStats {
  scheduled: number;
  completed: number;
  inFlight: number;
  byService: Record<string, Outcomes>;
  /** Client-side latency of answered requests over the last 10k per service, ms. */
  latencyMs: Record<string, { p50: number; p99: number; max: number }>;
}

interface Target extends TrafficTarget {
  tools: ToolSpec[];
  weights: number[];
}

export class TrafficDriver {
  private readonly opts: Required<Omit<TrafficOptions, 'maxRequests'>> & { maxRequests: number };
  private readonly targets: Target[];
  private readonly rng: Rng;
  private readonly agent: Agent;
  private readonly abort = new AbortController();
  private readonly pending = new Set<Promise<void>>();
  private readonly byService: Record<string, Outcomes> = {};
  private readonly latencies: Record<string, number[]> = {};
  private timer: NodeJS.Timeout | undefined;
  private t0 = 0;
  private nextAt = 0;
  private scheduled = 0;
  private completed = 0;
  private running = false;
  private finishedResolve!: () => void;
  /** Resolves when maxRequests arrivals have been sent and all have settled. */
  readonly finished = new Promise<void>((r) => (this.finishedResolve = r));

  constructor(options: TrafficOptions) {
    if (options.targets.length === 0) throw new Error('TrafficDriver: no targets');
    if (!(options.ratePerSecond > 0)) throw new Error('TrafficDriver: ratePerSecond must be > 0');
    this.opts = { timeoutMs: 5000, listRatio: 0.1, maxInFlight: 10_000, maxRequests: Infinity, ...options };
    this.targets = options.targets.map((t) => {
      const spec = serviceByName(t.service);
      if (!spec) throw new Error(`TrafficDriver: unknown service ${t.service}`);
      const host = new URL(t.baseUrl).hostname;
      if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) throw new Error(`TrafficDriver: ${t.baseUrl} is not a loopback address`);
      return { ...t, tools: spec.tools, weights: spec.tools.map((x) => x.weight) };
    });
    this.rng = new Rng(options.seed, 'traffic');
    // Our AbortSignal decides timeouts; undici's own timers sit just above it.
    const t = this.opts.timeoutMs + 1000;
    this.agent = new Agent({ keepAliveTimeout: 10_000, headersTimeout: t, bodyTimeout: t, connect: { timeout: Math.min(t, 5000) } });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = performance.now();
    this.nextAt = this.rng.exponential(1000 / this.opts.ratePerSecond);
    this.tick();
  }

  /** Stops scheduling and waits for open requests (they end by timeout at the latest); `abort` ends them now. */
  async stop({ abort = false }: { abort?: boolean } = {}): Promise<TrafficStats> {
    this.running = false;
    clearTimeout(this.timer);
    if (abort) this.abort.abort();
    await Promise.allSettled([...this.pending]);
    await this.agent.close();
    return this.stats();
  }

  stats(): TrafficStats {
    const latencyMs: TrafficStats['latencyMs'] = {};
    for (const [svc, xs] of Object.entries(this.latencies)) {
      const s = [...xs].sort((a, b) => a - b);
      const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
      latencyMs[svc] = { p50: q(0.5), p99: q(0.99), max: s.at(-1) ?? 0 };
    }
    return { scheduled: this.scheduled, completed: this.completed, inFlight: this.pending.size, byService: structuredClone(this.byService), latencyMs };
  }

  private tick(): void {
    if (!this.running) return;
    const now = performance.now() - this.t0;
    // Send everything that is due, even if the event loop was late: the schedule, not the loop, sets the rate.
    while (this.nextAt <= now && this.scheduled < this.opts.maxRequests) {
      this.fire();
      this.nextAt += this.rng.exponential(1000 / this.opts.ratePerSecond);
    }
    if (this.scheduled >= this.opts.maxRequests) {
      this.running = false;
      void Promise.allSettled([...this.pending]).then(() => this.finishedResolve());
      return;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.nextAt - now));
  }

  private fire(): void {
    const n = ++this.scheduled;
    const target = this.targets[this.rng.int(this.targets.length)]!;
    const isList = this.rng.float() < this.opts.listRatio;
    const tool = target.tools[this.rng.weighted(target.weights)]!;
    if (this.pending.size >= this.opts.maxInFlight) return this.count(target.service, 'dropped');
    const rpc = isList ? { method: 'tools/list' } : { method: 'tools/call', params: { name: tool.name, arguments: {} } };
    const started = performance.now();
    const p = request(new URL('/mcp', target.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `drv-${this.opts.seed}-${n}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: n, ...rpc }),
      dispatcher: this.agent,
      signal: AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs), this.abort.signal]),
    })
      .then(async (res) => {
        await res.body.dump();
        this.record(target.service, started);
        this.count(target.service, String(res.statusCode));
      })
      .catch((e: Error & { code?: string }) => {
        const outcome = this.abort.signal.aborted ? 'aborted' : e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : 'connection_error';
        this.count(target.service, outcome);
      })
      .finally(() => {
        this.completed++;
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  private count(service: string, outcome: string): void {
    const o = (this.byService[service] ??= {});
    o[outcome] = (o[outcome] ?? 0) + 1;
  }

  private record(service: string, started: number): void {
    const xs = (this.latencies[service] ??= []);
    if (xs.length >= 10_000) xs.shift();
    xs.push(performance.now() - started);
  }
}
