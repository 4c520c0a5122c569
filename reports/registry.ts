/**
 * The reporters a run can have, by name (`--reporter list,html,junit,json,index`). Each is
 * a peer on the event stream. Run-wide ones (the live list, the index) hear everything;
 * per-scenario ones get a folder per scenario through the router below.
 */
import { mkdirSync } from 'node:fs';
import { EventBus, type Reporter } from '../harness/events/event-bus.ts';
import type { RunEvent } from '../harness/events/run-events.ts';
import { HtmlReporter } from './html-reporter.ts';
import { IndexReporter } from './index-reporter.ts';
import { JsonReporter } from './json-reporter.ts';
import { JunitReporter } from './junit-reporter.ts';
import { ListReporter } from './list-reporter.ts';

interface ReporterEntry {
  describe: string;
  /** Per scenario: one instance per scenario folder; run-wide: one for the run. */
  scope: 'scenario' | 'run';
  create(dir: string): Reporter;
}

export const REPORTERS = {
  list: { describe: 'live progress lines on stdout', scope: 'run', create: () => new ListReporter(process.stdout) },
  json: { describe: 'results.json', scope: 'scenario', create: (dir) => new JsonReporter(dir) },
  junit: { describe: 'junit.xml', scope: 'scenario', create: (dir) => new JunitReporter(dir) },
  html: { describe: 'report.html', scope: 'scenario', create: (dir) => new HtmlReporter(dir) },
  index: { describe: 'index.html linking every scenario report (runs of several scenarios)', scope: 'run', create: (dir) => new IndexReporter(dir) },
} as const satisfies Record<string, ReporterEntry>;

export type ReporterName = keyof typeof REPORTERS;
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

/** Parses `list,html` into names; an unknown name is returned in `unknown`, for the caller's usage error. */
export function parseReporterList(value: string): { names: ReporterName[]; unknown: string[] } {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  const known = (p: string): p is ReporterName => (REPORTER_NAMES as string[]).includes(p);
  return { names: [...new Set(parts.filter(known))], unknown: parts.filter((p) => !known(p)) };
}

/** The run's reporters: the run-wide ones, plus a router that gives each scenario its folder's reporters. */
export function createReporters(names: readonly ReporterName[], outDir: string, dirOf: (scenario: string) => string): Reporter[] {
  const entries = names.map((n) => REPORTERS[n] as ReporterEntry);
  const perScenario = entries.filter((e) => e.scope === 'scenario');
  const runWide = entries.filter((e) => e.scope === 'run').map((e) => e.create(outDir));
  // The router first: its failures (a scenario folder's report that could not be written) reach the index through onError before the index is written.
  return perScenario.length ? [new PerScenarioRouter(dirOf, (dir) => perScenario.map((e) => e.create(dir))), ...runWide] : runWide;
}

/** Routes each scenario's events to that scenario's folder, and run-wide events to all. */
export class PerScenarioRouter implements Reporter {
  readonly name = 'per-scenario';
  private readonly byScenario = new Map<string, EventBus>();
  private runBegin: Extract<RunEvent, { type: 'run-begin' }> | undefined;

  constructor(
    private readonly dirOf: (scenario: string) => string,
    readonly reportersFor: (dir: string) => Reporter[],
  ) {}

  onEvent(e: RunEvent): void {
    if (e.type === 'run-begin') {
      this.runBegin = e;
      return;
    }
    if (e.type === 'run-end') {
      for (const bus of this.byScenario.values()) bus.emit(e);
      return;
    }
    const name = e.scenario;
    if (!name) return;
    let bus = this.byScenario.get(name);
    if (!bus) {
      const dir = this.dirOf(name);
      mkdirSync(dir, { recursive: true });
      bus = new EventBus(this.reportersFor(dir));
      if (this.runBegin) bus.emit({ ...this.runBegin, run: { ...this.runBegin.run, scenarios: [name] } });
      this.byScenario.set(name, bus);
    }
    bus.emit(e);
  }

  /** Every scenario's reporters finish; if any failed, this throws once, naming them, so the run-wide reporters hear of it. */
  async finish(): Promise<void> {
    const failed: string[] = [];
    for (const [scenario, bus] of this.byScenario) for (const f of await bus.finish()) failed.push(`${scenario}: ${f.reporter} during ${f.during}: ${f.message}`);
    if (failed.length) throw new Error(failed.join('; '));
  }
}
