/**
 * The emitted side of the ledger: what the fake services say they wrote (their /stats on
 * the control port), their log files read line by line from an offset, and the live probe
 * of emit → queryable latency (marker lines written through a service's logger, polled in
 * the store).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { FinishedLogBurst } from '../../fake-services/service.ts';
import type { ServiceEndpoint } from '../plan/topology.ts';
import { parseLineTs, summarizeLatency, type LatencySummary } from './ledger.ts';
import type { LogStore } from './log-store.ts';

export interface ServiceStats {
  service: string;
  pid: number;
  lastSeq: number;
  linesWritten: number;
  malformedSeqs: number[];
  logBursts: FinishedLogBurst[];
}

export async function fetchStats(svc: ServiceEndpoint): Promise<ServiceStats> {
  const res = await request(`${svc.controlUrl}/stats`, { headersTimeout: 5000, bodyTimeout: 5000 });
  const body = (await res.body.json()) as ServiceStats;
  if (res.statusCode !== 200) throw new Error(`GET ${svc.controlUrl}/stats → ${res.statusCode}`);
  return body;
}

/** Calls `fn(line, offset)` for every complete line of `file` from `fromOffset` (bytes, without the newline). */
export function forEachLine(file: string, fromOffset: number, fn: (line: Buffer, offset: number) => void): number {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(4 << 20);
    let carry: Buffer = Buffer.alloc(0);
    let pos = fromOffset;
    let lineStart = fromOffset;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      pos += n;
      let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let i = data.indexOf(10, start); i !== -1; i = data.indexOf(10, start)) {
        fn(data.subarray(start, i), lineStart);
        lineStart += i - start + 1;
        start = i + 1;
      }
      carry = Buffer.from(data.subarray(start));
      data = Buffer.alloc(0);
    }
    return lineStart;
  } finally {
    closeSync(fd);
  }
}

export interface QueryableLatency {
  markers: number;
  seen: number;
  unseen: number[];
  burstId: string;
  latencyMs: LatencySummary;
  /** Lower bound of each latency: the poll that found the line started this much earlier. */
  pollLatencyMs: LatencySummary;
}

/** The live probe behind `LogWindow.latency`, also used by bench/log-pipeline.ts. */
export async function measureQueryableLatency(store: LogStore, svc: ServiceEndpoint, o: { markers: number; perSecond: number; timeoutMs: number; pollMs?: number }): Promise<QueryableLatency> {
  const res = await request(`${svc.controlUrl}/faults`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'log-burst', linesPerSecond: o.perSecond, durationSeconds: o.markers / o.perSecond }),
    headers: { 'content-type': 'application/json' },
  });
  const created = (await res.body.json()) as { id?: string; error?: string };
  if (res.statusCode !== 201 || !created.id) throw new Error(`POST ${svc.controlUrl}/faults → ${res.statusCode}: ${created.error ?? ''}`);
  const id = created.id;
  const t0 = Date.now();
  const seenAt = new Map<number, { seen: number; pollStart: number; lineTs: number }>();
  const deadline = t0 + o.timeoutMs;
  while (seenAt.size < o.markers && Date.now() < deadline) {
    const pollStart = Date.now();
    try {
      const lines = await store.findLines(svc.name, `burst=${id} `, t0 - 5000, Date.now() + 5000);
      const seen = Date.now();
      for (const e of lines) {
          const n = Number(/\bn=(\d+)/.exec(e.line)?.[1]);
          const lineTs = parseLineTs(e.line);
          if (Number.isFinite(n) && lineTs !== undefined && !seenAt.has(n)) seenAt.set(n, { seen, pollStart, lineTs });
        }
    } catch {
      /* a failed poll is a gap; the deadline still holds */
    }
    await sleep(Math.max(0, pollStart + (o.pollMs ?? 100) - Date.now()));
  }
  const unseen: number[] = [];
  for (let n = 1; n <= o.markers; n++) if (!seenAt.has(n)) unseen.push(n);
  const v = [...seenAt.values()];
  return {
    markers: o.markers,
    seen: seenAt.size,
    unseen,
    burstId: id,
    latencyMs: summarizeLatency(v.map((x) => x.seen - x.lineTs)),
    pollLatencyMs: summarizeLatency(v.map((x) => Math.max(0, x.pollStart - x.lineTs))),
  };
}
