/**
 * The mutation operators on the two bundled folders: each mutant, applied to its own copy,
 * changes its one file, in the intended place only (a diff of nothing but the mutation),
 * and the copy still loads (YAML/JSON, rule PromQL, the preflight with promtool and amtool).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { structuredPatch } from 'diff';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { preflight } from '../../../harness/check/run.ts';
import { parseQuery } from '../../../assertions/query-language.ts';
import { ruleFilesOf } from '../../../harness/mutate/operator.ts';
import { OPERATORS } from '../../../harness/mutate/operators/index.ts';
import { nudgeThreshold } from '../../../harness/mutate/operators/threshold-nudge.ts';
import { breakFirstSelector } from '../../../harness/mutate/operators/selector-break.ts';
import { renameMetric } from '../../../harness/mutate/operators/panel-metric-typo.ts';
import { misspellLabel } from '../../../harness/mutate/operators/annotation-missing-label.ts';
import { setScalar } from '../../../harness/mutate/operators/yaml-text.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed config files */

const FOLDERS = ['monitoring', 'monitoring-victorialogs'];
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function copyOf(folder: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mutate-op-'));
  temps.push(dir);
  cpSync(join(REPO_ROOT, folder), dir, { recursive: true });
  return dir;
}

/** Every file of a folder, relative, sorted. */
const filesOf = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();

const parsed = (file: string, text: string): any => (file.endsWith('.json') ? JSON.parse(text) : parse(text));
const rule = (o: any, alert: string): any => o.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === alert);
const job = (o: any, name: string): any => o.scrape_configs.find((j: any) => j.job_name === name);
const panel = (o: any, title: string): any => o.panels.find((p: any) => p.title === title);

interface Expected {
  /** Changed lines in file order: a '-' line holding `from` and a '+' line that is it with `from` written `to`. */
  lines?: [string, string][];
  /** Lines only added. */
  added?: string[];
  /** Only '-' lines, the first of the removed block's lines being this one. */
  removedFrom?: string;
  /** The parsed mutant is the parsed original with this edit, and nothing else. */
  edit: (o: any) => void;
}

const nudge = (alert: string, from: string, to: string): Expected => ({ lines: [[from, to]], edit: (o) => (rule(o, alert).expr = rule(o, alert).expr.replace(from, to)) });
const stretch = (alert: string, from: string, to: string): Expected => ({ lines: [[`for: ${from}`, `for: ${to}`]], edit: (o) => (rule(o, alert).for = to) });
const misspelt = (alert: string): Expected => ({ lines: [['$labels.service', '$labels.servce']], edit: (o) => (rule(o, alert).annotations.summary = rule(o, alert).annotations.summary.replace('$labels.service', '$labels.servce')) });
const RELABEL = { action: 'labeldrop', regex: 'service_group' };

