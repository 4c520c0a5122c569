import { describe, expect, it } from 'vitest';
import { QuerySyntaxError, parseLogQL, parsePromQL } from '../../../assertions/query-language.ts';
import {
  DurationSyntaxError,
  TimeScaleError,
  formatDuration,
  parseDuration,
  parseLogQLDuration,
  scaleDuration,
  scaleLogQLDurations,
  scalePromQLDurations,
} from '../../../assertions/time-scale.ts';
import {
  SEED_ALERT_EXPRS,
  SEED_LOGQL_EXAMPLES,
  SEED_METRIC_SELECTORS,
  SEED_PROMQL_EXAMPLES,
} from './fixtures/seed-queries.ts';

describe('parseDuration / formatDuration (Prometheus syntax)', () => {
  it('parses units and compounds', () => {
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('1s500ms')).toBe(1500);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('1y')).toBe(31_536_000_000);
    expect(parseDuration('1y2w3d4h5m6s7ms')).toBe(31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6000 + 7);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
  });

  it('rejects what Prometheus rejects', () => {
    for (const bad of ['', '5', '1.5h', '30m1h', '5m5m', '5x', 'm', '-5m', '5 m', '1h 30m']) {
      expect(() => parseDuration(bad), bad).toThrow(DurationSyntaxError);
    }
  });

  it('formats like model.Duration.String()', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(1500)).toBe('1s500ms');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(604_800_000)).toBe('1w');
    expect(formatDuration(90 * 86_400_000)).toBe('90d'); // not 12w6d
    expect(formatDuration(365 * 86_400_000)).toBe('1y');
    expect(formatDuration(8_640_000)).toBe('2h24m');
    expect(formatDuration(86_400_000, { largestUnit: 'h' })).toBe('24h');
    expect(formatDuration(-60_000)).toBe('-1m');
  });

  it('LogQL durations also take Go syntax', () => {
    expect(parseLogQLDuration('1.5h')).toBe(5_400_000);
    expect(parseLogQLDuration('500us')).toBe(0.5);
    expect(parseLogQLDuration('1d')).toBe(86_400_000);
    expect(() => parseLogQLDuration('5x')).toThrow(DurationSyntaxError);
  });
});

describe('scaleDuration', () => {
  it('scales and formats', () => {
    expect(scaleDuration('5m', 0.1)).toBe('30s');
    expect(scaleDuration('1h', 0.1)).toBe('6m');
    expect(scaleDuration('15m', 0.1)).toBe('1m30s');
    expect(scaleDuration('15s', 0.1)).toBe('1s500ms');
    expect(scaleDuration('1m', 10)).toBe('10m');
  });

  it('round trips', () => {
    for (const d of ['5m', '30s', '1h30m', '2h', '1d', '1w', '1s500ms', '15s']) {
      expect(scaleDuration(scaleDuration(d, 0.1), 10), d).toBe(d);
      expect(scaleDuration(scaleDuration(d, 0.5), 2), d).toBe(d);
    }
    expect(parseDuration(scaleDuration(scaleDuration('90m', 0.1), 10))).toBe(parseDuration('90m'));
  });

  it('factor 1 is the identity, even for non-canonical spellings', () => {
    for (const d of ['90m', '5m', '60s', '1500ms']) expect(scaleDuration(d, 1)).toBe(d);
  });

  it('never rounds a window down to zero', () => {
    expect(scaleDuration('1ms', 0.1)).toBe('1ms');
  });

  it('rejects bad factors', () => {
    for (const f of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => scaleDuration('5m', f)).toThrow(TimeScaleError);
    }
  });
});

