/**
 * The CLI's live progress: one line per event, as it happens. Colour only when the
 * stream is a terminal (and NO_COLOR is unset), or when asked for.
 */
import { styleText } from 'node:util';
import type { RunEvent } from '../harness/events/run-events.ts';
import type { Reporter } from '../harness/events/event-bus.ts';
import { clockTime, formatDuration, formatLabels, stripAnsi, toMs } from './format.ts';
import { scrubText } from './redact.ts';
import { growthStepLine, logGrowthStepLine, loadStepLine, resultLine } from './capacity-format.ts';

type Style = Parameters<typeof styleText>[0];

export interface ListReporterOptions {
  /** Where lines go (default process.stdout). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force colour on or off; default: on when the stream is a TTY and NO_COLOR is unset (FORCE_COLOR forces it). */
  color?: boolean;
  /** Clock times in UTC rather than local time (default false: the reader's clock). */
  utc?: boolean;
  /** Prefix each line with the event's clock time (default true). */
  timestamps?: boolean;
}

export class ListReporter implements Reporter {
  private readonly stream: NodeJS.WritableStream;
  private readonly color: boolean;
  private readonly utc: boolean;
  private readonly timestamps: boolean;

  /** `new ListReporter()`, `new ListReporter(process.stdout)` or `new ListReporter({ stream, color })`. */
  constructor(streamOrOptions?: NodeJS.WritableStream | ListReporterOptions, more: Omit<ListReporterOptions, 'stream'> = {}) {
    const options: ListReporterOptions = isStream(streamOrOptions) ? { ...more, stream: streamOrOptions } : { ...more, ...(streamOrOptions ?? {}) };
    const stream = options.stream ?? process.stdout;
    this.stream = stream;
    this.color = options.color ?? defaultColor(stream as { isTTY?: boolean });
    this.utc = options.utc ?? false;
    this.timestamps = options.timestamps ?? true;
  }

  onEvent(event: RunEvent): void {
    for (const line of this.format(event)) this.stream.write(`${line}\n`);
  }

