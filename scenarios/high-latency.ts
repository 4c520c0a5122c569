/**
 * high-latency — HighLatency (p95 > 1 s) on both sides of its threshold. 800 ms of
 * added latency keeps every request in the 0.75–1 s histogram bucket, so the p95
 * Prometheus interpolates stays just under 1 s and must never fire. Then a slow tail:
 * 1.5 s more on 10 % of the requests only. p95 lands in the tail (over 1 s) while the
 * median stays at the service's own latency, so the promised rule (p95) must fire within
 * the window + for, and a near miss on the median (or on the mean of a fast majority)
 * never would: a uniform slowdown could not tell them apart. Clearing resolves it.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { alertState, noAlertsExcept, notification, promql } from '../harness/engine/checks.ts';

const service = 'git-mcp';
const job = 'mcp-core-services';

export default defineScenario({
  name: 'high-latency',
  title: `HighLatency on ${service}: p95 just under 1 s never fires, a slow tail on 10 % of requests (p95 over 1 s, median fast) fires within window + for, clearing resolves`,
  description: 'A focused load of 10 req/s on one service; a fixed latency fault on its /mcp endpoint moves the whole request-duration histogram, then a tail fault slows a tenth of the requests only.',
  nominalDuration: '25m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    step.load(service, 10),
    step.serviceFault(service, { kind: 'latency', ms: 800 }, 'latency 800ms'),
    step.eventually(
      promql(`histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="${service}", path="/mcp"}[5m])))`).where((v) => v.length === 1 && v[0]!.value > 0.75 && v[0]!.value < 1, 'between 0.75 and 1 s'),
      (t) => t.scaled('5m') + 2 * t.scrapeMs + t.slackMs(),
      'p95 rises to just under 1 s',
    ),
    step.never(alertState('HighLatency', { service }, 'active'), (t) => t.alert('HighLatency').forMs + 2 * t.alert('HighLatency').evaluationMs + t.scrapeMs + t.slackMs(), 'HighLatency never pending or firing with p95 just under 1 s'),
    step.clear('latency 800ms'),
    step.serviceFault(service, { kind: 'latency', ms: 1500, share: 0.1 }, 'latency tail'),
    // The tail passes 5 % of the 5m window halfway through it: the data builds up for 2.5m.
    step.alertLifecycle('HighLatency', { service }, { job, extra: '3m' }),
    step.eventually(
      promql(`histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{service="${service}", path="/mcp"}[5m])))`).where((v) => v.length === 1 && v[0]!.value < 0.5, 'under 0.5 s'),
      (t) => 2 * t.scrapeMs + t.slackMs(),
      'the median stays well under 1 s: only the tail is slow',
    ),
    step.eventually(notification({ alertname: 'HighLatency', labels: { service }, status: 'firing' }), (t) => t.notificationBoundMs(), 'a firing notification names the service'),
    step.clear('latency tail'),
    step.eventually(alertState('HighLatency', { service }, 'inactive'), (t) => t.scaled('5m') + 2 * t.alert('HighLatency').evaluationMs + t.slackMs(), 'HighLatency resolved once the slow requests leave the window'),
    step.eventually(notification({ alertname: 'HighLatency', labels: { service }, status: 'resolved' }), (t) => t.resolutionBoundMs('HighLatency', job), 'a resolved notification'),
  ],
  rollbacks: [step.stopLoad(service)],
  expectedAlerts: [{ alertname: 'HighLatency', labels: { service } }],
});
