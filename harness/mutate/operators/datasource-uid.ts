/**
 * One dashboard query pointed at a Prometheus datasource uid that is not provisioned
 * (`prometheus` → `prometheus-mutant`): the dashboard still loads, and that panel shows
 * "datasource not found" instead of data, as after a datasource is re-created under a
 * new uid. The dashboards scenario, which evaluates every panel as Grafana would, should
 * notice.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editJson, readYaml, type MutationOperator } from '../operator.ts';

export const DATASOURCES_DIR = 'grafana/provisioning/datasources';
export const DASHBOARDS_DIR = 'grafana/provisioning/dashboards';

/* eslint-disable @typescript-eslint/no-explicit-any -- dashboards are untyped JSON */

/** The uids of the folder's provisioned Prometheus datasources. */
export function prometheusUids(dir: string): Set<string> {
  const files = existsSync(join(dir, DATASOURCES_DIR)) ? readdirSync(join(dir, DATASOURCES_DIR)).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const all = files.flatMap((f) => ((readYaml(dir, `${DATASOURCES_DIR}/${f}`)?.toJS() as { datasources?: { type?: unknown; uid?: unknown }[] } | undefined)?.datasources ?? []));
  return new Set(all.flatMap((d) => (d?.type === 'prometheus' && typeof d.uid === 'string' ? [d.uid] : [])));
}

/** The dashboard JSON files under grafana/provisioning/dashboards, relative to the folder, sorted. */
export function dashboardFiles(dir: string): string[] {
  if (!existsSync(join(dir, DASHBOARDS_DIR))) return [];
  return readdirSync(join(dir, DASHBOARDS_DIR), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json')).sort().map((f) => `${DASHBOARDS_DIR}/${f}`);
}

export interface DashboardTarget {
  file: string;
  dashboard: string;
  panel: string;
  target: any;
  /** Where the target is in the dashboard JSON: ['panels', 1, 'targets', 0], or through a row's panels. */
  path: (string | number)[];
}

/** Every panel target of every dashboard, in file and panel order (a row's nested panels after the row). */
export function dashboardTargets(dir: string): DashboardTarget[] {
  return dashboardFiles(dir).flatMap((file) => {
    let json: any;
    try {
      json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch {
      return [];
    }
    const out: DashboardTarget[] = [];
    const walk = (panels: unknown, at: (string | number)[]) => {
      if (!Array.isArray(panels)) return;
      panels.forEach((p: any, i) => {
        if (Array.isArray(p?.targets)) p.targets.forEach((t: any, ti: number) => out.push({ file, dashboard: String(json?.uid ?? file), panel: String(p.title ?? ''), target: t, path: [...at, i, 'targets', ti] }));
        walk(p?.panels, [...at, i, 'panels']);
      });
    };
    walk(json?.panels, ['panels']);
    return out;
  });
}

/** The value at `path` of the JSON. */
export function jsonAt(json: unknown, path: (string | number)[]): any {
  return path.reduce<any>((v, k) => v?.[k], json);
}

export const datasourceUid: MutationOperator = {
  name: 'datasource-uid',
  describe: "a dashboard query's Prometheus datasource uid changed to one not provisioned",
  mutants: (dir) => {
    const uids = prometheusUids(dir);
    const t = dashboardTargets(dir).find((x) => typeof x.target?.datasource?.uid === 'string' && uids.has(x.target.datasource.uid));
    if (!t) return [];
    const from = String(t.target.datasource.uid);
    const to = `${from}-mutant`;
    const ref = t.target.refId ?? t.path.at(-1);
    return [
      {
        id: `datasource-uid:${t.dashboard}/${t.panel}/${ref}`,
        operator: 'datasource-uid',
        file: t.file,
        description: `panel "${t.panel}" query ${ref} datasource uid ${from} → ${to}`,
        scenarios: ['dashboards'],
        apply: (copy: string) =>
          editJson(copy, t.file, (json) => {
            jsonAt(json, t.path).datasource.uid = to;
          }),
      },
    ];
  },
};
