/**
 * How much the log pipeline (service log file → Promtail → Loki) carries on this machine.
 *
 *   npx tsx bench/log-pipeline.ts [--port-offset 1000] [--rates 10000,20000,40000,60000,80000,100000]
 *        [--seconds 10] [--line-bytes 256] [--services 12] [--outages 10,60] [--traffic-rate 10]
 *
 * Starts a stack (time scale 1) with the fake services and light background traffic, then:
 *   1. idle latency: 50 marker lines through the real logger, polled in Loki every 100 ms
 *      (emit → queryable p50/p99);
 *   2. a ramp: for each total rate, `services` services write log-burst lines for `seconds`;
 *      every line of every service is then reconciled by seq (harness/engine/log-delivery.ts)
 *      until complete or 90 s after the burst: carried lines/s = lines / (burst start → the
 *      Loki timestamp of the last line, i.e. when Promtail read it), loss, 429s, Promtail's
 *      read delay (Loki ts − line ts) p50/p99, and "kept up" (complete, read delay p99 < 1 s);
 *   3. Loki restarts: stop Loki for each outage length, start it, and time full delivery
 *      from Loki ready (and from the restart command), against the worst-case wait for
 *      Promtail's next retry that its backoff config allows.
 * Prints one table per part. Stops the stack it started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startEnvironment } from '../harness/stack/environment.ts';
import { LogWindow } from '../harness/engine/log-window.ts';
import { measureQueryableLatency } from '../harness/logs/emitted.ts';
import { counterDelta } from '../harness/logs/metrics-text.ts';
import { retryGapBoundMs } from '../harness/logs/limits.ts';
import { limiterCounts, openLogPipeline } from '../harness/logs/open.ts';
import { multiServiceFault } from '../harness/chaos/multi-service-fault.ts';
import type { CheckContext } from '../harness/engine/checks.ts';

const { values } = parseArgs({
  options: {
    'port-offset': { type: 'string', default: '1000' },
    'monitoring-dir': { type: 'string' },
    rates: { type: 'string', default: '10000,20000,40000,60000,80000,100000' },
    seconds: { type: 'string', default: '10' },
    'line-bytes': { type: 'string', default: '256' },
    services: { type: 'string', default: '12' },
    outages: { type: 'string', default: '10,60' },
    'traffic-rate': { type: 'string', default: '10' },
    'keep-run-dir': { type: 'boolean', default: false },
  },
});
const offset = Number(values['port-offset']);
const rates = values.rates!.split(',').map(Number);
const seconds = Number(values.seconds);
const lineBytes = Number(values['line-bytes']);
const outages = values.outages!.split(',').filter(Boolean).map(Number);
const SERVICE_NAMES = ['terminal-mcp', 'filesystem-mcp', 'database-mcp', 'git-mcp', 'memory-mcp', 'system-mcp', 'config-mcp', 'log-mcp', 'network-mcp', 'security-mcp', 'research-mcp', 'transcriber-mcp'];
const burstServices = SERVICE_NAMES.slice(0, Math.min(SERVICE_NAMES.length, Number(values.services)));

const fmt = (n: number | undefined, d = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(d));
function table(title: string, head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  cells.forEach((r, k) => {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
    if (k === 0) console.log(w.map((x) => '-'.repeat(x)).join('  '));
  });
}

interface Complete {
  ok: boolean;
  completeAtMs: number | undefined;
  summary: string;
  totals: { emitted: number; missing: number; duplicates: number; lastStoredMs?: number };
  latency: { p50?: number; p99?: number };
}

/** Polls the window's delivery check until complete or `deadline`. */
async function untilDelivered(win: LogWindow, deadline: number): Promise<Complete> {
  const probe = win.delivered({ concurrency: 4 }).probe({} as CheckContext);
  let last: Complete | undefined;
  for (;;) {
    const r = await probe({ attempt: 1, now: Date.now() });
    const o = r.observed as { summary: string; totals: Complete['totals']; latencyMs: Complete['latency'] };
    last = { ok: r.ok, completeAtMs: r.ok ? Date.now() : undefined, summary: o.summary, totals: o.totals, latency: o.latencyMs };
    if (r.ok || Date.now() > deadline) return last;
  }
}

