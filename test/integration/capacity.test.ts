/**
 * `npm run capacity` on real servers: the knee of a service found twice with the same seed
 * lands within 10 % (and where queueing theory puts it); the monitoring-truth checks pass on
 * an honest service and fail when its /metrics lies (counters that drop requests, buckets too
 * coarse); the monitoring stack grown until its scrapes exceed their timeout; bad options
 * refused before anything starts.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTopology, plannedPorts } from '../../harness/plan/topology.ts';
import { validateResults } from '../../reports/results-schema.ts';
import { serviceByName } from '../../fake-services/catalog.ts';
import { REPO_ROOT } from '../../harness/lib/paths.ts';
import type { CapacityGrowthStep, CapacityLoadStep, CapacityLogGrowthStep, CapacityResult, CapacityStep } from '../../harness/events/capacity.ts';
import { busyPorts, runCli } from '../support/stack-helpers.ts';
import { assertion, readScenarioResult } from '../support/results.ts';

const work = mkdtempSync(join(tmpdir(), 'capacity-'));

interface CapacityRun {
  code: number | null;
  output: string;
  out: string;
  steps: CapacityStep[];
  result?: CapacityResult;
  /** Every scenario of the run by name (the growth axes are one scenario each). */
  scenarios: Record<string, { verdict: string; skipReason?: string; capacity?: { steps: CapacityStep[]; result?: CapacityResult } }>;
}

async function capacity(name: string, offset: number, args: string[]): Promise<CapacityRun> {
  const out = join(work, name);
  const cli = runCli('harness/cli/capacity.ts', [...args, '--port-offset', String(offset), '--out', out, '--reporter', 'json,junit,html']);
  const code = await cli.exited;
  const run: CapacityRun = { code, output: cli.output(), out, steps: [], scenarios: {} };
  // One scenario writes its results into the run folder; several (both growth axes) each into its own folder.
  const files = existsSync(join(out, 'results.json')) ? [join(out, 'results.json')] : ['capacity-monitoring', 'capacity-monitoring-logs'].map((n) => join(out, n, 'results.json')).filter((f) => existsSync(f));
  for (const file of files) {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { scenarios: ({ name: string } & CapacityRun['scenarios'][string])[] };
    expect(validateResults(doc), `${file} follows its schema`).toEqual([]);
    for (const sc of doc.scenarios) run.scenarios[sc.name] = sc;
  }
  const first = Object.values(run.scenarios)[0];
  run.steps = first?.capacity?.steps ?? [];
  run.result = first?.capacity?.result;
  // Nothing left listening after the run.
  expect(await busyPorts(plannedPorts(buildTopology({ offset, runDir: '/x' }), { services: true }).map((p) => p.port))).toEqual([]);
  return run;
}

const FAST = ['--time-scale', '0.1', '--seed', '7'];

