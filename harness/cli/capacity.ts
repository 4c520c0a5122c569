/**
 * npm run capacity -- [--target SERVICE|GROUP|fleet|monitoring] [--slo "p99<500ms,errors<1%"]
 *                     [--stages 50:20s,100:20s | --auto] [--min-rate N] [options]
 *
 * Capacity before a release. For a service, a group or the fleet (through the
 * zen-coordinator): constant-rate steps with vegeta (or the user's k6), open model, the
 * knee found by --auto, and at every step the monitoring's own view checked against the
 * load tool's. With --target monitoring: the stack itself grown until one of its
 * guarantees breaks, on two axes (--growth): targets and series, and log lines per second. Writes the run folder (results.json, junit.xml, report.html).
 * Exit 0 when every check passed (and the knee met --min-rate), 1 otherwise, 2 on bad input.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EventBus } from '../events/event-bus.ts';
import { DEFAULT_SEED, DEFAULT_TRAFFIC_RATE } from '../stack/environment.ts';
import { backendOption, imagesOption, startBackend } from '../stack/backend.ts';
import { defaultRunDir } from '../stack/native-stack.ts';
import { runCommand, numberOption } from '../lib/cli-errors.ts';
import { exitCodeOf, installSignalHandlers, interruptedBy, onShutdown, runCleanups } from '../lib/shutdown.ts';
import { UsageError } from '../lib/errors.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { assertLoadable } from '../check/run.ts';
import { loadPromiseSpec } from '../spec/promise-spec.ts';
import { parseDuration } from '../../assertions/duration.ts';
import { FaultSpecSchema, type FaultSpec } from '../../fake-services/faults.ts';
import { vegetaBinary } from '../load/vegeta.ts';
import { k6Binary } from '../load/k6.ts';
import { DEFAULT_LIMITS } from '../load/plan.ts';
import { parseSlo, DEFAULT_SLO } from '../capacity/slo.ts';
import { parseStages } from '../capacity/stages.ts';
import { resolveLoadTarget, GROUPS } from '../capacity/target.ts';
import { runLoadCapacity, type LoadSchedule } from '../capacity/load-run.ts';
import { runGrowthCapacity } from '../capacity/growth-run.ts';
import { runLogGrowthCapacity } from '../capacity/log-growth-run.ts';
import { createReporters, REPORTER_NAMES } from '../../reports/registry.ts';
import { reporterOption } from './reporter-option.ts';
import { openRunFolder } from './run-folder.ts';
import { runInfoOf } from './run-info.ts';

interface CapacityCliOptions {
  target: string;
  slo?: string;
  stages?: string;
  auto?: boolean;
  startRate?: string;
  stepDuration?: string;
  factor?: string;
  resolution?: string;
  maxSteps?: string;
  minRate?: string;
  minHeadroom?: string;
  maxSeries?: string;
  growth?: string;
  maxLogRate?: string;
  maxRate?: string;
  maxDuration?: string;
  engine: string;
  fault: string[];
  seed?: string;
  timeScale?: string;
  monitoringDir?: string;
  portOffset?: string;
  out?: string;
  reporter?: string;
  backend?: string;
  images?: string;
}

function durationOption(flag: string, raw: string | undefined, fallback: string, minMs: number): number {
  let ms: number;
  try {
    ms = parseDuration(raw ?? fallback);
  } catch {
    throw new UsageError(`"${raw}" is not a duration`, { field: flag, fix: 'write a duration like "20s", "5m" or "1h"' });
  }
  if (ms < minMs) throw new UsageError(`${raw} is too short`, { field: flag, fix: `give at least ${minMs / 1000}s` });
  return ms;
}

/** `--fault` values: JSON or YAML fault specs, validated with the services' own schema. */
function faultOptions(raw: string[]): FaultSpec[] {
  return raw.map((text, i) => {
    let value: unknown;
    try {
      value = parseYaml(text);
    } catch (e) {
      throw new UsageError(`cannot read "${text}": ${(e as Error).message.split('\n')[0]}`, { field: `--fault (${i + 1})`, fix: `give a fault as JSON, e.g. --fault '{"kind":"concurrency-limit","workers":4}'` });
    }
    const parsed = FaultSpecSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UsageError(`${issue.path.join('.') || 'fault'}: ${issue.message}`, { field: `--fault (${i + 1})`, fix: 'see fake-services/faults.ts (FaultSpecSchema) for the kinds and their fields, e.g. {"kind":"latency","ms":200} or {"kind":"metrics-undercount","share":0.1}' });
    }
    return parsed.data;
  });
}

