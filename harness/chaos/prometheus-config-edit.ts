/**
 * An edit of the run's rendered Prometheus config (never the user's folder): scrape jobs
 * and rule groups added, checked with promtool, then POST /-/reload. Clearing puts the
 * rendered files back exactly and reloads again. The originals live in the handle.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse, parseDocument } from 'yaml';
import { dirname, resolve } from 'node:path';
import { PrometheusClient } from '../../assertions/prometheus.ts';
import { resolveBinary } from '../stack/binaries.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { FaultModule } from './fault-module.ts';

export interface PrometheusConfigEditParams {
  /** Scrape configs to append; a function when they name this run's ports. */
  scrapeConfigs?: unknown[] | ((env: EnvironmentHandle) => unknown[]);
  /** Rule groups to append to the first rule file. */
  ruleGroups?: unknown[];
}

type Originals = Map<string, string>;

export const prometheusConfigEdit: FaultModule<PrometheusConfigEditParams> = {
  kind: 'config-edit',
  describe: (p) => {
    const jobs = (Array.isArray(p.scrapeConfigs) ? p.scrapeConfigs : []).map((c) => (c as { job_name?: string }).job_name).filter(Boolean);
    const groups = (p.ruleGroups ?? []).map((g) => (g as { name?: string }).name);
    return `edit the rendered Prometheus config${jobs.length ? ` (+ jobs ${jobs.join(', ')})` : ''}${groups.length ? ` (+ rule groups ${groups.join(', ')})` : ''}, promtool check config, POST /-/reload`;
  },
  async inject(ctx, p): Promise<Originals> {
    const files = ctx.env.stack.config.files;
    const ruleFile = files.ruleFiles[0];
    if (p.ruleGroups?.length && !ruleFile) throw new Error('the rendered config has no rule file to add a group to');
    const touched = [files.prometheus, ...(p.ruleGroups?.length ? [ruleFile!] : [])];
    const originals: Originals = new Map(touched.map((f) => [f, readFileSync(f, 'utf8')]));
    const scrape = typeof p.scrapeConfigs === 'function' ? p.scrapeConfigs(ctx.env) : (p.scrapeConfigs ?? []);
    if (scrape.length) {
      const doc = parseDocument(originals.get(files.prometheus)!);
      for (const c of scrape) doc.addIn(['scrape_configs'], doc.createNode(c));
      writeFileSync(files.prometheus, doc.toString());
    }
    if (p.ruleGroups?.length) {
      const doc = parseDocument(originals.get(ruleFile!)!);
      for (const g of p.ruleGroups) doc.addIn(['groups'], doc.createNode(g));
      writeFileSync(ruleFile!, doc.toString());
    }
    try {
      // What Prometheus will be given must be valid before it is given it.
      const promtool = (args: string[]) => promisify(execFile)(resolveBinary('promtool').path, args, { timeout: 30_000 });
      // On the containers backend the config names its rule files by their container paths:
      // promtool checks its syntax here, and the rule files through their rendered copies.
      const containerPaths = ruleFilesNamed(readFileSync(files.prometheus, 'utf8')).some((f) => !f.includes('*') && !existsSync(resolve(dirname(files.prometheus), f)));
      if (containerPaths) {
        await promtool(['check', 'config', '--syntax-only', files.prometheus]);
        if (files.ruleFiles.length) await promtool(['check', 'rules', ...files.ruleFiles]);
      } else await promtool(['check', 'config', files.prometheus]);
    } catch (e) {
      restore(originals);
      throw new Error(`promtool rejected the edited config: ${(e as { stdout?: string; stderr?: string }).stderr || (e as Error).message}`);
    }
    await new PrometheusClient(ctx.env.stack.url('prometheus')).reload();
    return originals;
  },
  async clear(ctx, _p, handle) {
    const originals = handle as Originals | undefined;
    if (!originals) return;
    restore(originals);
    await new PrometheusClient(ctx.env.stack.url('prometheus')).reload();
  },
};

/** The config's rule_files entries, as written (relative ones are relative to the config's folder). */
function ruleFilesNamed(text: string): string[] {
  const doc = (parse(text) ?? {}) as { rule_files?: unknown[] };
  return (doc.rule_files ?? []).filter((f): f is string => typeof f === 'string');
}

function restore(originals: Originals): void {
  for (const [f, text] of originals) writeFileSync(f, text);
}
