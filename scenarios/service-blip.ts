/**
 * service-blip — the near miss of service-down: one MCP service killed and back within half
 * of ServiceDown's `for`. Prometheus sees it down (up == 0) and the alert may go pending, but
 * it must never fire and nothing may be notified: a rule that pages on every blip (no `for`)
 * fails here while passing service-down.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { alertState, noAlertsExcept, promql } from '../harness/engine/checks.ts';

const service = 'filesystem-mcp';
const job = 'mcp-core-services';

export default defineScenario({
  name: 'service-blip',
  title: `${service} down for less than ServiceDown's for: seen down, at most pending, never firing`,
  description: `SIGKILL of ${service}, restarted 30 s (scaled) after Prometheus saw it down: the outage is shorter than the rule's for (1m), so the alert must not fire. Every firing from the method on fails the scenario.`,
  nominalDuration: '4m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    step.kill(service),
    step.eventually(promql(`up{service="${service}"}`).equals(0), (t) => t.detectionBoundMs(job), `up == 0 for ${service} within one scrape`),
    step.wait('30s', "down for half of ServiceDown's for after it was seen"),
    step.clear(`kill ${service}`),
    step.eventually(promql(`up{service="${service}"}`).equals(1), (t) => t.detectionBoundMs(job), `up == 1 again for ${service}`),
    // A firing decided on the last evaluation before recovery is published within an evaluation.
    step.never(alertState('ServiceDown', { service }, 'firing'), (t) => 2 * t.alert('ServiceDown').evaluationMs + t.slackMs(), 'ServiceDown never fires for an outage shorter than its for'),
  ],
  rollbacks: [],
  expectedAlerts: [],
});
