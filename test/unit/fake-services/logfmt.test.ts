import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allServices } from '../../../fake-services/catalog.ts';
import { formatLine, logfmtValue, ServiceLogger } from '../../../fake-services/logfmt.ts';

// JS equivalents of the seed's LogQL line filters.
const ERROR_RE = /error|exception|failed/i; // |~ "(?i)error|exception|failed"
const SLOW_RE = /duration.*[1-9][0-9]{3,}ms/; // |~ "duration.*[1-9][0-9]{3,}ms"
const DB_RE = /database.*error|connection.*failed/i; // |~ "(?i)database.*error|connection.*failed"
const LINE_RE = /^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(DEBUG|INFO|WARN|ERROR) service=[a-z-]+ seq=[1-9]\d* /;

const at = new Date('2025-01-02T03:04:05.678Z');
const request = (service: string, tool: string, status: number, ms: number, msg: string) =>
  formatLine(at, status >= 500 ? 'ERROR' : 'INFO', service, 12, { request_id: 'drv-1-12', method: 'tools/call', path: '/mcp', tool, status, duration: `${ms}ms`, msg });

describe('logfmt lines', () => {
  it('have the documented shape', () => {
    const line = request('terminal-mcp', 'run_command', 200, 12, 'tools/call ok');
    expect(line).toBe(
      'ts=2025-01-02T03:04:05.678Z level=INFO service=terminal-mcp seq=12 request_id=drv-1-12 method=tools/call path=/mcp tool=run_command status=200 duration=12ms msg="tools/call ok"',
    );
    expect(line).toMatch(LINE_RE);
  });

  it('quote values only when logfmt needs it', () => {
    expect(logfmtValue('plain')).toBe('plain');
    expect(logfmtValue('two words')).toBe('"two words"');
    expect(logfmtValue('a="b"')).toBe('"a=\\"b\\""');
    expect(logfmtValue('')).toBe('""');
    expect(logfmtValue('tab\there')).toBe('"tab\\there"');
    expect(formatLine(at, 'INFO', 's', 1, { skipped: undefined, msg: 'x' })).not.toContain('skipped');
  });

  it('healthy lines never match the error, slow or database LogQL filters', () => {
    for (const s of allServices()) {
      for (const t of s.tools) {
        for (const ms of [0, 1, 12, 999, s.latency.maxMs]) {
          const line = request(s.name, t.name, 200, ms, 'tools/call ok');
          expect(line, line).not.toMatch(ERROR_RE);
          expect(line, line).not.toMatch(SLOW_RE);
          expect(line, line).not.toMatch(DB_RE);
        }
      }
    }
  });

  it('failure lines match the filters meant for them', () => {
    const failed = request('terminal-mcp', 'run_command', 500, 1523, 'tools/call failed: upstream exception');
    expect(failed).toMatch(ERROR_RE);
    expect(failed).toMatch(SLOW_RE);
    expect(failed).toContain('level=ERROR');
    const db = request('postgresql-mcp', 'query', 503, 40, 'tools/call failed: database error: connection failed (ECONNREFUSED)');
    expect(db).toMatch(DB_RE);
    expect(db).not.toMatch(SLOW_RE);
  });
});

describe('ServiceLogger', () => {
  it('numbers lines from 1, counts what reached the file, and lets a malformer replace lines', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fake-log-')), 'sub', 'svc.log');
    const log = new ServiceLogger(file, 'git-mcp');
    log.info({ msg: 'one' });
    log.malformer = (seq) => (seq === 2 ? Buffer.from([0, 0xff, 0x41]) : undefined);
    log.warn({ msg: 'two' });
    log.error({ msg: 'three failed' });
    await log.close();
    const lines = readFileSync(file).toString('latin1').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(LINE_RE);
    expect(lines[0]).toContain('seq=1 msg=one');
    expect(lines[1]).toBe('\u0000\u00ffA');
    expect(lines[2]).toMatch(/level=ERROR service=git-mcp seq=3 msg="three failed"$/);
    expect({ written: log.linesWritten, lastSeq: log.lastSeq, malformed: log.malformedSeqs }).toEqual({ written: 3, lastSeq: 3, malformed: [2] });
  });
});
