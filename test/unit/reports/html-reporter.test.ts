import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import type { RunEvent } from '../../../harness/events/run-events.ts';
import { escapeHtml } from '../../../reports/format.ts';
import { alertIntervals, HtmlReporter } from '../../../reports/html-reporter.ts';
import { combinedRun, ERROR_RATIO_QUERY, failingRun, feed, LOG_QUERY, passingRun, SECRETS, SERVICE_DOWN_QUERY, t, T0, XSS_LINE } from './fixtures.ts';

async function htmlOf(events: RunEvent[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'html-reporter-'));
  await feed(new HtmlReporter(dir), events);
  return readFileSync(join(dir, 'report.html'), 'utf8');
}

const count = (s: string, re: RegExp): number => (s.match(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)) ?? []).length;
const titles = (events: RunEvent[]): string[] => events.flatMap((e) => (e.type === 'assertion' ? [e.assertion.title] : []));

describe('HtmlReporter', () => {
  let pass: string;
  let fail: string;
  let both: string;
  beforeAll(async () => {
    [pass, fail, both] = await Promise.all([htmlOf(passingRun()), htmlOf(failingRun()), htmlOf(combinedRun())]);
  });

  it('puts the verdict first, big', () => {
    expect(pass).toMatch(/<header class="banner v-pass">\s*<div class="verdict" id="verdict" data-verdict="pass">PASSED<\/div>/);
    expect(fail).toMatch(/<div class="verdict" id="verdict" data-verdict="fail">FAILED<\/div>/);
    expect(fail.indexOf('id="verdict"')).toBeLessThan(fail.indexOf('class="scenario'));
    expect(fail).toContain('<title>FAILED · service-down · mcp-monitoring-harness</title>');
    // Why it failed, with the failed assertion's message, before the details.
    expect(fail).toMatch(/<section class="why" id="why"><h2>Why it failed<\/h2><ul><li><a href="#assertion-0-3">ServiceDown fires for filesystem-mcp<\/a>/);
    expect(pass).not.toContain('id="why"');
  });

  it('shows every assertion with its escaped title, query, expectation, window, observed value and an SVG chart', () => {
    for (const [html, events] of [[pass, passingRun()], [fail, failingRun()]] as const) {
      const ts = titles(events);
      expect(count(html, /<article class="assertion v-(pass|fail)"/g)).toBe(ts.length);
      for (const title of ts) expect(html).toContain(`data-assertion="${escapeHtml(title)}"`);
      // One chart per assertion, each well-formed XML.
      const charts = html.match(/<svg [^>]*class="chart"[\s\S]*?<\/svg>/g) ?? [];
      expect(charts).toHaveLength(ts.length);
      for (const svg of charts) expect(XMLValidator.validate(svg)).toBe(true);
      for (const svg of html.match(/<svg [\s\S]*?<\/svg>/g) ?? []) expect(XMLValidator.validate(svg)).toBe(true);
    }
    expect(pass).toContain(`<code>${escapeHtml(ERROR_RATIO_QUERY)}</code>`);
    expect(pass).not.toContain(ERROR_RATIO_QUERY);
    expect(fail).toContain(`<code>${escapeHtml(SERVICE_DOWN_QUERY)}</code>`);
    expect(fail).toContain(`<code>${escapeHtml(LOG_QUERY)}</code>`);
    expect(fail).toContain('<span class="lang">LogQL</span>');
    expect(fail).toContain('eventually within 1m (poll 2s): ServiceDown firing');
    expect(fail).toContain('2025-05-12 00:00:24Z'.replace('00:00', '02:00')); // window start
    expect(fail).toContain('never firing within 1m: ALERTS showed pending');
    expect(fail).toContain('The last evaluation, at 2025-05-12 02:01:24Z, returned no series');
    expect(fail).toContain('HTTP 503 from Prometheus');
    // the 21-series assertion: a legend of 21 and the observed values table
    expect(fail).toMatch(/<table class="grid observed-series">.*service=&quot;figma-mcp&quot;/s);
  });

  it('shows stack versions, time scale, seed and the config-change table', () => {
    expect(pass).toContain('<td>prometheus</td><td><code>3.16.0</code></td>');
    expect(pass).toContain('<td>alertmanager</td><td><code>0.34.2</code></td>');
    expect(pass).toMatch(/<th>time scale<\/th><td>0\.1 — 10× faster than real time/);
    expect(pass).toContain('<th>seed</th><td>42</td>');
    const table = pass.match(/<table class="grid config-changes"[\s\S]*?<\/table>/)?.[0] ?? '';
    expect(count(table, /<tr><td>/g)).toBe(7);
    expect(table).toContain('<th>file</th><th>key</th><th>from → to</th><th>class</th><th>reason</th>');
    expect(table).toContain('<td><code>prometheus/prometheus.yml</code></td><td><code>global.scrape_interval</code></td><td class="change"><code class="from">15s</code> <span class="arrow">→</span> <code class="to">1500ms</code></td><td class="change-kind harness-plumbing">harness-plumbing</td><td>time scale 0.1</td>');
    expect(table).toContain('Compose DNS name → loopback port of the native service');
    expect(pass).toContain('promtail: docker_sd_configs replaced by file discovery of the fake services&#39; logs');
  });

  it('draws the scenario timeline with fault windows, and an alert-state timeline per alert', () => {
    const timeline = fail.match(/<figure class="timeline-fig">([\s\S]*?)<\/figure>/)?.[1] ?? '';
    expect(timeline).toContain('class="timeline"');
    expect(timeline).toContain('<g class="band">');
    expect(timeline).toContain('kill filesystem-mcp');
    const alerts = fail.match(/<section class="alerts">[\s\S]*?<\/section>/)?.[0] ?? '';
    expect(alerts).toContain('class="timeline"');
    expect(count(alerts, /<g class="lane">/g)).toBe(1);
    expect(alerts).toContain('>pending<');
    expect(alerts).not.toContain('st-firing'); // ServiceDown never fired
    const passAlerts = pass.match(/<section class="alerts">[\s\S]*?<\/section>/)?.[0] ?? '';
    expect(passAlerts).toContain('<span class="state st-firing">firing</span>');
    expect(passAlerts).toContain('<span class="state st-resolved">resolved</span>');
  });

  it('lists notifications with labels and annotations, escaped', () => {
    const n = pass.match(/<section class="notifications">[\s\S]*?<\/section>/)?.[0] ?? '';
    expect(count(n, /<div class="notification">/g)).toBe(2);
    expect(n).toContain('<span class="chip">service=terminal-mcp</span>');
    expect(n).toContain('<dt>summary</dt><dd>terminal-mcp error ratio above 5%</dd>');
    expect(n).toContain('for service &quot;terminal-mcp&quot; &lt;see runbook&gt;');
    expect(n).toContain('ends —'); // the zero endsAt of a firing alert
    expect(fail).toContain('Alertmanager sent no notification');
  });

  it('shows LogQL evidence as log lines and log tails only for the failing scenario, escaped', () => {
    expect(fail).toContain(escapeHtml(XSS_LINE));
    expect(fail).not.toContain("<script>alert('x')");
    expect(fail).not.toContain('<b>bold</b>');
    expect(fail).toContain('<section class="log-tails">');
    expect(fail).toContain('<summary>filesystem-mcp <span class="muted">');
    expect(fail).toContain('ERROR killed by harness (SIGKILL) &amp; exiting &lt;now&gt;');
    expect(fail).not.toContain('\u001b');
    expect(pass).not.toContain('class="log-tails"');
    const bothTails = both.match(/<section class="log-tails">/g) ?? [];
    expect(bothTails).toHaveLength(1);
  });

  it('is self-contained: no external src/href, no stylesheet links, one hashed inline script', () => {
    for (const html of [pass, fail, both]) {
      const refs = [...html.matchAll(/\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]!);
      for (const r of refs) expect(r, r).toMatch(/^#/);
      expect(html).not.toMatch(/<link\b|<img\b|<iframe\b|@import|url\(/i);
      expect(count(html, /<script\b/g)).toBe(1);
      expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:; script-src &#39;sha256-[A-Za-z0-9+/=]+&#39;/);
    }
  });

  it('never prints secrets', () => {
    for (const html of [pass, fail, both]) for (const s of SECRETS) expect(html).not.toContain(s);
    expect(pass).toContain('[redacted]');
  });

  it('covers several scenarios in one report with an index', () => {
    expect(both).toContain('<section id="scenarios"><h2>Scenarios</h2>');
    expect(both).toContain('<a href="#scenario-0">high-error-rate</a>');
    expect(both).toContain('<a href="#scenario-1">service-down</a>');
    expect(both).toContain('data-verdict="fail">FAILED');
  });

  it('writes an incomplete report when the run stopped mid-scenario', async () => {
    const html = await htmlOf(failingRun().filter((e) => e.type !== 'scenario-end' && e.type !== 'run-end'));
    expect(html).toContain('data-verdict="incomplete">INCOMPLETE');
    expect(html).toContain('the scenario did not finish');
  });
});

describe('alertIntervals', () => {
  it('turns transitions into pending/firing/resolved intervals per alert', () => {
    const iv = alertIntervals(
      [
        { alertname: 'A', labels: { alertname: 'A', s: '1' }, state: 'pending', at: t(0) },
        { alertname: 'A', labels: { alertname: 'A', s: '1' }, state: 'firing', at: t(10) },
        { alertname: 'A', labels: { alertname: 'A', s: '2' }, state: 'pending', at: t(5) },
        { alertname: 'A', labels: { alertname: 'A', s: '1' }, state: 'inactive', at: t(20) },
      ],
      T0 + 30_000,
    );
    expect(iv.map((i) => [i.key, i.state, (i.start - T0) / 1000, (i.end - T0) / 1000, i.open])).toEqual([
      ['A{s="1"}', 'pending', 0, 10, false],
      ['A{s="1"}', 'firing', 10, 20, false],
      ['A{s="1"}', 'resolved', 20, 30, false],
      ['A{s="2"}', 'pending', 5, 30, true],
    ]);
  });
});

describe('file reporters with an empty event stream', () => {
  it('still write a readable report, results.json and a valid junit.xml', async () => {
    const { JsonReporter } = await import('../../../reports/json-reporter.ts');
    const { JunitReporter } = await import('../../../reports/junit-reporter.ts');
    const dir = mkdtempSync(join(tmpdir(), 'empty-reporters-'));
    for (const r of [new HtmlReporter(dir), new JsonReporter(dir), new JunitReporter(dir)]) await feed(r, []);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('data-verdict="incomplete">INCOMPLETE');
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toMatchObject({ verdict: 'incomplete', scenarios: [] });
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toMatch(/<testsuites name="mcp-monitoring-harness" tests="0"/);
  });
});
