/**
 * scrape-coverage — the seed's "scrape jobs for every service", proven on the running
 * Prometheus: every job and target of the config active and up (and nothing else), each
 * target labelled as its static_config says, every scrape faster than its timeout, and
 * each of the seed's example PromQL queries returning data — the last one,
 * `up{job=~"mcp-.*"} == 0`, only while a service is down, so one is killed for it.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { noAlertsExcept, promql } from '../harness/engine/checks.ts';
import { configuredTargetsUp, scrapeDurationsBelowTimeout, scrapeIntervalsAsPromised, seedJobsUp, targetLabelsAsConfigured } from '../harness/engine/stack-checks.ts';
import { SEED_PROMQL_EXAMPLES as Q } from '../harness/check/seed.ts';
import { allServices } from '../fake-services/catalog.ts';
import type { TimingModel } from '../harness/engine/timing.ts';

const killed = 'network-mcp';
const window = (t: TimingModel) => t.scaled('5m') + 2 * t.scrapeMs + t.slackMs();
const detect = (t: TimingModel) => t.detectionBoundMs() + t.scrapeMs;
const SERVICES = allServices().map((s) => s.name);

export default defineScenario({
  name: 'scrape-coverage',
  title: "Every configured job and target scraped, up and labelled; scrapes within their timeout; the seed's example queries return data",
  description: `Compares Prometheus's targets API with the run's rendered prometheus.yml, reads scrape_duration_seconds against each target's timeout, and runs the seed's example PromQL; "services currently down" is proven by killing ${killed}.`,
  nominalDuration: '8m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    step.eventually(configuredTargetsUp(), detect),
    step.eventually(seedJobsUp(), detect),
    step.eventually(scrapeIntervalsAsPromised(), detect),
    step.eventually(targetLabelsAsConfigured(), detect),
    step.eventually(promql('count by (service, service_group) (up{service!=""})').where((v) => SERVICES.every((n) => v.some((s) => s.labels.service === n && s.labels.service_group)), 'has a service and service_group for the coordinator and all 16 MCP services'), detect, 'every service is in up with its service and service_group labels'),
    step.always(scrapeDurationsBelowTimeout('5m'), '1m', 'every scrape stays below its timeout through the window'),

    // The seed's example queries, verbatim (windows time-scaled like every query of the run).
    step.eventually(promql(Q.requestRate).where((v) => SERVICES.every((n) => v.some((s) => s.labels.service === n)), 'returns series for the coordinator and all 16 MCP services'), window, `seed example: ${Q.requestRate}`),
    step.eventually(promql(Q.p99Filesystem).where((v) => v.some((s) => s.labels.path === '/mcp' && Number.isFinite(s.value) && s.value > 0), 'has a finite p99 > 0 for /mcp'), window, `seed example: ${Q.p99Filesystem}`),
    step.eventually(promql(Q.errorRatePercent).where((v) => v.length === 1 && Number.isFinite(v[0]!.value) && v[0]!.value >= 0 && v[0]!.value <= 100, 'is one percentage between 0 and 100'), window, `seed example: ${Q.errorRatePercent}`),
    step.eventually(promql(Q.memoryByService).where((v) => SERVICES.every((n) => (v.find((s) => s.labels.service === n)?.value ?? 0) > 0), 'has a resident memory > 0 for the coordinator and all 16 MCP services'), detect, `seed example: ${Q.memoryByService}`),
    step.always(promql(Q.servicesDown).empty(), '30s', `seed example: ${Q.servicesDown} is empty while every service is up`),
    step.kill(killed),
    step.eventually(promql(Q.servicesDown).where((v) => v.length === 1 && v[0]!.labels.service === killed, `returns exactly ${killed}`), (t) => t.detectionBoundMs() + t.slackMs(), `seed example: ${Q.servicesDown} names the killed service`),
    step.clear(`kill ${killed}`),
    step.eventually(promql(Q.servicesDown).empty(), (t) => t.detectionBoundMs() + t.slackMs(), `seed example: ${Q.servicesDown} is empty again after the restart`),
  ],
  rollbacks: [],
  // A kill longer than ServiceDown's (scaled) for fires it; the coordinator relays the dead service's calls as 5xx.
  expectedAlerts: [{ alertname: 'ServiceDown', labels: { service: killed } }, { alertname: 'HighErrorRate', labels: { service: 'zen-coordinator' } }],
});