/** What each mutant of the bundled folders must change, by mutant id. */
const EXPECTED: Record<string, Expected> = {
  'threshold-nudge:HighErrorRate': nudge('HighErrorRate', '> 0.05', '> 0.035'),
  'threshold-nudge:HighLatency': nudge('HighLatency', '> 1', '> 0.7'),
  'for-stretch:ServiceDown': stretch('ServiceDown', '1m', '10m'),
  'for-stretch:HighErrorRate': stretch('HighErrorRate', '5m', '50m'),
  'for-stretch:HighLatency': stretch('HighLatency', '5m', '50m'),
  'selector-break:ServiceDown': nudge('ServiceDown', 'job=~"mcp-.*"', 'job=~"mutant-mcp-.*"'),
  'selector-break:HighErrorRate': nudge('HighErrorRate', 'status=~"5.."', 'status=~"mutant-5.."'),
  'selector-break:HighLatency': nudge('HighLatency', 'http_request_duration_seconds_bucket[', 'http_request_duration_seconds_bucket_mutant['),
  'scrape-job-drop:mcp-core-services': { removedFrom: '  # 10 core services', edit: (o) => (o.scrape_configs = o.scrape_configs.filter((j: any) => j.job_name !== 'mcp-core-services')) },
  'relabel-drop-label:mcp-core-services': { added: ['    relabel_configs:', '      - action: labeldrop', '        regex: service_group'], edit: (o) => (job(o, 'mcp-core-services').relabel_configs = [RELABEL]) },
  'datasource-uid:mcp-overview/Service Health Status/A': { lines: [['"uid": "prometheus"', '"uid": "prometheus-mutant"']], edit: (o) => (panel(o, 'Service Health Status').targets[0].datasource.uid = 'prometheus-mutant') },
  'panel-metric-typo:mcp-overview/Request Rate/A': { lines: [['rate(http_requests_total{', 'rate(http_requests_totl{']], edit: (o) => (panel(o, 'Request Rate').targets[0].expr = panel(o, 'Request Rate').targets[0].expr.replace('http_requests_total', 'http_requests_totl')) },
  'route-no-integration:root': {
    lines: [['receiver: mcp-oncall', 'receiver: nowhere']],
    added: ['  - name: nowhere'],
    edit: (o) => {
      o.route.receiver = 'nowhere';
      o.receivers.push({ name: 'nowhere' });
    },
  },
  'retention-change:loki': { lines: [['retention_period: 168h', 'retention_period: 72h']], edit: (o) => (o.limits_config.retention_period = '72h') },
  'retention-change:victorialogs': { lines: [['retentionPeriod: 7d', 'retentionPeriod: 3d']], edit: (o) => (o.flags.retentionPeriod = '3d') },
  'interval-change:global': { lines: [['scrape_interval: 15s', 'scrape_interval: 1m']], edit: (o) => (o.global.scrape_interval = '1m') },
  'ingestion-limit-cut:loki': {
    lines: [
      ['ingestion_rate_mb: 16', 'ingestion_rate_mb: 1'],
      ['ingestion_burst_size_mb: 32', 'ingestion_burst_size_mb: 2'],
    ],
    edit: (o) => {
      o.limits_config.ingestion_rate_mb = 1;
      o.limits_config.ingestion_burst_size_mb = 2;
    },
  },
  'annotation-missing-label:ServiceDown': misspelt('ServiceDown'),
  'annotation-missing-label:HighErrorRate': misspelt('HighErrorRate'),
  'annotation-missing-label:HighLatency': misspelt('HighLatency'),
};

const proposed = FOLDERS.map((folder) => {
  const source = copyOf(folder);
  return { folder, source, byOperator: OPERATORS.map((op) => ({ op, mutants: op.mutants(source) })) };
});

describe('the operator list', () => {
  it('has the twelve operators, in order, each named as its id prefix', () => {
    expect(OPERATORS.map((o) => o.name)).toEqual(['threshold-nudge', 'for-stretch', 'selector-break', 'scrape-job-drop', 'relabel-drop-label', 'datasource-uid', 'panel-metric-typo', 'route-no-integration', 'retention-change', 'interval-change', 'ingestion-limit-cut', 'annotation-missing-label']);
    for (const p of proposed) for (const { op, mutants } of p.byOperator) for (const m of mutants) expect(m.id.startsWith(`${op.name}:`) && m.operator === op.name).toBe(true);
  });

  it('every operator proposes a mutant on at least one bundled folder, and each one a scenario', () => {
    for (const op of OPERATORS) expect(proposed.some((p) => p.byOperator.find((b) => b.op === op)!.mutants.length > 0), op.name).toBe(true);
    for (const p of proposed) for (const { mutants } of p.byOperator) for (const m of mutants) expect(m.scenarios.length, m.id).toBeGreaterThan(0);
  });

  it('proposes no ingestion-limit mutant on the VictoriaLogs folder (it has no rate limit), one on the Loki folder', () => {
    const count = (folder: string) => proposed.find((p) => p.folder === folder)!.byOperator.find((b) => b.op.name === 'ingestion-limit-cut')!.mutants.length;
    expect(count('monitoring-victorialogs')).toBe(0);
    expect(count('monitoring')).toBe(1);
  });

  it('gives every mutant of a folder its own id, and reads the folder without writing to it', () => {
    for (const p of proposed) {
      const ids = p.byOperator.flatMap((b) => b.mutants.map((m) => m.id));
      expect(new Set(ids).size).toBe(ids.length);
      for (const f of filesOf(p.source)) expect(readFileSync(join(p.source, f)).equals(readFileSync(join(REPO_ROOT, p.folder, f))), f).toBe(true);
    }
  });

  it('the bundled folders load before any mutation (so a finding below is the mutant\'s)', () => {
    for (const p of proposed) expect(preflight(p.source)).toEqual([]);
  });
});

