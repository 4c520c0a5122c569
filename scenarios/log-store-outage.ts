/**
 * log-store-outage — the log store (Loki or VictoriaLogs) stopped gracefully for a minute
 * (scaled) under steady traffic, then started again with the same data. The shipper
 * (Promtail or the collector) backs off and resends: after recovery nothing is missing,
 * duplicated or out of order, and the time from the store's return to full delivery stays
 * within the bound the shipper's backoff config predicts.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-window.ts';

export default defineScenario(() => {
  // Per run: this state is created afresh each time the scenario is loaded.
  const win = new LogWindow('log-store-outage');

  return {
    name: 'log-store-outage',
    requires: ['log-pipeline'],
    title: 'The log store stopped for a minute: the shipper backs off and resends; after recovery nothing is missing, duplicated or out of order',
    description: 'Graceful stop (SIGTERM) of the log store under steady traffic, a scaled minute of outage, restart with the same data directory. Delivery is reconciled by seq for all 17 services; the time from the store ready to full delivery is recorded against the bound the backoff config predicts.',
    nominalDuration: '3m',
    steadyState: [configuredTargetsUp(), noAlertsExcept([])],
    method: [
      win.mark(),
      step.wait('30s', 'steady traffic into a healthy pipeline'),
      win.note('store down'),
      step.outage('log-store'),
      step.wait('1m', 'the store is down: the services keep writing, the shipper retries with backoff'),
      step.clear('outage log-store'),
      win.note('store back'),
      step.eventually(win.delivered({ since: 'store back' }), () => win.recoveryBoundMs('store down', 'store back'), 'every line written before, during and after the outage is in the store: zero missing, zero duplicates, in order'),
      step.eventually(win.limiter({ expectRetries: true, title: 'the shipper retried during the outage and dropped nothing' }), () => 10_000),
      step.eventually(win.latency({ service: 'terminal-mcp', markers: 10 }), () => 60_000, 'new lines are queryable again'),
    ],
    rollbacks: [],
    expectedAlerts: [],
  };
});