  /** The lines for one event (exposed for tests and for callers that print elsewhere). */
  format(event: RunEvent): string[] {
    const c = (style: Style, s: string): string => (this.color ? styleText(style, s, { validateStream: false }) : s);
    const time = (at: string | undefined): string => (this.timestamps && at ? `${c('dim', clockTime(at, this.utc))} ` : '');
    const clean = (s: string): string => scrubText(stripAnsi(s));

    switch (event.type) {
      case 'run-begin': {
        const r = event.run;
        const lines = [
          `${time(r.startedAt)}${c('bold', `Run ${r.runId}`)}: ${r.scenarios.length} scenario${r.scenarios.length === 1 ? '' : 's'} (${r.scenarios.join(', ')}), seed ${r.seed}, time scale ${r.timeScale}`,
        ];
        if (r.components.length) lines.push(`  stack: ${r.components.map((x) => `${x.name} ${x.version}`).join(', ')}`);
        if (r.configChanges.length) lines.push(`  ${r.configChanges.length} config change${r.configChanges.length === 1 ? '' : 's'} rendered for this run`);
        for (const w of r.configWarnings) lines.push(`  ${c('yellow', '⚠')} ${clean(w)}`);
        return lines;
      }
      case 'scenario-begin':
        return [`${time(event.at)}${c('bold', `▶ ${event.scenario}`)}${event.title && event.title !== event.scenario ? ` — ${clean(event.title)}` : ''}`];
      case 'phase':
        return [`${time(event.at)}  ${c('cyan', `── ${event.phase}`)}`];
      case 'progress': {
        const until = event.until ? ` until ${clockTime(event.until, this.utc)}` : '';
        const what = event.waitingFor ? `waiting for ${clean(event.waitingFor)}${until}` : `${clean(event.message)}${until}`;
        const extra = event.waitingFor && event.message && event.message !== event.waitingFor ? ` ${c('dim', `(${clean(event.message)})`)}` : '';
        return [`${time(event.at)}    ${c('dim', '…')} ${what}${extra}`];
      }
      case 'action-begin':
        return [`${time(event.action.startedAt)}    ${c('blue', '→')} ${clean(event.action.title)}`];
      case 'action-end': {
        const a = event.action;
        const s = toMs(a.startedAt);
        const e = toMs(a.endedAt);
        const took = s !== undefined && e !== undefined ? ` (${formatDuration(e - s)})` : '';
        if (a.error) return [`${time(a.endedAt)}    ${c('red', '✗')} ${clean(a.title)} failed${took}: ${clean(a.error)}`];
        return [`${time(a.endedAt)}    ${c('blue', '←')} ${clean(a.title)} done${took}`];
      }
      case 'assertion': {
        const a = event.assertion;
        if (a.verdict === 'pass') return [`${time(a.endedAt)}    ${c('green', '✓')} ${clean(a.title)}`];
        if (a.verdict === 'skipped') return [`${time(a.endedAt)}    ${c('yellow', '○')} ${clean(a.title)} ${c('yellow', 'SKIPPED')}: ${clean(a.message)}`];
        const lines = [`${time(a.endedAt)}    ${c('red', '✗')} ${c('red', clean(a.title))}`];
        for (const l of clean(a.message).split('\n')) lines.push(`        ${l}`);
        return lines;
      }
      case 'alert-transition': {
        const t = event.transition;
        const { alertname: _n, ...rest } = t.labels;
        const state = t.state === 'inactive' ? 'resolved' : t.state;
        const style: Style = t.state === 'firing' ? 'red' : t.state === 'pending' ? 'yellow' : 'green';
        const labels = Object.keys(rest).length ? formatLabels(rest) : '';
        return [`${time(t.at)}    ${c(style, '⚑')} alert ${t.alertname}${labels} ${c(style, state)}`];
      }
      case 'notification': {
        const p = event.notification.payload;
        const names = [...new Set(p.alerts.map((a) => a.labels.alertname ?? '?'))].join(', ');
        const style: Style = p.status === 'firing' ? 'magenta' : 'green';
        return [`${time(event.notification.receivedAt)}    ${c(style, '✉')} notification ${p.status} to ${p.receiver}: ${names} (${p.alerts.length} alert${p.alerts.length === 1 ? '' : 's'})`];
      }
      case 'capacity-step': {
        const st = event.step;
        const ok = st.kind === 'load' ? st.slo.ok : st.ok;
        const line = st.kind === 'load' ? loadStepLine(st) : st.kind === 'growth' ? growthStepLine(st) : logGrowthStepLine(st);
        return [`${time(st.endedAt)}    ${c(ok ? 'green' : 'red', '▸')} ${clean(line)}`];
      }
      case 'capacity-result': {
        const r = event.result;
        const pass = r.verdict === 'pass';
        return [`    ${c(['bold', pass ? 'green' : 'red'], pass ? '✔' : '✘')} ${c('bold', clean(resultLine(r)))}`];
      }
      case 'scenario-end': {
        const verdict = event.verdict.toUpperCase();
        const style: Style = event.verdict === 'pass' ? 'green' : event.verdict === 'skipped' ? 'yellow' : 'red';
        const mark = event.verdict === 'pass' ? '✔' : event.verdict === 'skipped' ? '○' : '✘';
        const lines = [`${time(event.at)}${c(['bold', style], `${mark} ${verdict}`)} ${event.scenario} ${c('dim', `(${formatDuration(event.durationMs)})`)}`];
        if (event.error) lines.push(`  ${c('red', clean(event.error))}`);
        if (event.skipReason) lines.push(`  ${c('yellow', clean(event.skipReason))}`);
        return lines;
      }
      case 'run-end': {
        const style: Style = event.verdict === 'pass' ? 'green' : event.verdict === 'skipped' ? 'yellow' : 'red';
        return [`${time(event.at)}${c(['bold', style], `Run ${event.verdict.toUpperCase()}`)} in ${formatDuration(event.durationMs)} — results in ${event.runDir}`];
      }
    }
  }
}

function isStream(x: unknown): x is NodeJS.WritableStream {
  return typeof x === 'object' && x !== null && typeof (x as { write?: unknown }).write === 'function';
}

function defaultColor(stream: { isTTY?: boolean }): boolean {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}
