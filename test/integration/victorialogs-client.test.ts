/**
 * VictoriaLogsClient against a real VictoriaLogs (v1.52.1) on a free loopback port with a
 * temp data dir: known lines go in through both ingest paths and come back exactly through
 * query, queryAll, field/stream discovery, hits and stats; entries older than the retention
 * are dropped at ingestion.
 */
import { freePort } from '../support/stack-helpers.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binCacheDir } from '../../harness/lib/paths.ts';
import { type VLEntry, VictoriaLogsClient, nsToRfc3339Nano, streamFilter } from '../../assertions/victorialogs.ts';

const cached = join(binCacheDir(), 'victorialogs-1.52.1', 'victoria-logs');
const BIN = process.env.VICTORIALOGS_BIN ?? (existsSync(cached) ? cached : undefined);
const title = BIN ? 'VictoriaLogsClient against victoria-logs' : `VictoriaLogsClient (skipped: no victoria-logs binary; set VICTORIALOGS_BIN or build ${cached})`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY = 86_400n * 1_000_000_000n;
const NOW = BigInt(Date.now()) * 1_000_000n;
const T0 = NOW - 10n * 60n * 1_000_000_000n; // ten minutes ago, with nanosecond offsets below
const START = T0 - 60n * 1_000_000_000n;
const END = NOW + 60n * 1_000_000_000n;

/** `name{labels}` sample value from Prometheus text (exact label string as VictoriaLogs writes it). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Poll /metrics until `series` equals `want` (its text lags by up to ~1 s), then return the last value. */
async function waitForSample(vl: VictoriaLogsClient, series: string, want: number): Promise<number | undefined> {
  let got: number | undefined;
  for (let i = 0; i < 50; i++) {
    got = sample(await vl.metrics(), series);
    if (got === want) break;
    await sleep(100);
  }
  return got;
}

const brief = (e: VLEntry) => ({ t: e.timeNs, msg: e.msg, stream: e.stream, fields: e.fields });
const byTimeMsg = (a: { t: bigint; msg: string }, b: { t: bigint; msg: string }) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.msg.localeCompare(b.msg));

