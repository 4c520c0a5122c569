import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportHref, writeIndex } from '../../../reports/index-html.ts';

describe('writeIndex', () => {
  it('writes a pass/fail matrix linking each report relatively', () => {
    const dir = mkdtempSync(join(tmpdir(), 'index-html-'));
    const file = writeIndex(dir, [
      { scenario: 'high-error-rate', verdict: 'pass', reportPath: 'high-error-rate/report.html', durationMs: 89_000 },
      { scenario: 'service-down', verdict: 'fail', reportPath: join(dir, 'service-down', 'report.html'), durationMs: 90_000 },
      { scenario: 'log <burst>', verdict: 'error', reportPath: 'log <burst>/report.html', durationMs: 1_000 },
    ]);
    expect(file).toBe(join(dir, 'index.html'));
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('data-verdict="error">ERROR');
    expect(html).toContain('<td class="cell v-pass"><a href="high-error-rate/report.html">PASS</a></td>');
    expect(html).toContain('<td class="cell v-fail"><a href="service-down/report.html">FAIL</a></td>');
    expect(html).toContain('<a href="log%20%3Cburst%3E/report.html">ERROR</a>');
    expect(html).toContain('<th class="name">log &lt;burst&gt;</th>');
    expect(html).toContain('1 of 3 runs passed');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
  });

  it('shows repeated runs of a scenario as columns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'index-html-'));
    const html = readFileSync(
      writeIndex(dir, [
        { scenario: 'a', verdict: 'pass', reportPath: 'a-1/report.html', durationMs: 1000 },
        { scenario: 'a', verdict: 'fail', reportPath: 'a-2/report.html', durationMs: 2000 },
        { scenario: 'b', verdict: 'pass', reportPath: 'b-1/report.html', durationMs: 3000 },
      ]),
      'utf8',
    );
    expect(html).toContain('<th>run 1</th><th>run 2</th>');
    expect(html).toMatch(/<tr data-scenario="b">.*<td class="cell none">—<\/td><td class="num">1\/1<\/td><\/tr>/);
    expect(html).toMatch(/<tr data-scenario="a">.*<td class="num">1\/2<\/td>/);
  });

  it('computes links relative to the index folder', () => {
    expect(reportHref('/runs/x', '/runs/x/a/report.html')).toBe('a/report.html');
    expect(reportHref('/runs/x', 'a/report.html')).toBe('a/report.html');
    expect(reportHref('/runs/x', '/runs/y/report.html')).toBe('../y/report.html');
  });
});
