/**
 * The monitoring stack under growth: virtual scrape targets (one server where the stack's
 * Prometheus can scrape it: in this process natively, its own container on containers; many
 * target label sets) added in doublings of today's fleet, each exposing more series as it
 * grows, until one of the stack's guarantees breaks: scrapes within their timeout, rule
 * evaluation within its interval, no dropped samples, and the dashboard drawn within the
 * promised time. Reports the headroom as a multiple of today's fleet and its volume.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunEvent } from '../events/run-events.ts';
import type { CapacityGrowthStep, CapacityResult } from '../events/capacity.ts';
import { CapacityScenarioRecord, type GrowthVerdict } from './scenario-record.ts';
import type { EnvironmentHandle, VirtualTargetsHandle } from '../stack/handles.ts';
import type { PromiseSpec } from '../spec/promise-spec.ts';
import { asVector, PrometheusClient } from '../../assertions/prometheus.ts';
import { durationSeconds } from './monitoring-view.ts';
import { prometheusConfigEdit } from '../chaos/prometheus-config-edit.ts';
import { dashboardPromQueries, timeDashboard } from './dashboard-timer.ts';

export interface GrowthOptions {
  env: EnvironmentHandle;
  emit: (e: RunEvent) => void;
  scenario: string;
  timeScale: number;
  spec: PromiseSpec;
  signal: AbortSignal;
  workDir: string;
  maxDurationMs: number;
  /** Never grow past this many series per scrape interval (memory guard). */
  maxSeries?: number;
  maxSteps?: number;
  /** Fail the run when the series headroom is below this multiple of today. */
  minHeadroom?: number;
}

export const VIRTUAL_JOB = 'capacity-virtual';
/** Prometheus's own counts of samples it refused from a scrape. */
const DROP_COUNTERS = ['sample_out_of_order', 'sample_duplicate_timestamp', 'sample_out_of_bounds', 'exceeded_sample_limit'].map((c) => `prometheus_target_scrapes_${c}_total`);
const iso = (ms = Date.now()) => new Date(ms).toISOString();
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((r) => { const t = setTimeout(r, ms); signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true }); });

async function scalar(prom: PrometheusClient, expr: string): Promise<number | undefined> {
  const v = asVector(await prom.instantQuery(expr));
  return v.length && Number.isFinite(v[0]!.value) ? v[0]!.value : undefined;
}

