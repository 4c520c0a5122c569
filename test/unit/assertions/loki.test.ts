import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../../assertions/http-client.ts';
import { LokiClient, formatLokiTime, nsToIso } from '../../../assertions/loki.ts';
import { QuerySyntaxError } from '../../../assertions/query-language.ts';
import { FakeApiServer } from './fake-api-server.ts';

let server: FakeApiServer;
let loki: LokiClient;

beforeEach(async () => {
  server = await new FakeApiServer().start();
  loki = new LokiClient(server.baseUrl, { timeoutMs: 2000 });
});

afterEach(async () => {
  await server.stop();
});

const T0 = '1735689600000000000'; // 2025-01-01T00:00:00Z in ns

describe('formatLokiTime', () => {
  it('sends nanoseconds', () => {
    expect(formatLokiTime(new Date('2025-01-01T00:00:00.001Z'))).toBe('1735689600001000000');
    expect(formatLokiTime(1735689600.5)).toBe('1735689600500000000');
    expect(formatLokiTime(1735689600123456789n)).toBe('1735689600123456789');
    expect(formatLokiTime('2025-01-01T00:00:00Z')).toBe('2025-01-01T00:00:00Z');
    expect(nsToIso(1735689600123456789n)).toBe('2025-01-01T00:00:00.123Z');
  });
});

describe('queryRange (log queries)', () => {
  it('sends the parameters and decodes streams with bigint timestamps', async () => {
    server.on('GET', '/loki/api/v1/query_range', {
      body: {
        status: 'success',
        data: {
          resultType: 'streams',
          result: [
            {
              stream: { service: 'terminal-mcp', service_group: 'core' },
              values: [
                ['1735689600123456789', 'level=ERROR msg="tool call failed"'],
                ['1735689601000000000', 'level=ERROR msg="again"', { structuredMetadata: { trace_id: 'abc' } }],
              ],
            },
          ],
          stats: { summary: { totalLinesProcessed: 2 } },
        },
      },
    });
    const r = await loki.queryRange('{service=~".*mcp.*"} |= "ERROR"', new Date('2025-01-01T00:00:00Z'), 1735689660n * 1_000_000_000n, {
      limit: 500,
      direction: 'forward',
    });
    const q = server.last('/loki/api/v1/query_range').query;
    expect(q.get('query')).toBe('{service=~".*mcp.*"} |= "ERROR"');
    expect(q.get('start')).toBe(T0);
    expect(q.get('end')).toBe('1735689660000000000');
    expect(q.get('limit')).toBe('500');
    expect(q.get('direction')).toBe('forward');
    expect(r.query).toBe('{service=~".*mcp.*"} |= "ERROR"');
    expect(r.streams).toHaveLength(1);
    const stream = r.streams[0];
    expect(stream?.labels).toEqual({ service: 'terminal-mcp', service_group: 'core' });
    expect(stream?.entries[0]).toEqual({ tsNs: 1735689600123456789n, line: 'level=ERROR msg="tool call failed"' });
    expect(typeof stream?.entries[0]?.tsNs).toBe('bigint');
    expect(stream?.entries[1]?.metadata).toEqual({ structuredMetadata: { trace_id: 'abc' } });
    expect(r.stats).toEqual({ summary: { totalLinesProcessed: 2 } });
  });

  it('a metric result from queryRange is a usage error', async () => {
    server.on('GET', '/loki/api/v1/query_range', {
      body: { status: 'success', data: { resultType: 'matrix', result: [] } },
    });
    await expect(loki.queryRange('rate({a="b"}[5m])', 0, 1)).rejects.toThrow(/use metricQueryRange/);
  });

  it('checks LogQL syntax before sending anything', async () => {
    await expect(loki.queryRange('{service=~".*mcp.*"} |= ', 0, 1)).rejects.toThrow(QuerySyntaxError);
    await expect(
      loki.queryRange('{a="b"', 0, 1, { where: { file: 'scenarios/logs.ts', field: 'logs[0].query' } }),
    ).rejects.toThrow(/^scenarios\/logs\.ts: logs\[0\]\.query: LogQL syntax error/);
    expect(server.requests).toHaveLength(0);
  });

  it("surfaces Loki's plain-text errors with URL and status", async () => {
    server.on('GET', '/loki/api/v1/query_range', {
      status: 400,
      body: 'parse error at line 1, col 10: syntax error: unexpected IDENTIFIER',
    });
    const err = (await loki.queryRange('{a="b"}', 0, 1).catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(400);
    expect(err.message).toContain(`GET ${server.baseUrl}/loki/api/v1/query_range?`);
    expect(err.message).toContain('HTTP 400');
    expect(err.message).toContain('parse error at line 1, col 10');
  });
});

describe('metric queries', () => {
  it('instantQuery decodes a vector', async () => {
    server.on('GET', '/loki/api/v1/query', {
      body: {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: { service: 'terminal-mcp' }, value: [1735689600, '12'] }],
          stats: {},
        },
      },
    });
    const r = await loki.instantQuery('sum by (service) (count_over_time({service=~".*mcp.*"} |= "ERROR" [5m]))', 1735689600);
    expect(server.last('/loki/api/v1/query').query.get('time')).toBe(T0);
    expect(r.resultType).toBe('vector');
    if (r.resultType === 'vector') expect(r.result).toEqual([{ labels: { service: 'terminal-mcp' }, timestamp: 1735689600, value: 12 }]);
  });

  it('metricQueryRange decodes a matrix and sends the step', async () => {
    server.on('GET', '/loki/api/v1/query_range', {
      body: {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [{ metric: { service: 'a' }, values: [[1735689600, '1'], [1735689615, '2.5']] }],
        },
      },
    });
    const r = await loki.metricQueryRange('rate({service="a"}[1m])', 0, 60, '15s');
    expect(server.last('/loki/api/v1/query_range').query.get('step')).toBe('15s');
    expect(r.result[0]?.samples).toEqual([
      { timestamp: 1735689600, value: 1 },
      { timestamp: 1735689615, value: 2.5 },
    ]);
  });
});

