/**
 * npm run scenario -- <name | all> [options]
 *
 * Brings the stack up (or, with --reuse, uses one `npm run stack -- up` is running),
 * starts the fake services and traffic, runs the scenario(s), writes the run folder (results.json, junit.xml,
 * report.html; index.html for `all`), and tears down. Exit 0 when every assertion
 * passed, 1 when any failed, 2 for usage or setup errors (before anything starts).
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { EventBus } from '../events/event-bus.ts';
import { loadScenario, scenarioNames, type LoadedScenario } from '../engine/load.ts';
import { ScenarioRunner, type Verdict } from '../engine/runner.ts';
import { DEFAULT_SEED, DEFAULT_TRAFFIC_RATE } from '../stack/environment.ts';
import { backendOption, imagesOption, startBackend, type RunningEnvironment } from '../stack/backend.ts';
import { RemoteEnvironment } from '../stack/remote-environment.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import { defaultRunDir } from '../stack/native-stack.ts';
import { runCommand, numberOption } from '../lib/cli-errors.ts';
import { exitCodeOf, installSignalHandlers, interruptedBy, onShutdown, runCleanups } from '../lib/shutdown.ts';
import { UsageError } from '../lib/errors.ts';
import { assertLoadable } from '../check/run.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { createReporters, REPORTER_NAMES } from '../../reports/registry.ts';
import { reporterOption } from './reporter-option.ts';
import { openRunFolder } from './run-folder.ts';
import { runInfoOf } from './run-info.ts';

interface ScenarioOptions {
  list?: boolean;
  seed?: string;
  timeScale?: string;
  monitoringDir?: string;
  keepStack?: boolean;
  out?: string;
  portOffset?: string;
  trafficRate?: string;
  reuse?: boolean;
  reporter?: string;
  backend?: string;
  images?: string;
}

/** Name, nominal length, what it needs beyond the core stack (the whole scenario, or some of its steps), and its title. */
function listScenarios(loaded: LoadedScenario[]): void {
  const needs = (s: LoadedScenario['scenario']): string => {
    const whole = s.requires ?? [];
    const parts = [...new Set([...s.method, ...s.rollbacks].flatMap((x) => x.requires ?? []))].filter((r) => !whole.includes(r));
    return [...whole.map((r) => r), ...parts.map((r) => `${r} (part)`)].join(', ') || '-';
  };
  const w = Math.max(...loaded.map((l) => l.scenario.name.length));
  const n = Math.max(...loaded.map((l) => needs(l.scenario).length), 'requires'.length);
  console.log(`${'scenario'.padEnd(w)}  time  ${'requires'.padEnd(n)}  title`);
  for (const { scenario } of loaded) console.log(`${scenario.name.padEnd(w)}  ${(scenario.nominalDuration ?? '').padEnd(4)}  ${needs(scenario).padEnd(n)}  ${scenario.title}`);
}

/**
 * The running stack's own seed, time scale and monitoring folder apply: options that
 * would contradict them are refused rather than silently ignored.
 */
async function reuseRunningStack(offset: number, o: ScenarioOptions): Promise<EnvironmentHandle> {
  for (const [flag, value] of [['--monitoring-dir', o.monitoringDir], ['--time-scale', o.timeScale], ['--traffic-rate', o.trafficRate], ['--keep-stack', o.keepStack]] as const) {
    if (value !== undefined) throw new UsageError(`${flag} cannot be combined with --reuse: the running stack was started with its own`, { field: flag, fix: `drop ${flag}, or restart the stack with it: npm run stack -- up --detach ${flag}${typeof value === 'string' ? ` ${value}` : ''}` });
  }
  const env = await RemoteEnvironment.connect(offset);
  console.log(`Reusing the running stack at port offset ${offset} (run folder ${env.stack.runDir}, seed ${env.seed}, time scale ${env.stack.config.timeScale})`);
  onShutdown(() => env.stop().then(() => {}));
  return env;
}

