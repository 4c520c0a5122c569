/**
 * One mutant, end to end: the folder copied into the run folder, the mutant applied to
 * the copy (never to the user's folder), checked to still load, then the scenarios that
 * can see it run on their own stack through the scenario CLI. The first failing
 * assertion kills it: the run is interrupted there (its rollbacks still play) to save
 * the rest of the scenario's time.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { execa } from 'execa';
import { preflight } from '../check/run.ts';
import { formatFinding } from '../check/findings.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import type { Mutant } from './operator.ts';
import type { AbsentComponent } from '../stack/components.ts';

export type MutantStatus = 'killed' | 'survived' | 'skipped' | 'invalid' | 'error';

export interface MutantOutcome {
  mutant: Mutant;
  status: MutantStatus;
  /** killed: which scenario and assertion noticed; survived/skipped/invalid/error: why. */
  detail: string;
  /** The unified diff of the mutant against the original file. */
  diff: string;
  durationMs: number;
  /** Whether a stack was started for it. */
  startedStack: boolean;
  runDir: string;
}

export interface ScenarioRunOptions {
  timeScale: number;
  portOffset: number;
  seed: number;
  /** Each line the scenario CLI prints (for progress). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface ScenarioRunResult {
  exitCode: number;
  /** The first failing assertion line the run printed, if any. */
  firstFailure?: string;
  /** Scenarios skipped for an unmet requirement, with why. */
  skipped: string[];
  scenarios: { name: string; verdict: string }[];
}

const CLI = join(REPO_ROOT, 'harness/cli/scenario.ts');

/** Runs scenarios on a folder in a child scenario CLI; with `stopAtFirstFailure`, interrupts it at the first failed assertion. */
export async function runScenarios(monitoringDir: string, scenarios: string[], out: string, o: ScenarioRunOptions & { stopAtFirstFailure: boolean }): Promise<ScenarioRunResult> {
  const child = execa(process.execPath, ['--import', 'tsx', CLI, ...scenarios, '--monitoring-dir', monitoringDir, '--time-scale', String(o.timeScale), '--port-offset', String(o.portOffset), '--seed', String(o.seed), '--out', out, '--reporter', 'list,json'], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
    cancelSignal: o.signal,
    gracefulCancel: false,
    killSignal: 'SIGINT',
    env: { NO_COLOR: '1' },
  });
  let firstFailure: string | undefined;
  let pending = '';
  child.all?.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      o.onLine?.(line);
      // The list reporter marks a failed assertion "✗ <title>" and a failed scenario "✘ FAIL".
      if (!firstFailure && /^\S*\s+✗ /.test(line)) {
        firstFailure = line.replace(/^\S*\s+✗ /, '').trim();
        if (o.stopAtFirstFailure) child.kill('SIGINT');
      }
    }
  });
  const r = await child;
  const scenarioResults = readResults(out, scenarios.length > 1);
  const skipped = scenarioResults.filter((s) => s.verdict === 'skipped').map((s) => `${s.name}: ${s.skipReason ?? 'skipped'}`);
  return { exitCode: r.exitCode ?? 1, firstFailure, skipped, scenarios: scenarioResults.map(({ name, verdict }) => ({ name, verdict })) };
}

function readResults(out: string, several: boolean): { name: string; verdict: string; skipReason?: string }[] {
  const files = several && existsSync(out) ? listDirs(out).map((d) => join(out, d, 'results.json')) : [join(out, 'results.json')];
  return files.filter(existsSync).flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { scenarios: { name: string; verdict: string; skipReason?: string }[] }).scenarios);
}

function listDirs(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
}

export function mutantDir(workDir: string, m: Mutant): string {
  return join(workDir, m.id.replace(/[^A-Za-z0-9._-]+/g, '_'));
}

/**
 * A mutant of a component this run cannot start (a user-supplied Loki that was not
 * supplied) cannot be seen by any scenario here: it is skipped, with why, not "survived".
 */
export function absentComponentOf(m: Mutant, absent: readonly AbsentComponent[]): AbsentComponent | undefined {
  const top = m.file.split('/')[0];
  return absent.find((a) => a.name === top);
}

export async function runMutant(m: Mutant, sourceDir: string, workDir: string, o: ScenarioRunOptions & { absent?: readonly AbsentComponent[] }): Promise<MutantOutcome> {
  const t0 = Date.now();
  const dir = mutantDir(workDir, m);
  const copy = join(dir, 'monitoring');
  mkdirSync(dir, { recursive: true });
  cpSync(sourceDir, copy, { recursive: true });
  m.apply(copy);
  const diff = createTwoFilesPatch(`a/${m.file}`, `b/${m.file}`, readFileSync(join(sourceDir, m.file), 'utf8'), readFileSync(join(copy, m.file), 'utf8'), undefined, undefined, { context: 2 });
  const base = { mutant: m, diff, runDir: dir };
  const gone = absentComponentOf(m, o.absent ?? []);
  if (gone) return { ...base, status: 'skipped', detail: `not run: ${gone.reason}; to supply it: ${gone.how}`, durationMs: Date.now() - t0, startedStack: false };
  const unloadable = preflight(copy, dir);
  if (unloadable.length) return { ...base, status: 'invalid', detail: `the mutant does not load (an operator bug): ${unloadable.map(formatFinding).join('; ')}`, durationMs: Date.now() - t0, startedStack: false };
  const r = await runScenarios(copy, m.scenarios, join(dir, 'run'), { ...o, stopAtFirstFailure: true });
  const durationMs = Date.now() - t0;
  const failedScenario = r.scenarios.find((s) => s.verdict === 'fail' || s.verdict === 'error' || s.verdict === 'interrupted');
  if (r.firstFailure) return { ...base, status: 'killed', detail: `killed by ${failedScenario?.name ?? m.scenarios.join(', ')}: ${r.firstFailure}`, durationMs, startedStack: true };
  if (r.exitCode === 0 && r.skipped.length === m.scenarios.length) return { ...base, status: 'skipped', detail: `not run: ${r.skipped.join('; ')}`, durationMs, startedStack: true };
  if (r.exitCode === 0) return { ...base, status: 'survived', detail: `no scenario noticed this (${m.scenarios.join(', ')} passed)`, durationMs, startedStack: true };
  // Exit 1 is a kill only when a scenario ran and failed; a run that crashed (a stack that
  // would not start, no results) says nothing about the mutant.
  if (r.exitCode === 1 && failedScenario?.verdict === 'fail') return { ...base, status: 'killed', detail: `killed by ${failedScenario.name} (fail)`, durationMs, startedStack: true };
  if (failedScenario) return { ...base, status: 'error', detail: `${failedScenario.name} ended ${failedScenario.verdict} (exit ${r.exitCode}), not on a failed assertion: see ${join(dir, 'run')}`, durationMs, startedStack: true };
  return { ...base, status: 'error', detail: `the scenario run ended with exit ${r.exitCode} and no scenario result: see ${join(dir, 'run')}`, durationMs, startedStack: true };
}
