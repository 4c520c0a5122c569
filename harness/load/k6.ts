/**
 * Runs a k6 script as a child process and returns its end-of-test summary. k6 is AGPL, so
 * this project never builds, downloads or ships it: it runs only a k6 the user supplies
 * (K6_BIN, or k6 on PATH). Load goes to loopback only: every URL is checked before k6 starts.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBinary } from '../stack/binaries.ts';
import { assertLoopback, assertWithinLimits, parsePlan, type LoadPlanInput, type PlanLimits } from './plan.ts';
import { renderK6Script, type K6ScriptOptions } from './k6-script.ts';

export { assertLoopback } from './plan.ts';

export interface K6Summary {
  metrics: Record<string, { values: Record<string, number> }>;
}

/** The user's k6 (K6_BIN, else k6 on PATH): AGPL-3.0, so never built here; the error says how to supply it. */
export function k6Binary(): string {
  return resolveBinary('k6').path;
}

export async function runK6(script: string, env: Record<string, string>, urls: string[]): Promise<K6Summary> {
  for (const u of urls) assertLoopback(u);
  const bin = k6Binary();
  const dir = mkdtempSync(join(tmpdir(), 'k6-'));
  try {
    const summary = join(dir, 'summary.json');
    await execa(bin, ['run', '--quiet', '--no-usage-report', '--summary-export', summary, script], { env: { ...env, K6_NO_USAGE_REPORT: 'true' }, stdout: 'inherit', stderr: 'inherit' });
    const raw = JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, Record<string, number>> };
    // --summary-export writes flat metric objects; normalise to { values }.
    return { metrics: Object.fromEntries(Object.entries(raw.metrics).map(([k, v]) => [k, { values: v }])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders a load plan (plan.ts) as a k6 script and runs it with the user's k6, under the same caps as vegeta. */
export async function runK6Plan(input: LoadPlanInput, opts: K6ScriptOptions & Partial<PlanLimits> = {}): Promise<K6Summary> {
  const plan = parsePlan(input);
  assertWithinLimits(plan, opts);
  k6Binary(); // fail before rendering a large script
  const dir = mkdtempSync(join(tmpdir(), 'k6-plan-'));
  try {
    const script = join(dir, 'plan.js');
    writeFileSync(script, renderK6Script(plan, opts));
    return await runK6(script, {}, plan.targets.map((t) => t.url));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
