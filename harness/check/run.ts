/**
 * `npm run check`: the seed's monitoring health check, done with the real tools. Every
 * check runs (one broken file does not hide the others' findings); a check that cannot
 * run because an earlier one found its input broken says so and why.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError } from '../lib/errors.ts';
import { renderMonitoringConfig, type RenderedConfig } from '../render/render.ts';
import { buildTopology } from '../plan/topology.ts';
import { checkCompose } from './compose.ts';
import { checkGrafana } from './dashboards.ts';
import { checkFiles, ruleFileEntries } from './files.ts';
import { checkRuleExpressions } from './rule-exprs.ts';
import { checkPromises } from './promises.ts';
import { loadPromiseSpec } from '../spec/promise-spec.ts';
import { formatFinding, type Finding } from './findings.ts';
import { checkScrapeConfig, scrapeTargets } from './scrape.ts';
import { detectLogPipeline } from '../plan/log-pipeline.ts';
import { runToolCheck, toolCheckNames, toolChecks, toolFindings, unavailableReason } from './tools.ts';

export interface CheckOptions {
  monitoringDir: string;
  compose?: string;
  /** Paths in messages are relative to this (default: the current directory). */
  displayRoot?: string;
  /** The dashboard the seed promises (uid). */
  seedDashboardUid?: string;
}

export interface CheckResult {
  name: string;
  findings: Finding[];
  /** Why the check could not run, if it could not. */
  skipped?: string;
  /** What it ran, for the report (tool commands). */
  detail?: string;
  /** The tool failed, though its findings were all reported by an earlier check already. */
  failedAsAbove?: boolean;
}


/** Tools the issue asks for whose Go modules the proxy reachable here refuses; said, not faked. */
export const UNAVAILABLE_TOOLS: [string, string][] = [
  ['pint (Prometheus rules linter)', 'github.com/cloudflare/pint'],
  ['dashboard-linter (Grafana)', 'github.com/grafana/dashboard-linter'],
];

