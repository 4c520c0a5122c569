import { describe, expect, it } from 'vitest';
import {
  QuerySyntaxError,
  isValidQuery,
  parseLogQL,
  parsePromQL,
  validateQuery,
} from '../../../assertions/query-language.ts';
import {
  SEED_ALERT_EXPRS,
  SEED_LOGQL_EXAMPLES,
  SEED_METRIC_SELECTORS,
  SEED_PROMQL_EXAMPLES,
} from './fixtures/seed-queries.ts';

function promError(expr: string): QuerySyntaxError {
  const r = parsePromQL(expr);
  if (r.ok) throw new Error(`expected a syntax error for ${expr}`);
  return r.error;
}

function logError(expr: string): QuerySyntaxError {
  const r = parseLogQL(expr);
  if (r.ok) throw new Error(`expected a syntax error for ${expr}`);
  return r.error;
}

describe('seed queries parse', () => {
  it.each([...SEED_PROMQL_EXAMPLES, ...SEED_ALERT_EXPRS, ...SEED_METRIC_SELECTORS])('PromQL: %s', (q) => {
    const r = parsePromQL(q);
    expect(r.ok ? 'ok' : r.error.message).toBe('ok');
  });

  it.each(SEED_LOGQL_EXAMPLES)('LogQL: %s', (q) => {
    const r = parseLogQL(q);
    expect(r.ok ? 'ok' : r.error.message).toBe('ok');
  });

  it('accepts other valid forms', () => {
    for (const q of [
      'max_over_time(rate(x[5m])[30m:1m]) offset -1h',
      'x @ 1609746000',
      'x[5m:] @ start()',
      'sum by (service) (rate(http_requests_total[5m])) > 0 or vector(0)',
      'rate(x[5m]) # a comment',
      "label_replace(up, 'svc', '$1', 'job', '(.*)')",
    ]) {
      expect(isValidQuery('promql', q), q).toBe(true);
    }
    for (const q of [
      'sum by (service) (count_over_time({service=~".*mcp.*"} |= "ERROR" [5m]))',
      'quantile_over_time(0.99, {a="b"} | logfmt | unwrap duration(latency) | __error__="" [1m]) by (a)',
      '{a="b"} | json | level="error"',
    ]) {
      expect(isValidQuery('logql', q), q).toBe(true);
    }
  });
});

describe('syntax errors', () => {
  it('missing closing paren: column at end of input', () => {
    const e = promError('rate(http_requests_total[5m]');
    expect(e).toBeInstanceOf(QuerySyntaxError);
    expect(e.column).toBe(29);
    expect(e.line).toBe(1);
    expect(e.offset).toBe(28);
    expect(e.message).toContain('PromQL syntax error at column 29');
    expect(e.message).toContain('unexpected end of query');
    expect(e.message).toContain('missing ")"');
  });

  it('dangling binary operator', () => {
    const e = promError('up{job=~"mcp-.*"} ==');
    expect(e.column).toBe(21);
    expect(e.reason).toMatch(/binary expression/);
  });

  it('LogQL line filter without a string', () => {
    const e = logError('{service=~".*mcp.*"} |= ');
    expect(e.language).toBe('logql');
    expect(e.column).toBe(25);
    expect(e.message).toContain('LogQL syntax error at column 25');
    expect(e.reason).toContain('line filter');
  });

  it('caret snippet points at the column', () => {
    const e = promError('sum(rate(x[5m]) by (job)');
    const [line, caret] = e.snippet.split('\n');
    expect(line?.trim()).toBe('sum(rate(x[5m]) by (job)');
    expect(caret?.indexOf('^')).toBe((line ?? '').indexOf('by'));
    expect(e.column).toBe(17);
    expect(e.reason).toContain('unexpected "by"');
  });

  it('unterminated string literal (the PromQL grammar alone would accept it)', () => {
    const e = promError('up{job="mcp}');
    expect(e.column).toBe(8);
    expect(e.reason).toContain('unterminated string');
    expect(promError('up{job="a\\"}').reason).toContain('unterminated string');
    expect(isValidQuery('promql', 'up{job="a\\""}')).toBe(true);
  });

  it('stray closing brace and extra paren', () => {
    expect(promError('up{job="mcp"}}').column).toBe(14);
    expect(promError('rate(x[5m]))').column).toBe(12);
  });

  it('empty and blank queries are rejected', () => {
    expect(promError('').reason).toBe('empty query');
    expect(promError('   \n ').reason).toBe('empty query');
    expect(logError('').reason).toBe('empty query');
    expect(promError('# only a comment').reason).toContain('unexpected end of query');
  });

  it('LogQL typos', () => {
    expect(logError('{service="a"').reason).toContain('missing "}"');
    expect(logError('count_over_time({a="b"}[5m]').column).toBe(28);
    // A PromQL metric selector is not a LogQL stream selector.
    expect(isValidQuery('logql', 'rate(http_requests_total[5m])')).toBe(false);
  });

  it('multi-line queries report line and column', () => {
    const e = promError('sum(\n  rate(x[5m]\n)');
    expect(e.line).toBe(3);
    expect(e.column).toBe(2); // after the ')' that closes rate(: sum( is never closed
    expect(e.message).toContain('at line 3, column 2');
  });
});

describe('validateQuery', () => {
  it('names the file and field', () => {
    const where = { file: 'scenarios/service-down.ts', field: 'expectations[2].query' };
    let caught: unknown;
    try {
      validateQuery('promql', 'up{job=~"mcp-.*"} ==', where);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(QuerySyntaxError);
    const err = caught as QuerySyntaxError;
    expect(err.location).toEqual(where);
    expect(err.message.split('\n')[0]).toMatch(
      /^scenarios\/service-down\.ts: expectations\[2\]\.query: PromQL syntax error at column 21: .*fix the query/,
    );
    expect(err.message).toContain('    up{job=~"mcp-.*"} ==\n                        ^');
  });

  it('returns the tree for a valid query', () => {
    const tree = validateQuery('logql', '{a="b"} |= "x"', { file: 'f.ts', field: 'q' });
    expect(tree.topNode.name).toBe('LogQL');
    expect(validateQuery('promql', 'up').topNode.name).toBe('PromQL');
  });

  it('throws for LogQL with the location', () => {
    expect(() => validateQuery('logql', '{a="b"} |~', { file: 'scenarios/logs.ts', field: 'logs[0]' })).toThrow(
      /^scenarios\/logs\.ts: logs\[0\]: LogQL syntax error at column 11/,
    );
  });
});
