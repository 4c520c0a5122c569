/**
 * runMqttLoad against a real mosquitto on a free loopback port (temp config, no
 * persistence): at 200 msg/s for 3 s every message is sent on schedule, acknowledged and
 * delivered to a subscriber; then, with the broker SIGSTOPped for 1 s mid-run, the latency
 * of every message due during the pause includes the pause, because it is measured from
 * the schedule (a closed-model publisher would show only the one or two in flight).
 */
import { freePort } from '../support/stack-helpers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { resolveBinary } from '../../harness/stack/binaries.ts';
import { payloadFor, runMqttLoad } from '../../harness/load/mqtt-publisher.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RATE = 200;
const SEED = 7;

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });

describe('runMqttLoad against mosquitto', () => {
  let broker: ChildProcess | undefined;
  let output = '';
  let dir = '';
  let url = '';
  let sub: MqttClient | undefined;
  const received = new Map<string, Buffer[]>();

  async function stopBroker(): Promise<void> {
    const b = broker;
    broker = undefined;
    if (!b || b.exitCode !== null || b.signalCode !== null) return;
    const exited = new Promise<void>((r) => b.once('exit', () => r()));
    b.kill('SIGCONT'); // in case a test stopped it and failed before continuing it
    b.kill('SIGTERM');
    const timer = setTimeout(() => b.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  beforeAll(async () => {
    try {
      const port = await freePort();
      dir = mkdtempSync(join(tmpdir(), 'mqtt-publisher-it-'));
      writeFileSync(join(dir, 'mosquitto.conf'), [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stdout', ''].join('\n'));
      broker = spawn(resolveBinary('mosquitto').path, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
      broker.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      broker.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      for (let i = 0; !(await accepts(port)); i++) {
        if (broker.exitCode !== null || i > 50) throw new Error(`mosquitto did not start:\n${output.slice(-2000)}`);
        await sleep(100);
      }
      url = `mqtt://127.0.0.1:${port}`;
      sub = await connectAsync(url, { clientId: 'mqtt-publisher-it-sub', reconnectPeriod: 0 }, false);
      sub.on('message', (topic, payload) => received.set(topic, [...(received.get(topic) ?? []), payload]));
      await sub.subscribeAsync('harness/it/#', { qos: 1 });
    } catch (e) {
      await sub?.endAsync(true);
      await stopBroker();
      throw e;
    }
  });

  afterAll(async () => {
    await sub?.endAsync(true).catch(() => undefined);
    await stopBroker();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function delivered(topic: string, want: number): Promise<Buffer[]> {
    for (let i = 0; i < 50 && (received.get(topic)?.length ?? 0) < want; i++) await sleep(100);
    return received.get(topic) ?? [];
  }

  it('sends 200 msg/s for 3 s on schedule, all acknowledged and delivered, p99 well under 200 ms', async () => {
    const r = await runMqttLoad({ url, topic: 'harness/it/steady', ratePerSecond: RATE, durationMs: 3000, qos: 1, seed: SEED });
    console.log(`steady: sent ${r.sent} acked ${r.acked} lost ${r.lost} rate ${r.achievedRate.toFixed(1)}/s latency ms ${JSON.stringify(r.latencyMs, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
    expect(r.sent).toBe(600);
    expect(r.acked).toBe(r.sent);
    expect(r.lost).toBe(0);
    expect(r.latenciesMs).toHaveLength(600);
    expect(Math.abs(r.achievedRate - RATE)).toBeLessThanOrEqual(0.05 * RATE);
    expect(r.latencyMs.p99).toBeLessThan(200);
    expect(r.latencyMs.min).toBeGreaterThanOrEqual(0);
    expect(Date.parse(r.endedAt) - Date.parse(r.startedAt)).toBeGreaterThanOrEqual(2990);
    const got = await delivered('harness/it/steady', r.sent);
    expect(got).toHaveLength(r.sent);
    const want = new Set(Array.from({ length: r.sent }, (_, i) => payloadFor(SEED, i, 64).toString()));
    expect(new Set(got.map((p) => p.toString()))).toEqual(want);
  });

  it('measures from the schedule: a 1 s broker pause shows in every message due during it', async () => {
    const pid = broker!.pid!;
    const pause = (async () => {
      await sleep(1000);
      process.kill(pid, 'SIGSTOP');
      try {
        await sleep(1000);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    })();
    const r = await runMqttLoad({ url, topic: 'harness/it/paused', ratePerSecond: RATE, durationMs: 3000, qos: 1, seed: SEED });
    await pause;
    const slow = r.latenciesMs.filter((l) => l >= 500).length;
    console.log(`paused: sent ${r.sent} acked ${r.acked} lost ${r.lost} rate ${r.achievedRate.toFixed(1)}/s, ${slow} messages ≥ 500 ms, latency ms ${JSON.stringify(r.latencyMs, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
    expect(r.sent).toBe(600);
    expect(r.acked).toBe(r.sent);
    expect(Math.abs(r.achievedRate - RATE)).toBeLessThanOrEqual(0.05 * RATE); // the sender did not slow down
    expect(r.latencyMs.max).toBeGreaterThanOrEqual(900);
    expect(slow).toBeGreaterThanOrEqual(0.3 * RATE * 1);
    expect(await delivered('harness/it/paused', r.sent)).toHaveLength(r.sent);
  });

  it('counts acknowledgements later than timeoutMs as lost, and stops promptly on abort', async () => {
    const pid = broker!.pid!;
    const pause = (async () => {
      await sleep(300);
      process.kill(pid, 'SIGSTOP');
      try {
        await sleep(700);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    })();
    const r = await runMqttLoad({ url, topic: 'harness/it/late', ratePerSecond: RATE, durationMs: 1500, seed: SEED, timeoutMs: 300 });
    await pause;
    console.log(`late: sent ${r.sent} acked ${r.acked} lost ${r.lost}, max ${r.latencyMs.max.toFixed(1)} ms`);
    expect(r.sent).toBe(300);
    expect(r.acked + r.lost).toBe(r.sent);
    expect(r.lost).toBeGreaterThanOrEqual(0.3 * RATE * 0.7);
    expect(r.latencyMs.max).toBeLessThanOrEqual(300);

    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('stop now')), 300);
    const t = performance.now();
    await expect(runMqttLoad({ url, topic: 'harness/it/aborted', ratePerSecond: RATE, durationMs: 5000, seed: SEED, signal: abort.signal })).rejects.toThrow('stop now');
    expect(performance.now() - t).toBeLessThan(1500);
  });
});
