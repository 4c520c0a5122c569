/**
 * The log store and shipper seams against canned HTTP answers: what each implementation
 * sends (query language, projection, time range, push format) and how it reads the
 * answers (streams, JSON lines, counters, positions). The Loki and Promtail side runs
 * nowhere else on a machine without a user-supplied Loki, so this is where it is proven.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApiServer } from '../assertions/fake-api-server.ts';
import { LokiStore, PromtailShipper, SEQ_PROJECTION } from '../../../harness/logs/loki-promtail.ts';
import { OtelcolShipper, VictoriaLogsStore } from '../../../harness/logs/victorialogs-otelcol.ts';
import { detectLogPipeline, logPipelineFiles } from '../../../harness/plan/log-pipeline.ts';
import { compileLogsQuery } from '../../../harness/logs/query-match.ts';
import { queryFor } from '../../../harness/logs/log-store.ts';
import { parseMetricsText } from '../../../harness/logs/metrics-text.ts';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';

let server: FakeApiServer;
beforeEach(async () => {
  server = await new FakeApiServer().start();
});
afterEach(async () => {
  await server.stop();
});

const T = Date.parse('2026-11-30T12:00:00Z');

describe('LokiStore', () => {
  it("asks for one service's entries projected server-side, forward, and reads seq, store time and line time", async () => {
    server.on('GET', '/loki/api/v1/query_range', {
      body: {
        status: 'success',
        data: {
          resultType: 'streams',
          result: [{ stream: { service: 'git-mcp' }, values: [['1796040000000000001', '7 2026-11-30T11:59:59.500Z'], ['1796040000000000002', '8 '], ['1796040000000000003', 'no seq here']] }],
        },
      },
    });
    const store = new LokiStore(server.baseUrl);
    const entries = await store.serviceEntries('git-mcp', T - 60_000, T, 5000);
    const q = server.last('/loki/api/v1/query_range').query;
    expect(q.get('query')).toBe(`{service="git-mcp"} ${SEQ_PROJECTION}`);
    expect(q.get('direction')).toBe('forward');
    expect(q.get('start')).toBe(`${BigInt(T - 60_000) * 1_000_000n}`);
    expect(entries).toEqual([
      { seq: 7, tsNs: 1796040000000000001n, lineTsMs: Date.parse('2026-11-30T11:59:59.500Z') },
      { seq: 8, tsNs: 1796040000000000002n },
    ]);
  });

  it("maps Loki's discard counters, pushes in Loki's format and reports a refusal as its HTTP answer", async () => {
    const store = new LokiStore(server.baseUrl);
    const m = parseMetricsText(['loki_distributor_bytes_received_total{tenant="fake"} 1000', 'loki_discarded_bytes_total{reason="rate_limited"} 300', 'loki_discarded_samples_total{reason="rate_limited",tenant="fake"} 3', 'loki_discarded_samples_total{reason="line_too_long",tenant="fake"} 2'].join('\n'));
    expect(store.ingest(m)).toEqual({ receivedBytes: 1000, discardedBytes: 300, rateLimited: 3, streamLimited: 0, tooLong: 2 });
    server.on('POST', '/loki/api/v1/push', { status: 400, body: 'entry for stream has timestamp too old' });
    const r = await store.pushEntry({ job: 'probe' }, new Date(T), 'old line');
    expect(r).toEqual({ status: 400, body: expect.stringContaining('timestamp too old') });
    expect(JSON.parse(server.last('/loki/api/v1/push').body)).toEqual({ streams: [{ stream: { job: 'probe' }, values: [[`${BigInt(T) * 1_000_000n}`, 'old line']] }] });
  });
});

describe('PromtailShipper', () => {
  it('reads its positions file: a missing, rewound or past-the-end position is a problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'positions-'));
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log');
    writeFileSync(a, 'x'.repeat(100));
    writeFileSync(b, 'y'.repeat(50));
    const positions = join(dir, 'positions.yaml');
    const shipper = new PromtailShipper('http://127.0.0.1:1', positions);
    writeFileSync(positions, `positions:\n  ${a}: "100"\n  ${b}: "40"\n`);
    expect(shipper.positions([{ service: 'a', logFile: a, markOffset: 10 }, { service: 'b', logFile: b, markOffset: 10 }], 0).ok).toBe(true);
    const rewound = shipper.positions([{ service: 'b', logFile: b, markOffset: 45 }], 0);
    expect(rewound).toMatchObject({ ok: false, summary: expect.stringContaining('b: position 40 before the mark') });
    writeFileSync(positions, `positions:\n  ${a}: "101"\n`);
    const r = shipper.positions([{ service: 'a', logFile: a, markOffset: 0 }, { service: 'b', logFile: b, markOffset: 0 }], 0);
    expect(r.summary).toContain('a: position 101 past the end 100');
    expect(r.summary).toContain('b: no position');
  });

  it("maps Promtail's client counters", () => {
    const m = parseMetricsText(['promtail_sent_entries_total{host="x"} 40', 'promtail_batch_retries_total{host="x"} 3', 'promtail_request_duration_seconds_count{host="x",status_code="429"} 3', 'promtail_request_duration_seconds_count{host="x",status_code="204"} 9', 'promtail_dropped_entries_total{host="x",reason="rate_limited"} 0'].join('\n'));
    expect(new PromtailShipper('http://127.0.0.1:1', undefined).counters(m)).toEqual({ sent: 40, retries: 3, droppedRateLimited: 0, droppedOther: 0, responses429: 3, responses400: 0 });
  });
});

describe('VictoriaLogsStore', () => {
  it('asks LogsQL for one stream, projected with extract_regexp, and reads the JSON lines', async () => {
    server.on('GET', '/select/logsql/query', { body: ['{"_time":"2026-11-30T11:59:59.123456789Z","seq":"5","lts":"2026-11-30T11:59:59.100Z"}', '{"_time":"2026-11-30T11:59:59.2Z"}', ''].join('\n'), headers: { 'content-type': 'application/stream+json' } });
    const store = new VictoriaLogsStore(server.baseUrl);
    const entries = await store.serviceEntries('git-mcp', T - 60_000, T);
    const query = server.last('/select/logsql/query').query.get('query') ?? '';
    expect(query).toMatch(/^\{service="git-mcp"\} \| extract_regexp `.*seq=.*` \| extract_regexp `\^ts=.*` \| fields _time, seq, lts$/);
    // The fragment of a split line carries no seq: it is not an entry of the ledger.
    expect(entries).toEqual([{ seq: 5, tsNs: 1796039999123456789n, lineTsMs: Date.parse('2026-11-30T11:59:59.100Z') }]);
    expect(store.retentionGranularityMs).toBe(86_400_000);
  });

  it('has no rate limit to report, and counts the lines it skipped as too long', () => {
    const store = new VictoriaLogsStore(server.baseUrl);
    expect(store.ingest(parseMetricsText('vl_bytes_ingested_total{type="opentelemetry_protobuf"} 900\nvl_too_long_lines_skipped_total 2\n'))).toEqual({ receivedBytes: 900, discardedBytes: 0, rateLimited: 0, streamLimited: 0, tooLong: 2 });
  });
});

describe('OtelcolShipper', () => {
  it("counts the retries the collector logs (it has no metric for them) together with its metrics", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-'));
    const log = join(dir, 'otelcol.log');
    writeFileSync(log, 'info\tExporting failed. Will retry the request after interval.\n'.repeat(3));
    server.on('GET', '/metrics', { body: 'otelcol_exporter_sent_log_records{exporter="otlp_http"} 12\notelcol_exporter_send_failed_log_records{exporter="otlp_http"} 1\n' });
    const shipper = new OtelcolShipper(server.baseUrl, [], log);
    expect(shipper.counters(await shipper.metrics())).toEqual({ sent: 12, retries: 3, droppedRateLimited: 0, droppedOther: 1 });
  });

  it('checks that every receiver saved positions since the mark, and says it cannot read them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'storage-'));
    mkdirSync(join(dir, 'file_storage'));
    const db = join(dir, 'file_storage', 'receiver_file_log_core');
    writeFileSync(db, 'bbolt');
    const shipper = new OtelcolShipper('http://127.0.0.1:1', [join(dir, 'file_storage')], undefined);
    expect(shipper.positions([], 0)).toMatchObject({ ok: true, summary: expect.stringContaining('not readable here') });
    utimesSync(db, new Date(T - 3_600_000), new Date(T - 3_600_000));
    expect(shipper.positions([], T)).toMatchObject({ ok: false, summary: 'no positions written since the mark' });
  });
});

describe('the folder declares its pipeline', () => {
  it('by its files: the seed folder is Loki + Promtail, the second bundled folder VictoriaLogs + the collector', () => {
    expect(detectLogPipeline(join(REPO_ROOT, 'monitoring'))).toMatchObject({ store: 'loki', shipper: 'promtail', language: 'logql', storeJob: 'loki' });
    expect(detectLogPipeline(join(REPO_ROOT, 'monitoring-victorialogs'))).toMatchObject({ store: 'victorialogs', shipper: 'otelcol', language: 'logsql', storeJob: 'victorialogs' });
  });

  it('a half pipeline names the missing partner file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'half-'));
    mkdirSync(join(dir, 'otelcol'));
    writeFileSync(join(dir, 'otelcol/otelcol-config.yml'), 'receivers: {}\n');
    expect(() => detectLogPipeline(dir)).toThrow(/victorialogs\/victorialogs\.yml.*required file is missing/s);
    expect(logPipelineFiles(dir)).toEqual(['victorialogs/victorialogs.yml', 'otelcol/otelcol-config.yml']);
  });

  it('a scenario query is taken in the store language, and the LogsQL subset compiles to the same predicates as its LogQL twin', () => {
    expect(queryFor({ language: 'logsql' }, { logql: '{a="b"} |= "x"', logsql: '{a="b"} ~"x"' })).toBe('{a="b"} ~"x"');
    expect(queryFor({ language: 'logql' }, { logsql: '{a="b"} ~"x"' })).toBeUndefined();
    const q = compileLogsQuery('{service=~".*mcp.*", service_group!="ai"} ~"(?i)error|failed" !~"debug"');
    expect(q.selects({ service: 'git-mcp', service_group: 'core' })).toBe(true);
    expect(q.selects({ service: 'git-mcp', service_group: 'ai' })).toBe(false);
    expect(q.selects({ service: 'mcp', service_group: 'core' })).toBe(true);
    expect(q.selects({ service: 'zen-coordinator', service_group: 'core' })).toBe(false);
    expect(q.keeps('level=ERROR msg=x')).toBe(true);
    expect(q.keeps('connection FAILED debug')).toBe(false);
    expect(() => compileLogsQuery('{a="b"} | stats count()')).toThrow(/only ~"regexp" and !~"regexp" filters/);
  });
});
