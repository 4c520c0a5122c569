/** Reading a run folder's results.json in tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AssertionResult {
  title: string;
  verdict: 'pass' | 'fail' | 'skipped';
  message: string;
  kind: string;
  timing?: Record<string, number | string>;
}

export interface ScenarioResult {
  name: string;
  verdict: 'pass' | 'fail' | 'error' | 'skipped';
  skipReason?: string;
  assertions: AssertionResult[];
  alertTransitions: { alertname: string; labels: Record<string, string>; state: string; at: string }[];
  notifications: unknown[];
  durationMs: number;
}

export function readScenarioResult(dir: string): ScenarioResult {
  const d = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { scenarios: ScenarioResult[] };
  if (d.scenarios.length !== 1) throw new Error(`expected one scenario in ${dir}, found ${d.scenarios.length}`);
  return d.scenarios[0]!;
}

export function assertion(s: ScenarioResult, titlePart: string): AssertionResult {
  const a = s.assertions.find((x) => x.title.includes(titlePart));
  if (!a) throw new Error(`${s.name}: no assertion titled like "${titlePart}"; have:\n${s.assertions.map((x) => `  ${x.title}`).join('\n')}`);
  return a;
}
