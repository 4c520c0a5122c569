/**
 * The native stack end to end, on the VictoriaLogs folder: every component ready on
 * loopback, Prometheus scraping itself and the log store, a log line travelling file →
 * OpenTelemetry Collector → VictoriaLogs with its stream fields, MQTT relayed by
 * Mosquitto — then torn down with no process and no port left. And the seed folder
 * without a user-supplied Loki: the stack starts without Loki and Promtail and says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { NativeStack, type StartedNativeStack } from '../../harness/stack/native-stack.ts';
import { plannedPorts } from '../../harness/plan/topology.ts';
import { PrometheusClient, asVector } from '../../assertions/prometheus.ts';
import { VictoriaLogsClient } from '../../assertions/victorialogs.ts';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import { findUserSupplied } from '../../harness/stack/binaries.ts';
import { busyPorts, eventually, pidAlive } from '../support/stack-helpers.ts';

const OFFSET = 200;

describe('native stack', () => {
  let stack: StartedNativeStack;
  let prom: PrometheusClient;
  let logs: VictoriaLogsClient;

  beforeAll(async () => {
    // Time scale 0.2: a 3 s scrape interval, so "scraped at least once" comes quickly.
    stack = await new NativeStack({ runDir: mkdtempSync(join(tmpdir(), 'stack-it-')), portOffset: OFFSET, timeScale: 0.2, monitoringDir: join(REPO_ROOT, 'monitoring-victorialogs') }).start();
    prom = new PrometheusClient(stack.url('prometheus'));
    logs = new VictoriaLogsClient(stack.url('victorialogs'));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('starts every component, each ready and running on 127.0.0.1', () => {
    const d = stack.describe();
    expect(d.components.map((c) => c.name).sort()).toEqual(['alertmanager', 'mosquitto', 'otelcol', 'postgres', 'postgres-exporter', 'prometheus', 'redis', 'redis-exporter', 'victorialogs']);
    expect(d.absent).toEqual([]);
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

  it('Prometheus scrapes itself, the log store and the log shipper (up == 1)', async () => {
    const upOf = async (job: string) => asVector(await prom.instantQuery(`up{job="${job}"}`))[0]?.value;
    expect(await eventually(async () => (await upOf('prometheus')) === 1 && (await upOf('victorialogs')) === 1 && (await upOf('otelcol')) === 1, 30_000)).toBe(true);
    // The infrastructure exporters are real too.
    expect(await eventually(async () => asVector(await prom.instantQuery('up{job="infrastructure", service=~"postgresql|redis"} == 1')).length === 2, 30_000)).toBe(true);
  });

  it('delivers a line written to a collected log file to VictoriaLogs, with the service stream fields', async () => {
    const svc = stack.topology.services.find((s) => s.name === 'terminal-mcp')!;
    const marker = `probe-${Date.now()}`;
    const start = new Date(Date.now() - 60_000);
    appendFileSync(svc.logFile, `ts=${new Date().toISOString()} level=INFO service=terminal-mcp seq=1 msg="${marker}"\n`);
    let labels: Record<string, string> | undefined;
    const found = await eventually(async () => {
      const r = await logs.query(`{service="terminal-mcp"} "${marker}"`, { start, end: new Date(), limit: 10 });
      labels = r[0]?.stream;
      return r.length > 0;
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

describe.skipIf(findUserSupplied('loki') !== undefined)('native stack on the seed folder with no Loki supplied', () => {
  let stack: StartedNativeStack;
  const progress: string[] = [];

  beforeAll(async () => {
    stack = await new NativeStack({ runDir: mkdtempSync(join(tmpdir(), 'stack-it-')), portOffset: OFFSET, timeScale: 0.2, onProgress: (l) => progress.push(l) }).start();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('starts without Loki and Promtail, and says they are absent and how to supply them', () => {
    const d = stack.describe();
    expect(d.components.map((c) => c.name)).not.toContain('loki');
    expect(d.components.map((c) => c.name)).toContain('prometheus');
    expect(d.absent.map((a) => a.name).sort()).toEqual(['loki', 'promtail']);
    expect(d.absent.find((a) => a.name === 'loki')!.how).toContain('LOKI_BIN');
    expect(progress.join('\n')).toMatch(/loki: ABSENT .*AGPL-3\.0.*LOKI_BIN/);
  });
});
