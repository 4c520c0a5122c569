import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock, eventually, toEvidence } from '../../../assertions/expectations.ts';
import { LokiClient } from '../../../assertions/loki.ts';
import { logqlLinesProbe, logqlMetricProbe, promqlProbe } from '../../../assertions/probes.ts';
import { PrometheusClient } from '../../../assertions/prometheus.ts';
import { QuerySyntaxError } from '../../../assertions/query-language.ts';
import { FakeApiServer } from './fake-api-server.ts';

let server: FakeApiServer;

beforeEach(async () => {
  server = await new FakeApiServer().start();
});

afterEach(async () => {
  await server.stop();
});

describe('probes + expectations against canned APIs', () => {
  it('promqlProbe: eventually ServiceDown-like condition, with evidence', async () => {
    let calls = 0;
    server.on('POST', '/api/v1/query', () => {
      calls += 1;
      const result = calls < 3 ? [] : [{ metric: { job: 'mcp-core-services', service: 'terminal-mcp' }, value: [1, '0'] }];
      return { body: { status: 'success', data: { resultType: 'vector', result } } };
    });
    const prom = new PrometheusClient(server.baseUrl);
    const clock = new VirtualClock(Date.UTC(2025, 0, 1));
    const expr = 'up{job=~"mcp-.*"} == 0';
    const outcome = await eventually(
      { within: '1m', pollEvery: '10s', clock },
      promqlProbe(prom, expr, undefined, { evaluateAtProbeTime: true }),
    );
    expect(outcome.verdict).toBe('pass');
    expect(outcome.observations).toHaveLength(3);
    expect(server.requests.map((r) => r.form.get('time'))).toEqual(['1735689600.000', '1735689610.000', '1735689620.000']);
    const ev = toEvidence(outcome, { query: expr, language: 'promql' });
    expect(ev.observed.at(-1)?.series).toEqual([{ labels: { job: 'mcp-core-services', service: 'terminal-mcp' }, value: 0 }]);
  });

  it('probes reject bad queries when defined', () => {
    const prom = new PrometheusClient('http://127.0.0.1:1');
    const loki = new LokiClient('http://127.0.0.1:1');
    expect(() => promqlProbe(prom, 'up ==')).toThrow(QuerySyntaxError);
    expect(() => logqlLinesProbe(loki, '{a="b"} |=', 60_000)).toThrow(QuerySyntaxError);
    expect(() => logqlMetricProbe(loki, 'rate({a="b"}[5m]')).toThrow(QuerySyntaxError);
  });

  it('logqlLinesProbe queries the lookback window before the probe time', async () => {
    server.on('GET', '/loki/api/v1/query_range', {
      body: {
        status: 'success',
        data: { resultType: 'streams', result: [{ stream: { service: 'a' }, values: [['1735689600000000000', 'ERROR x']] }] },
      },
    });
    const loki = new LokiClient(server.baseUrl);
    const clock = new VirtualClock(Date.UTC(2025, 0, 1, 0, 1));
    const outcome = await eventually(
      { within: '10s', pollEvery: '5s', clock },
      logqlLinesProbe(loki, '{service="a"} |= "ERROR"', 60_000),
    );
    expect(outcome.verdict).toBe('pass');
    const q = server.last('/loki/api/v1/query_range').query;
    expect(q.get('start')).toBe('1735689600000000000');
    expect(q.get('end')).toBe('1735689660000000000');
    expect(outcome.observations[0]?.series).toEqual([{ labels: { service: 'a' }, lines: [['2025-01-01T00:00:00.000Z', 'ERROR x']] }]);
  });
});
