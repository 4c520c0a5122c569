/**
 * The seed's first promise of its health check: every configuration file present and
 * valid YAML/JSON. The files of the seed's layout, the rule files prometheus.yml names
 * (through the Compose mount /etc/prometheus), and every YAML and JSON file in the folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { REQUIRED_FILES } from '../render/render.ts';
import { logPipelineFiles } from '../plan/log-pipeline.ts';
import { FindingSink, type Finding } from './findings.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export interface ParsedFiles {
  findings: Finding[];
  /** Parsed documents by absolute path (the ones that parsed). */
  docs: Map<string, Json>;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/**
 * Line and column of a JSON syntax error: from the engine's message when it gives a
 * position, else from the YAML parser (JSON is YAML's flow syntax, and it reports where).
 */
function jsonErrorKey(text: string, message: string): string {
  const pos = /position (\d+)/.exec(message);
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return `line ${lc[1]}, column ${lc[2]}`;
  if (!pos) {
    const e = parseDocument(text).errors[0];
    return e?.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(document)';
  }
  const before = text.slice(0, Number(pos[1]));
  const line = before.split('\n').length;
  return `line ${line}, column ${Number(pos[1]) - before.lastIndexOf('\n')}`;
}

export function checkFiles(monitoringDir: string, show: (f: string) => string): ParsedFiles {
  const sink = new FindingSink('config files present and valid', true);
  const docs = new Map<string, Json>();
  for (const f of [...REQUIRED_FILES, ...logPipelineFiles(monitoringDir)]) {
    if (!existsSync(join(monitoringDir, f))) sink.add(show(join(monitoringDir, f)), '(file)', `missing: the seed's layout needs ${f}`, `add ${f} to the monitoring folder`);
  }
  for (const file of walk(monitoringDir)) {
    const text = readFileSync(file, 'utf8');
    if (/\.ya?ml$/.test(file)) {
      const doc = parseDocument(text, { merge: true });
      const e = doc.errors[0];
      if (e) sink.add(show(file), e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(document)', `invalid YAML: ${e.message.split('\n')[0]}`);
      else docs.set(file, doc.toJS());
    } else if (file.endsWith('.json')) {
      try {
        docs.set(file, JSON.parse(text));
      } catch (err) {
        sink.add(show(file), jsonErrorKey(text, (err as Error).message), `invalid JSON: ${(err as Error).message}`);
      }
    }
  }
  const promFile = join(monitoringDir, 'prometheus/prometheus.yml');
  for (const r of ruleFileEntries(monitoringDir, docs.get(promFile))) {
    if (!r.local) sink.add(show(promFile), `rule_files[${r.index}]`, `${r.path} is outside the folders Compose mounts (/etc/prometheus is prometheus/)`);
    else if (!existsSync(r.local)) sink.add(show(promFile), `rule_files[${r.index}]`, `${r.path} does not exist in the folder (looked for ${show(r.local)})`, 'add the rule file or remove the entry');
  }
  return { findings: sink.findings, docs };
}

/** prometheus.yml's rule_files, each with the folder file it names through the Compose mount (globs skipped: they may match nothing). */
export function ruleFileEntries(monitoringDir: string, prom: Json): { index: number; path: string; local?: string }[] {
  return ((prom?.rule_files ?? []) as unknown[]).flatMap((r, index) => {
    const path = String(r);
    if (/[*?[]/.test(path)) return [];
    const local = path.startsWith('/etc/prometheus/') ? join(monitoringDir, 'prometheus', path.slice('/etc/prometheus/'.length)) : isAbsolute(path) ? undefined : join(monitoringDir, 'prometheus', path);
    return [{ index, path, local }];
  });
}