describe('capacity: the knee', () => {
  it('--auto finds the knee of a 4-worker service twice with the same seed, within 10 %, where queueing puts it', async () => {
    const args = ['--target', 'terminal-mcp', '--auto', '--slo', 'p99<300ms,errors<5%', '--start-rate', '20', '--step-duration', '8s', '--fault', '{"kind":"concurrency-limit","workers":4}', ...FAST];
    const [a, b] = await Promise.all([capacity('knee-a', 8000, args), capacity('knee-b', 8200, args)]);
    for (const r of [a, b]) {
      expect(r.code, r.output).toBe(0);
      expect(r.result?.knee, r.output).toBeDefined();
      expect(r.result?.firstBreach, r.output).toBeGreaterThan(r.result!.knee!);
    }
    const [k1, k2] = [a.result!.knee!, b.result!.knee!];
    expect(Math.abs(k1 - k2) / Math.max(k1, k2), `knees ${k1} and ${k2}`).toBeLessThanOrEqual(0.1);
    // Capacity of 4 workers: 4 / mean service time; the catalog's log-normal latency has mean median·e^(σ²/2).
    const { medianMs, sigma } = serviceByName('terminal-mcp')!.latency;
    const capacityPerSecond = 4 / ((medianMs * Math.exp((sigma * sigma) / 2)) / 1000);
    for (const k of [k1, k2]) {
      expect(k, `knee ${k}/s against a capacity of ${capacityPerSecond.toFixed(0)}/s`).toBeGreaterThan(0.6 * capacityPerSecond);
      expect(k).toBeLessThan(1.15 * capacityPerSecond);
    }
    // Open model: the offered rate held even where the service was swamped.
    for (const s of a.steps as CapacityLoadStep[]) expect(s.load.achievedRate / s.offeredRate, `step at ${s.offeredRate}/s`).toBeGreaterThan(0.95);
    // The monitoring counted every request of every step, also beyond the knee.
    const judged = readScenarioResult(a.out).assertions.filter((x) => x.title.includes('counts the load'));
    expect(judged.length).toBe(a.steps.length);
    expect(judged.every((x) => x.verdict === 'pass')).toBe(true);
    expect(readFileSync(join(a.out, 'report.html'), 'utf8')).toContain('knee');
  }, 400_000);

  it('--min-rate above the knee fails the run and its JUnit', async () => {
    const r = await capacity('min-rate', 8400, ['--target', 'terminal-mcp', '--stages', '40:5s,300:5s', '--slo', 'p99<300ms,errors<5%', '--min-rate', '250', '--fault', '{"kind":"concurrency-limit","workers":4}', ...FAST]);
    expect(r.code, r.output).toBe(1);
    expect(r.result?.knee).toBe(40);
    expect(assertion(readScenarioResult(r.out), 'knee at or above --min-rate 250').verdict).toBe('fail');
    expect(readFileSync(join(r.out, 'junit.xml'), 'utf8')).toMatch(/<failure[^>]*>[^<]*knee 40\/s/);
  }, 120_000);
});

describe('capacity: the monitoring must tell the truth', () => {
  const stages = ['--target', 'filesystem-mcp', '--stages', '40:6s,80:6s', '--slo', 'p99<1s,errors<5%', ...FAST];
  it('passes on an honest service, and fails when /metrics drops requests or its buckets are too coarse', async () => {
    const [honest, undercount, coarse] = await Promise.all([
      capacity('truth-honest', 8600, stages),
      capacity('truth-undercount', 8800, [...stages, '--fault', '{"kind":"metrics-undercount","share":0.1}']),
      capacity('truth-coarse', 9000, [...stages, '--fault', '{"kind":"metrics-buckets","buckets":[1,10]}']),
    ]);
    expect(honest.code, honest.output).toBe(0);
    const h = readScenarioResult(honest.out);
    for (const part of ['40/s: Prometheus counts', '80/s: Prometheus counts', '40/s: histogram_quantile', '80/s: histogram_quantile', 'error-rate panel', 'within its timeout']) expect(assertion(h, part).verdict, part).toBe('pass');
    for (const s of honest.steps as CapacityLoadStep[]) expect(s.monitoring.requests).toBe(s.load.requests);

    expect(undercount.code, undercount.output).toBe(1);
    const u = assertion(readScenarioResult(undercount.out), '40/s: Prometheus counts');
    expect(u.verdict).toBe('fail');
    expect(u.message).toMatch(/the monitoring lost \d+/);
    // The quantile stays honest: only the counters lie.
    expect(assertion(readScenarioResult(undercount.out), '40/s: histogram_quantile').verdict).toBe('pass');

    expect(coarse.code, coarse.output).toBe(1);
    const c = assertion(readScenarioResult(coarse.out), '40/s: histogram_quantile');
    expect(c.verdict).toBe('fail');
    expect(c.message).toContain('outside what the promised bucket layout allows');
    expect(assertion(readScenarioResult(coarse.out), '40/s: Prometheus counts').verdict).toBe('pass');
  }, 200_000);
});

