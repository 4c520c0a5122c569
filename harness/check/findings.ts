/**
 * What `npm run check` reports: findings, each naming the file, the key inside it and
 * why it is wrong (and, when there is an obvious one, the fix). A finding is a defect of
 * the monitoring folder under test; bad command-line input is a UsageError instead.
 */

export interface Finding {
  /** The check that found it ("scrape jobs", "promtool check config", ...). */
  check: string;
  /** Path of the file, relative to the current directory when inside it. */
  file: string;
  /** Where in the file: a key path such as `scrape_configs[job_name=mcp-core-services].static_configs`. */
  key: string;
  why: string;
  fix?: string;
  /**
   * The input cannot be loaded at all (bad YAML/JSON, PromQL or a query that does not
   * parse, a config its own tool rejects): a scenario run refuses it before anything starts.
   * Other findings are defects the scenarios are there to catch, so they do not block a run.
   */
  blocking?: boolean;
}

export function formatFinding(f: Finding): string {
  return `${f.file}: ${f.key}: ${f.why}${f.fix ? `\n    fix: ${f.fix}` : ''}`;
}

/** Collects findings for one check, with the file fixed. */
export class FindingSink {
  readonly findings: Finding[] = [];
  /** `blocking`: every finding of this check makes the folder unloadable. */
  constructor(readonly check: string, private readonly allBlocking = false) {}
  add(file: string, key: string, why: string, fix?: string): void {
    this.findings.push({ check: this.check, file, key, why, ...(fix ? { fix } : {}), ...(this.allBlocking ? { blocking: true } : {}) });
  }
  /** A finding that makes the input unloadable, in a check whose other findings do not. */
  blocking(file: string, key: string, why: string, fix?: string): void {
    this.findings.push({ check: this.check, file, key, why, ...(fix ? { fix } : {}), blocking: true });
  }
}
