/**
 * npm run mutate [-- --monitoring-dir DIR] [--operators a,b] [--scenarios x,y] [--time-scale F]
 *
 * Mutation testing of a monitoring suite (after Stryker and PIT, for config): each
 * built-in operator proposes small defects of the folder; each mutant is written into
 * the run folder (never the user's), checked to still load, and the scenarios that can
 * see it run on it. A mutant a scenario fails on is killed; one they all pass is a
 * survivor, reported with its diff: a gap in the scenarios. The unmutated folder runs
 * first and must pass (exit 2 otherwise). Exit 0 when every mutant was killed (or
 * skipped for an absent component), 1 when any survived.
 */
import { Command } from 'commander';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EventBus } from '../events/event-bus.ts';
import { assertLoadable } from '../check/run.ts';
import { scenarioNames } from '../engine/load.ts';
import { OPERATORS } from '../mutate/operators/index.ts';
import { mutantDir, runMutant, runScenarios, type MutantOutcome } from '../mutate/execute.ts';
import { mutantEvents, mutationScore } from '../mutate/events.ts';
import { defaultRunDir } from '../stack/native-stack.ts';
import { absentLogComponents } from '../stack/components.ts';
import { detectLogPipeline } from '../plan/log-pipeline.ts';
import { runCommand, numberOption, onUsageError } from '../lib/cli-errors.ts';
import { UsageError } from '../lib/errors.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { exitCodeOf, installSignalHandlers, interruptedBy } from '../lib/shutdown.ts';
import { createReporters, parseReporterList, REPORTER_NAMES } from '../../reports/registry.ts';

interface MutateOptions {
  monitoringDir?: string;
  operators?: string;
  scenarios?: string;
  timeScale?: string;
  portOffset?: string;
  seed?: string;
  out?: string;
  reporter?: string;
  list?: boolean;
}

function listOption(flag: string, value: string | undefined, known: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = parts.filter((p) => !known.includes(p));
  if (unknown.length || !parts.length) throw new UsageError(`unknown ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}`, { field: flag, fix: `a comma-separated list of: ${known.join(', ')}` });
  return parts;
}

