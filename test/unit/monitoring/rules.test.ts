/**
 * The promtool unit tests of the seed's alert rules (test/rules/alerts.rules-test.yml):
 * they pass as written, and deliberately wrong copies of them fail, so that a rule or
 * test change that breaks a threshold cannot pass unnoticed.
 *
 * Skips (with the reason in the test name) while promtool is not built yet; under
 * CI=true it runs anyway and fails if promtool is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { resolveBinary } from '../../../harness/stack/binaries.ts';

const RULES_TEST = join(REPO_ROOT, 'test', 'rules', 'alerts.rules-test.yml');

function findPromtool(): string | undefined {
  try {
    return resolveBinary('promtool').path;
  } catch {
    return undefined;
  }
}
const promtool = findPromtool();
const skip = !promtool && !process.env.CI;
const label = skip ? ' [SKIPPED: promtool not built yet; run `npm run setup`]' : '';

function testRules(file: string): { status: number | null; output: string } {
  if (!promtool) throw new Error('promtool not found: run `npm run setup` (CI requires it)');
  const r = spawnSync(promtool, ['test', 'rules', file], { encoding: 'utf8', timeout: 60_000, cwd: REPO_ROOT });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Doc = any;
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string>; exp_annotations?: Record<string, string> }[];
}

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the rules test, changed by `mutate`, in a temp dir (rule_files made absolute). */
function wrongCopy(mutate: (doc: Doc) => void): string {
  const doc = parseYaml(readFileSync(RULES_TEST, 'utf8')) as Doc;
  doc.rule_files = (doc.rule_files as string[]).map((f) => resolve(dirname(RULES_TEST), f));
  mutate(doc);
  const dir = mkdtempSync(join(tmpdir(), 'mcp-rules-test-'));
  tmpDirs.push(dir);
  const file = join(dir, 'alerts.rules-test.yml');
  writeFileSync(file, stringifyYaml(doc, { aliasDuplicateObjects: false }));
  return file;
}

function group(doc: Doc, alertname: string): Doc {
  const g = (doc.tests as Doc[]).find((t) => (t.alert_rule_test as AlertTest[] | undefined)?.some((a) => a.alertname === alertname));
  if (!g) throw new Error(`no test group for ${alertname}`);
  return g;
}
function alertTest(doc: Doc, alertname: string, evalTime: string): AlertTest {
  const a = (group(doc, alertname).alert_rule_test as AlertTest[]).find((x) => x.alertname === alertname && x.eval_time === evalTime);
  if (!a) throw new Error(`no ${alertname} test at ${evalTime}`);
  return a;
}

describe('promtool test rules', () => {
  it('the rules test file covers all three seed rules', () => {
    const doc = parseYaml(readFileSync(RULES_TEST, 'utf8')) as Doc;
    const names = new Set((doc.tests as Doc[]).flatMap((t) => (t.alert_rule_test as AlertTest[]).map((a) => a.alertname)));
    expect([...names].sort()).toEqual(['HighErrorRate', 'HighLatency', 'ServiceDown']);
    expect(doc.evaluation_interval).toBe('30s');
  });

  it.skipIf(skip)(`test/rules/alerts.rules-test.yml passes${label}`, () => {
    const r = testRules(RULES_TEST);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  const wrong: [string, (doc: Doc) => void][] = [
    [
      'HighLatency firing for the p95 just under 1s',
      (doc) => {
        const at10m = alertTest(doc, 'HighLatency', '10m');
        const over = at10m.exp_alerts[0]!;
        at10m.exp_alerts.push({
          exp_labels: { ...over.exp_labels, instance: 'filesystem-mcp:7002', service: 'filesystem-mcp' },
          exp_annotations: { summary: 'High latency on filesystem-mcp' },
        });
      },
    ],
    [
      'HighLatency firing before its 5m `for` has elapsed',
      (doc) => {
        alertTest(doc, 'HighLatency', '5m').exp_alerts = alertTest(doc, 'HighLatency', '10m').exp_alerts;
      },
    ],
    [
      'ServiceDown firing for the 45s outage, under the 1m `for`',
      (doc) => {
        const at10m = alertTest(doc, 'ServiceDown', '10m');
        const down = at10m.exp_alerts[0]!;
        at10m.exp_alerts.push({
          exp_labels: { ...down.exp_labels, instance: 'filesystem-mcp:7002', service: 'filesystem-mcp' },
          exp_annotations: { summary: 'MCP Service filesystem-mcp is down' },
        });
      },
    ],
    [
      'ServiceDown firing at 30s, before its 1m `for`',
      (doc) => {
        alertTest(doc, 'ServiceDown', '30s').exp_alerts = alertTest(doc, 'ServiceDown', '1m').exp_alerts;
      },
    ],
    [
      'ServiceDown with a wrong rendered summary',
      (doc) => {
        alertTest(doc, 'ServiceDown', '1m').exp_alerts[0]!.exp_annotations = { summary: 'MCP Service {{ $labels.service }} is down' };
      },
    ],
    [
      'HighErrorRate silent for the 4% service (what the seed rule presumably means, not what it does)',
      (doc) => {
        const at10m = alertTest(doc, 'HighErrorRate', '10m');
        at10m.exp_alerts = at10m.exp_alerts.filter((a) => a.exp_labels.service !== 'filesystem-mcp');
      },
    ],
    [
      'HighErrorRate firing before its 5m `for` has elapsed',
      (doc) => {
        alertTest(doc, 'HighErrorRate', '5m').exp_alerts = alertTest(doc, 'HighErrorRate', '5m30s').exp_alerts;
      },
    ],
  ];

  it.skipIf(skip).each(wrong)(`a wrong copy fails: %s${label}`, (_name, mutate) => {
    const r = testRules(wrongCopy(mutate));
    expect(r.status, r.output).not.toBe(0);
    expect(r.output).toContain('FAILED');
  });

  it.skipIf(skip)(`an unchanged copy in a temp dir passes (the mutation harness itself is sound)${label}`, () => {
    const r = testRules(wrongCopy(() => undefined));
    expect(r.status, r.output).toBe(0);
  });
});