type GrowthAxis = 'series' | 'logs';

/** `--growth`: which of the monitoring stack's axes to grow (both by default). */
function growthAxes(raw: string | undefined, growth: boolean): GrowthAxis[] {
  if (raw === undefined) return growth ? ['series', 'logs'] : [];
  if (!growth) throw new UsageError('--growth applies to --target monitoring', { field: '--growth', fix: 'drop --growth, or use --target monitoring' });
  const axes = raw.split(',').map((a) => a.trim());
  const bad = axes.find((a) => a !== 'series' && a !== 'logs');
  if (bad !== undefined || !axes.length) throw new UsageError(`unknown growth axis "${bad ?? ''}"`, { field: '--growth', fix: 'give series, logs, or series,logs' });
  return [...new Set(axes as GrowthAxis[])];
}

async function main(o: CapacityCliOptions): Promise<void> {
  // Every option is checked before anything starts.
  const growth = o.target === 'monitoring';
  const target = growth ? undefined : resolveLoadTarget(o.target);
  const slo = parseSlo(o.slo ?? DEFAULT_SLO);
  if (o.stages !== undefined && o.auto) throw new UsageError('--stages and --auto exclude each other', { field: '--stages', fix: 'give fixed --stages, or --auto to search for the knee' });
  const maxRate = numberOption('--max-rate', o.maxRate, { integer: true, min: 1, max: 100_000 }) ?? DEFAULT_LIMITS.maxRate;
  const maxDurationMs = durationOption('--max-duration', o.maxDuration, '15m', 10_000);
  const maxSteps = numberOption('--max-steps', o.maxSteps, { integer: true, min: 1, max: 100 });
  const schedule: LoadSchedule =
    o.stages !== undefined ? { kind: 'stages', stages: parseStages(o.stages) }
    : {
        kind: 'auto',
        startRate: numberOption('--start-rate', o.startRate, { integer: true, min: 1, max: maxRate }) ?? Math.min(10, maxRate),
        stepDurationMs: durationOption('--step-duration', o.stepDuration, '20s', 1000),
        factor: numberOption('--factor', o.factor, { min: 1.1, max: 10 }) ?? 2,
        resolution: numberOption('--resolution', o.resolution, { min: 0.01, max: 1 }) ?? 0.05,
        maxSteps: maxSteps ?? 16,
      };
  if (schedule.kind === 'stages') {
    const over = schedule.stages.find((s) => s.rate > maxRate);
    if (over) throw new UsageError(`a stage offers ${over.rate}/s, over --max-rate ${maxRate}/s`, { field: '--stages', fix: `lower that stage, or raise --max-rate deliberately` });
    const total = schedule.stages.reduce((a, s) => a + s.durationMs, 0);
    if (total > maxDurationMs) throw new UsageError(`the stages last ${total / 1000} s, over --max-duration ${maxDurationMs / 1000} s`, { field: '--stages', fix: 'shorten the stages, or raise --max-duration deliberately' });
  }
  const minRate = numberOption('--min-rate', o.minRate, { min: 0, max: 100_000 });
  const minHeadroom = numberOption('--min-headroom', o.minHeadroom, { min: 0, max: 100_000 });
  const maxSeries = numberOption('--max-series', o.maxSeries, { integer: true, min: 1000, max: 50_000_000 });
  const axes = growthAxes(o.growth, growth);
  const maxLogRate = numberOption('--max-log-rate', o.maxLogRate, { integer: true, min: 10, max: 3_400_000 });
  if (!growth && maxLogRate !== undefined) throw new UsageError('--max-log-rate bounds --target monitoring', { field: '--max-log-rate', fix: 'drop it, or use --target monitoring' });
  if (growth && minRate !== undefined) throw new UsageError('--min-rate gates a load target\'s knee', { field: '--min-rate', fix: 'for --target monitoring use --min-headroom (a multiple of today\'s series)' });
  if (!growth && minHeadroom !== undefined) throw new UsageError('--min-headroom gates --target monitoring', { field: '--min-headroom', fix: 'for a load target use --min-rate' });
  if (o.engine !== 'vegeta' && o.engine !== 'k6') throw new UsageError(`unknown engine "${o.engine}"`, { field: '--engine', fix: 'vegeta (built by npm run setup) or k6 (your own, K6_BIN or PATH)' });
  const engine = o.engine;
  // The binary must be there before any process starts (k6 is AGPL: only ever the user's own).
  if (engine === 'k6') k6Binary();
  else vegetaBinary();
  const faults = faultOptions(o.fault);
  if (growth && faults.length) throw new UsageError('--fault applies to load targets, not to --target monitoring', { field: '--fault', fix: 'drop --fault, or name a service, group or fleet' });
  const seed = numberOption('--seed', o.seed, { integer: true }) ?? DEFAULT_SEED;
  const timeScale = numberOption('--time-scale', o.timeScale, { min: 0.01, max: 1 }) ?? 1;
  const portOffset = numberOption('--port-offset', o.portOffset, { integer: true, min: 0, max: 50_000 }) ?? 0;
  const reporters = reporterOption(o.reporter);
  const backend = backendOption(o.backend);
  const images = imagesOption(o.images);
  const monitoringDir = o.monitoringDir ?? join(REPO_ROOT, 'monitoring');
  assertLoadable(monitoringDir);
  const spec = loadPromiseSpec(monitoringDir);

  const scenario = `capacity-${o.target}`;
  // One scenario per axis: the series axis keeps the target's name, the log axis adds "-logs".
  const scenarios = growth ? axes.map((a) => (a === 'series' ? scenario : `${scenario}-logs`)) : [scenario];
  const runFolder = openRunFolder(o.out ?? defaultRunDir(scenario));
  const outDir = runFolder.dir;
  // One scenario reports into the run folder; several (both growth axes) each into their own, with index.html over them.
  const single = scenarios.length === 1;
  const bus = new EventBus(createReporters(reporters, outDir, (name) => (single ? outDir : join(outDir, name))));
  const abort = new AbortController();
  installSignalHandlers(
    (sig) => {
      console.log(`\n${sig}: ending the step, clearing faults, writing the reports, then stopping (again for a fast teardown)…`);
      abort.abort();
    },
    { deferTeardown: true },
  );

  const t0 = Date.now();
  console.log(`Run folder: ${outDir}\nStarting the stack on the ${backend} backend (seed ${seed}, time scale ${timeScale}, ${growth ? `background traffic ${DEFAULT_TRAFFIC_RATE}/s, today\'s volume` : 'no background traffic: every request counted is the load\'s'})…`);
  const env = await startBackend(backend, { images, runDir: join(outDir, 'stack'), monitoringDir: o.monitoringDir, portOffset, timeScale, seed, trafficRate: growth ? DEFAULT_TRAFFIC_RATE : 0, onProgress: (line) => console.log(`  ${line}`) });
  runFolder.markStarted();
  onShutdown(() => env.stop().then(() => {}));
  if (interruptedBy()) abort.abort();
  bus.emit({
    type: 'run-begin',
    run: runInfoOf(env, { outDir, scenarios, startedAtMs: t0, timing: { timeScale, scrapeIntervalMs: spec.scrapeIntervalMs * timeScale, engine, slo } }),
  });
  let verdict: 'pass' | 'fail' | 'error' | 'interrupted';
  try {
    const common = { env, emit: (e: Parameters<EventBus['emit']>[0]) => bus.emit(e), scenario, timeScale, spec, signal: abort.signal, workDir: join(outDir, 'load') };
    if (!growth) {
      const r = await runLoadCapacity({ ...common, target: target!, slo, schedule, engine, seed, minRate, maxRate, maxDurationMs, faults });
      verdict = r.verdict;
      console.log(`\n${r.result.summary}`);
    } else {
      const verdicts: string[] = [];
      // The axes share --max-duration: the log axis gets what the series axis left.
      const until = Date.now() + maxDurationMs;
      for (const axis of axes) {
        if (abort.signal.aborted) break;
        const gate = { ...(minHeadroom !== undefined ? { minHeadroom } : {}), ...(maxSteps !== undefined ? { maxSteps } : {}) };
        const r =
          axis === 'series'
            ? await runGrowthCapacity({ ...common, maxDurationMs: until - Date.now(), ...(maxSeries !== undefined ? { maxSeries } : {}), ...gate })
            : await runLogGrowthCapacity({ ...common, scenario: `${scenario}-logs`, maxDurationMs: until - Date.now(), ...(maxLogRate !== undefined ? { maxLinesPerSecond: maxLogRate } : {}), ...gate });
        verdicts.push(r.verdict);
        if (r.result) console.log(`\n${r.result.summary}`);
      }
      verdict = verdicts.includes('interrupted') || abort.signal.aborted ? 'interrupted' : verdicts.includes('fail') ? 'fail' : 'pass';
    }
  } catch (e) {
    verdict = abort.signal.aborted ? 'interrupted' : 'error';
    // The run ended its scenario (as an error, with this message) before it threw.
    console.error(`capacity: ${(e as Error).message}`);
  }
  bus.emit({ type: 'run-end', verdict, at: new Date().toISOString(), durationMs: Date.now() - t0, runDir: outDir });
  const failures = await bus.finish();
  await runCleanups();
  console.log(`\n${verdict.toUpperCase()}\nReports: ${single && reporters.includes('html') ? join(outDir, 'report.html') : !single && reporters.includes('index') ? join(outDir, 'index.html') : outDir}${failures.length ? ` (${failures.length} reporter failure(s), above)` : ''}`);
  const sig = interruptedBy();
  process.exit(sig ? exitCodeOf(sig) : verdict === 'pass' ? 0 : 1);
}

const program = new Command('capacity')
  .description('Find the knee of a service, a group or the fleet under open-model load, checking that the monitoring tells the truth at every step; or grow the monitoring stack until a guarantee breaks')
  .option('--target <name>', `a service, a group (${GROUPS.join(', ')}), "fleet" (through the zen-coordinator), "mqtt" (the broker) or "monitoring"`, 'fleet')
  .option('--slo <limits>', 'the SLO each step is held to', DEFAULT_SLO)
  .option('--stages <steps>', 'fixed constant-rate steps RATE:DURATION, comma-separated (e.g. 50:20s,100:20s)')
  .option('--auto', 'search for the knee: rates doubling from --start-rate, then bisection (the default without --stages)')
  .option('--start-rate <rps>', '--auto: the first rate (default 10)')
  .option('--step-duration <d>', '--auto: each step lasts this long (default 20s)')
  .option('--factor <f>', '--auto: growth factor before the first breach (default 2)')
  .option('--resolution <r>', '--auto: stop when the bracket is within this share (default 0.05)')
  .option('--max-steps <n>', 'most steps: --auto\'s (default 16), or each growth axis\'s of --target monitoring (series 12, logs 10)')
  .option('--min-rate <rps>', 'fail the run (and its JUnit) when the knee is below this rate')
  .option('--min-headroom <x>', '--target monitoring: fail when the series headroom is below X times today\'s')
  .option('--max-series <n>', '--target monitoring: never grow past this many series (memory guard: about 2.5 GiB of Prometheus RSS per million; default 4000000)')
  .option('--growth <axes>', '--target monitoring: series, logs, or both (default series,logs; the log axis needs a log pipeline, e.g. --monitoring-dir monitoring-victorialogs)')
  .option('--max-log-rate <lines>', '--target monitoring: never offer more log lines/s than this, all services together (default 400000)')
  .option('--max-rate <rps>', `never offer more than this (default ${DEFAULT_LIMITS.maxRate})`)
  .option('--max-duration <d>', 'never run longer than this (default 15m)')
  .option('--engine <name>', 'load engine: vegeta (native) or k6 (yours: K6_BIN or PATH)', 'vegeta')
  .option('--fault <json>', 'a fault on every target service for the whole run (repeatable), e.g. \'{"kind":"concurrency-limit","workers":4}\'', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--seed <n>', 'seed for the request mix, latencies and error draws', String(DEFAULT_SEED))
  .option('--time-scale <f>', 'run the monitoring at F of real time (scrapes, rule windows and budgets shrink)')
  .option('--monitoring-dir <dir>', 'the monitoring folder under test (default: the bundled monitoring/)')
  .option('--port-offset <n>', 'add N to every port')
  .option('--out <dir>', 'run folder (default runs/<time>-capacity-<target>)')
  .option('--backend <name>', 'native (the default) or containers')
  .option('--images <source>', 'containers backend: local (the default) or upstream')
  .option('--reporter <names>', `reporters, comma-separated (default all: ${REPORTER_NAMES.join(',')})`)
  .exitOverride()
  .action((o: CapacityCliOptions) => main(o));

runCommand(program, 'capacity');
