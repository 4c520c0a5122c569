/**
 * `junit.xml` (Ant/Jenkins JUnit format) for CI: a <testsuite> per scenario, a <testcase>
 * per assertion (classname = scenario, name = assertion title), <failure> with expected
 * against observed, and a scenario that errored (or failed outside any assertion, or never
 * finished) as an extra "scenario" test case carrying <error>/<failure>.
 *
 * Times are seconds; timestamps are UTC without a zone suffix, as Ant writes them.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { AssertionRecord, RunEvent } from '../harness/events/run-events.ts';
import type { Reporter } from '../harness/events/event-bus.ts';
import { formatAny, formatDuration, formatLabels, formatValue, toMs, truncate, utcDateTime, xmlSafeText } from './format.ts';
import { RunCollector, type RunResult, type ScenarioResult } from './model.ts';
import { writeFileAtomic } from './write.ts';

export interface JunitReporterOptions {
  /** File name inside the output dir (default junit.xml). */
  fileName?: string;
  /** The <testsuites name>, default "mcp-monitoring-harness". */
  suiteName?: string;
  /** Host name written on each suite (default os.hostname()). */
  hostname?: string;
}

export class JunitReporter implements Reporter {
  private readonly collector = new RunCollector();
  readonly file: string;

  constructor(readonly outputDir: string, private readonly options: JunitReporterOptions = {}) {
    this.file = join(outputDir, options.fileName ?? 'junit.xml');
  }

  onEvent(event: RunEvent): void {
    this.collector.onEvent(event);
  }

  /** The document finish() writes. */
  xml(): string {
    return renderJunit(this.collector.result(), this.options);
  }

  async finish(): Promise<void> {
    writeFileAtomic(this.file, this.xml());
  }
}

