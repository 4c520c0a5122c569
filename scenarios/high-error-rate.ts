/**
 * high-error-rate — HighErrorRate on both sides of its 5 % threshold. 4 % of one
 * service's requests failing must never make it pending or firing; 6 % must make it
 * fire within the rate window + for + evaluation + scrape; clearing resolves it.
 * Errors are spread evenly (every 25th request at 4 %), not drawn at random, so the
 * ratio in any window is the configured one and "just under" is really under.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { alertState, noAlertsExcept, notification } from '../harness/engine/checks.ts';

const service = 'terminal-mcp';
const job = 'mcp-core-services';
const either = (t: { scaled: (d: string) => number; alert: (n: string) => { forMs: number; evaluationMs: number }; scrapeMs: number; slackMs: () => number }) =>
  t.scaled('5m') + t.alert('HighErrorRate').forMs + 2 * t.alert('HighErrorRate').evaluationMs + t.scrapeMs + t.slackMs();

export default defineScenario({
  name: 'high-error-rate',
  title: `HighErrorRate on ${service}: 4 % never fires, 6 % fires within window + for, clearing resolves`,
  description: 'A focused load of 20 req/s on one service gives each 5 m window thousands of requests; the error-ratio fault then fails an exact share of them with HTTP 500.',
  nominalDuration: '30m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    step.load(service, 20),
    step.wait('1m', 'let the focused load fill the rate window'),
    step.serviceFault(service, { kind: 'error-ratio', ratio: 0.04, status: 500, spread: true }, 'errors 4%'),
    step.never(alertState('HighErrorRate', { service }, 'active'), either, 'HighErrorRate never pending or firing at 4 % errors'),
    step.clear('errors 4%'),
    step.serviceFault(service, { kind: 'error-ratio', ratio: 0.06, status: 500, spread: true }, 'errors 6%'),
    step.alertLifecycle('HighErrorRate', { service }, { job, extra: '5m' }),
    step.eventually(notification({ alertname: 'HighErrorRate', labels: { service }, status: 'firing' }), (t) => t.notificationBoundMs(), 'a firing notification names the service'),
    step.clear('errors 6%'),
    step.eventually(alertState('HighErrorRate', { service }, 'inactive'), (t) => t.scaled('5m') + 2 * t.alert('HighErrorRate').evaluationMs + t.slackMs(), 'HighErrorRate resolved once the errors leave the window'),
    step.eventually(notification({ alertname: 'HighErrorRate', labels: { service }, status: 'resolved' }), (t) => t.resolutionBoundMs('HighErrorRate', job), 'a resolved notification'),
  ],
  rollbacks: [step.stopLoad(service)],
  expectedAlerts: [{ alertname: 'HighErrorRate', labels: { service } }],
});