describe('scalePromQLDurations', () => {
  const s = (q: string, f = 0.1): string => scalePromQLDurations(q, f);

  it('range selector windows', () => {
    expect(s('rate(http_requests_total[5m])')).toBe('rate(http_requests_total[30s])');
    expect(s('increase(x[15m])')).toBe('increase(x[1m30s])');
    expect(s('rate(x[15s])')).toBe('rate(x[1s500ms])');
  });

  it('subquery range and resolution', () => {
    expect(s('max_over_time(rate(x[5m])[30m:1m])')).toBe('max_over_time(rate(x[30s])[3m:6s])');
    expect(s('max_over_time(rate(x[5m])[30m:])')).toBe('max_over_time(rate(x[30s])[3m:])');
  });

  it('offsets, including negative ones; @ is left alone', () => {
    expect(s('x offset 1h')).toBe('x offset 6m');
    expect(s('rate(x[5m] offset 1h)')).toBe('rate(x[30s] offset 6m)');
    expect(s('x offset -1h')).toBe('x offset -6m');
    expect(s('x @ 1609746000 offset 1h')).toBe('x @ 1609746000 offset 6m');
    expect(s('rate(x[5m] @ end())')).toBe('rate(x[30s] @ end())');
  });

  it('label values, string literals, numbers and comments stay byte-identical', () => {
    expect(s('rate(http_requests_total{path="/5m"}[5m])')).toBe('rate(http_requests_total{path="/5m"}[30s])');
    expect(s("label_replace(up, 'w', '5m', 'job', '(.*)')")).toBe("label_replace(up, 'w', '5m', 'job', '(.*)')");
    expect(s('predict_linear(x[1h], 3600) > 300')).toBe('predict_linear(x[6m], 3600) > 300');
    expect(s('rate(x[5m])   # window: 5m\n  > 0.05')).toBe('rate(x[30s])   # window: 5m\n  > 0.05');
    expect(s('up{job=~"mcp-.*"} == 0')).toBe('up{job=~"mcp-.*"} == 0');
  });

  it('the seed histogram_quantile queries', () => {
    expect(s('histogram_quantile(0.99, rate(http_request_duration_seconds_bucket{service="filesystem-mcp"}[5m]))')).toBe(
      'histogram_quantile(0.99, rate(http_request_duration_seconds_bucket{service="filesystem-mcp"}[30s]))',
    );
    expect(s('histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 1')).toBe(
      'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[30s])) > 1',
    );
    expect(s('(rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m])) > 0.05')).toBe(
      '(rate(http_requests_total{status=~"5.."}[30s]) / rate(http_requests_total[30s])) > 0.05',
    );
  });

  it('plain-number windows are seconds and stay numbers', () => {
    expect(s('rate(x[300])')).toBe('rate(x[30])');
    expect(s('rate(x[15])')).toBe('rate(x[1.5])');
  });

  it('duration expressions scale as a whole', () => {
    expect(s('rate(x[5m * 2])')).toBe('rate(x[30s * 2])');
    expect(s('rate(x[2 * 5m])')).toBe('rate(x[2 * 30s])');
    expect(s('rate(x[5m + 1m])')).toBe('rate(x[30s + 6s])');
    expect(s('rate(x[10m / 2])')).toBe('rate(x[1m / 2])');
    expect(s('rate(x[(5m)])')).toBe('rate(x[(30s)])');
    expect(s('rate(x[min_of(5m, 10m)])')).toBe('rate(x[min_of(30s, 1m)])');
    expect(s('rate(x[max_of(5m, step())])')).toBe('rate(x[max_of(30s, step())])');
    expect(() => s('rate(x[2 ^ 3])')).toThrow(TimeScaleError);
    expect(() => s('rate(x[5m * 1m])')).toThrow(TimeScaleError);
  });

  it('factor 1 is the identity', () => {
    for (const q of [...SEED_PROMQL_EXAMPLES, ...SEED_ALERT_EXPRS, 'x[90m] offset 60m', 'rate(x[1.0005])']) {
      expect(scalePromQLDurations(q, 1)).toBe(q);
    }
  });

  it('every scaled seed query still parses', () => {
    for (const q of [...SEED_PROMQL_EXAMPLES, ...SEED_ALERT_EXPRS, ...SEED_METRIC_SELECTORS]) {
      for (const f of [0.1, 0.01, 2]) {
        const out = scalePromQLDurations(q, f);
        expect(parsePromQL(out).ok, out).toBe(true);
      }
    }
  });

  it('rejects invalid queries with the location', () => {
    expect(() =>
      scalePromQLDurations('rate(x[5m]', 0.1, { where: { file: 'scenarios/a.ts', field: 'expectations[0].query' } }),
    ).toThrow(QuerySyntaxError);
    expect(() =>
      scalePromQLDurations('rate(x[5m]', 0.1, { where: { file: 'scenarios/a.ts', field: 'expectations[0].query' } }),
    ).toThrow(/^scenarios\/a\.ts: expectations\[0\]\.query: PromQL syntax error at column 11/);
  });
});

describe('scaleLogQLDurations', () => {
  const s = (q: string, f = 0.1): string => scaleLogQLDurations(q, f);

  it('range aggregation windows and their offsets', () => {
    expect(s('count_over_time({service=~".*mcp.*"} |= "ERROR" [5m])')).toBe(
      'count_over_time({service=~".*mcp.*"} |= "ERROR" [30s])',
    );
    expect(s('sum by (service) (rate({service_group="core"}[1h] offset 1d))')).toBe(
      'sum by (service) (rate({service_group="core"}[6m] offset 2h24m))',
    );
    expect(s('rate({a="b"}[1.5h])')).toBe('rate({a="b"}[9m])');
  });

  it('leaves line filter strings and duration label filters alone', () => {
    expect(s('count_over_time({a="5m"} |= "took 5m" | logfmt | duration > 5m [5m])')).toBe(
      'count_over_time({a="5m"} |= "took 5m" | logfmt | duration > 5m [30s])',
    );
  });

  it('log queries without windows are unchanged; factor 1 is the identity', () => {
    for (const q of SEED_LOGQL_EXAMPLES) {
      expect(s(q)).toBe(q);
      const metric = `sum(count_over_time(${q} [5m]))`;
      expect(scaleLogQLDurations(metric, 1)).toBe(metric);
      const scaled = s(metric);
      expect(scaled).toBe(`sum(count_over_time(${q} [30s]))`);
      expect(parseLogQL(scaled).ok).toBe(true);
    }
  });

  it('uses units no larger than hours', () => {
    expect(s('rate({a="b"}[30d])')).toBe('rate({a="b"}[72h])');
  });

  it('rejects invalid LogQL', () => {
    expect(() => s('count_over_time({a="b"}[5m]')).toThrow(QuerySyntaxError);
  });
});
