/**
 * The native stack end to end: every component ready on loopback, Prometheus scraping
 * itself and Loki, a log line travelling file → Promtail → Loki with its labels, MQTT
 * relayed by Mosquitto — then torn down with no process and no port left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { NativeStack, type StartedNativeStack } from '../../harness/stack/native-stack.ts';
import { plannedPorts } from '../../harness/stack/topology.ts';
import { PrometheusClient, asVector } from '../../assertions/prometheus.ts';
import { LokiClient } from '../../assertions/loki.ts';
import { busyPorts, eventually, pidAlive } from '../support/stack-helpers.ts';

const OFFSET = 200;

describe('native stack', () => {
  let stack: StartedNativeStack;
  let prom: PrometheusClient;
  let loki: LokiClient;

  beforeAll(async () => {
    // Time scale 0.2: a 3 s scrape interval, so "scraped at least once" comes quickly.
    stack = await new NativeStack({ runDir: mkdtempSync(join(tmpdir(), 'stack-it-')), portOffset: OFFSET, timeScale: 0.2 }).start();
    prom = new PrometheusClient(stack.url('prometheus'));
    loki = new LokiClient(stack.url('loki'));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('starts every component, each ready and running on 127.0.0.1', () => {
    const d = stack.describe();
    expect(d.components.map((c) => c.name).sort()).toEqual(['alertmanager', 'loki', 'mosquitto', 'postgres', 'postgres-exporter', 'prometheus', 'promtail', 'redis', 'redis-exporter']);
    for (const c of d.components) {
      expect(c.running, c.name).toBe(true);
      expect(c.readyMs, c.name).toBeGreaterThanOrEqual(0);
    }
    expect(stack.url('prometheus')).toBe(`http://127.0.0.1:${7028 + OFFSET}`);
  });

  it('runs the pinned Prometheus with lifecycle and remote-write receiver on', async () => {
    const build = await prom.buildInfo();
    expect(build.version).toBe('3.16.0');
    const flags = await prom.flags();
    expect(flags['web.enable-lifecycle']).toBe('true');
    expect(flags['web.enable-remote-write-receiver']).toBe('true');
    expect(flags['storage.tsdb.retention.time']).toBe('15d');
  });

  it('Prometheus scrapes itself and Loki (up == 1)', async () => {
    const upOf = async (job: string) => asVector(await prom.instantQuery(`up{job="${job}"}`))[0]?.value;
    expect(await eventually(async () => (await upOf('prometheus')) === 1 && (await upOf('loki')) === 1, 30_000)).toBe(true);
    // The infrastructure exporters are real too.
    expect(await eventually(async () => asVector(await prom.instantQuery('up{job="infrastructure", service=~"postgresql|redis"} == 1')).length === 2, 30_000)).toBe(true);
  });

  it('delivers a line written to a collected log file to Loki, with the service labels', async () => {
    const svc = stack.topology.services.find((s) => s.name === 'terminal-mcp')!;
    const marker = `probe-${Date.now()}`;
    const start = new Date(Date.now() - 60_000);
    appendFileSync(svc.logFile, `ts=${new Date().toISOString()} level=INFO service=terminal-mcp seq=1 msg="${marker}"\n`);
    let labels: Record<string, string> | undefined;
    const found = await eventually(async () => {
      const r = await loki.queryRange(`{service="terminal-mcp"} |= "${marker}"`, start, new Date(), { limit: 10 });
      labels = r.streams[0]?.labels;
      return r.streams.length > 0;
    }, 30_000, 500);
    expect(found).toBe(true);
    expect(labels).toMatchObject({ service: 'terminal-mcp', service_group: 'core', container: 'terminal-mcp' });
  });

  it('Mosquitto relays a message', async () => {
    const url = `mqtt://127.0.0.1:${stack.topology.component.mosquitto.port}`;
    const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    try {
      const got = new Promise<string>((resolve) => sub.on('message', (_t, payload) => resolve(payload.toString())));
      await sub.subscribeAsync('harness/test');
      await pub.publishAsync('harness/test', 'hello');
      expect(await Promise.race([got, new Promise((r) => setTimeout(() => r('timeout'), 5000))])).toBe('hello');
    } finally {
      await sub.endAsync();
      await pub.endAsync();
    }
  });

  it('stops with no process and no listening port left', async () => {
    const pids = stack.describe().components.map((c) => c.pid);
    const { leftoverPorts } = await stack.stop();
    expect(leftoverPorts).toEqual([]);
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(await busyPorts(plannedPorts(stack.topology, { services: true }).map((p) => p.port))).toEqual([]);
  });
});