export function runChecks(o: CheckOptions): CheckResult[] {
  const dir = resolve(o.monitoringDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError('monitoring folder does not exist', { file: o.monitoringDir, field: '--monitoring-dir', fix: 'point --monitoring-dir at a folder with the seed layout (prometheus/, alertmanager/, loki/, promtail/, grafana/)' });
  const composeFile = o.compose === undefined ? undefined : resolve(o.compose);
  if (composeFile && (!existsSync(composeFile) || !statSync(composeFile).isFile())) throw new UsageError('compose file does not exist', { file: o.compose, field: '--compose', fix: 'give the path of a Docker Compose file, or leave --compose out' });
  const root = o.displayRoot ?? process.cwd();
  const show = (f: string): string => {
    const r = relative(root, f);
    return r && !r.startsWith('..') ? r : f;
  };
  const results: CheckResult[] = [];

  const files = checkFiles(dir, show);
  results.push({ name: 'config files present and valid YAML/JSON', findings: files.findings });
  const promFile = join(dir, 'prometheus/prometheus.yml');
  const prom = files.docs.get(promFile);

  const ruleFiles = ruleFileEntries(dir, prom).flatMap((r) => (r.local ? [r.local] : []));
  results.push({ name: 'rule expressions parse as PromQL', findings: checkRuleExpressions(ruleFiles, show) });
  const spec = loadPromiseSpec(dir, root);
  results.push({ name: `config keeps the promise (${spec.file ? show(spec.file) : "the seed's numbers: no spec.yml"})`, findings: checkPromises({ monitoringDir: dir, spec, docs: files.docs, ruleFiles, show }) });

  if (prom) results.push({ name: 'required scrape jobs; all 16 MCP services instrumented', findings: checkScrapeConfig(prom, show(promFile), storeJobOf(dir)) });
  else results.push({ name: 'required scrape jobs; all 16 MCP services instrumented', findings: [], skipped: `${show(promFile)} is missing or invalid` });

  const provisioning = join(dir, 'grafana/provisioning');
  const grafanaBroken = files.findings.some((f) => resolve(f.file).startsWith(`${provisioning}/`));
  if (existsSync(provisioning) && !grafanaBroken) results.push({ name: 'dashboards: datasource uids provisioned, queries parse', findings: checkGrafana({ provisioningDir: provisioning, show, seedDashboardUid: o.seedDashboardUid ?? spec.data.dashboard.uid, panels: spec.data.dashboard.panels, promiseWhere: spec.where('dashboard.panels') }) });
  else results.push({ name: 'dashboards: datasource uids provisioned, queries parse', findings: [], skipped: grafanaBroken ? 'a Grafana provisioning file is invalid' : `${show(provisioning)} does not exist` });

  // The tools read a rendered copy: container paths mapped into a temp run directory.
  const runDir = mkdtempSync(join(tmpdir(), 'mcp-check-'));
  try {
    let rendered: RenderedConfig | undefined;
    let renderError: string | undefined;
    try {
      rendered = renderMonitoringConfig({ monitoringDir: dir, topology: buildTopology({ offset: 0, runDir }), timeScale: 1 });
    } catch (e) {
      renderError = e instanceof UsageError ? e.message.split('\n')[0]! : (e as Error).message;
    }
    const checks = rendered ? toolChecks(rendered) : [];
    // One problem, one finding: promtool check config also reports the rule files' problems.
    const reported = new Set<string>();
    const names = toolCheckNames(rendered);
    for (const name of names) {
      if (!rendered) {
        results.push({ name, findings: [], skipped: `the folder could not be rendered for the tools: ${renderError}` });
        continue;
      }
      const mine = checks.filter((c) => c.name === name);
      if (mine.length === 0) {
        results.push({ name, findings: [], skipped: 'nothing to check (no rule files)' });
        continue;
      }
      const missing = mine.map(unavailableReason).find((x) => x !== undefined);
      if (missing) {
        results.push({ name, findings: [], skipped: missing });
        continue;
      }
      const findings: Finding[] = [];
      let failed = false;
      const keyOf = (f: Finding) => `${f.file}\u0000${f.why.replace(/^.*? rejects it: /, '')}`;
      for (const c of mine) {
        const run = runToolCheck(c);
        failed ||= !run.ok;
        findings.push(...toolFindings(c, run, rendered, show).filter((f) => !reported.has(keyOf(f))));
      }
      for (const f of findings) reported.add(keyOf(f));
      results.push({ name, findings, detail: mine.map((c) => show(c.file).replace(show(runDir), '<rendered>')).join(', '), ...(failed && findings.length === 0 ? { failedAsAbove: true } : {}) });
    }
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }

  for (const [tool, module] of UNAVAILABLE_TOOLS) results.push({ name: tool, findings: [], skipped: `not built: the Go module proxy refuses ${module} (403 "This module version is not available.")` });

  if (composeFile) {
    const doc = parseDocument(readFileSync(composeFile, 'utf8'), { merge: true });
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      results.push({ name: 'compose services and ports match the port plan', findings: [{ check: 'docker compose', file: show(composeFile), key: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(document)', why: `invalid YAML: ${e.message.split('\n')[0]}` }] });
    } else {
      results.push({ name: 'compose services and ports match the port plan', findings: checkCompose({ compose: doc.toJS(), file: show(composeFile), scrapeTargets: prom ? scrapeTargets(prom) : [], prometheusFile: show(promFile) }) });
    }
  }
  return results;
}

/**
 * What must hold before a run starts anything: the folder loads (files, YAML/JSON, rule
 * PromQL, dashboard queries, each tool's own check). Only blocking findings: the rest
 * are what the scenarios test.
 */
export function preflight(monitoringDir: string, displayRoot?: string): Finding[] {
  return runChecks({ monitoringDir, displayRoot }).flatMap((r) => r.findings.filter((f) => f.blocking));
}

/** Throws a UsageError listing every blocking finding (file, place, why, fix): the folder cannot be run as it is. */
export function assertLoadable(monitoringDir: string, field = '--monitoring-dir'): void {
  const blocking = preflight(monitoringDir);
  if (!blocking.length) return;
  const list = blocking.map((f) => `  ${formatFinding(f).split('\n').join('\n  ')}`).join('\n');
  throw new UsageError(`cannot be run as it is: ${blocking.length} problem${blocking.length > 1 ? 's' : ''} (nothing was started):\n${list}`, { file: monitoringDir, field, fix: 'correct the files named above (npm run check -- --monitoring-dir DIR shows every finding)' });
}

/** The job that scrapes the folder's log store, or the seed's when the pipeline cannot be told (its files are then reported missing). */
function storeJobOf(dir: string): string {
  try {
    return detectLogPipeline(dir).storeJob;
  } catch {
    return 'loki';
  }
}
