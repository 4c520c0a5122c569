import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../../assertions/http-client.ts';
import {
  PrometheusApiError,
  PrometheusClient,
  asScalar,
  asVector,
  parseSampleValue,
} from '../../../assertions/prometheus.ts';
import { QuerySyntaxError } from '../../../assertions/query-language.ts';
import { FakeApiServer, closedPort } from './fake-api-server.ts';

let server: FakeApiServer;
let prom: PrometheusClient;

beforeEach(async () => {
  server = await new FakeApiServer().start();
  prom = new PrometheusClient(server.baseUrl, { timeoutMs: 2000 });
});

afterEach(async () => {
  await server.stop();
});

const success = (data: unknown, extra: Record<string, unknown> = {}) => ({ body: { status: 'success', data, ...extra } });

describe('parseSampleValue', () => {
  it('decodes Prometheus float strings', () => {
    expect(parseSampleValue('1')).toBe(1);
    expect(parseSampleValue('0.05')).toBe(0.05);
    expect(parseSampleValue('1e+00')).toBe(1);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(() => parseSampleValue('abc')).toThrow(/not a sample value/);
    expect(() => parseSampleValue('')).toThrow(/not a sample value/);
  });
});

describe('instantQuery', () => {
  it('sends the query as a form and decodes a vector with NaN and Inf', async () => {
    server.on(
      'POST',
      '/api/v1/query',
      success(
        {
          resultType: 'vector',
          result: [
            { metric: { __name__: 'up', job: 'mcp-core-services', service: 'terminal-mcp' }, value: [1735689600.123, '1'] },
            { metric: { service: 'a' }, value: [1735689600.123, 'NaN'] },
            { metric: { service: 'b' }, value: [1735689600.123, '+Inf'] },
            { metric: { service: 'c' }, value: [1735689600.123, '-Inf'] },
          ],
        },
        { warnings: ['PromQL warning: something'], infos: ['PromQL info: metric might not be a counter'] },
      ),
    );
    const r = await prom.instantQuery('up{job=~"mcp-.*"}', new Date('2025-01-01T00:00:00.500Z'));
    const req = server.last('/api/v1/query');
    expect(req.method).toBe('POST');
    expect(req.form.get('query')).toBe('up{job=~"mcp-.*"}');
    expect(req.form.get('time')).toBe('1735689600.500');
    expect(r.query).toBe('up{job=~"mcp-.*"}');
    expect(r.warnings).toEqual(['PromQL warning: something']);
    expect(r.infos).toEqual(['PromQL info: metric might not be a counter']);
    const v = asVector(r);
    expect(v).toHaveLength(4);
    expect(v[0]).toEqual({
      labels: { __name__: 'up', job: 'mcp-core-services', service: 'terminal-mcp' },
      timestamp: 1735689600.123,
      value: 1,
    });
    expect(v[1]?.value).toBeNaN();
    expect(v[2]?.value).toBe(Number.POSITIVE_INFINITY);
    expect(v[3]?.value).toBe(Number.NEGATIVE_INFINITY);
  });

  it('omits time when not given and passes timeout/limit', async () => {
    server.on('POST', '/api/v1/query', success({ resultType: 'scalar', result: [1735689600, '0.05'] }));
    const r = await prom.instantQuery('scalar(x)', undefined, { timeout: '5s', limit: 10 });
    const req = server.last('/api/v1/query');
    expect(req.form.has('time')).toBe(false);
    expect(req.form.get('timeout')).toBe('5s');
    expect(req.form.get('limit')).toBe('10');
    expect(r.resultType).toBe('scalar');
    expect(asScalar(r)).toBe(0.05);
  });

  it('decodes string and matrix (range selector) results', async () => {
    server.on('POST', '/api/v1/query', success({ resultType: 'string', result: [1, 'hello'] }));
    const s = await prom.instantQuery('"hello"');
    expect(s).toMatchObject({ resultType: 'string', result: { timestamp: 1, value: 'hello' } });

    server.on(
      'POST',
      '/api/v1/query',
      success({ resultType: 'matrix', result: [{ metric: { job: 'x' }, values: [[1, '1'], [16, '2']] }] }),
    );
    const m = await prom.instantQuery('up[30s]');
    expect(m.resultType).toBe('matrix');
    if (m.resultType === 'matrix') expect(m.result[0]?.samples).toEqual([{ timestamp: 1, value: 1 }, { timestamp: 16, value: 2 }]);
    expect(() => asVector(m)).toThrow(/expected a vector/);
  });

  it('decodes native histogram samples', async () => {
    server.on(
      'POST',
      '/api/v1/query',
      success({
        resultType: 'vector',
        result: [
          {
            metric: { __name__: 'http_request_duration_seconds' },
            histogram: [10, { count: '12', sum: '3.5', buckets: [[0, '0.5', '1', '7'], [0, '1', '2', '5']] }],
          },
        ],
      }),
    );
    const [sample] = asVector(await prom.instantQuery('http_request_duration_seconds'));
    expect(sample?.value).toBeNaN();
    expect(sample?.histogram).toEqual({
      count: 12,
      sum: 3.5,
      buckets: [
        { boundaryRule: 0, lower: 0.5, upper: 1, count: 7 },
        { boundaryRule: 0, lower: 1, upper: 2, count: 5 },
      ],
    });
  });

  it('checks PromQL syntax before sending anything', async () => {
    await expect(prom.instantQuery('rate(http_requests_total[5m]')).rejects.toThrow(QuerySyntaxError);
    await expect(
      prom.instantQuery('up ==', undefined, { where: { file: 'scenarios/x.ts', field: 'expectations[1].query' } }),
    ).rejects.toThrow(/^scenarios\/x\.ts: expectations\[1\]\.query: PromQL syntax error at column 6/);
    expect(server.requests).toHaveLength(0);
  });

  it('reports Prometheus API errors with URL, status, errorType and error', async () => {
    server.on('POST', '/api/v1/query', {
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:6: parse error: unexpected end of input' },
    });
    const err = await prom.instantQuery('rate(up)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusApiError);
    expect(err).toBeInstanceOf(HttpError);
    const e = err as PrometheusApiError;
    expect(e.status).toBe(400);
    expect(e.errorType).toBe('bad_data');
    expect(e.message).toContain(`POST ${server.baseUrl}/api/v1/query`);
    expect(e.message).toContain('HTTP 400');
    expect(e.message).toContain('bad_data: invalid parameter "query"');
  });

  it('reports a non-JSON error response with its status and body', async () => {
    server.on('POST', '/api/v1/query', { status: 502, body: 'Bad Gateway from proxy' });
    const err = (await prom.instantQuery('up').catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(502);
    expect(err.kind).toBe('status');
    expect(err.message).toContain('HTTP 502');
    expect(err.message).toContain('Bad Gateway from proxy');
  });

  it('reports an unexpected response shape naming the field', async () => {
    server.on('POST', '/api/v1/query', success({ resultType: 'vector', result: [{ metric: {}, value: [1, 2] }] }));
    const err = (await prom.instantQuery('up').catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.kind).toBe('decode');
    expect(err.message).toContain('result.0.value.1');
  });

  it('reports a 200 that is not JSON', async () => {
    server.on('POST', '/api/v1/query', { status: 200, body: '<html>login</html>' });
    const err = (await prom.instantQuery('up').catch((e: unknown) => e)) as HttpError;
    expect(err.kind).toBe('decode');
    expect(err.message).toContain('not valid JSON');
  });
});

describe('rangeQuery', () => {
  it('sends start/end/step and decodes a matrix', async () => {
    server.on(
      'POST',
      '/api/v1/query_range',
      success({
        resultType: 'matrix',
        result: [
          { metric: { service: 'terminal-mcp' }, values: [[1735689600, '0.5'], [1735689615, 'NaN'], [1735689630, '+Inf']] },
        ],
      }),
    );
    const r = await prom.rangeQuery('rate(http_requests_total[5m])', 1735689600, new Date(1735689630_000), '15s');
    const req = server.last('/api/v1/query_range');
    expect(req.form.get('start')).toBe('1735689600');
    expect(req.form.get('end')).toBe('1735689630.000');
    expect(req.form.get('step')).toBe('15s');
    expect(r.resultType).toBe('matrix');
    const samples = r.result[0]?.samples ?? [];
    expect(samples.map((p) => p.timestamp)).toEqual([1735689600, 1735689615, 1735689630]);
    expect(samples[0]?.value).toBe(0.5);
    expect(samples[1]?.value).toBeNaN();
    expect(samples[2]?.value).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects a bad step before sending', async () => {
    await expect(prom.rangeQuery('up', 0, 1, 'fifteen')).rejects.toThrow(/invalid duration/);
    await expect(prom.rangeQuery('up', 0, 1, 0)).rejects.toThrow(/step must be > 0/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('metadata endpoints', () => {
  it('targets()', async () => {
    server.on(
      'GET',
      '/api/v1/targets',
      success({
        activeTargets: [
          {
            discoveredLabels: { __address__: 'terminal-mcp:7001', job: 'mcp-core-services' },
            labels: { instance: 'terminal-mcp:7001', job: 'mcp-core-services', service: 'terminal-mcp' },
            scrapePool: 'mcp-core-services',
            scrapeUrl: 'http://terminal-mcp:7001/metrics',
            globalUrl: 'http://terminal-mcp:7001/metrics',
            lastError: '',
            lastScrape: '2025-01-01T00:00:00.000Z',
            lastScrapeDuration: 0.0123,
            health: 'up',
            scrapeInterval: '15s',
            scrapeTimeout: '10s',
          },
        ],
        droppedTargets: [{ discoveredLabels: { __address__: 'x:1' }, scrapePool: 'mcp-ai-services' }],
        droppedTargetCounts: { 'mcp-ai-services': 1 },
      }),
    );
    const t = await prom.targets('active');
    expect(server.last('/api/v1/targets').query.get('state')).toBe('active');
    expect(t.activeTargets[0]?.health).toBe('up');
    expect(t.activeTargets[0]?.labels.service).toBe('terminal-mcp');
    expect(t.droppedTargets).toHaveLength(1);
  });

  it('rules() and alerts()', async () => {
    const alert = {
      labels: { alertname: 'ServiceDown', severity: 'critical', service: 'terminal-mcp' },
      annotations: { summary: 'MCP Service terminal-mcp is down' },
      state: 'firing',
      activeAt: '2025-01-01T00:00:00Z',
      value: '0e+00',
    };
    server.on(
      'GET',
      '/api/v1/rules',
      success({
        groups: [
          {
            name: 'mcp_services',
            file: '/etc/prometheus/alerts.yml',
            interval: 30,
            limit: 0,
            evaluationTime: 0.001,
            lastEvaluation: '2025-01-01T00:00:30Z',
            rules: [
              {
                type: 'alerting',
                name: 'ServiceDown',
                query: 'up{job=~"mcp-.*"} == 0',
                duration: 60,
                keepFiringFor: 0,
                labels: { severity: 'critical' },
                annotations: { summary: 'MCP Service {{ $labels.service }} is down' },
                alerts: [alert],
                health: 'ok',
                state: 'firing',
                evaluationTime: 0.0005,
                lastEvaluation: '2025-01-01T00:00:30Z',
              },
              {
                type: 'recording',
                name: 'job:up:sum',
                query: 'sum by (job) (up)',
                health: 'ok',
                evaluationTime: 0.0001,
                lastEvaluation: '2025-01-01T00:00:30Z',
              },
            ],
          },
        ],
      }),
    );
    server.on('GET', '/api/v1/alerts', success({ alerts: [alert] }));

    const groups = await prom.rules({ type: 'alert', ruleName: ['ServiceDown'] });
    const q = server.last('/api/v1/rules').query;
    expect(q.get('type')).toBe('alert');
    expect(q.getAll('rule_name[]')).toEqual(['ServiceDown']);
    const [rule, recording] = groups[0]?.rules ?? [];
    expect(rule?.type).toBe('alerting');
    if (rule?.type === 'alerting') {
      expect(rule.duration).toBe(60);
      expect(rule.state).toBe('firing');
      expect(rule.alerts[0]?.value).toBe(0);
    }
    expect(recording?.type).toBe('recording');

    const alerts = await prom.alerts();
    expect(alerts[0]).toMatchObject({ state: 'firing', value: 0, rawValue: '0e+00' });
    expect(alerts[0]?.labels.alertname).toBe('ServiceDown');
  });

  it('flags(), buildInfo(), runtimeInfo()', async () => {
    server.on('GET', '/api/v1/status/flags', success({ 'web.enable-lifecycle': 'true', 'storage.tsdb.retention.time': '15d' }));
    server.on(
      'GET',
      '/api/v1/status/buildinfo',
      success({
        version: '3.16.0',
        revision: 'abc',
        branch: 'HEAD',
        buildUser: 'root@x',
        buildDate: '20250101-00:00:00',
        goVersion: 'go1.24.0',
      }),
    );
    server.on(
      'GET',
      '/api/v1/status/runtimeinfo',
      success({
        startTime: '2025-01-01T00:00:00Z',
        CWD: '/prometheus',
        reloadConfigSuccess: true,
        lastConfigTime: '2025-01-01T00:00:00Z',
        goroutineCount: 42,
        GOMAXPROCS: 4,
        GOGC: '',
        GODEBUG: '',
        storageRetention: '15d',
      }),
    );
    expect((await prom.flags())['web.enable-lifecycle']).toBe('true');
    expect((await prom.buildInfo()).version).toBe('3.16.0');
    const rt = await prom.runtimeInfo();
    expect(rt.reloadConfigSuccess).toBe(true);
    expect(rt.storageRetention).toBe('15d');
  });

  it('series() and labelValues()', async () => {
    server.on('POST', '/api/v1/series', success([{ __name__: 'up', job: 'mcp-core-services' }]));
    server.on('GET', '/api/v1/label/service/values', success(['filesystem-mcp', 'terminal-mcp']));
    const series = await prom.series(['up{job=~"mcp-.*"}', 'process_cpu_seconds_total'], 100, 200);
    const req = server.last('/api/v1/series');
    expect(req.form.getAll('match[]')).toEqual(['up{job=~"mcp-.*"}', 'process_cpu_seconds_total']);
    expect(req.form.get('start')).toBe('100');
    expect(series).toEqual([{ __name__: 'up', job: 'mcp-core-services' }]);
    expect(await prom.labelValues('service', { match: ['up'] })).toEqual(['filesystem-mcp', 'terminal-mcp']);
    expect(server.last('/api/v1/label/service/values').query.getAll('match[]')).toEqual(['up']);
    await expect(prom.series(['up{']) ).rejects.toThrow(QuerySyntaxError);
    await expect(prom.series([])).rejects.toThrow(/at least one/);
  });
});

describe('lifecycle endpoints', () => {
  it('reload() POSTs /-/reload and throws on 403', async () => {
    server.on('POST', '/-/reload', { status: 200, body: '' });
    await prom.reload();
    expect(server.last('/-/reload').method).toBe('POST');

    server.on('POST', '/-/reload', { status: 403, body: 'Lifecycle API is not enabled.' });
    const err = (await prom.reload().catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(403);
    expect(err.message).toContain(`POST ${server.baseUrl}/-/reload: HTTP 403`);
    expect(err.message).toContain('Lifecycle API is not enabled.');
  });

  it('ready() reports 200, 503 and unreachable without throwing', async () => {
    server.on('GET', '/-/ready', { status: 200, body: 'Prometheus Server is Ready.\n' });
    expect(await prom.ready()).toEqual({ ready: true, status: 200, detail: 'Prometheus Server is Ready.' });
    server.on('GET', '/-/ready', { status: 503, body: 'Service Unavailable' });
    expect(await prom.ready()).toMatchObject({ ready: false, status: 503 });

    const port = await closedPort();
    const down = await new PrometheusClient(`http://127.0.0.1:${port}`, { timeoutMs: 1000 }).ready();
    expect(down.ready).toBe(false);
    expect(down.status).toBeNull();
    expect(down.detail).toContain(`http://127.0.0.1:${port}/-/ready`);
    expect(down.detail).toContain('ECONNREFUSED');
  });

  it('a request that never answers times out with the URL in the error', async () => {
    server.on('POST', '/api/v1/query', { hang: true });
    const slow = new PrometheusClient(server.baseUrl, { timeoutMs: 200 });
    const started = Date.now();
    const err = (await slow.instantQuery('up').catch((e: unknown) => e)) as HttpError;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe(`POST ${server.baseUrl}/api/v1/query: timed out after 200ms`);
    expect(server.requests).toHaveLength(1); // no retries
  });
});
