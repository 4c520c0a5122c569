/**
 * The LogQL-as-JavaScript used to compute what a query should return from the log files:
 * the seed's five queries on representative lines, label matchers, RE2 flags, logfmt, and
 * the lookup of the dashboard's Live Error Logs query.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compileLogQuery, decodeLogQLString, findPanelQuery, panelQueryWithAllVariables, parseLogfmt, re2ToRegExp, serviceLabels, toLogLine } from '../../../harness/engine/log-queries.ts';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';

const ok = 'ts=2025-01-02T03:04:05.678Z level=INFO service=terminal-mcp seq=12 request_id=drv-42-12 method=tools/call path=/mcp tool=run_command status=200 duration=12ms msg="tools/call ok"';
const err = 'ts=2025-01-02T03:04:05.678Z level=ERROR service=terminal-mcp seq=13 request_id=x method=tools/call path=/mcp tool=get_environment status=500 duration=31ms msg="tools/call failed: upstream exception (error-ratio fault)"';
const slow = 'ts=2025-01-02T03:04:05.678Z level=INFO service=git-mcp seq=40 request_id=x method=tools/call path=/mcp tool=git_branch status=200 duration=1206ms msg="tools/call ok"';
const db = 'ts=2025-01-02T03:04:05.678Z level=ERROR service=postgresql-mcp seq=7 request_id=x method=tools/call path=/mcp tool=query status=503 duration=2ms msg="tools/call failed: database error: connection failed (pool closed by dependency-failure fault)"';
const housekeeping = 'ts=2025-01-02T03:04:05.678Z level=INFO service=memory-mcp seq=9 entries=4123 hit_ratio=0.250 msg="cache stats"';

const terminal = serviceLabels('terminal-mcp', 'core');
const research = serviceLabels('research-mcp', 'ai');
const coordinator = serviceLabels('zen-coordinator', 'coordinator');

describe("the seed's LogQL examples, in JavaScript", () => {
  it('{service=~".*mcp.*"} |= "ERROR"', () => {
    const q = compileLogQuery('{service=~".*mcp.*"} |= "ERROR"');
    expect(q.matchers).toEqual([{ name: 'service', op: '=~', value: '.*mcp.*' }]);
    expect([terminal, research].every(q.selects)).toBe(true);
    expect(q.selects(coordinator)).toBe(false); // zen-coordinator has no "mcp" in its name
    expect(q.keeps(err)).toBe(true);
    expect(q.keeps(db)).toBe(true);
    expect([ok, slow, housekeeping].some(q.keeps)).toBe(false);
  });

  it('{service="terminal-mcp"} |~ "(?i)error|exception|failed"', () => {
    const q = compileLogQuery('{service="terminal-mcp"} |~ "(?i)error|exception|failed"');
    expect(q.selects(terminal)).toBe(true);
    expect(q.selects(research)).toBe(false);
    expect(q.keeps(err)).toBe(true);
    expect(q.keeps(err.replace('ERROR', 'error').replace('failed', 'x').replace('exception', 'x').replace('error-ratio', 'x'))).toBe(true);
    expect(q.keeps(ok)).toBe(false);
  });

  it('{service=~".*mcp.*"} |~ "duration.*[1-9][0-9]{3,}ms"', () => {
    const q = compileLogQuery('{service=~".*mcp.*"} |~ "duration.*[1-9][0-9]{3,}ms"');
    expect(q.keeps(slow)).toBe(true);
    expect(q.keeps(ok)).toBe(false);
    expect(q.keeps(ok.replace('duration=12ms', 'duration=999ms'))).toBe(false);
    expect(q.keeps(ok.replace('duration=12ms', 'duration=1000ms'))).toBe(true);
  });

  it('{service=~".*mcp.*"} |~ "(?i)database.*error|connection.*failed"', () => {
    const q = compileLogQuery('{service=~".*mcp.*"} |~ "(?i)database.*error|connection.*failed"');
    expect(q.keeps(db)).toBe(true);
    expect(q.keeps(err)).toBe(false); // "error-ratio fault" alone is not a database error
    expect(q.keeps(ok)).toBe(false);
  });

  it('{service_group="core"} |= "ERROR"', () => {
    const q = compileLogQuery('{service_group="core"} |= "ERROR"');
    expect(q.selects(terminal)).toBe(true);
    expect(q.selects(research)).toBe(false);
    expect(q.keeps(err)).toBe(true);
  });
});

describe('matchers, filters and strings', () => {
  it('label matchers are anchored; != and !~ negate; a missing label is ""', () => {
    const q = compileLogQuery('{service=~"terminal", service_group!="ai", container!~"x.*", zone=""} != "DEBUG" !~ "(?i)health"');
    expect(q.selects(serviceLabels('terminal', 'core'))).toBe(true);
    expect(q.selects(terminal)).toBe(false); // "terminal" does not fully match "terminal-mcp"
    expect(q.selects({ ...serviceLabels('terminal', 'core'), container: 'xyz' })).toBe(false);
    expect(q.keeps(ok)).toBe(true);
    expect(q.keeps(`${ok} HEALTH`)).toBe(false);
    expect(q.keeps(`${ok} DEBUG`)).toBe(false);
  });

  it('RE2 leading flag groups become JavaScript flags', () => {
    expect(re2ToRegExp('(?i)error', false).test('ERROR')).toBe(true);
    expect(re2ToRegExp('(?is)a.b', false).test('A\nB')).toBe(true);
    expect(re2ToRegExp('a.b', true).test('xa-b')).toBe(false);
  });

  it('decodes double-quoted (Go escapes) and backtick (raw) strings', () => {
    expect(decodeLogQLString('"a\\"b\\\\c"')).toBe('a"b\\c');
    expect(decodeLogQLString('`a\\d+`')).toBe('a\\d+');
  });

  it('refuses what it cannot evaluate (parsers, line_format, metric queries)', () => {
    expect(() => compileLogQuery('{a="b"} | logfmt | level="ERROR"')).toThrow(/only stream selectors and line filters/);
    expect(() => compileLogQuery('sum(count_over_time({a="b"}[5m]))')).toThrow(/only stream selectors and line filters|no stream selector/);
    expect(() => compileLogQuery('{a="b"')).toThrow(/syntax error/);
  });
});

describe('log lines', () => {
  it('parses logfmt with quoted values, and the fields predicates use', () => {
    expect(parseLogfmt(err)).toMatchObject({ level: 'ERROR', seq: '13', status: '500', duration: '31ms', msg: 'tools/call failed: upstream exception (error-ratio fault)' });
    expect(parseLogfmt('[2025] broken seq=3')).toBeUndefined();
    const l = toLogLine('git-mcp', slow)!;
    expect(l).toMatchObject({ seq: 40, level: 'INFO', durationMs: 1206, status: 200, msg: 'tools/call ok' });
    expect(l.fields.tool).toBe('git_branch');
    expect(toLogLine('x', '\u0000 seq=5 junk')).toMatchObject({ seq: 5, fields: {} });
    expect(toLogLine('x', 'no seq')).toBeUndefined();
  });
});

describe('dashboard panel queries', () => {
  it('finds the Live Error Logs query in the bundled dashboard', () => {
    const p = findPanelQuery(join(REPO_ROOT, 'monitoring/grafana/provisioning'), 'Live Error Logs');
    expect(p.expr).toBe('{service=~".*mcp.*"} |= "ERROR"');
    expect(p.datasource).toBe('loki');
    expect(() => findPanelQuery(join(REPO_ROOT, 'monitoring/grafana/provisioning'), 'No Such Panel')).toThrow(/no dashboard panel/);
  });

  it('sets Grafana variables to All (.*)', () => {
    expect(panelQueryWithAllVariables('{service_group=~"$service_group", service=~"${service:regex}"} |= "ERROR"')).toBe('{service_group=~".*", service=~".*"} |= "ERROR"');
  });
});