async function main(names: string[], o: ScenarioOptions): Promise<void> {
  const all = scenarioNames();
  if (o.list) {
    listScenarios(await Promise.all(all.map((n) => loadScenario(n))));
    return;
  }
  if (names.length === 0) throw new UsageError('no scenario given', { fix: `npm run scenario -- <name|all>; scenarios: ${all.join(', ')}` });
  const selected = names.includes('all') ? all : names;
  // Everything that can be wrong with the input is found here, before anything starts.
  const loaded = await Promise.all(selected.map((n) => loadScenario(n)));
  const seed = numberOption('--seed', o.seed, { integer: true }) ?? DEFAULT_SEED;
  const timeScale = numberOption('--time-scale', o.timeScale, { min: 0.01, max: 1 }) ?? 1;
  const portOffset = numberOption('--port-offset', o.portOffset, { integer: true, min: 0, max: 50_000 }) ?? 0;
  const trafficRate = numberOption('--traffic-rate', o.trafficRate, { min: 0, max: 2000 }) ?? DEFAULT_TRAFFIC_RATE;
  const reporters = reporterOption(o.reporter);
  const backend = backendOption(o.backend);
  const images = imagesOption(o.images);
  if (o.reuse && o.backend !== undefined) throw new UsageError('--backend cannot be combined with --reuse: the running stack has its own', { field: '--backend', fix: 'drop --backend' });
  // The folder must load (YAML, JSON, rule PromQL, dashboard queries, each tool's own check) before any process starts.
  if (!o.reuse) assertLoadable(o.monitoringDir ?? join(REPO_ROOT, 'monitoring'));
  const label = selected.length === 1 ? selected[0]! : 'all';
  const runFolder = openRunFolder(o.out ?? defaultRunDir(label));
  const outDir = runFolder.dir;
  const single = loaded.length === 1;
  const dirOf = (scenario: string) => (single ? outDir : join(outDir, scenario));

  const bus = new EventBus(createReporters(reporters, outDir, dirOf));
  let runner: ScenarioRunner | undefined;
  // A signal: the current step ends, the rollbacks run and clear every fault, the scenario
  // ends `interrupted`, every reporter writes, and only then does the stack stop.
  installSignalHandlers(
    (sig) => {
      console.log(`\n${sig}: rolling back, writing the reports, then stopping (again for a fast teardown)…`);
      runner?.abort();
    },
    { deferTeardown: true },
  );

  const t0 = Date.now();
  const env = o.reuse ? await reuseRunningStack(portOffset, o) : await startOwnStack();
  runFolder.markStarted();
  async function startOwnStack(): Promise<RunningEnvironment> {
    console.log(`Run folder: ${outDir}\nStarting the stack on the ${backend} backend (seed ${seed}, time scale ${timeScale})…`);
    const started = await startBackend(backend, {
      images,
      runDir: join(outDir, 'stack'),
      monitoringDir: o.monitoringDir,
      portOffset,
      timeScale,
      seed,
      trafficRate,
      services: loaded.some((l) => l.scenario.needsServices !== false),
      onProgress: (line) => console.log(`  ${line}`),
    });
    onShutdown(async () => {
      if (o.keepStack) {
        console.log(`--keep-stack: the stack stays up until this process is interrupted (Ctrl-C). Prometheus: ${started.stack.url('prometheus')}`);
        await new Promise<void>((r) => process.once('SIGINT', () => r()));
      }
      await started.stop();
    });
    return started;
  }

  runner = new ScenarioRunner(env, bus);
  if (interruptedBy()) runner.abort();
  bus.emit({
    type: 'run-begin',
    run: runInfoOf(env, { outDir, scenarios: loaded.map((l) => l.scenario.name), startedAtMs: t0, timing: runner.timing.describe() }),
  });
  const verdicts: { scenario: string; verdict: Verdict; durationMs: number }[] = [];
  for (const { scenario } of loaded) {
    if (runner.aborted) break; // the rest were never begun
    const s0 = Date.now();
    const verdict = await runner.run(scenario);
    verdicts.push({ scenario: scenario.name, verdict, durationMs: Date.now() - s0 });
  }
  // Skipped scenarios (an absent user-supplied component) are reported, not failed.
  const judged = verdicts.filter((v) => v.verdict !== 'skipped');
  const overall: Verdict = runner.aborted ? 'interrupted' : judged.length === 0 && verdicts.length ? 'skipped' : judged.every((v) => v.verdict === 'pass') ? 'pass' : judged.some((v) => v.verdict === 'error') ? 'error' : 'fail';
  bus.emit({ type: 'run-end', verdict: overall, at: new Date().toISOString(), durationMs: Date.now() - t0, runDir: outDir });
  const reporterFailures = await bus.finish();
  await runCleanups();
  const written = reporters.includes('html') ? (single ? join(outDir, 'report.html') : reporters.includes('index') ? join(outDir, 'index.html') : outDir) : outDir;
  console.log(`\n${overall.toUpperCase()}: ${verdicts.map((v) => `${v.scenario} ${v.verdict}`).join(', ')}\nReports: ${written}${reporterFailures.length ? ` (${reporterFailures.length} reporter failure(s), above)` : ''}`);
  const sig = interruptedBy();
  process.exit(sig ? exitCodeOf(sig) : overall === 'pass' || overall === 'skipped' ? 0 : 1);
}

const program = new Command('scenario')
  .description('Run chaos scenarios against the monitoring stack and write a report')
  .argument('[names...]', `scenario names, or "all" (${scenarioNames(join(REPO_ROOT, 'scenarios')).join(', ')})`)
  .option('--list', 'list the scenarios')
  .option('--seed <n>', 'seed for traffic, latencies and error draws', String(DEFAULT_SEED))
  .option('--time-scale <f>', 'run in F of the real time (e.g. 0.1); windows keep their sample counts')
  .option('--monitoring-dir <dir>', 'the monitoring folder under test (default: the bundled monitoring/)')
  .option('--keep-stack', 'leave the stack running after the run, until Ctrl-C')
  .option('--out <dir>', 'run folder (default runs/<time>-<scenario>)')
  .option('--port-offset <n>', 'add N to every port')
  .option('--traffic-rate <rps>', 'background requests/s across all services')
  .option('--reporter <names>', `reporters, comma-separated (default all: ${REPORTER_NAMES.join(',')})`)
  .option('--backend <name>', 'native (processes on 127.0.0.1, the default) or containers (Docker, or podman from `npm run setup -- --containers`)')
  .option('--images <source>', 'containers backend: local (built by setup, the default) or upstream (pulled by your engine)')
  .option('--reuse', 'run against the stack `npm run stack -- up` runs at this --port-offset, and leave it running')
  .exitOverride()
  .action((names: string[], o: ScenarioOptions) => main(names, o));

runCommand(program, 'scenario');
