import { describe, expect, it } from 'vitest';
import {
  UnknownGrafanaVariableError,
  escapeRegexValueForQuery,
  grafanaTimeVariables,
  interpolateGrafanaVariables,
  isValidQuery,
} from '../../../assertions/query-language.ts';

describe('interpolateGrafanaVariables', () => {
  it('replaces built-in interval variables and $var in a dashboard query', () => {
    const template = 'sum by (service) (rate(http_requests_total{service=~"$service"}[$__rate_interval]))';
    const out = interpolateGrafanaVariables(template, { service: 'filesystem-mcp', __rate_interval: '1m' });
    expect(out).toBe('sum by (service) (rate(http_requests_total{service=~"filesystem-mcp"}[1m]))');
    expect(isValidQuery('promql', out)).toBe(true);
  });

  it('supports ${var}, [[var]], $__interval and $__range', () => {
    const vars = { job: 'mcp-core-services', __interval: '15s', __range: '1h' };
    expect(interpolateGrafanaVariables('up{job="${job}"}', vars)).toBe('up{job="mcp-core-services"}');
    expect(interpolateGrafanaVariables('up{job="[[job]]"}', vars)).toBe('up{job="mcp-core-services"}');
    expect(interpolateGrafanaVariables('avg_over_time(up[$__interval])', vars)).toBe('avg_over_time(up[15s])');
    expect(interpolateGrafanaVariables('increase(x[$__range])', vars)).toBe('increase(x[1h])');
    expect(interpolateGrafanaVariables('count_over_time({job="$job"}[$__interval])', vars)).toBe(
      'count_over_time({job="mcp-core-services"}[15s])',
    );
  });

  it('takes the longest variable name ($__interval_ms is not $__interval + "_ms")', () => {
    const vars = { __interval: '15s', __interval_ms: '15000' };
    expect(interpolateGrafanaVariables('x / $__interval_ms', vars)).toBe('x / 15000');
  });

  it('multi-value variables become a regex alternation with metacharacters escaped', () => {
    const vars = { service: ['terminal-mcp', 'filesystem-mcp'], host: ['a.example'] };
    const out = interpolateGrafanaVariables('up{service=~"$service", host=~"$host"}', vars);
    // `.` must reach the regex engine as \. - inside a PromQL string that is written \\.
    expect(out).toBe('up{service=~"(terminal-mcp|filesystem-mcp)", host=~"a\\\\.example"}');
    expect(isValidQuery('promql', out)).toBe(true);
    expect(interpolateGrafanaVariables('{service=~"${service}"} |= "ERROR"', vars)).toBe(
      '{service=~"(terminal-mcp|filesystem-mcp)"} |= "ERROR"',
    );
  });

  it('format suffixes', () => {
    const vars = { s: ['a', 'b'] };
    expect(interpolateGrafanaVariables('${s:pipe}', vars)).toBe('a|b');
    expect(interpolateGrafanaVariables('${s:csv}', vars)).toBe('a,b');
    expect(interpolateGrafanaVariables('${s:raw}', vars)).toBe('a,b');
    expect(interpolateGrafanaVariables('[[s:regex]]', vars)).toBe('(a|b)');
    expect(interpolateGrafanaVariables('${s:json}', vars)).toBe('["a","b"]');
    expect(interpolateGrafanaVariables('${s:doublequote}', vars)).toBe('"a","b"');
    expect(() => interpolateGrafanaVariables('${s:nope}', vars)).toThrow(/unsupported format "nope"/);
  });

  it('leaves back-references, POSIX classes and lone dollars alone', () => {
    const q = 'label_replace(up{job=~"[[:alpha:]]+$"}, "svc", "$1-${2}", "job", "(.*)-(.*)")';
    expect(interpolateGrafanaVariables(q, {})).toBe(q);
  });

  it('unknown variables throw by default, or are kept', () => {
    expect(() => interpolateGrafanaVariables('up{job="$jbo"}', { job: 'x' })).toThrow(UnknownGrafanaVariableError);
    expect(() => interpolateGrafanaVariables('up{job="$jbo"}', { job: 'x' })).toThrow(/\$jbo/);
    expect(interpolateGrafanaVariables('up{job="$jbo"}', {}, { onUnknown: 'keep' })).toBe('up{job="$jbo"}');
  });

  it('numbers are inserted as is', () => {
    expect(interpolateGrafanaVariables('x > $threshold', { threshold: 0.05 })).toBe('x > 0.05');
  });
});

describe('escapeRegexValueForQuery', () => {
  it('escapes for a double-quoted query string', () => {
    expect(escapeRegexValueForQuery('a.b')).toBe('a\\\\.b');
    expect(escapeRegexValueForQuery('(x|y)*')).toBe('\\\\(x\\\\|y\\\\)\\\\*');
    expect(escapeRegexValueForQuery('say "hi"')).toBe('say \\"hi\\"');
    expect(escapeRegexValueForQuery('plain-value_1')).toBe('plain-value_1');
  });
});

describe('grafanaTimeVariables', () => {
  it('computes $__rate_interval as max(interval + scrape, 4 * scrape)', () => {
    expect(grafanaTimeVariables({ interval: '15s', range: '1h', scrapeInterval: '15s' })).toEqual({
      __interval: '15s',
      __interval_ms: '15000',
      __rate_interval: '1m',
      __rate_interval_ms: '60000',
      __range: '1h',
      __range_s: '3600',
      __range_ms: '3600000',
    });
    expect(grafanaTimeVariables({ interval: '2m', range: '6h', scrapeInterval: '15s' }).__rate_interval).toBe('2m15s');
  });
});