async function main(o: MutateOptions): Promise<void> {
  const sourceDir = resolve(o.monitoringDir ?? join(REPO_ROOT, 'monitoring'));
  const operators = listOption('--operators', o.operators, OPERATORS.map((x) => x.name));
  const scenarioFilter = listOption('--scenarios', o.scenarios, scenarioNames());
  const timeScale = numberOption('--time-scale', o.timeScale, { min: 0.01, max: 1 }) ?? 0.1;
  const portOffset = numberOption('--port-offset', o.portOffset, { integer: true, min: 0, max: 50_000 }) ?? 0;
  const seed = numberOption('--seed', o.seed, { integer: true }) ?? 42;
  const reporters = o.reporter === undefined ? [...REPORTER_NAMES] : parseReporterList(o.reporter).names;
  assertLoadable(sourceDir);

  const mutants = OPERATORS.filter((op) => !operators || operators.includes(op.name))
    .flatMap((op) => op.mutants(sourceDir))
    .filter((m) => !scenarioFilter || m.scenarios.some((s) => scenarioFilter.includes(s)))
    .map((m) => (scenarioFilter ? { ...m, scenarios: m.scenarios.filter((s) => scenarioFilter.includes(s)) } : m));
  if (o.list) {
    for (const m of mutants) console.log(`${m.id.padEnd(40)} ${m.file.padEnd(48)} ${m.description}  [${m.scenarios.join(', ')}]`);
    return;
  }
  if (!mutants.length) throw new UsageError('no mutant to run: no operator applies to this folder with these filters', { field: '--operators / --scenarios', fix: 'widen the filters (npm run mutate -- --list shows the mutants)' });

  const outDir = resolve(o.out ?? defaultRunDir('mutate'));
  const existed = existsSync(outDir);
  let started = false;
  onUsageError(() => {
    // Before a stack started nothing is worth keeping; after, the unmutated run's reports are the evidence.
    if (!existed && !started) rmSync(outDir, { recursive: true, force: true });
  });
  mkdirSync(outDir, { recursive: true });
  const abort = new AbortController();
  installSignalHandlers(() => abort.abort());
  const t0 = Date.now();
  const opts = { timeScale, portOffset, seed, signal: abort.signal, absent: absentLogComponents(detectLogPipeline(sourceDir)) };

  // The unmutated folder first: a mutant killed by a suite that already fails proves nothing.
  const scenarios = [...new Set(mutants.flatMap((m) => m.scenarios))];
  console.log(`Mutation run: ${mutants.length} mutants from ${new Set(mutants.map((m) => m.operator)).size} operators on ${sourceDir}; run folder ${outDir}`);
  console.log(`Unmutated first: ${scenarios.join(', ')} at time scale ${timeScale}…`);
  started = true;
  const baseline = await runScenarios(sourceDir, scenarios, join(outDir, 'unmutated'), { ...opts, stopAtFirstFailure: true });
  if (baseline.exitCode !== 0) throw new UsageError(`the unmutated folder does not pass its scenarios (${baseline.firstFailure ?? `exit ${baseline.exitCode}`}): a mutation score would mean nothing`, { file: sourceDir, fix: `make \`npm run scenario -- ${scenarios.join(' ')} --monitoring-dir ${sourceDir} --time-scale ${timeScale}\` pass first; its reports are in ${join(outDir, 'unmutated')}` });
  let stacks = 1;

  const bus = new EventBus(createReporters(reporters, outDir, (scenario) => join(mutantDir(outDir, mutants.find((m) => `mutant ${m.id}` === scenario)!), 'report')));
  bus.emit({ type: 'run-begin', run: { runId: outDir.split('/').at(-1)!, runDir: outDir, scenarios: mutants.map((m) => `mutant ${m.id}`), seed, timeScale, monitoringDir: sourceDir, startedAt: new Date(t0).toISOString(), components: [], configChanges: [], configWarnings: [], timing: {} } });
  const outcomes: MutantOutcome[] = [];
  for (const [i, m] of mutants.entries()) {
    if (abort.signal.aborted) break;
    const at = new Date().toISOString();
    console.log(`\n[${i + 1}/${mutants.length}] ${m.id}: ${m.description} → ${m.scenarios.join(', ')}`);
    const outcome = await runMutant(m, sourceDir, outDir, opts);
    if (outcome.startedStack) stacks++;
    console.log(`  → ${outcome.status.toUpperCase()} in ${(outcome.durationMs / 1000).toFixed(0)} s: ${outcome.detail}`);
    outcomes.push(outcome);
    for (const e of mutantEvents(outcome, at)) bus.emit(e);
  }
  const { score, byOperator } = mutationScore(outcomes);
  const survived = outcomes.filter((x) => x.status !== 'killed' && x.status !== 'skipped');
  bus.emit({ type: 'run-end', verdict: abort.signal.aborted ? 'interrupted' : survived.length ? 'fail' : 'pass', at: new Date().toISOString(), durationMs: Date.now() - t0, runDir: outDir });
  await bus.finish();

  console.log(`\nMutation score: ${(score * 100).toFixed(1)} % (${outcomes.filter((x) => x.status === 'killed').length} killed of ${outcomes.length}); ${stacks} stacks started; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`${'operator'.padEnd(26)} killed survived skipped invalid error`);
  for (const s of byOperator) console.log(`${s.operator.padEnd(26)} ${String(s.killed).padStart(6)} ${String(s.survived).padStart(8)} ${String(s.skipped).padStart(7)} ${String(s.invalid).padStart(7)} ${String(s.error).padStart(5)}`);
  for (const x of survived) console.log(`\n${x.status.toUpperCase()} ${x.mutant.id}: ${x.detail}\n${x.diff}`);
  const sig = interruptedBy();
  process.exit(sig ? exitCodeOf(sig) : survived.length ? 1 : 0);
}

const program = new Command('mutate')
  .description('Mutation testing of a monitoring suite: built-in operators break the config; the scenarios must notice')
  .option('--monitoring-dir <dir>', 'the monitoring folder (default: the bundled monitoring/)')
  .option('--operators <names>', `only these operators (${OPERATORS.map((x) => x.name).join(', ')})`)
  .option('--scenarios <names>', 'only mutants these scenarios watch, and only these scenarios')
  .option('--time-scale <f>', 'time scale of every scenario run', '0.1')
  .option('--port-offset <n>', 'add N to every port')
  .option('--seed <n>', 'seed of every scenario run')
  .option('--out <dir>', 'run folder (default runs/<time>-mutate)')
  .option('--reporter <names>', `reporters (default all: ${REPORTER_NAMES.join(',')})`)
  .option('--list', 'list the mutants and exit')
  .exitOverride()
  .action((o: MutateOptions) => main(o));

runCommand(program, 'mutate');