describe.skipIf(!BIN)(title, () => {
  let child: ChildProcess | undefined;
  let output = '';
  let dataDir = '';
  let vl: VictoriaLogsClient;

  beforeAll(async () => {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'vl-client-it-'));
    child = spawn(BIN!, [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dataDir}`, '-retentionPeriod=1d'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    vl = new VictoriaLogsClient(`http://127.0.0.1:${port}`, { timeoutMs: 5000 });
    for (let i = 0; !(await vl.ready()).ready; i++) {
      if (child.exitCode !== null || i > 100) throw new Error(`victoria-logs did not become ready:\n${output.slice(-3000)}`);
      await sleep(100);
    }

    await vl.pushLoki([
      {
        labels: { service: 'svc-a', container: 'c1' },
        entries: [
          { ts: T0 + 123_456_789n, line: 'loki one' },
          { ts: T0 + 123_456_789n, line: 'loki two' }, // same timestamp: a pagination boundary below
          { ts: T0 + 2_000_000_001n, line: 'level=error loki three', structuredMetadata: { trace_id: 'abc' } },
        ],
      },
      { labels: { service: 'svc-b', container: 'c2' }, entries: [{ ts: T0 + 3_000_000_000n, line: 'loki four' }] },
      { labels: { service: 'svc-r' }, entries: [{ ts: NOW - 3n * DAY, line: 'loki too old' }, { ts: T0 + 6_000_000_000n, line: 'loki fresh' }] },
    ]);
    await vl.pushJsonLines(
      [
        { ts: nsToRfc3339Nano(T0 + 4_000_000_007n), message: 'json one', service: 'svc-j', level: 'info', nested: { k: 'v' }, n: 5 },
        { ts: nsToRfc3339Nano(T0 + 5_000_000_000n), message: 'json two', service: 'svc-j', level: 'warn' },
        { ts: nsToRfc3339Nano(NOW - 3n * DAY), message: 'json too old', service: 'svc-r' },
        { ts: nsToRfc3339Nano(T0 + 7_000_000_000n), message: 'json fresh', service: 'svc-r' },
      ],
      { streamFields: ['service'], timeField: 'ts', msgField: 'message' },
    );
    // Rows are searchable 1–3 s after ingestion; the test flushes instead of waiting.
    await vl.forceFlush();
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    expect(child === undefined || child.exitCode !== null || child.signalCode !== null).toBe(true);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('query returns exactly the Loki-pushed entries, nanosecond times and labels intact', async () => {
    const got = (await vl.query(streamFilter({ service: ['svc-a', 'svc-b'] }), { start: START, end: END })).map(brief).sort(byTimeMsg);
    expect(got).toEqual([
      { t: T0 + 123_456_789n, msg: 'loki one', stream: { container: 'c1', service: 'svc-a' }, fields: { container: 'c1', service: 'svc-a' } },
      { t: T0 + 123_456_789n, msg: 'loki two', stream: { container: 'c1', service: 'svc-a' }, fields: { container: 'c1', service: 'svc-a' } },
      { t: T0 + 2_000_000_001n, msg: 'level=error loki three', stream: { container: 'c1', service: 'svc-a' }, fields: { container: 'c1', service: 'svc-a', trace_id: 'abc' } },
      { t: T0 + 3_000_000_000n, msg: 'loki four', stream: { container: 'c2', service: 'svc-b' }, fields: { container: 'c2', service: 'svc-b' } },
    ]);
  });

  it('query returns the JSON lines with their time, message and flattened fields', async () => {
    const got = (await vl.query('{service="svc-j"}', { start: START, end: END })).map(brief).sort(byTimeMsg);
    expect(got).toEqual([
      { t: T0 + 4_000_000_007n, msg: 'json one', stream: { service: 'svc-j' }, fields: { service: 'svc-j', level: 'info', 'nested.k': 'v', n: '5' } },
      { t: T0 + 5_000_000_000n, msg: 'json two', stream: { service: 'svc-j' }, fields: { service: 'svc-j', level: 'warn' } },
    ]);
    const limited = await vl.query('{service="svc-j"}', { start: START, end: END, limit: 1 });
    expect(limited.map((e) => e.msg)).toEqual(['json two']); // limit keeps the newest
  });

  it('queryAll pages through everything, ties at a page boundary included once', async () => {
    const expected = [
      { t: T0 + 123_456_789n, msg: 'loki one' },
      { t: T0 + 123_456_789n, msg: 'loki two' },
      { t: T0 + 2_000_000_001n, msg: 'level=error loki three' },
      { t: T0 + 3_000_000_000n, msg: 'loki four' },
      { t: T0 + 4_000_000_007n, msg: 'json one' },
      { t: T0 + 5_000_000_000n, msg: 'json two' },
      { t: T0 + 6_000_000_000n, msg: 'loki fresh' },
      { t: T0 + 7_000_000_000n, msg: 'json fresh' },
    ];
    // pageSize 7: the first page ends inside the "loki one"/"loki two" tie.
    for (const pageSize of [2, 7, 100]) {
      const all = await vl.queryAll('*', { start: START, end: END, pageSize });
      expect(all.every((e, i) => i === 0 || all[i - 1]!.timeNs <= e.timeNs)).toBe(true);
      expect(all.map((e) => ({ t: e.timeNs, msg: e.msg })).sort(byTimeMsg), `pageSize ${pageSize}`).toEqual(expected);
    }
  });

  it('fieldValues, streamFieldNames/Values and streams count exactly the stored entries', async () => {
    const range = { start: START, end: END };
    const sorted = (v: Array<{ value: string; hits: number }>) => [...v].sort((a, b) => a.value.localeCompare(b.value));
    const services = [
      { value: 'svc-a', hits: 3 },
      { value: 'svc-b', hits: 1 },
      { value: 'svc-j', hits: 2 },
      { value: 'svc-r', hits: 2 },
    ];
    expect(sorted(await vl.fieldValues('service', range))).toEqual(services);
    expect(sorted(await vl.fieldValues('level', { ...range, query: '{service="svc-j"}' }))).toEqual([{ value: 'info', hits: 1 }, { value: 'warn', hits: 1 }]);
    expect(sorted(await vl.streamFieldValues('service', range))).toEqual(services);
    expect(sorted(await vl.streamFieldNames(range))).toEqual([{ value: 'container', hits: 4 }, { value: 'service', hits: 8 }]);
    expect((await vl.fieldNames({ ...range, query: '{service="svc-j"}' })).map((v) => v.value).sort()).toEqual(['_msg', '_stream', '_stream_id', '_time', 'level', 'n', 'nested.k', 'service']);
    const streams = (await vl.streams(range)).map((s) => ({ stream: s.stream, hits: s.hits })).sort((a, b) => a.stream.service!.localeCompare(b.stream.service!));
    expect(streams).toEqual([
      { stream: { container: 'c1', service: 'svc-a' }, hits: 3 },
      { stream: { container: 'c2', service: 'svc-b' }, hits: 1 },
      { stream: { service: 'svc-j' }, hits: 2 },
      { stream: { service: 'svc-r' }, hits: 2 },
    ]);
  });

  it('hits and statsQueryRange agree with what was pushed', async () => {
    const hits = await vl.hits('*', { start: START, end: END, step: '1m', fields: ['service'] });
    const totals = Object.fromEntries(hits.map((h) => [h.fields.service, h.total]));
    expect(totals).toEqual({ 'svc-a': 3, 'svc-b': 1, 'svc-j': 2, 'svc-r': 2 });
    for (const h of hits) expect(h.points.reduce((s, p) => s + p.hits, 0)).toBe(h.total);

    const m = await vl.statsQueryRange('* | stats by (service) count() n', { start: START, end: END, step: '1h' });
    const sums = Object.fromEntries(m.map((s) => [s.labels.service, s.samples.reduce((t, x) => t + x.value, 0)]));
    expect(sums).toEqual({ 'svc-a': 3, 'svc-b': 1, 'svc-j': 2, 'svc-r': 2 });
    expect(m.every((s) => s.labels.__name__ === 'n')).toBe(true);

    const v = await vl.statsQuery(`_time:[${nsToRfc3339Nano(START)}, ${nsToRfc3339Nano(END)}) {service="svc-a"} | stats count() n`, { time: END });
    expect(v.map((s) => s.value)).toEqual([3]);
  });

  it('entries older than -retentionPeriod are dropped at ingestion, through both paths', async () => {
    const got = await vl.query('{service="svc-r"}', { start: NOW - 4n * DAY, end: END });
    expect(got.map((e) => e.msg).sort()).toEqual(['json fresh', 'loki fresh']);
    expect(await waitForSample(vl, 'vl_rows_dropped_total{reason="too_small_timestamp"}', 2)).toBe(2);
    // Dropped rows still count as ingested.
    expect(await waitForSample(vl, 'vl_rows_ingested_total{type="loki_json"}', 6)).toBe(6);
    expect(await waitForSample(vl, 'vl_rows_ingested_total{type="jsonline"}', 4)).toBe(4);
  });

  it('a JSON-object line pushed Loki-style is split into fields unless parsing is disabled', async () => {
    const ts = NOW - 1_000_000_000n;
    await vl.pushLoki([{ labels: { service: 'svc-p' }, entries: [{ ts, line: '{"level":"error","msg":"parsed"}' }] }]);
    await vl.pushLoki([{ labels: { service: 'svc-q' }, entries: [{ ts, line: '{"level":"error","msg":"raw"}' }] }], { disableMessageParsing: true });
    await vl.forceFlush();
    const [parsed] = await vl.query('{service="svc-p"}', { start: START, end: END });
    expect(parsed?.fields).toEqual({ service: 'svc-p', level: 'error', msg: 'parsed' });
    expect(parsed?.msg).toMatch(/^missing _msg field/);
    const [raw] = await vl.query('{service="svc-q"}', { start: START, end: END });
    expect(raw?.msg).toBe('{"level":"error","msg":"raw"}');
  });

  it('a JSON line over -insert.maxLineSizeBytes is skipped and counted', async () => {
    const before = sample(await vl.metrics(), 'vl_too_long_lines_skipped_total') ?? 0;
    await vl.pushJsonLines([{ _msg: 'x'.repeat(300 * 1024), service: 'svc-long' }], { streamFields: ['service'] });
    await vl.forceFlush();
    expect(await vl.query('{service="svc-long"}', { start: START, end: END })).toEqual([]);
    expect(await waitForSample(vl, 'vl_too_long_lines_skipped_total', before + 1)).toBe(before + 1);
  });

  it('errors carry the server message', async () => {
    await expect(vl.query('foo:(')).rejects.toThrow(/HTTP 400 .*cannot parse `query` arg/);
    await expect(vl.statsQuery('*')).rejects.toThrow(/HTTP 422 .*missing `\| stats \.\.\.` pipe/);
  });
});
