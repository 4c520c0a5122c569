/**
 * `results.json`: the whole run as data — run info (stack versions, config changes,
 * seed, time scale), and per scenario its verdict, actions, assertions with evidence,
 * alert transitions, notifications, fault windows and log tails. Secrets are redacted.
 */
import { join } from 'node:path';
import type { RunEvent } from '../harness/events/run-events.ts';
import type { Reporter } from '../harness/events/event-bus.ts';
import { assertionCounts, RunCollector, type RunResult } from './model.ts';
import { writeFileAtomic } from './write.ts';

export const RESULTS_SCHEMA_VERSION = 1;

export interface JsonResults extends RunResult {
  schemaVersion: number;
  generatedAt: string;
  summary: { scenarios: number; passed: number; failed: number; errors: number; incomplete: number; skipped: number; assertions: number; failedAssertions: number; skippedAssertions: number };
}

export interface JsonReporterOptions {
  /** File name inside the output dir (default results.json). */
  fileName?: string;
}

export class JsonReporter implements Reporter {
  private readonly collector = new RunCollector();
  readonly file: string;

  constructor(readonly outputDir: string, options: JsonReporterOptions = {}) {
    this.file = join(outputDir, options.fileName ?? 'results.json');
  }

  onEvent(event: RunEvent): void {
    this.collector.onEvent(event);
  }

  /** The document finish() writes. */
  results(): JsonResults {
    return toJsonResults(this.collector.result());
  }

  async finish(): Promise<void> {
    writeFileAtomic(this.file, `${JSON.stringify(this.results(), null, 2)}\n`);
  }
}

export function toJsonResults(r: RunResult): JsonResults {
  const count = (v: string): number => r.scenarios.filter((s) => s.verdict === v).length;
  const counts = r.scenarios.map(assertionCounts);
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    summary: {
      scenarios: r.scenarios.length,
      passed: count('pass'),
      failed: count('fail'),
      errors: count('error'),
      incomplete: count('incomplete'),
      skipped: count('skipped'),
      assertions: counts.reduce((n, c) => n + c.total, 0),
      failedAssertions: counts.reduce((n, c) => n + c.failed, 0),
      skippedAssertions: counts.reduce((n, c) => n + c.skipped, 0),
    },
    ...r,
  };
}
