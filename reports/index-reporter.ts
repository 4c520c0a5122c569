/**
 * `index.html` as a reporter: it hears every scenario's end on the same stream as the
 * others and, at finish, writes the matrix linking each scenario's report.html. Only for
 * runs of more than one scenario (a single run's folder is its report).
 */
import { join } from 'node:path';
import type { Reporter, ReporterFailure } from '../harness/events/event-bus.ts';
import type { RunEvent } from '../harness/events/run-events.ts';
import { writeIndex, type IndexRun } from './index-html.ts';

export class IndexReporter implements Reporter {
  readonly name = 'index';
  private readonly runs: IndexRun[] = [];
  private scenarios: string[] = [];
  private readonly failures: ReporterFailure[] = [];

  constructor(
    readonly outputDir: string,
    /** Where a scenario's report.html is, relative to outputDir. */
    private readonly reportOf: (scenario: string) => string = (s) => join(s, 'report.html'),
  ) {}

  onEvent(e: RunEvent): void {
    if (e.type === 'run-begin') this.scenarios = e.run.scenarios;
    if (e.type === 'scenario-end') this.runs.push({ scenario: e.scenario, verdict: e.verdict, durationMs: e.durationMs, reportPath: this.reportOf(e.scenario) });
  }

  onError(f: ReporterFailure): void {
    this.failures.push(f);
  }

  async finish(): Promise<void> {
    if (this.scenarios.length < 2) return;
    const note = this.failures.length ? ` — reporter failures: ${this.failures.map((f) => `${f.reporter} (${f.message})`).join('; ')}` : '';
    writeIndex(this.outputDir, this.runs, { title: `Scenario runs${note}` });
  }
}
