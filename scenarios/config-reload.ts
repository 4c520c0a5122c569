/**
 * config-reload — the seed's "Reload Prometheus configuration without restart" (POST
 * /-/reload), proven: the run's rendered config gains a scrape job (Alertmanager's own
 * /metrics, which the bundled config does not scrape) and a rule group (a recording rule
 * and an alerting rule); after POST /-/reload the new target is scraped and up, the new
 * rules are loaded and evaluated, and every existing target kept its scrape cadence
 * across the reload — not one sample missing. The rollback puts the rendered files back
 * and reloads again; the steady state after checks the target set is the original one.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { noAlertsExcept, promql } from '../harness/engine/checks.ts';
import { configReloadedSinceStart, configuredTargetsUp, noScrapeGapAcrossReload, noScrapePool, prometheusUpFor, ruleGroupActive } from '../harness/engine/stack-checks.ts';

/** A new job on a component every run has: Alertmanager's own /metrics. */
const JOB = 'harness-reload-probe';
const GROUP = 'harness_config_reload';
const RECORD = 'harness:up:count_by_job';
const ALERT = 'HarnessReloadProbeTargetDown';

export default defineScenario({
  name: 'config-reload',
  title: 'POST /-/reload applies a new scrape job and new rules with no gap in the existing data',
  description: `Adds job ${JOB} (Alertmanager's /metrics) and rule group ${GROUP} to the run's rendered config, reloads Prometheus through its lifecycle API, and checks the new target and rules are live while every existing target's samples continue without a miss.`,
  nominalDuration: '3m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    // A Prometheus restarted just before (by an earlier scenario) has a gap of its own in the window.
    step.eventually(prometheusUpFor(10), (t) => 12 * t.scrapeMs + t.slackMs()),
    step.prometheusConfigEdit(
      {
        scrapeConfigs: (env) => [{ job_name: JOB, metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${env.stack.topology.component.alertmanager.port}`], labels: { service: 'alertmanager', service_group: 'infrastructure' } }] }],
        ruleGroups: [{ name: GROUP, rules: [{ record: RECORD, expr: 'count by (job) (up)' }, { alert: ALERT, expr: `up{job="${JOB}"} == 0`, for: '1m', labels: { severity: 'warning' }, annotations: { summary: `${JOB} scrape target down` } }] }],
      },
      'reload probe',
    ),
    step.eventually(configReloadedSinceStart(), (t) => t.slackMs()),
    step.eventually(promql(`up{job="${JOB}", service="alertmanager"}`).equals(1), (t) => t.detectionBoundMs() + t.scrapeMs, `the new target (job ${JOB}) is scraped and up`),
    step.eventually(ruleGroupActive(GROUP, [RECORD, ALERT]), (t) => 2 * t.evaluationMs + t.slackMs()),
    step.eventually(promql(`${RECORD}{job="${JOB}"}`).equals(1), (t) => 2 * t.evaluationMs + t.scrapeMs + t.slackMs(), 'the new recording rule records (1 target in the new job)'),
    step.eventually(promql(`${RECORD}{job="mcp-core-services"}`).equals(10), (t) => 2 * t.evaluationMs + t.slackMs(), 'the new recording rule sees the existing jobs too'),
    step.eventually(noScrapeGapAcrossReload(`up{job!="${JOB}"}`), (t) => 10 * t.scrapeMs + t.slackMs()),
  ],
  rollbacks: [
    step.clear('reload probe'),
    // The targets API, not `up`: Prometheus writes no staleness markers for a job removed by a
    // reload, so its last `up` sample stays visible for the lookback delta (prometheus#9221).
    step.eventually(noScrapePool(JOB), (t) => t.slackMs(), `job ${JOB} is gone again after the restore`),
  ],
  expectedAlerts: [],
});