const seconds = (ms: number | undefined): string => (ms !== undefined && Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000');

/** "2024-05-01T12:00:03" (UTC, no zone, no fraction), or undefined. */
function antTimestamp(iso: string | undefined): string | undefined {
  const t = toMs(iso);
  return t === undefined ? undefined : new Date(t).toISOString().slice(0, 19);
}

/** Attribute text: one line (parsers fold newlines in attributes anyway), bounded. */
const attr = (s: string, max = 2000): string => truncate(xmlSafeText(s).replace(/\s*\n\s*/g, ' | ').trim(), max);
const text = (s: string): string => xmlSafeText(s);

export function renderJunit(r: RunResult, options: JunitReporterOptions = {}): string {
  const host = options.hostname ?? hostname();
  const suites = r.scenarios.map((s) => suiteCounts(s));
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele('testsuites', {
    name: attr(options.suiteName ?? 'mcp-monitoring-harness'),
    tests: String(suites.reduce((n, c) => n + c.tests, 0)),
    failures: String(suites.reduce((n, c) => n + c.failures, 0)),
    errors: String(suites.reduce((n, c) => n + c.errors, 0)),
    skipped: String(suites.reduce((n, c) => n + c.skipped, 0)),
    time: seconds(r.durationMs),
    ...(antTimestamp(r.startedAt) ? { timestamp: antTimestamp(r.startedAt)! } : {}),
  });

  r.scenarios.forEach((s, i) => {
    const c = suites[i]!;
    const suite = root.ele('testsuite', {
      name: attr(s.name) || 'scenario',
      tests: String(c.tests),
      failures: String(c.failures),
      errors: String(c.errors),
      skipped: String(c.skipped),
      time: seconds(s.durationMs),
      ...(antTimestamp(s.startedAt) ? { timestamp: antTimestamp(s.startedAt)! } : {}),
      hostname: attr(host),
      id: String(i),
      package: 'scenarios',
    });
    writeProperties(suite, r, s);
    for (const a of s.assertions) writeAssertion(suite, s, a);
    const extra = scenarioCase(s);
    if (extra) {
      const tc = suite.ele('testcase', { classname: attr(s.name), name: 'scenario', time: seconds(s.durationMs) });
      tc.ele(extra.kind, { message: attr(extra.message), type: extra.type }).txt(text(extra.body));
    }
    if (s.verdict === 'skipped') suite.ele('testcase', { classname: attr(s.name), name: 'scenario', time: seconds(s.durationMs) }).ele('skipped', { message: attr(s.skipReason ?? 'skipped') });
    suite.ele('system-out').txt(text(systemOut(s)));
    const err = systemErr(s);
    if (err) suite.ele('system-err').txt(text(err));
  });
  return doc.end({ prettyPrint: true }) + '\n';
}

function suiteCounts(s: ScenarioResult): { tests: number; failures: number; errors: number; skipped: number } {
  const extra = scenarioCase(s);
  const failed = s.assertions.filter((a) => a.verdict === 'fail').length;
  const skippedScenario = s.verdict === 'skipped' ? 1 : 0;
  return {
    tests: s.assertions.length + (extra ? 1 : 0) + skippedScenario,
    failures: failed + (extra?.kind === 'failure' ? 1 : 0),
    errors: extra?.kind === 'error' ? 1 : 0,
    skipped: s.assertions.filter((a) => a.verdict === 'skipped').length + skippedScenario,
  };
}

/** The extra test case a scenario needs when its verdict is not explained by its assertions. */
function scenarioCase(s: ScenarioResult): { kind: 'error' | 'failure'; type: string; message: string; body: string } | undefined {
  const failedActions = s.actions.filter((a) => a.error);
  const body = [
    s.error ? `error: ${s.error}` : '',
    ...failedActions.map((a) => `action "${a.title}" (${a.phase}) failed: ${a.error}`),
    s.lastProgress ? `last progress: ${s.lastProgress.waitingFor ? `waiting for ${s.lastProgress.waitingFor}` : s.lastProgress.message}${s.lastProgress.until ? ` until ${s.lastProgress.until}` : ''}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  if (s.verdict === 'error') return { kind: 'error', type: 'ScenarioError', message: s.error ?? failedActions[0]?.error ?? 'scenario errored', body };
  if (s.verdict === 'interrupted') return { kind: 'error', type: 'ScenarioInterrupted', message: s.error ?? 'interrupted by a signal; the rollbacks ran', body };
  if (s.verdict === 'incomplete') return { kind: 'error', type: 'ScenarioIncomplete', message: 'scenario did not finish (the run ended or was interrupted before scenario-end)', body };
  if (s.verdict === 'fail' && !s.assertions.some((a) => a.verdict === 'fail')) {
    return { kind: 'failure', type: 'ScenarioFailure', message: s.error ?? failedActions[0]?.error ?? 'scenario failed', body };
  }
  return undefined;
}

function writeProperties(suite: XMLBuilder, r: RunResult, s: ScenarioResult): void {
  const props: Array<[string, string]> = [];
  const run = r.run;
  if (run) {
    props.push(['runId', run.runId], ['seed', String(run.seed)], ['timeScale', String(run.timeScale)], ['monitoringDir', run.monitoringDir]);
    for (const c of run.components) props.push([`component.${c.name}`, c.version]);
    props.push(['configChanges', String(run.configChanges.length)]);
  }
  if (s.title) props.push(['title', s.title]);
  if (s.description) props.push(['description', s.description]);
  props.push(['verdict', s.verdict]);
  const ps = suite.ele('properties');
  for (const [name, value] of props) ps.ele('property', { name: attr(name), value: attr(value, 4000) });
}

function writeAssertion(suite: XMLBuilder, s: ScenarioResult, a: AssertionRecord): void {
  const s0 = toMs(a.startedAt);
  const e0 = toMs(a.endedAt);
  const tc = suite.ele('testcase', {
    classname: attr(s.name),
    name: attr(a.title) || a.id || 'assertion',
    time: seconds(s0 !== undefined && e0 !== undefined ? e0 - s0 : undefined),
  });
  if (a.verdict === 'skipped') tc.ele('skipped', { message: attr(a.message || 'skipped') });
  if (a.verdict === 'fail') {
    tc.ele('failure', { message: attr(a.message || a.evidence.reason || 'assertion failed'), type: a.kind }).txt(text(failureBody(a)));
  }
}

/** Expected against observed, for a person reading CI output. */
export function failureBody(a: AssertionRecord): string {
  const ev = a.evidence;
  const lines = [
    a.message,
    '',
    `expected: ${ev.expectation}`,
    `observed: ${ev.reason ?? lastObservation(a)}`,
    `query (${ev.language}): ${ev.query}`,
    `window: ${ev.windowStart ? utcDateTime(ev.windowStart) : utcDateTime(a.startedAt)} → ${ev.windowEnd ? utcDateTime(ev.windowEnd) : utcDateTime(a.endedAt)}`,
    `phase: ${a.phase}, kind: ${a.kind}, evaluations: ${ev.evaluatedAt.length} (${ev.observed.filter((o) => o.ok).length} satisfied)`,
  ];
  const last = ev.observed.at(-1);
  if (last) {
    lines.push(`last evaluation at ${utcDateTime(last.at)}: ${last.ok ? 'condition held' : 'condition not met'}${last.error ? `, error: ${last.error}` : ''}`);
    for (const sr of (last.series ?? []).slice(0, 25)) {
      const v = sr.value ?? sr.values?.at(-1)?.[1];
      if (v !== undefined) lines.push(`  ${formatLabels(sr.labels)} = ${formatValue(v)}`);
      else if (sr.lines?.length) lines.push(`  ${formatLabels(sr.labels)}: ${sr.lines.length} line(s)`);
      else lines.push(`  ${formatLabels(sr.labels)}`);
    }
    if ((last.series?.length ?? 0) > 25) lines.push(`  … ${last.series!.length - 25} more series`);
    if (!last.series && last.value !== undefined) lines.push(`  value: ${formatAny(last.value)}`);
  }
  if (a.timing) for (const [k, v] of Object.entries(a.timing)) lines.push(`${k}: ${typeof v === 'number' && /ms$/i.test(k) ? formatDuration(v) : String(v)}`);
  if (a.logExcerpt?.length) lines.push('log excerpt:', ...a.logExcerpt.slice(-30).map((l) => `  ${l}`));
  return lines.join('\n');
}

function lastObservation(a: AssertionRecord): string {
  const last = a.evidence.observed.at(-1);
  if (!last) return 'no evaluation';
  if (last.error) return `error: ${last.error}`;
  return `${last.series?.length ?? 0} series at ${utcDateTime(last.at)}`;
}

function systemOut(s: ScenarioResult): string {
  type Line = [number, string];
  const ls: Line[] = [];
  const at = (iso: string | undefined): number => toMs(iso) ?? 0;
  for (const p of s.phases) ls.push([at(p.at), `phase ${p.phase}`]);
  for (const a of s.actions) {
    ls.push([at(a.startedAt), `action begin: ${a.title}`]);
    if (a.endedAt) ls.push([at(a.endedAt), `action end: ${a.title}${a.error ? ` FAILED: ${a.error}` : ''}`]);
  }
  for (const a of s.assertions) ls.push([at(a.endedAt), `assertion ${a.verdict === 'pass' ? 'passed' : 'FAILED'}: ${a.title}`]);
  for (const t of s.alertTransitions) ls.push([at(t.at), `alert ${t.alertname}${formatLabels(withoutName(t.labels))} ${t.state === 'inactive' ? 'resolved' : t.state}`]);
  for (const n of s.notifications) {
    ls.push([at(n.receivedAt), `notification ${n.payload.status} to ${n.payload.receiver}: ${n.payload.alerts.map((x) => `${x.labels.alertname ?? '?'}${formatLabels(withoutName(x.labels))}`).join(', ')}`]);
  }
  for (const f of s.faultWindows) ls.push([at(f.start), `fault window ${f.label}: ${utcDateTime(f.start)} → ${f.end ? utcDateTime(f.end) : 'not ended'}`]);
  ls.sort((x, y) => x[0] - y[0]);
  const head = [`${s.name}: ${s.verdict}${s.durationMs !== undefined ? ` in ${formatDuration(s.durationMs)}` : ''}`];
  return [...head, ...ls.map(([t, l]) => `${t ? utcDateTime(t) : '?'} ${l}`)].join('\n');
}

function systemErr(s: ScenarioResult): string {
  if (!s.logTails || s.verdict === 'pass') return '';
  return Object.entries(s.logTails)
    .map(([component, tail]) => `===== ${component} (log tail) =====\n${tail}`)
    .join('\n');
}

function withoutName(labels: Record<string, string>): Record<string, string> {
  const { alertname: _a, ...rest } = labels;
  return rest;
}