for (const { folder, source, byOperator } of proposed) {
  // An operator with nothing to mutate here (ingestion-limit-cut on VictoriaLogs) is covered above.
  for (const { op, mutants } of byOperator.filter((b) => b.mutants.length > 0)) {
    describe(`${op.name} on ${folder}`, () => {
      for (const m of mutants) {
        let dir: string | undefined;
        /** A fresh copy of the folder with this mutant applied (once). */
        const mutated = (): string => {
          if (!dir) {
            dir = copyOf(folder);
            m.apply(dir);
          }
          return dir;
        };
        const before = (f: string) => readFileSync(join(source, f), 'utf8');
        const after = (f: string) => readFileSync(join(mutated(), f), 'utf8');

        it(`${m.id}: changes ${m.file} and no other file`, () => {
          const d = mutated();
          expect(filesOf(d)).toEqual(filesOf(source));
          const changed = filesOf(d).filter((f) => !readFileSync(join(d, f)).equals(readFileSync(join(source, f))));
          expect(changed).toEqual([m.file]);
        });

        it(`${m.id}: changes ${m.file} in the intended place only`, () => {
          const e = EXPECTED[m.id];
          expect(e, `an expectation for ${m.id}`).toBeDefined();
          const want = parsed(m.file, before(m.file));
          e!.edit(want);
          expect(parsed(m.file, after(m.file))).toEqual(want);

          const lines = structuredPatch(m.file, m.file, before(m.file), after(m.file), undefined, undefined, { context: 0 }).hunks.flatMap((h) => h.lines);
          const minus = lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1));
          const plus = lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1));
          if (e!.removedFrom !== undefined) {
            expect(plus).toEqual([]);
            expect(minus[0]).toBe(e!.removedFrom);
            return;
          }
          const pairs = e!.lines ?? [];
          expect(minus).toHaveLength(pairs.length);
          pairs.forEach(([from], i) => expect(minus[i]).toContain(from));
          expect([...plus].sort()).toEqual([...pairs.map(([from, to], i) => minus[i]!.replace(from, to)), ...(e!.added ?? [])].sort());
        });

        it(`${m.id}: still loads (YAML/JSON, rule PromQL, preflight)`, () => {
          const d = mutated();
          for (const f of filesOf(d)) {
            if (f.endsWith('.json')) expect(() => JSON.parse(after(f)), f).not.toThrow();
            if (/\.ya?ml$/.test(f)) expect(() => parse(after(f)), f).not.toThrow();
          }
          for (const f of ruleFilesOf(d)) {
            for (const g of (parse(after(f)) as any).groups ?? []) for (const r of g.rules ?? []) expect(parseQuery('promql', String(r.expr)).ok, `${f}: ${r.expr}`).toBe(true);
          }
          expect(preflight(d)).toEqual([]);
        });
      }
    });
  }
}