describe('capacity: the MQTT broker', () => {
  it('--target mqtt publishes at QoS 1 on an open schedule and finds every acknowledged publish in the broker counter Prometheus scrapes', async () => {
    const r = await capacity('mqtt', 9600, ['--target', 'mqtt', '--stages', '200:4s,800:4s', '--slo', 'p99<200ms,errors<1%', ...FAST]);
    expect(r.code, r.output).toBe(0);
    const steps = r.steps as CapacityLoadStep[];
    expect(steps.map((s) => s.load.requests)).toEqual([800, 3200]);
    for (const s of steps) {
      expect(s.load.engine).toBe('mqtt');
      expect(s.load.noResponse).toBe(0);
      expect(s.monitoring.requests!).toBeGreaterThanOrEqual(s.load.requests);
    }
    expect(assertion(readScenarioResult(r.out), "800/s: the broker's received-message counter").verdict).toBe('pass');
  }, 120_000);
});

describe('capacity: the monitoring stack under growth', () => {
  it('--target monitoring reports the targets and series at which scrapes first exceed their timeout', async () => {
    const r = await capacity('growth', 9200, ['--target', 'monitoring', '--time-scale', '0.05', '--max-series', '4000000']);
    expect(r.code, r.output).toBe(0);
    const steps = r.steps as CapacityGrowthStep[];
    expect(steps[0]!.ok, 'today\'s fleet holds every guarantee').toBe(true);
    expect(steps[0]!.multipleOfToday.targets).toBe(1);
    const at = r.result?.scrapeTimeoutAt;
    expect(at, r.output).toBeDefined();
    const breaking = steps.at(-1)!;
    expect(breaking.targets).toBe(at!.targets);
    expect(breaking.maxScrapeSeconds >= breaking.scrapeTimeoutSeconds || breaking.breaches.some((b) => b.includes('scrapes failed'))).toBe(true);
    // Growth: more series at every step, and the step before the break stayed within the timeout.
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.series).toBeGreaterThan(steps[i - 1]!.series);
    // Where every scrape held, Prometheus took in what the targets expose (the fleet's own series
    // drift a little over the run); where scrapes failed, less, and the step is still sized by what was exposed.
    for (const s of steps.filter((x) => x.ok)) expect(Math.abs(s.scrapedSeries - s.series) / s.series, `step ${s.index}: ${s.scrapedSeries} scraped of ${s.series}`).toBeLessThan(0.1);
    expect(steps.at(-2)!.maxScrapeSeconds).toBeLessThan(steps.at(-2)!.scrapeTimeoutSeconds);
    expect(r.result!.summary).toMatch(/scrapes first exceeded their timeout at \d+ targets, \d+ series/);
    // The seed folder ships its logs through Loki and Promtail, which are the user's to supply: the log axis says so, skipped.
    const logs = r.scenarios['capacity-monitoring-logs'];
    expect(logs?.verdict, r.output).toBe('skipped');
    expect(logs?.skipReason).toMatch(/no log pipeline to grow: loki .*LOKI_BIN/);
  }, 300_000);
});

