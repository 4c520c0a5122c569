/**
 * An open-model MQTT publisher for the capacity tester, measuring acknowledgement latency
 * itself. Open model: the send schedule is fixed in advance (message i is due at
 * start + i/rate s) and never waits for earlier acknowledgements, and each latency runs from
 * the message's *scheduled* time to its PUBACK (QoS 1) or PUBCOMP (QoS 2), not from when it
 * reached the socket. So a broker that stalls cannot hide it by slowing the sender down
 * (no coordinated omission): every message due during a stall carries the stall in its latency.
 * A 5 ms timer loop sends every message already due, so high rates batch instead of needing
 * one timer per message. Loopback brokers only; options are checked before connecting.
 */
import { loopbackUrlProblem } from './plan.ts';
import { connectAsync, type MqttClient } from 'mqtt';
import { randomUUID } from 'node:crypto';
import { UsageError } from '../lib/errors.ts';

export interface MqttLoadOptions {
  /** mqtt://127.0.0.1:PORT (any 127.0.0.0/8 address, or [::1]). */
  url: string;
  topic: string;
  ratePerSecond: number;
  durationMs: number;
  /** Default 1. */
  qos?: 1 | 2;
  /** Default 64. */
  payloadBytes?: number;
  /** Payload content is a deterministic function of seed and index (see payloadFor). */
  seed: number;
  /** An acknowledgement not received this long after the scheduled time counts as lost. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Default 5000 messages/s. */
  maxRate?: number;
  /** Default 10 minutes. */
  maxDurationMs?: number;
}

export interface MqttLoadResult {
  sent: number;
  /** Acknowledged within timeoutMs of the scheduled time. */
  acked: number;
  /** sent − acked: no acknowledgement in time, a publish error, or a dropped connection. */
  lost: number;
  /** Messages/s actually handed to the client: sent over the window from the first due time to the last send plus one interval. */
  achievedRate: number;
  /** Exact nearest-rank quantiles over the acknowledged messages, ms (NaN when none). */
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; min: number };
  /** Every acknowledged message's latency, ms, in acknowledgement order. */
  latenciesMs: number[];
  startedAt: string;
  endedAt: string;
}

type Resolved = Required<Omit<MqttLoadOptions, 'signal'>> & { signal?: AbortSignal };

const LOOPBACK_FIX = 'MQTT load only ever goes to a loopback broker: use e.g. mqtt://127.0.0.1:7035';

/** Why `url` is not an mqtt:// loopback broker, or undefined when it is one. */
export function mqttLoopbackProblem(url: string): string | undefined {
  return loopbackUrlProblem(url, ['mqtt:'], 'an mqtt://', 'MQTT load target');
}

function bad(field: string, message: string, fix: string): never {
  throw new UsageError(message, { field, fix });
}

/** The options with defaults filled in, or a UsageError naming the field and the fix. */
export function validateMqttLoadOptions(o: MqttLoadOptions): Resolved {
  const r: Resolved = { ...o, qos: o.qos ?? 1, payloadBytes: o.payloadBytes ?? 64, timeoutMs: o.timeoutMs ?? 5000, maxRate: o.maxRate ?? 5000, maxDurationMs: o.maxDurationMs ?? 600_000 };
  const urlProblem = mqttLoopbackProblem(r.url);
  if (urlProblem) bad('url', urlProblem, LOOPBACK_FIX);
  if (typeof r.topic !== 'string' || r.topic.length === 0) bad('topic', 'must be a topic name', 'give a topic such as "harness/load"');
  if (/[+#\u0000]/.test(r.topic)) bad('topic', `"${r.topic}" contains a wildcard (+ or #) or NUL; one cannot publish to it`, 'publish to a concrete topic such as "harness/load"');
  if (Buffer.byteLength(r.topic) > 65_535) bad('topic', 'is longer than 65535 bytes', 'use a shorter topic');
  if (!(r.maxRate >= 1)) bad('maxRate', 'must be at least 1 message per second', 'leave it out for the default of 5000');
  if (!(r.maxDurationMs > 0)) bad('maxDurationMs', 'must be greater than 0', 'leave it out for the default of 10 minutes');
  if (!Number.isFinite(r.ratePerSecond) || r.ratePerSecond < 1) bad('ratePerSecond', `must be at least 1 message per second, got ${r.ratePerSecond}`, 'give a rate such as 200');
  if (r.ratePerSecond > r.maxRate) bad('ratePerSecond', `${r.ratePerSecond} messages/s is above the cap of ${r.maxRate}`, `use a rate of at most ${r.maxRate}, or raise maxRate deliberately`);
  if (!Number.isFinite(r.durationMs) || r.durationMs <= 0) bad('durationMs', `must be greater than 0, got ${r.durationMs}`, 'give a duration such as 10000 (10 s)');
  if (r.durationMs > r.maxDurationMs) bad('durationMs', `${r.durationMs} ms is above the cap of ${r.maxDurationMs} ms`, `use at most ${r.maxDurationMs} ms, or raise maxDurationMs deliberately`);
  if (r.qos !== 1 && r.qos !== 2) bad('qos', `must be 1 or 2, got ${String(r.qos)}`, 'use qos 1 (PUBACK) or 2 (PUBCOMP): QoS 0 has no acknowledgement to time');
  if (!Number.isInteger(r.payloadBytes) || r.payloadBytes < 0 || r.payloadBytes > 1 << 20) bad('payloadBytes', `must be a whole number from 0 to 1048576, got ${r.payloadBytes}`, 'leave it out for 64 bytes');
  if (!Number.isInteger(r.seed)) bad('seed', `must be an integer, got ${r.seed}`, 'give a seed such as 42');
  if (!Number.isFinite(r.timeoutMs) || r.timeoutMs <= 0) bad('timeoutMs', `must be greater than 0, got ${r.timeoutMs}`, 'leave it out for 5000 ms');
  return r;
}

/** Number of messages a run sends: those due in [0, durationMs). */
export function messageCount(ratePerSecond: number, durationMs: number): number {
  return Math.max(1, Math.ceil((ratePerSecond * durationMs) / 1000 - 1e-9));
}

/** Message `index`'s payload: `bytes` lowercase letters from a xorshift32 seeded by (seed, index). */
export function payloadFor(seed: number, index: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  let s = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let k = 0; k < bytes; k++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[k] = 97 + ((s >>> 0) % 26);
  }
  return b;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length ? sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]! : NaN;
}