describe('labels, series, ready, push', () => {
  it('labels() and labelValues()', async () => {
    server.on('GET', '/loki/api/v1/labels', { body: { status: 'success', data: ['service', 'service_group'] } });
    server.on('GET', '/loki/api/v1/label/service/values', { body: { status: 'success', data: ['terminal-mcp'] } });
    expect(await loki.labels({ start: 0n, end: 10n })).toEqual(['service', 'service_group']);
    expect(server.last('/loki/api/v1/labels').query.get('start')).toBe('0');
    expect(await loki.labelValues('service')).toEqual(['terminal-mcp']);
  });

  it('labels() of an empty Loki (no data field) is empty', async () => {
    server.on('GET', '/loki/api/v1/labels', { body: { status: 'success' } });
    expect(await loki.labels()).toEqual([]);
  });

  it('series()', async () => {
    server.on('GET', '/loki/api/v1/series', {
      body: { status: 'success', data: [{ service: 'terminal-mcp', service_group: 'core' }] },
    });
    expect(await loki.series(['{service_group="core"}'])).toEqual([{ service: 'terminal-mcp', service_group: 'core' }]);
    expect(server.last('/loki/api/v1/series').query.getAll('match[]')).toEqual(['{service_group="core"}']);
  });

  it('ready()', async () => {
    server.on('GET', '/ready', { status: 503, body: 'Ingester not ready: waiting for 15s after being ready\n' });
    expect(await loki.ready()).toEqual({
      ready: false,
      status: 503,
      detail: 'Ingester not ready: waiting for 15s after being ready',
    });
    server.on('GET', '/ready', { status: 200, body: 'ready\n' });
    expect((await loki.ready()).ready).toBe(true);
  });

  it('push() sends the JSON push format with nanosecond strings', async () => {
    server.on('POST', '/loki/api/v1/push', { status: 204 });
    await loki.push([
      {
        labels: { service: 'terminal-mcp' },
        entries: [
          { ts: 1735689600123456789n, line: 'hello' },
          { ts: new Date('2025-01-01T00:00:01Z'), line: 'world', structuredMetadata: { trace_id: 'abc' } },
        ],
      },
    ]);
    const req = server.last('/loki/api/v1/push');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      streams: [
        {
          stream: { service: 'terminal-mcp' },
          values: [
            ['1735689600123456789', 'hello'],
            ['1735689601000000000', 'world', { trace_id: 'abc' }],
          ],
        },
      ],
    });
  });

  it('push() throws on a rejected push', async () => {
    server.on('POST', '/loki/api/v1/push', { status: 400, body: 'entry too far behind' });
    await expect(loki.push([{ labels: { a: 'b' }, entries: [{ ts: 1n, line: 'x' }] }])).rejects.toThrow(
      /HTTP 400.*entry too far behind/,
    );
  });
});