describe('capacity: the log pipeline under growth', () => {
  // The same folder with one service's log left out of the collector's file_log include: lines lost at any rate.
  const lossy = join(work, 'lossy-monitoring');
  cpSync(join(REPO_ROOT, 'monitoring-victorialogs'), lossy, { recursive: true });
  const otelcol = join(lossy, 'otelcol', 'otelcol-config.yml');
  const text = readFileSync(otelcol, 'utf8');
  writeFileSync(otelcol, text.replace(/^\s+- \/var\/log\/mcp\/security-mcp\.log\n/m, ''));

  it('--growth logs: today\'s log rate multiplied until the cap, every line delivered at every step; a collector that misses a file fails it', async () => {
    expect(readFileSync(otelcol, 'utf8')).not.toBe(text);
    const [honest, leaky] = await Promise.all([
      capacity('logs-honest', 9750, ['--target', 'monitoring', '--growth', 'logs', '--monitoring-dir', join(REPO_ROOT, 'monitoring-victorialogs'), '--max-log-rate', '20000', '--min-headroom', '100']),
      capacity('logs-lossy', 12600, ['--target', 'monitoring', '--growth', 'logs', '--monitoring-dir', lossy, '--max-steps', '1', '--min-headroom', '2']),
    ]);
    expect(honest.code, honest.output).toBe(0);
    const steps = honest.steps as CapacityLogGrowthStep[];
    expect(steps.length, honest.output).toBeGreaterThanOrEqual(3);
    for (const s of steps) {
      expect(s.kind).toBe('log-growth');
      expect(s.missing, `step ${s.index}`).toBe(0);
      expect(s.lines).toBeGreaterThan(0);
      // The services wrote what was offered (today's rate ×4 per step here), and the pipeline carried it.
      expect(s.writtenLinesPerSecond).toBeGreaterThan(s.offeredLinesPerSecond * 0.9);
      expect(s.offeredLinesPerSecond).toBeLessThanOrEqual(20_000);
    }
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.offeredLinesPerSecond).toBeGreaterThan(steps[i - 1]!.offeredLinesPerSecond * 3);
    expect(honest.result?.logHeadroom?.multipleOfToday, honest.output).toBeGreaterThanOrEqual(100);
    expect(honest.result?.summary).toMatch(/over the cap of 20000 lines\/s \(--max-log-rate\)/);
    expect(readFileSync(join(honest.out, 'report.html'), 'utf8')).toContain('class="grid capacity-growth-steps capacity-log-growth-steps"');

    expect(leaky.code, leaky.output).toBe(1);
    const [lost] = leaky.steps as CapacityLogGrowthStep[];
    expect(lost?.ok).toBe(false);
    expect(lost?.missing).toBeGreaterThan(0);
    expect(lost?.breaches.join('; ')).toMatch(/lines not in the store \d+ s after the last was written, the delivery bound \(security-mcp \d+\)/);
    expect(leaky.result?.logHeadroom).toBeUndefined();
    expect(assertion(readScenarioResult(leaky.out), 'no log line lost below the promised 16.00 MiB/s').verdict).toBe('fail');
  }, 400_000);
});

describe('capacity: bad options are refused before anything starts', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown target', ['--target', 'nonsense-mcp'], /--target: no service or group named "nonsense-mcp"[\s\S]*fix: name a service/],
    ['an SLO it cannot read', ['--slo', 'p99<fast'], /--slo: "fast" in "p99<fast" is not a duration[\s\S]*fix:/],
    ['a fault the services do not know', ['--fault', '{"kind":"meteor"}'], /--fault \(1\): kind: [\s\S]*fix: see fake-services\/faults\.ts/],
    ['a stage over --max-rate', ['--stages', '5000:10s'], /--stages: a stage offers 5000\/s, over --max-rate 2000\/s/],
    ['stages and --auto together', ['--stages', '10:5s', '--auto'], /--stages and --auto exclude each other/],
    ['k6 that is not installed', ['--engine', 'k6'], /k6[\s\S]*K6_BIN/],
    ['an unknown growth axis', ['--target', 'monitoring', '--growth', 'metrics'], /--growth: unknown growth axis "metrics"[\s\S]*fix: give series, logs, or series,logs/],
    ['--growth on a load target', ['--target', 'terminal-mcp', '--growth', 'logs'], /--growth: --growth applies to --target monitoring/],
  ];
  it.each(cases)('%s: exit 2, no run folder', async (_what, args, message) => {
    const out = join(work, `bad-${Math.random().toString(36).slice(2)}`);
    const cli = runCli('harness/cli/capacity.ts', [...args, '--port-offset', '9400', '--out', out], { K6_BIN: '', PATH: '/usr/bin:/bin' });
    expect(await cli.exited, cli.output()).toBe(2);
    expect(cli.output()).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});
