/**
 * Readiness checks as small composable objects (after testcontainers' wait strategies).
 * A strategy answers "ready yet?" once; `waitUntilReady` polls it until a deadline and
 * fails fast, with the log tail, if the process dies meanwhile.
 */
import { connect } from 'node:net';
import { request } from 'undici';
import mqtt from 'mqtt';
import pg from 'pg';
import type { ManagedProcess } from '../process/supervisor.ts';

export interface WaitStrategy {
  /** What we wait for, for progress lines and errors: "GET http://127.0.0.1:7028/-/ready → 200". */
  describe(): string;
  /** Resolves true when ready; false or a rejection when not yet. */
  check(): Promise<boolean>;
}

export class HttpWait implements WaitStrategy {
  constructor(
    private readonly url: string,
    private readonly opts: { status?: number; bodyIncludes?: string } = {},
  ) {}
  describe(): string {
    return `GET ${this.url} → ${this.opts.status ?? 200}${this.opts.bodyIncludes ? ` with "${this.opts.bodyIncludes}"` : ''}`;
  }
  async check(): Promise<boolean> {
    const res = await request(this.url, { headersTimeout: 2000, bodyTimeout: 2000 });
    const body = await res.body.text();
    return res.statusCode === (this.opts.status ?? 200) && (!this.opts.bodyIncludes || body.includes(this.opts.bodyIncludes));
  }
}

export class TcpWait implements WaitStrategy {
  constructor(private readonly port: number, private readonly host = '127.0.0.1') {}
  describe(): string {
    return `TCP ${this.host}:${this.port} accepting`;
  }
  check(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connect({ port: this.port, host: this.host }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
    });
  }
}

export class MqttWait implements WaitStrategy {
  constructor(private readonly url: string) {}
  describe(): string {
    return `MQTT CONNECT ${this.url}`;
  }
  async check(): Promise<boolean> {
    const client = await mqtt.connectAsync(this.url, { connectTimeout: 1500, reconnectPeriod: 0 });
    await client.endAsync();
    return true;
  }
}

export class SqlWait implements WaitStrategy {
  constructor(private readonly connectionString: string) {}
  describe(): string {
    return `SQL SELECT 1 on ${this.connectionString.replace(/\/\/[^@]*@/, '//')}`;
  }
  async check(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 1500 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Redis answers an inline PING with +PONG; no client library needed for a readiness probe. */
export class RedisPingWait implements WaitStrategy {
  constructor(private readonly port: number) {}
  describe(): string {
    return `Redis PING on 127.0.0.1:${this.port}`;
  }
  check(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = connect({ port: this.port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
    });
  }
}

export class ComponentStartError extends Error {
  constructor(
    readonly component: string,
    reason: string,
    readonly logTail: string,
  ) {
    super(`${component} failed to start: ${reason}\n--- last lines of its log ---\n${logTail}`);
    this.name = 'ComponentStartError';
  }
}

export async function waitUntilReady(proc: ManagedProcess | undefined, strategy: WaitStrategy, opts: { timeoutMs: number; name: string; logTail?: () => string }): Promise<number> {
  const t0 = Date.now();
  const deadline = t0 + opts.timeoutMs;
  const tail = (): string => opts.logTail?.() ?? proc?.tail(30) ?? '';
  // Fast at first (most components answer within tens of ms), then backing off to spare the 2 cores.
  let pause = 10;
  for (;;) {
    if (proc && !proc.running) throw new ComponentStartError(opts.name, `exited (${JSON.stringify(proc.exit)}) before ready: waited for ${strategy.describe()}`, tail());
    if (await strategy.check().catch(() => false)) return Date.now() - t0;
    if (Date.now() > deadline) throw new ComponentStartError(opts.name, `not ready after ${opts.timeoutMs / 1000}s: waited for ${strategy.describe()}`, tail());
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(250, Math.round(pause * 1.5));
  }
}
