/**
 * A mutation operator (after Stryker's): one module that reads a monitoring folder and
 * proposes mutants, each one small edit of one file with what should notice it. The
 * operator never writes into the user's folder: `apply` edits a copy the caller made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { KEEP_LAYOUT } from './operators/yaml-text.ts';

export interface Mutant {
  /** Stable id: "<operator>:<what>", e.g. "for-stretch:ServiceDown". */
  id: string;
  operator: string;
  /** The file it edits, relative to the folder. */
  file: string;
  /** What changed, in one line: "ServiceDown for 1m → 10m". */
  description: string;
  /** The scenarios that can see this part of the config: run them, and one must fail. */
  scenarios: string[];
  /** Edits the copy at `dir` (a copy of the folder). */
  apply(dir: string): void;
}

export interface MutationOperator {
  name: string;
  /** What it models, for the report. */
  describe: string;
  /** The mutants it proposes for the folder at `dir` (read only); none when the folder has nothing it applies to. */
  mutants(dir: string): Mutant[];
}

/** A YAML file of the folder as a Document (comments and layout kept), or undefined when absent or invalid. */
export function readYaml(dir: string, file: string): Document | undefined {
  try {
    const doc = parseDocument(readFileSync(join(dir, file), 'utf8'));
    return doc.errors.length ? undefined : doc;
  } catch {
    return undefined;
  }
}

/** Read-edit-write of one YAML file in the copy. */
export function editYaml(dir: string, file: string, edit: (doc: Document) => void): void {
  const doc = readYaml(dir, file);
  if (!doc) throw new Error(`${file} is missing or not valid YAML in the copy`);
  edit(doc);
  // No re-wrapping and no padding: an untouched line prints back as it was, so a mutant's diff is only its edit.
  writeFileSync(join(dir, file), doc.toString(KEEP_LAYOUT));
}

/** Read-edit-write of one JSON file in the copy, keeping two-space indentation. */
export function editJson(dir: string, file: string, edit: (json: unknown) => void): void {
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  edit(json);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
}

/** The rule files prometheus.yml names, relative to the folder (through the Compose mount /etc/prometheus). */
export function ruleFilesOf(dir: string): string[] {
  const prom = readYaml(dir, 'prometheus/prometheus.yml')?.toJS() as { rule_files?: string[] } | undefined;
  return (prom?.rule_files ?? []).filter((p) => !/[*?[]/.test(p)).map((p) => (p.startsWith('/etc/prometheus/') ? `prometheus/${p.slice('/etc/prometheus/'.length)}` : `prometheus/${p}`));
}

/** Every alerting rule of the folder: its file, group and rule index, and the rule. */
export function alertRules(dir: string): { file: string; group: number; rule: number; alert: string; expr: string; for?: string; annotations: Record<string, string> }[] {
  return ruleFilesOf(dir).flatMap((file) => {
    const js = readYaml(dir, file)?.toJS() as { groups?: { rules?: { alert?: string; expr?: string; for?: string; annotations?: Record<string, string> }[] }[] } | undefined;
    return (js?.groups ?? []).flatMap((g, gi) => (g.rules ?? []).flatMap((r, ri) => (r.alert ? [{ file, group: gi, rule: ri, alert: r.alert, expr: String(r.expr ?? ''), for: r.for, annotations: r.annotations ?? {} }] : [])));
  });
}

/** The scenario that watches each of the seed's alerts. */
export const SCENARIO_OF_ALERT: Record<string, string> = { ServiceDown: 'service-down', HighErrorRate: 'high-error-rate', HighLatency: 'high-latency' };

/** The alerting rules a scenario watches, each with that scenario. */
export function watchedAlertRules(dir: string): (ReturnType<typeof alertRules>[number] & { scenario: string })[] {
  return alertRules(dir).flatMap((r) => (SCENARIO_OF_ALERT[r.alert] ? [{ ...r, scenario: SCENARIO_OF_ALERT[r.alert]! }] : []));
}