/** End the client: gracefully when nothing is in flight, else forced; never waits more than 2 s. */
async function closeClient(client: MqttClient, force: boolean): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.endAsync(force).catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
  client.stream?.destroy();
}

export async function runMqttLoad(options: MqttLoadOptions): Promise<MqttLoadResult> {
  const o = validateMqttLoadOptions(options);
  o.signal?.throwIfAborted();
  const client = await connectAsync(o.url, { clientId: `harness-load-${randomUUID().slice(0, 8)}`, reconnectPeriod: 0, connectTimeout: 10_000, clean: true }, false);
  let force = true;
  try {
    client.on('error', () => undefined); // a dropped connection shows up as lost messages
    o.signal?.throwIfAborted();
    const total = messageCount(o.ratePerSecond, o.durationMs);
    const interval = 1000 / o.ratePerSecond;
    const latencies: number[] = [];
    let sent = 0;
    let settled = 0;
    let lastSentAt = 0;
    let closed = false;
    let done = false;
    const wallStart = Date.now();
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        client.off('close', onClose);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => finish(o.signal!.reason ?? new Error('aborted'));
      const allIn = (): boolean => sent === total && (settled === total || closed);
      const onClose = (): void => {
        closed = true;
        if (allIn()) finish();
      };
      const publish = (i: number, due: number): void => {
        client.publish(o.topic, payloadFor(o.seed, i, o.payloadBytes), { qos: o.qos }, (err) => {
          if (done) return;
          const latency = performance.now() - due;
          settled++;
          if (!err && latency <= o.timeoutMs) latencies.push(latency);
          if (allIn()) finish();
        });
      };
      const tick = (): void => {
        const now = performance.now();
        while (sent < total && t0 + sent * interval <= now) {
          publish(sent, t0 + sent * interval);
          sent++;
          lastSentAt = performance.now();
        }
        if (sent < total) {
          timer = setTimeout(tick, Math.max(1, Math.min(5, t0 + sent * interval - now)));
        } else if (allIn()) {
          finish();
        } else {
          // Everything is out: wait until the last message's deadline at most.
          timer = setTimeout(() => finish(), Math.max(0, t0 + (total - 1) * interval + o.timeoutMs - now) + 1);
        }
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      client.on('close', onClose);
      tick();
    });
    const endedAt = new Date(wallStart + (performance.now() - t0)).toISOString();
    const sorted = [...latencies].sort((a, b) => a - b);
    force = latencies.length !== sent;
    return {
      sent,
      acked: latencies.length,
      lost: sent - latencies.length,
      achievedRate: sent / ((lastSentAt - t0) / 1000 + 1 / o.ratePerSecond),
      latencyMs: { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN, min: sorted[0] ?? NaN },
      latenciesMs: latencies,
      startedAt: new Date(wallStart).toISOString(),
      endedAt,
    };
  } finally {
    await closeClient(client, force);
  }
}