export async function runGrowthCapacity(o: GrowthOptions): Promise<{ verdict: GrowthVerdict; result: CapacityResult }> {
  const t0 = Date.now();
  const prom = new PrometheusClient(o.env.stack.url('prometheus'));
  const intervalMs = o.spec.scrapeIntervalMs * o.timeScale;
  const maxSeries = o.maxSeries ?? 4_000_000;
  const maxSteps = o.maxSteps ?? 12;
  const rec = new CapacityScenarioRecord(o.emit, o.scenario, 'monitoring');
  const { windows } = rec;
  const assertion = (title: string, ok: boolean, message: string, expectation: string) => rec.assertion(title, ok, message, expectation, '(growth step readings)');
  rec.begin('Capacity of the monitoring stack', `Virtual scrape targets in doublings of today's fleet, each exposing more series as it grows, until a guarantee breaks: scrapes within their timeout, rule evaluation within its interval, no dropped samples, the dashboard within ${o.spec.dashboardQueryWithinMs / 1000} s.`);
  rec.method();

  // The discovery file sits beside the rendered prometheus.yml and is named relative to it, so
  // a Prometheus in a container (that folder mounted) reads it as the native one does.
  const SD_NAME = 'capacity-targets.json';
  const sdFile = join(dirname(o.env.stack.config.files.prometheus), SD_NAME);
  let targets: VirtualTargetsHandle | undefined;
  const writeTargets = (n: number) => writeFileSync(sdFile, JSON.stringify(Array.from({ length: n }, (_, i) => ({ targets: [targets!.scrapeAddress], labels: { __metrics_path__: `/targets/${i}/metrics`, vtarget: String(i) } }))));
  let edit: unknown;
  const editParams = { scrapeConfigs: [{ job_name: VIRTUAL_JOB, file_sd_configs: [{ files: [SD_NAME], refresh_interval: '5s' }] }] };
  const steps: CapacityGrowthStep[] = [];
  try {
    // Today: the fleet as it runs (every target with a service label), once each has been scraped, before anything is added.
    const todayDeadline = Date.now() + 30_000 + intervalMs * 4;
    let todayTargets = 0;
    let todaySeries = 0;
    while (Date.now() < todayDeadline && !o.signal.aborted) {
      const fleet = (await prom.targets('active')).activeTargets.filter((t) => t.labels.service);
      todayTargets = fleet.length;
      todaySeries = (await scalar(prom, 'sum(scrape_samples_scraped{service!=""})')) ?? 0;
      const scraped = (await scalar(prom, 'count(scrape_samples_scraped{service!=""} > 0)')) ?? 0;
      if (todayTargets > 0 && fleet.every((t) => t.health === 'up') && scraped === todayTargets) break;
      await sleep(intervalMs / 2, o.signal);
    }
    if (!todaySeries) throw new Error(`Prometheus reports no samples scraped from the fleet within ${Math.round((30_000 + intervalMs * 4) / 1000)} s: cannot state today's volume`);
    const perTarget = Math.max(1, Math.round(todaySeries / todayTargets));
    targets = await o.env.stack.serveVirtualTargets();
    writeTargets(0);
    const a = rec.action('config-edit', prometheusConfigEdit.describe(editParams), { job: VIRTUAL_JOB, file: sdFile });
    edit = await prometheusConfigEdit.inject({ env: o.env }, editParams);
    windows.push({ label: `virtual targets (job ${VIRTUAL_JOB})`, start: iso() });
    rec.endAction(a);

    const dashboard = dashboardPromQueries(o.env.stack.config.files.grafanaProvisioning, o.spec.data.dashboard.uid);
    const limitMs = o.spec.dashboardQueryWithinMs;
    let firstBreak: CapacityGrowthStep | undefined;
    let lastGood: CapacityGrowthStep | undefined;
    let scrapeBreak: CapacityGrowthStep | undefined;
    let stopReason = '';

    // The ramp: targets double up to 16 × today's, then only their series grow (a cardinality
    // ramp); the total grows 4× a step while scrapes are fast, 1.5× once one takes a tenth of its timeout.
    let seriesMultiple = 1;
    let targetMultiple = 1;
    let todayExposed: number | undefined;
    for (let k = 0; k < maxSteps; k++) {
      if (o.signal.aborted) {
        rec.interrupted = true;
        break;
      }
      if (k > 0) {
        const last = steps.at(-1)!;
        seriesMultiple *= last.maxScrapeSeconds < last.scrapeTimeoutSeconds / 10 ? 4 : 1.5;
        targetMultiple = Math.min(16, targetMultiple * 2);
      }
      const m = targetMultiple;
      const virtual = todayTargets * (m - 1);
      const seriesEach = virtual ? Math.max(perTarget, Math.round((todaySeries * (seriesMultiple - 1)) / virtual)) : perTarget;
      const planned = todaySeries + virtual * seriesEach;
      if (planned > maxSeries) {
        stopReason = `the next size (${planned} series) is over the cap of ${maxSeries} (--max-series)`;
        break;
      }
      if (Date.now() - t0 + intervalMs * 8 > o.maxDurationMs) {
        stopReason = `--max-duration ${o.maxDurationMs / 1000} s reached`;
        break;
      }
      const startedAt = Date.now();
      const act = rec.action('grow', `grow to ${todayTargets + virtual} targets, ${virtual} virtual with ${seriesEach} series each (×${m} today's targets, ×${+(planned / todaySeries).toFixed(1)} its series)`, { virtualTargets: virtual, seriesPerTarget: seriesEach });
      await targets.setSeriesPerTarget(seriesEach);
      writeTargets(virtual);
      // Until Prometheus has discovered them all (file SD: a file watch, else its refresh).
      const deadline = Date.now() + 30_000 + intervalMs * 4;
      while (!o.signal.aborted && ((await prom.targets('active', VIRTUAL_JOB)).activeTargets.length !== virtual) && Date.now() < deadline) await sleep(200, o.signal);
      // One interval for the new targets' first scrapes, then three to measure.
      await sleep(intervalMs * 4 + 200, o.signal);
      rec.endAction(act);
      if (o.signal.aborted) {
        rec.interrupted = true;
        break;
      }
      const w = `${Math.round(intervalMs * 3)}ms`;
      const vt = `job="${VIRTUAL_JOB}"`;
      const [maxScrapeVirtual, maxScrapeFleet, minUpVirtual, minUpFleet, scraped, fleetExposed, ruleEval, ruleInterval, droppedCounters, failedScrapes, dash, timeouts] = await Promise.all([
        scalar(prom, `max(max_over_time(scrape_duration_seconds{${vt}}[${w}]))`),
        scalar(prom, `max(max_over_time(scrape_duration_seconds{service!=""}[${w}]))`),
        scalar(prom, `min(min_over_time(up{${vt}}[${w}]))`),
        scalar(prom, `min(min_over_time(up{service!=""}[${w}]))`),
        scalar(prom, `sum(scrape_samples_scraped{service!=""}) + (sum(scrape_samples_scraped{${vt}}) or vector(0))`),
        // Each fleet target's size is its largest scrape in the window: a failed one took in nothing.
        scalar(prom, `sum(max_over_time(scrape_samples_scraped{service!=""}[${w}]))`),
        scalar(prom, `max(max_over_time(prometheus_rule_group_last_duration_seconds[${w}]))`),
        scalar(prom, 'min(prometheus_rule_group_interval_seconds)'),
        scalar(prom, DROP_COUNTERS.map((c) => `(sum(increase(${c}[${w}])) or vector(0))`).join(' + ')),
        scalar(prom, `sum(count_over_time(up{${vt}}[${w}])) - sum(sum_over_time(up{${vt}}[${w}]))`),
        timeDashboard(prom, dashboard),
        prom.targets('active'),
      ]);
      const timeoutSeconds = Math.min(...timeouts.activeTargets.map((t) => durationSeconds(t.scrapeTimeout)).filter((v): v is number => v !== undefined));
      const maxScrapeSeconds = Math.max(maxScrapeVirtual ?? 0, maxScrapeFleet ?? 0);
      const droppedSamples = Math.round((droppedCounters ?? 0) + (failedScrapes ?? 0) * seriesEach);
      const scrapeOk = maxScrapeSeconds < timeoutSeconds && (virtual === 0 || minUpVirtual === 1) && minUpFleet === 1;
      const breaches: string[] = [];
      if (!scrapeOk) breaches.push(`scrape ${maxScrapeSeconds.toFixed(3)} s of a ${timeoutSeconds} s timeout${minUpVirtual === 0 || minUpFleet === 0 ? ', scrapes failed' : ''}`);
      if (ruleEval !== undefined && ruleInterval !== undefined && !(ruleEval < ruleInterval)) breaches.push(`rule evaluation ${ruleEval.toFixed(3)} s of a ${ruleInterval} s interval`);
      if (droppedSamples > 0) breaches.push(`${droppedSamples} samples dropped`);
      if (dash.maxMs > limitMs || dash.failures.length) breaches.push(`dashboard ${Math.round(dash.maxMs)} ms (${dash.slowest}) of ${limitMs} ms${dash.failures.length ? `; failed: ${dash.failures.join('; ')}` : ''}`);
      const totalTargets = todayTargets + virtual;
      // The step's size is what the targets expose, not what got in: failed scrapes ingest nothing,
      // and a break reported at the smaller ingested count would understate where it happened.
      // The fleet's own series drift as its traffic finds new label values, so they are measured
      // at every step, and today's are step 0's.
      const totalSeries = Math.round(fleetExposed ?? todaySeries) + virtual * seriesEach;
      todayExposed ??= totalSeries;
      const step: CapacityGrowthStep = {
        kind: 'growth', index: k, startedAt: iso(startedAt), endedAt: iso(), targets: totalTargets, series: totalSeries, scrapedSeries: Math.round(scraped ?? 0),
        multipleOfToday: { targets: +(totalTargets / todayTargets).toFixed(2), series: +(totalSeries / Math.max(1, todayExposed)).toFixed(2) },
        maxScrapeSeconds, scrapeTimeoutSeconds: timeoutSeconds, maxRuleEvalSeconds: ruleEval ?? 0, ruleIntervalSeconds: ruleInterval ?? 0, droppedSamples,
        maxDashboardQueryMs: Math.round(dash.maxMs), dashboardQueryLimitMs: limitMs, ok: breaches.length === 0, breaches,
      };
      steps.push(step);
      o.emit({ type: 'capacity-step', scenario: o.scenario, step });
      if (k === 0) assertion("today's fleet holds every guarantee of the monitoring stack", step.ok, step.ok ? `${totalTargets} targets, ${totalSeries} series: slowest scrape ${maxScrapeSeconds.toFixed(3)} s of ${timeoutSeconds} s, rules ${(ruleEval ?? 0).toFixed(3)} s, dashboard ${Math.round(dash.maxMs)} ms` : breaches.join('; '), 'scrapes within their timeout, rules within their interval, no dropped samples, the dashboard within its promised time');
      if (step.ok) lastGood = step;
      else firstBreak ??= step;
      if (!scrapeOk) {
        scrapeBreak = step;
        stopReason = 'scrapes exceeded their timeout';
        break;
      }
    }
    if (!stopReason && !rec.interrupted) stopReason = `step limit (${maxSteps}) reached`;
    const headroom = lastGood ? { targets: lastGood.targets, series: lastGood.series, multipleOfToday: lastGood.multipleOfToday } : undefined;
    const summary =
      (headroom ? `headroom ×${headroom.multipleOfToday.series} today's series (${headroom.series}) and ×${headroom.multipleOfToday.targets} its targets (${headroom.targets}) with every guarantee held` : "today's fleet already breaks a guarantee") +
      (firstBreak ? `; first break at ${firstBreak.targets} targets, ${firstBreak.series} series: ${firstBreak.breaches.join('; ')}` : '') +
      (scrapeBreak ? `; scrapes first exceeded their timeout at ${scrapeBreak.targets} targets, ${scrapeBreak.series} series (${scrapeBreak.maxScrapeSeconds.toFixed(3)} s of ${scrapeBreak.scrapeTimeoutSeconds} s)` : `; scrapes stayed within their timeout (${stopReason})`);
    if (o.minHeadroom !== undefined) assertion(`series headroom at least ×${o.minHeadroom} today's`, (headroom?.multipleOfToday.series ?? 0) >= o.minHeadroom, summary, `every guarantee holds at ${o.minHeadroom} × today's series`);
    return rec.result({
      target: 'monitoring', mode: 'auto', slo: {},
      ...(headroom ? { headroom } : {}),
      ...(firstBreak ? { breakingPoint: { targets: firstBreak.targets, series: firstBreak.series, breaches: firstBreak.breaches } } : {}),
      ...(scrapeBreak ? { scrapeTimeoutAt: { targets: scrapeBreak.targets, series: scrapeBreak.series, maxScrapeSeconds: scrapeBreak.maxScrapeSeconds, timeoutSeconds: scrapeBreak.scrapeTimeoutSeconds } } : {}),
      summary,
    });
  } catch (e) {
    rec.crash = (e as Error).message;
    throw e;
  } finally {
    if (targets) writeTargets(0);
    if (edit !== undefined) {
      const a = rec.action('clear', 'put the rendered Prometheus config back, POST /-/reload', {}, 'rollback');
      await prometheusConfigEdit.clear({ env: o.env }, editParams, edit).catch(() => {});
      rec.endAction(a);
    }
    await targets?.stop();
    rec.end(o.signal.aborted);
  }
}