async function main(): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), 'bench-log-pipeline-'));
  console.log(`Starting the stack (port offset ${offset}, run dir ${runDir})…`);
  const env = await startEnvironment({ runDir, portOffset: offset, timeScale: 1, monitoringDir: values['monitoring-dir'], trafficRate: Number(values['traffic-rate']), onProgress: () => {} });
  try {
    const pipeline = openLogPipeline(env);
    const storeName = pipeline.store.kind;
    await sleep(5000);

    // 1. idle latency
    const idle = await measureQueryableLatency(pipeline.store, env.stack.topology.services.find((s) => s.name === 'memory-mcp')!, { markers: 50, perSecond: 10, timeoutMs: 60_000 });
    table(`Emit → queryable latency at idle (50 marker lines, ${storeName} polled every 100 ms)`, ['markers seen', 'p50 ms', 'p99 ms', 'max ms'], [[`${idle.seen}/${idle.markers}`, fmt(idle.latencyMs.p50), fmt(idle.latencyMs.p99), fmt(idle.latencyMs.max)]]);

    // 2. ramp
    const ramp: (string | number)[][] = [];
    for (const rate of rates) {
      const win = new LogWindow(`ramp-${rate}`);
      await win.mark().run(env);
      const before = await limiterCounts(pipeline);
      const perService = Math.max(1, Math.round(rate / burstServices.length));
      const t0 = Date.now();
      await multiServiceFault.inject({ env }, { services: burstServices, fault: { kind: 'log-burst', linesPerSecond: perService, durationSeconds: seconds, lineBytes } });
      // When did the writers really finish? (a CPU-starved service writes late)
      let writtenAt = t0;
      for (;;) {
        await sleep(250);
        const active = await Promise.all(win.services(burstServices).map(async (s) => ((await (await request(`${s.controlUrl}/faults`)).body.json()) as { faults: unknown[] }).faults.length));
        if (active.every((n) => n === 0)) {
          writtenAt = Date.now();
          break;
        }
        if (Date.now() - t0 > seconds * 1000 * 6) break;
      }
      const d = await untilDelivered(win, writtenAt + 90_000);
      const lines = perService * burstServices.length * seconds;
      // Carried: lines / (burst start → the moment the shipper read the last of them: the store's timestamp of it).
      const carriedS = ((d.totals.lastStoredMs ?? Date.now()) - t0) / 1000;
      const tookS = ((d.completeAtMs ?? Date.now()) - t0) / 1000;
      const after = await limiterCounts(pipeline);
      const retries = counterDelta(before.retries, after.retries);
      const n429 = counterDelta(before.refused, after.refused);
      ramp.push([
        rate,
        fmt((lines * lineBytes) / seconds / 1048576, 1),
        fmt(lines / ((writtenAt - t0) / 1000)),
        d.ok ? fmt(lines / carriedS) : `≤${fmt(lines / carriedS)}`,
        fmt(carriedS, 1),
        fmt(tookS, 1),
        d.ok && (d.latency.p99 ?? Infinity) < 1000 ? 'yes' : 'no',
        d.totals.missing,
        d.totals.duplicates,
        n429,
        retries,
        fmt(d.latency.p50),
        fmt(d.latency.p99),
      ]);
      console.log(`  ${rate} lines/s: ${d.summary.slice(0, 200)}`);
      await sleep(3000);
    }
    table(
      `Ramp: ${burstServices.length} services × log-burst for ${seconds}s, ${lineBytes}-byte lines (all 17 services reconciled by seq)`,
      ['offered lines/s', 'MiB/s', 'written lines/s', 'carried lines/s', 'last line read at s', 'verified complete at s', 'kept up', 'missing', 'dups', 'refused (429)', 'retries', 'read delay p50 ms', 'p99 ms'],
      ramp,
    );

    // 3. store restarts
    const rows: (string | number)[][] = [];
    for (const down of outages) {
      const win = new LogWindow(`outage-${down}`);
      await win.mark().run(env);
      await sleep(2000);
      const stopAt = Date.now();
      await env.stack.process(storeName).stop();
      await sleep(Math.max(0, down * 1000 - (Date.now() - stopAt)));
      const restartAt = Date.now();
      const readyMs = await env.stack.restartComponent(storeName);
      const readyAt = Date.now();
      const d = await untilDelivered(win, readyAt + 600_000);
      const done = d.completeAtMs ?? Date.now();
      const gap = retryGapBoundMs(readyAt - stopAt, win.limits().shipper.backoff);
      rows.push([down, fmt(readyMs / 1000, 1), fmt((done - readyAt) / 1000, 1), fmt(gap / 1000, 1), fmt((done - restartAt) / 1000, 1), d.totals.emitted, d.totals.missing, d.totals.duplicates, fmt(d.latency.p99)]);
      console.log(`  outage ${down}s: ${d.summary.slice(0, 200)}`);
      await sleep(3000);
    }
    table(`${storeName} restart: time to full delivery (all 17 services reconciled by seq)`, ['outage s', 'store ready after s', 'full delivery after ready s', 'backoff bound s', 'after restart cmd s', 'lines in window', 'missing', 'dups', 'read delay p99 ms'], rows);
  } finally {
    const { leftoverPorts } = await env.stop();
    if (leftoverPorts.length) console.log(`warning: ports still held: ${leftoverPorts.join(', ')}`);
    if (!values['keep-run-dir']) rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
