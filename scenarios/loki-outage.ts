/**
 * loki-outage — Loki stopped for a minute (scaled) and started again with the same data.
 * Promtail cannot push, backs off (its backoff_config) and keeps its place in the files;
 * once Loki is back every line written before, during and after the outage is there:
 * zero missing, zero duplicates, in order. The deadline for full delivery comes from the
 * config: Promtail's worst-case backoff wait at the outage's length, plus its batch wait
 * and push timeout (Promtail's backoff is real time; the time scale does not touch it).
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-delivery.ts';

const win = new LogWindow('loki-outage');

export default defineScenario({
  name: 'loki-outage',
  title: 'Loki stopped for a minute: Promtail backs off and resends; after recovery nothing is missing, duplicated or out of order',
  description: 'Graceful stop (SIGTERM) of Loki under steady traffic, a scaled minute of outage, restart with the same data directory. Delivery is reconciled by seq for all 17 services; the time from Loki ready to full delivery is recorded against the bound the backoff config predicts.',
  nominalDuration: '3m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    win.mark(),
    step.wait('30s', 'steady traffic into a healthy pipeline'),
    win.note('loki down'),
    step.outage('loki'),
    step.wait('1m', 'Loki is down: the services keep writing, Promtail retries with backoff'),
    step.clear('outage loki'),
    win.note('loki back'),
    step.eventually(win.delivered({ since: 'loki back' }), () => win.recoveryBoundMs('loki down', 'loki back'), 'every line written before, during and after the outage is in Loki: zero missing, zero duplicates, in order'),
    step.eventually(win.limiter({ expectRetries: true, title: 'Promtail retried during the outage and dropped nothing' }), () => 10_000),
    step.eventually(win.latency({ service: 'terminal-mcp', markers: 10 }), () => 60_000, 'new lines are queryable again'),
  ],
  rollbacks: [],
  expectedAlerts: [],
});