describe('the PromQL edits, on the syntax tree', () => {
  it('nudges only a trailing > or >= number', () => {
    expect(nudgeThreshold('x / y > 0.05')).toMatchObject({ expr: 'x / y > 0.035', from: '0.05', to: '0.035' });
    expect(nudgeThreshold('x >= 10')?.expr).toBe('x >= 7');
    expect(nudgeThreshold('x > 1 and y')).toBeUndefined();
    expect(nudgeThreshold('x < 1')).toBeUndefined();
    expect(nudgeThreshold('x > bool 1')).toBeUndefined();
    expect(nudgeThreshold('x > 0')).toBeUndefined();
  });

  it('breaks the first selector: its first positive matcher, else its metric name, and the result parses', () => {
    const cases: [string, string][] = [
      ['up{job=~"mcp-.*"} == 0', 'up{job=~"mutant-mcp-.*"} == 0'],
      ['rate(a{job="x"}[5m]) / rate(b{job="y"}[5m])', 'rate(a{job="mutant-x"}[5m]) / rate(b{job="y"}[5m])'],
      ['up{job=~"a|b"}', 'up{job=~"mutant-(?:a|b)"}'],
      ["up{job!='x', env='prod'}", "up{job!='x', env='mutant-prod'}"],
      ['up{job!="x"}', 'up_mutant{job!="x"}'],
      ['histogram_quantile(0.9, rate(h_bucket[5m])) > 1', 'histogram_quantile(0.9, rate(h_bucket_mutant[5m])) > 1'],
      ['{"my.metric", job!="x"}', '{"my.metric_mutant", job!="x"}'],
      ['{job!="x"}', '{mutant="mutant", job!="x"}'],
    ];
    for (const [from, to] of cases) {
      expect(breakFirstSelector(from)?.expr, from).toBe(to);
      expect(parseQuery('promql', to).ok, to).toBe(true);
    }
    expect(breakFirstSelector('vector(1)')).toBeUndefined();
  });

  it('renames a metric where it is a selector name, not inside strings or other names', () => {
    expect(renameMetric('sum(rate(http_requests_total{a="http_requests_total"}[5m])) / sum(http_requests_total_x)', 'http_requests_total', 'http_requests_totl')).toBe('sum(rate(http_requests_totl{a="http_requests_total"}[5m])) / sum(http_requests_total_x)');
    expect(renameMetric('up', 'http_requests_total', 'x')).toBeUndefined();
  });

  it('misspells $labels.service, not $labels.service_group', () => {
    expect(misspellLabel('{{ $labels.service }} in {{ $labels.service_group }}')).toBe('{{ $labels.servce }} in {{ $labels.service_group }}');
    expect(misspellLabel('{{ $labels.service_group }}')).toBeUndefined();
  });
});

describe('setScalar', () => {
  const write = (text: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'mutate-yaml-'));
    temps.push(dir);
    writeFileSync(join(dir, 'f.yml'), text);
    return dir;
  };
  const read = (dir: string) => readFileSync(join(dir, 'f.yml'), 'utf8');

  it('rewrites one scalar in its own quoting and leaves every other byte', () => {
    const text = "# c\na: [ 'x' ]   # padded\nb: \"q {{ $v }}\"\nc: 'it''s'\nd: plain\nn: 16\n";
    const dir = write(text);
    setScalar(dir, 'f.yml', ['b'], 'r {{ $w }}');
    setScalar(dir, 'f.yml', ['c'], "it''s not");
    setScalar(dir, 'f.yml', ['d'], 'a: b');
    setScalar(dir, 'f.yml', ['n'], 1);
    expect(read(dir)).toBe("# c\na: [ 'x' ]   # padded\nb: \"r {{ $w }}\"\nc: 'it''''s not'\nd: \"a: b\"\nn: 1\n");
  });

  it('keeps a block scalar a block scalar', () => {
    const dir = write('expr: |\n  sum(x)\n    > 1\nfor: 5m\n');
    setScalar(dir, 'f.yml', ['expr'], 'sum(x)\n  > 0.7\n');
    expect(read(dir)).toBe('expr: |\n  sum(x)\n    > 0.7\nfor: 5m\n');
  });
});
