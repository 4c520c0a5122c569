/**
 * The multiplexer between the engine and the reporters (after Playwright's): every
 * reporter is a peer fed the same events. A reporter that throws is isolated — it gets no
 * further events — and the others are told through `onError`, so one broken format never
 * costs the run its other reports.
 */
import type { RunEvent } from './run-events.ts';

export interface ReporterFailure {
  reporter: string;
  /** Where it failed: on an event (its type), or in finish. */
  during: string;
  message: string;
}

export interface Reporter {
  /** Shown in failures; defaults to the class name. */
  readonly name?: string;
  onEvent(event: RunEvent): void;
  /** Called once after run-end; writes files. */
  finish?(): Promise<void>;
  /** Another reporter failed (a report may say that a sibling file is missing or partial). */
  onError?(failure: ReporterFailure): void;
}

export function reporterName(r: Reporter): string {
  return r.name ?? r.constructor.name;
}

export class EventBus {
  readonly events: RunEvent[] = [];
  readonly failures: ReporterFailure[] = [];
  private readonly failed = new Set<Reporter>();

  constructor(private readonly reporters: Reporter[] = []) {}

  add(reporter: Reporter): void {
    this.reporters.push(reporter);
  }

  emit(event: RunEvent): void {
    this.events.push(event);
    for (const r of this.live()) {
      try {
        r.onEvent(event);
      } catch (e) {
        this.fail(r, event.type, e);
      }
    }
  }

  /** Every live reporter's finish runs, whatever the others do; returns what failed over the run. */
  async finish(): Promise<ReporterFailure[]> {
    for (const r of this.live()) {
      try {
        await r.finish?.();
      } catch (e) {
        this.fail(r, 'finish', e);
      }
    }
    return this.failures;
  }

  private live(): Reporter[] {
    return this.reporters.filter((r) => !this.failed.has(r));
  }

  private fail(r: Reporter, during: string, e: unknown): void {
    this.failed.add(r);
    const failure = { reporter: reporterName(r), during, message: e instanceof Error ? e.message : String(e) };
    this.failures.push(failure);
    console.error(`reporter ${failure.reporter} failed during ${during}: ${failure.message} (the other reports are unaffected)`);
    for (const other of this.live()) {
      try {
        other.onError?.(failure);
      } catch {
        // A reporter that cannot take the news keeps working; its own failures still isolate it.
      }
    }
  }
}
