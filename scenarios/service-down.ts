/**
 * service-down — kill -9 one MCP service. Prometheus sees up == 0 within one scrape;
 * ServiceDown goes pending, then fires after its `for`; Alertmanager has it and a
 * notification naming the service arrives; nothing else fires; after a restart the
 * alert resolves and the resolution is notified.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { alertState, alertmanagerHas, noAlertsExcept, notification, promql } from '../harness/engine/checks.ts';

const service = 'filesystem-mcp';
const job = 'mcp-core-services';

export default defineScenario({
  name: 'service-down',
  title: `${service} killed: detected within one scrape, ServiceDown fires after its for, notified, resolved after restart`,
  description: `SIGKILL of the ${service} process (a real kill: its port closes). The zen-coordinator keeps routing calls to it, so the coordinator's errors are real too.`,
  nominalDuration: '9m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    step.kill(service),
    step.eventually(promql(`up{service="${service}"}`).equals(0), (t) => t.detectionBoundMs(job), `up == 0 for ${service} within one scrape`),
    step.alertLifecycle('ServiceDown', { service }, { job }),
    step.eventually(alertmanagerHas('ServiceDown', { service }), (t) => t.evaluationMs + t.slackMs(), 'Alertmanager has the alert'),
    step.eventually(notification({ alertname: 'ServiceDown', labels: { service }, status: 'firing' }), (t) => t.notificationBoundMs(), 'a firing notification names the service'),
    step.clear(`kill ${service}`),
    step.eventually(promql(`up{service="${service}"}`).equals(1), (t) => t.detectionBoundMs(job), `up == 1 again for ${service}`),
    step.eventually(alertState('ServiceDown', { service }, 'inactive'), (t) => t.scrapeOf(job) + 2 * t.alert('ServiceDown').evaluationMs + t.slackMs(), 'ServiceDown resolved in Prometheus'),
    step.eventually(notification({ alertname: 'ServiceDown', labels: { service }, status: 'resolved' }), (t) => t.resolutionBoundMs('ServiceDown', job), 'a resolved notification names the service'),
  ],
  rollbacks: [],
  expectedAlerts: [{ alertname: 'ServiceDown', labels: { service } }],
});
