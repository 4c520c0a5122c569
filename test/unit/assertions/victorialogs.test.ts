import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../../assertions/http-client.ts';
import {
  VictoriaLogsClient,
  formatVLTime,
  nsToRfc3339Nano,
  parseRfc3339Ns,
  parseStreamLabels,
  quoteLogsQL,
  streamFilter,
} from '../../../assertions/victorialogs.ts';
import { type RecordedRequest, FakeApiServer, closedPort } from './fake-api-server.ts';

let server: FakeApiServer;
let vl: VictoriaLogsClient;

beforeEach(async () => {
  server = await new FakeApiServer().start();
  vl = new VictoriaLogsClient(server.baseUrl, { timeoutMs: 2000 });
});

afterEach(async () => {
  await server.stop();
});

// Bodies as VictoriaLogs v1.52.1 sent them (JSON lines; fields sorted; _time trims trailing zeros).
const ROWS = [
  '{"_msg":"json line 1","_stream":"{service=\\"svc-b\\"}","_stream_id":"00000000000000007c5552345bb4c3cc91f74a97682b57d3","_time":"2026-11-30T20:23:34.12Z","level":"info","nested.k":"v","num":"5","service":"svc-b"}',
  '{"_msg":"tricky line","_stream":"{path=\\"C:\\\\\\\\dir\\\\\\\\f\\",service=\\"q\\\\\\"uo,te}=x\\",uni=\\"é\\\\n\\"}","_stream_id":"0000000000000000be3fe2b1348233638410362ed364115a","_time":"2026-11-30T20:24:32.589048767Z","path":"C:\\\\dir\\\\f","service":"q\\"uo,te}=x","uni":"é\\n"}',
];

