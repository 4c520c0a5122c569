/**
 * The real tools on a rendered copy of the folder (the bundled config names container
 * paths such as /etc/prometheus/alerts.yml; the renderer maps them into a temp run
 * directory): promtool check config and check rules, amtool check-config, and for the
 * log pipeline either `otelcol validate` (built here) or loki -verify-config and promtail
 * -check-syntax (only when the user supplies those AGPL binaries; otherwise skipped out
 * loud). Their messages name the rendered copy; the findings name the file of the folder
 * under test instead.
 *
 * Not run, because their Go modules cannot be had here (the Go module proxy answers
 * 403 "This module version is not available." for github.com/cloudflare/pint and
 * github.com/grafana/dashboard-linter): pint and dashboard-linter.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { RenderedConfig } from '../render/render.ts';
import { findUserSupplied, resolveBinary, userSuppliedComponentOf, type BinaryName } from '../stack/binaries.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import type { Finding } from './findings.ts';

export interface ToolRun {
  tool: string;
  command: string;
  ok: boolean;
  output: string;
}

export interface ToolCheck {
  name: string;
  binary: BinaryName;
  args: string[];
  /** The file it checks: the source file when the tool can read it as written, else the rendered copy. */
  file: string;
  rendered: boolean;
}

export function toolChecks(r: RenderedConfig): ToolCheck[] {
  const source = (rendered: string): string => join(r.sourceDir, relative(r.dir, rendered));
  return [
    // prometheus.yml names /etc/prometheus/alerts.yml: checked on the rendered copy (same lines, paths mapped).
    { name: 'promtool check config', binary: 'promtool', args: ['check', 'config', r.files.prometheus], file: r.files.prometheus, rendered: true },
    // Rule files and the Alertmanager config name no container path: checked as written.
    ...r.files.ruleFiles.map((f) => ({ name: 'promtool check rules', binary: 'promtool' as const, args: ['check', 'rules', source(f)], file: source(f), rendered: false })),
    { name: 'amtool check-config', binary: 'amtool', args: ['check-config', source(r.files.alertmanager)], file: source(r.files.alertmanager), rendered: false },
    ...logPipelineToolChecks(r),
  ];
}

/** The tool names a folder's checks use, in report order. */
export function toolCheckNames(r: RenderedConfig | undefined): string[] {
  const log = r?.logPipeline.store === 'victorialogs' ? ['otelcol validate'] : ['loki -verify-config', 'promtail -check-syntax'];
  return ['promtool check rules', 'promtool check config', 'amtool check-config', ...log];
}

function logPipelineToolChecks(r: RenderedConfig): ToolCheck[] {
  const f = r.files;
  if (f.otelcol) return [{ name: 'otelcol validate', binary: 'otelcol-harness', args: ['validate', '--config', `file:${f.otelcol}`], file: f.otelcol, rendered: true }];
  if (!f.loki || !f.promtail) return [];
  return [
    { name: 'loki -verify-config', binary: 'loki', args: ['-verify-config', `-config.file=${f.loki}`], file: f.loki, rendered: true },
    { name: 'promtail -check-syntax', binary: 'promtail', args: ['-check-syntax', `-config.file=${f.promtail}`], file: f.promtail, rendered: true },
  ];
}

/** Why a tool cannot run here (a user-supplied binary nobody supplied), or undefined when it can. */
export function unavailableReason(c: ToolCheck): string | undefined {
  const owner = userSuppliedComponentOf(c.binary);
  if (!owner || findUserSupplied(c.binary)) return undefined;
  return `${c.binary} is ${owner[1].license} and user-supplied, and none was found: ${owner[1].how}`;
}

/** Runs one tool; a missing binary is the UsageError resolveBinary throws (fix: npm run setup). */
export function runToolCheck(c: ToolCheck): ToolRun {
  const bin = resolveBinary(c.binary);
  const r = spawnSync(bin.path, c.args, { encoding: 'utf8', timeout: 60_000, cwd: REPO_ROOT });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim();
  return { tool: c.name, command: `${c.binary} ${c.args.join(' ')}`, ok: r.status === 0, output };
}

/** The line of the first occurrence of a quoted value from a message, in a file (1-based). */
function lineOfQuotedValue(file: string, message: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  // The most specific value first: `unknown unit " s" in duration "15 s"` → "15 s".
  const values = [...message.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.trim()).filter((v) => v.length >= 2).sort((a, b) => b.length - a.length);
  for (const v of values) {
    const i = lines.findIndex((l) => l.includes(v));
    if (i >= 0) return i + 1;
  }
  return undefined;
}

/**
 * Turns a failed tool run into findings against the source files: one per distinct
 * message, attributed to the file the message names (promtool check config reports a
 * rule file's problems under that rule file), with the line when the message gives one
 * or names a value that appears in the file.
 */
export function toolFindings(c: ToolCheck, run: ToolRun, r: RenderedConfig, show: (f: string) => string): Finding[] {
  if (run.ok) return [];
  const toSource = (text: string): string => text.split(r.dir).join(show(r.sourceDir));
  const own = show(c.rendered ? join(r.sourceDir, relative(r.dir, c.file)) : c.file);
  const parsed: { file: string; message: string }[] = [];
  for (const line of toSource(run.output).split('\n')) {
    // amtool puts its verdict on the "Checking" line: "Checking 'f.yml'  FAILED: undefined receiver ...".
    const raw = line.replace(/^Checking '[^']*'\s+(?=FAILED)/, '');
    const l = raw.trim();
    if (!l || /^Checking /.test(l) || /SUCCESS/.test(l) || /^level=info/.test(l) || /^FAILED:?$/.test(l) || /^amtool: error: failed to validate/.test(l)) continue;
    const prev = parsed.at(-1);
    // An indented line after one ending in ":" continues it ("yaml: unmarshal errors:\n  line 20: ...").
    if (prev && /^\s/.test(raw) && prev.message.endsWith(':')) {
      prev.message = `${prev.message} ${l}`;
      continue;
    }
    const m = /^(\S+?\.(?:ya?ml|json)):\s*(.+)$/.exec(l.replace(/^FAILED:\s*/, ''));
    parsed.push(m ? { file: isAbsolute(m[1]!) ? show(m[1]!) : m[1]!, message: m[2]! } : { file: own, message: l.replace(/^FAILED:\s*/, '') });
  }
  const messages = new Map(parsed.map((p) => [`${p.file}\u0000${p.message}`, p]));
  if (messages.size === 0) messages.set('', { file: own, message: `exited non-zero without a message: ${run.output.slice(0, 300)}` });
  return [...messages.values()].map(({ file, message }) => {
    const given = /line (\d+)/.exec(message)?.[1] ?? /^(\d+):\d+:/.exec(message)?.[1];
    const renderedCopy = c.rendered && file === own;
    const line = given ? Number(given) : lineOfQuotedValue(file, message);
    const key = line ? (renderedCopy && given ? `line ${line} of the rendered copy` : `line ${line}`) : '(file)';
    return { check: c.name, file, key, why: `${c.name} rejects it: ${message}`, blocking: true };
  });
}