describe('times', () => {
  it('sends RFC 3339 with nine fraction digits, strings as given', () => {
    expect(formatVLTime(new Date('2025-01-01T00:00:00.001Z'))).toBe('2025-01-01T00:00:00.001000000Z');
    expect(formatVLTime(1735689600.5)).toBe('2025-01-01T00:00:00.500000000Z');
    expect(formatVLTime(1735689600.000001)).toBe('2025-01-01T00:00:00.000001000Z');
    expect(formatVLTime(1735689600123456789n)).toBe('2025-01-01T00:00:00.123456789Z');
    expect(formatVLTime(5n)).toBe('1970-01-01T00:00:00.000000005Z');
    expect(nsToRfc3339Nano(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatVLTime('5m')).toBe('5m');
    expect(() => formatVLTime(new Date('nope'))).toThrow(RangeError);
    expect(() => formatVLTime(Number.NaN)).toThrow(RangeError);
  });

  it('parses RFC 3339 of any fraction length to nanoseconds', () => {
    expect(parseRfc3339Ns('2026-11-30T20:23:34.12Z')).toBe(1796070214120000000n);
    expect(parseRfc3339Ns('2026-11-30T20:23:34Z')).toBe(1796070214000000000n);
    expect(parseRfc3339Ns('2026-11-30T20:23:01.089871817Z')).toBe(1796070181089871817n);
    expect(parseRfc3339Ns('2026-11-30T22:23:34.5+02:00')).toBe(1796070214500000000n);
    expect(parseRfc3339Ns(nsToRfc3339Nano(1796070181089871817n))).toBe(1796070181089871817n);
    expect(() => parseRfc3339Ns('2026-11-30 20:23:34Z')).toThrow(RangeError);
    expect(() => parseRfc3339Ns('2026-11-30T20:23:34.1234567890Z')).toThrow(RangeError);
  });
});

describe('LogsQL helpers', () => {
  it('quotes string literals', () => {
    expect(quoteLogsQL('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteLogsQL('x\ny')).toBe('"x\\ny"');
    expect(() => quoteLogsQL('\uD800')).toThrow(RangeError);
  });

  it('builds stream filters', () => {
    expect(streamFilter({ service: 'x' })).toBe('{service="x"}');
    expect(streamFilter({ service: 'a"b', container: 'c' })).toBe('{service="a\\"b",container="c"}');
    expect(streamFilter({ service: ['a', 'b'] })).toBe('{service in ("a","b")}');
    expect(streamFilter({ 'k8s.pod': 'p' })).toBe('{"k8s.pod"="p"}');
    expect(() => streamFilter({})).toThrow(/at least one/);
  });

  it('parses _stream values (Go-quoted)', () => {
    expect(parseStreamLabels('{container="c1",service="svc-a"}')).toEqual({ container: 'c1', service: 'svc-a' });
    expect(parseStreamLabels('{path="C:\\\\dir\\\\f",service="q\\"uo,te}=x",uni="é\\n"}')).toEqual({
      path: 'C:\\dir\\f',
      service: 'q"uo,te}=x',
      uni: 'é\n',
    });
    expect(parseStreamLabels('{a="\\u00e9\\x41\\t"}')).toEqual({ a: 'éA\t' });
    expect(parseStreamLabels('{}')).toEqual({});
    expect(() => parseStreamLabels('{a="b"')).toThrow(SyntaxError);
    expect(() => parseStreamLabels('{a="b";c="d"}')).toThrow(SyntaxError);
    expect(() => parseStreamLabels('{a="b",}')).toThrow(SyntaxError);
    expect(() => parseStreamLabels('{a="\\q"}')).toThrow(SyntaxError);
  });
});

describe('query', () => {
  it('sends the parameters and decodes JSON lines into entries', async () => {
    server.on('GET', '/select/logsql/query', { body: `${ROWS.join('\n')}\n`, headers: { 'content-type': 'application/stream+json' } });
    const entries = await vl.query('{service="svc-b"} error', { start: new Date('2026-11-30T20:00:00Z'), end: 1796070300000000001n, limit: 10, offset: 2 });
    const q = server.last('/select/logsql/query').query;
    expect(q.get('query')).toBe('{service="svc-b"} error');
    expect(q.get('start')).toBe('2026-11-30T20:00:00.000000000Z');
    expect(q.get('end')).toBe('2026-11-30T20:25:00.000000001Z');
    expect(q.get('limit')).toBe('10');
    expect(q.get('offset')).toBe('2');
    expect(entries).toEqual([
      {
        timeNs: 1796070214120000000n,
        msg: 'json line 1',
        stream: { service: 'svc-b' },
        streamId: '00000000000000007c5552345bb4c3cc91f74a97682b57d3',
        fields: { level: 'info', 'nested.k': 'v', num: '5', service: 'svc-b' },
      },
      {
        timeNs: 1796070272589048767n,
        msg: 'tricky line',
        stream: { path: 'C:\\dir\\f', service: 'q"uo,te}=x', uni: 'é\n' },
        streamId: '0000000000000000be3fe2b1348233638410362ed364115a',
        fields: { path: 'C:\\dir\\f', service: 'q"uo,te}=x', uni: 'é\n' },
      },
    ]);
  });

  it('an empty body is no entries; params left out are not sent', async () => {
    server.on('GET', '/select/logsql/query', { body: '' });
    expect(await vl.query('nomatch')).toEqual([]);
    expect([...server.last('/select/logsql/query').query.keys()]).toEqual(['query']);
  });

  it('puts the server error text in the thrown message', async () => {
    server.on('GET', '/select/logsql/query', { status: 400, body: 'cannot parse `query` arg [foo:(]: unexpected end of query after "("\n' });
    const err = await vl.query('foo:(').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(400);
    expect((err as HttpError).message).toMatch(/HTTP 400 .*cannot parse `query` arg \[foo:\(\]/);
  });

  it('names the bad line of a JSON-lines body', async () => {
    server.on('GET', '/select/logsql/query', { body: `${ROWS[0]}\n{"_msg":\n` });
    await expect(vl.query('*')).rejects.toThrow(/line 2 is not JSON/);
  });

  it('rows without _time: queryRows gives them, query refuses', async () => {
    server.on('GET', '/select/logsql/query', { body: '{"level":"info","n":"3"}\n' });
    expect(await vl.queryRows('* | stats by (level) count() n')).toEqual([{ level: 'info', n: '3' }]);
    await expect(vl.query('* | stats by (level) count() n')).rejects.toThrow(/no _time/);
    server.on('GET', '/select/logsql/query', { body: '{"_time":"2026-11-30T20:23:34Z","_stream":"{a=1}"}\n' });
    const err = await vl.query('*').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).message).toMatch(/\/select\/logsql\/query\?query=.*cannot decode entry: missing ="\.\.\."/);
  });

  it('a non-string field value is a decode error', async () => {
    server.on('GET', '/select/logsql/query', { body: '{"_time":"2026-11-30T20:23:34Z","n":5}\n' });
    await expect(vl.query('*')).rejects.toThrow(/unexpected response shape \(0\.n:/);
  });
});

describe('queryAll (pagination)', () => {
  // A fake /select/logsql/query with VictoriaLogs' semantics: [start, end), `limit` → newest first.
  const parseNs = (s: string): bigint => {
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(s);
    if (!m) throw new Error(`fake server: bad time ${s}`);
    return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
  };
  function serve(data: Array<{ ns: bigint; msg: string }>): void {
    server.on('GET', '/select/logsql/query', (req: RecordedRequest) => {
      const start = req.query.get('start');
      const end = req.query.get('end');
      let rows = data.filter((r) => (start === null || r.ns >= parseNs(start)) && (end === null || r.ns < parseNs(end)));
      const limit = req.query.get('limit');
      if (limit !== null) rows = [...rows].sort((a, b) => (a.ns > b.ns ? -1 : a.ns < b.ns ? 1 : 0)).slice(0, Number(limit));
      const body = rows.map((r) => JSON.stringify({ _msg: r.msg, _stream: '{s="1"}', _time: nsToRfc3339Nano(r.ns) })).join('\n');
      return { body };
    });
  }
  const T = 1796070000000000000n;

  it('returns every entry once, oldest first, when a tie straddles page boundaries', async () => {
    const data = [
      { ns: T + 1n, msg: 'a' },
      { ns: T + 2n, msg: 'b1' },
      { ns: T + 2n, msg: 'b2' },
      { ns: T + 2n, msg: 'b3' },
      { ns: T + 2n, msg: 'b4' },
      { ns: T + 3n, msg: 'c' },
      { ns: T + 4n, msg: 'd' },
      { ns: T + 4n, msg: 'd' }, // identical rows are distinct entries
      { ns: T + 5n, msg: 'e' },
    ];
    serve(data);
    const all = await vl.queryAll('*', { start: T, end: T + 10n, pageSize: 3 });
    expect(all.map((e) => e.msg)).toEqual(['a', 'b1', 'b2', 'b3', 'b4', 'c', 'd', 'd', 'e']);
    expect(all.map((e) => e.timeNs)).toEqual(data.map((d) => d.ns));
    expect(server.requests.at(-1)?.query.get('start')).toBe(nsToRfc3339Nano(T));
  });

  it('pages through more entries sharing one timestamp than a page holds', async () => {
    serve(['v', 'w', 'x', 'y', 'z'].map((msg) => ({ ns: T, msg })));
    const all = await vl.queryAll('*', { pageSize: 2 });
    expect(all.map((e) => e.msg).sort()).toEqual(['v', 'w', 'x', 'y', 'z']);
  });

  it('stops after one request when the first page is short', async () => {
    serve([{ ns: T, msg: 'only' }]);
    expect((await vl.queryAll('*', { pageSize: 5 })).map((e) => e.msg)).toEqual(['only']);
    expect(server.requests).toHaveLength(1);
    await expect(vl.queryAll('*', { pageSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('hits, discovery and stats', () => {
  it('hits: parameters and per-group buckets', async () => {
    server.on('GET', '/select/logsql/hits', {
      body: {
        hits: [
          { fields: { service: 'svc-a' }, timestamps: ['2026-11-30T19:00:00Z', '2026-11-30T20:00:00Z'], values: [0, 3], total: 3 },
          { fields: { service: 'svc-b' }, timestamps: ['2026-11-30T19:00:00Z', '2026-11-30T20:00:00Z'], values: [0, 2], total: 2 },
        ],
      },
    });
    const h = await vl.hits('*', { start: '1h', step: 3600, fields: ['service', 'level'], fieldsLimit: 5, ignorePipes: true });
    const q = server.last('/select/logsql/hits').query;
    expect(q.get('step')).toBe('3600s');
    expect(q.get('start')).toBe('1h');
    expect(q.getAll('field')).toEqual(['service', 'level']);
    expect(q.get('fields_limit')).toBe('5');
    expect(q.get('ignore_pipes')).toBe('1');
    expect(h[1]).toEqual({
      fields: { service: 'svc-b' },
      points: [
        { timeNs: 1796065200000000000n, hits: 0 },
        { timeNs: 1796068800000000000n, hits: 2 },
      ],
      total: 2,
    });
  });

  it('hits: mismatched timestamps and values is a decode error', async () => {
    server.on('GET', '/select/logsql/hits', { body: { hits: [{ fields: {}, timestamps: ['2026-11-30T19:00:00Z'], values: [], total: 0 }] } });
    await expect(vl.hits('*', { step: '1h' })).rejects.toThrow(/timestamps and values differ/);
  });

  it('field and stream discovery endpoints', async () => {
    const values = { values: [{ value: 'svc-a', hits: 3 }, { value: '', hits: 1 }] };
    for (const p of ['field_names', 'field_values', 'stream_field_names', 'stream_field_values']) server.on('GET', `/select/logsql/${p}`, { body: values });
    server.on('GET', '/select/logsql/streams', { body: { values: [{ value: '{container="c1",service="svc-a"}', hits: 3 }] } });

    expect(await vl.fieldValues('service', { query: '{service="svc-a"}', start: 0, filter: 'svc', limit: 7 })).toEqual(values.values);
    const q = server.last('/select/logsql/field_values').query;
    expect(Object.fromEntries(q)).toEqual({ query: '{service="svc-a"}', field: 'service', start: '1970-01-01T00:00:00.000000000Z', filter: 'svc', limit: '7' });

    await vl.fieldNames();
    expect(server.last('/select/logsql/field_names').query.get('query')).toBe('*');
    await vl.streamFieldNames({ ignorePipes: true });
    expect(server.last('/select/logsql/stream_field_names').query.get('ignore_pipes')).toBe('1');
    await vl.streamFieldValues('service');
    expect(server.last('/select/logsql/stream_field_values').query.get('field')).toBe('service');
    expect(await vl.streams()).toEqual([{ value: '{container="c1",service="svc-a"}', hits: 3, stream: { container: 'c1', service: 'svc-a' } }]);
  });

  it('statsQuery decodes the vector; a 422 error names the reason', async () => {
    server.on('GET', '/select/logsql/stats_query', {
      body: { status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'count(*)', service: 'svc-a' }, value: [1796070249.3902907, '3'] }] } },
    });
    expect(await vl.statsQuery('* | stats by (service) count()', { time: new Date('2026-11-30T20:24:09Z') })).toEqual([
      { labels: { __name__: 'count(*)', service: 'svc-a' }, timestamp: 1796070249.3902907, value: 3 },
    ]);
    expect(server.last('/select/logsql/stats_query').query.get('time')).toBe('2026-11-30T20:24:09.000000000Z');

    server.on('GET', '/select/logsql/stats_query', { status: 422, body: { status: 'error', errorType: '422', error: 'missing `| stats ...` pipe in the query [*]' } });
    await expect(vl.statsQuery('*')).rejects.toThrow(/HTTP 422 .*missing `\| stats \.\.\.` pipe/);
  });

  it('statsQueryRange decodes the matrix and refuses a vector', async () => {
    server.on('GET', '/select/logsql/stats_query_range', {
      body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'count(*)', service: 'svc-b' }, values: [[1796070180, '2']] }] } },
    });
    const m = await vl.statsQueryRange('* | stats by (service) count()', { start: 1796070000, end: 1796070300, step: '1m', offset: '2h' });
    expect(m).toEqual([{ labels: { __name__: 'count(*)', service: 'svc-b' }, samples: [{ timestamp: 1796070180, value: 2 }] }]);
    const q = server.last('/select/logsql/stats_query_range').query;
    expect([q.get('start'), q.get('end'), q.get('step'), q.get('offset')]).toEqual(['2026-11-30T20:20:00.000000000Z', '2026-11-30T20:25:00.000000000Z', '1m', '2h']);

    server.on('GET', '/select/logsql/stats_query_range', { body: { status: 'success', data: { resultType: 'vector', result: [] } } });
    await expect(vl.statsQueryRange('* | stats count()', { step: 60 })).rejects.toThrow(/expected a matrix, got vector/);
  });
});

describe('ingestion and housekeeping', () => {
  it('pushLoki sends Loki JSON with nanosecond strings and the options', async () => {
    server.on('POST', '/insert/loki/api/v1/push', { status: 204 });
    await vl.pushLoki(
      [{ labels: { service: 'svc-a' }, entries: [{ ts: new Date('2025-01-01T00:00:00.001Z'), line: 'one' }, { ts: 1735689600000000007n, line: 'two', structuredMetadata: { trace_id: 'abc' } }] }],
      { streamFields: ['service', 'container'], disableMessageParsing: true },
    );
    const req = server.last('/insert/loki/api/v1/push');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      streams: [{ stream: { service: 'svc-a' }, values: [['1735689600001000000', 'one'], ['1735689600000000007', 'two', { trace_id: 'abc' }]] }],
    });
    expect(req.query.get('_stream_fields')).toBe('service,container');
    expect(req.query.get('disable_message_parsing')).toBe('1');
  });

  it('pushLoki surfaces a refusal', async () => {
    server.on('POST', '/insert/loki/api/v1/push', { status: 400, body: 'cannot read Loki json data: cannot parse log timestamp "x"' });
    await expect(vl.pushLoki([{ labels: { a: 'b' }, entries: [{ ts: 1n, line: 'x' }] }])).rejects.toThrow(/HTTP 400 .*cannot parse log timestamp/);
  });

  it('pushJsonLines sends newline-terminated JSON lines, never form-encoded', async () => {
    server.on('POST', '/insert/jsonline', { status: 200 });
    await vl.pushJsonLines([{ ts: '2026-11-30T20:23:34Z', message: 'a\nb', service: 'svc-b', big: 12345678901234567890n }, { message: 'second' }], {
      streamFields: ['service'],
      timeField: 'ts',
      msgField: 'message',
      ignoreFields: ['secret', 'tmp*'],
    });
    const req = server.last('/insert/jsonline');
    expect(req.headers['content-type']).toBe('application/stream+json');
    expect(req.body).toBe('{"ts":"2026-11-30T20:23:34Z","message":"a\\nb","service":"svc-b","big":"12345678901234567890"}\n{"message":"second"}\n');
    expect(Object.fromEntries(req.query)).toEqual({ _stream_fields: 'service', _time_field: 'ts', _msg_field: 'message', ignore_fields: 'secret,tmp*' });
  });

  it('ready never throws; forceFlush and metrics', async () => {
    server.on('GET', '/health', { body: 'OK' });
    expect(await vl.ready()).toEqual({ ready: true, status: 200, detail: 'OK' });
    const down = new VictoriaLogsClient(`http://127.0.0.1:${await closedPort()}`, { timeoutMs: 1000 });
    const r = await down.ready();
    expect(r.ready).toBe(false);
    expect(r.status).toBeNull();

    server.on('GET', '/internal/force_flush', { status: 200, body: '' });
    await vl.forceFlush();
    expect(server.last('/internal/force_flush').method).toBe('GET');
    server.on('GET', '/metrics', { body: 'vl_rows_ingested_total{type="jsonline"} 2\n' });
    expect(await vl.metrics()).toBe('vl_rows_ingested_total{type="jsonline"} 2\n');
    server.on('GET', '/internal/force_flush', { status: 500, body: 'boom' });
    await expect(vl.forceFlush()).rejects.toThrow(/HTTP 500 .*boom/);
  });
});
