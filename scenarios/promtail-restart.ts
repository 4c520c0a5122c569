/**
 * promtail-restart — Promtail stopped (SIGTERM) for a minute (scaled) while the services
 * keep writing, then started again with the same config. It saves its positions on the
 * way down and resumes from them: every line written meanwhile is shipped, none twice
 * (a lost positions file would re-ship whole files: duplicates; a stale one, the lines
 * since its last sync_period save).
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-delivery.ts';

const win = new LogWindow('promtail-restart');

export default defineScenario({
  name: 'promtail-restart',
  title: 'Promtail restarted: positions kept, every line written meanwhile shipped once: zero missing, zero duplicates',
  description: 'Graceful stop of Promtail under steady traffic, a scaled minute with nobody tailing the files, restart. Checks the positions file and reconciles every line by seq.',
  nominalDuration: '3m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    win.mark(),
    step.wait('30s', 'steady traffic into a healthy pipeline'),
    win.note('promtail down'),
    step.outage('promtail'),
    step.eventually(win.positionsKept(), () => 10_000, 'positions saved on the way down, every file in them'),
    step.wait('1m', 'Promtail is down: the services keep writing'),
    step.clear('outage promtail'),
    win.note('promtail back'),
    step.eventually(win.delivered({ since: 'promtail back' }), () => win.deliveryBoundMs(), 'every line of the window in Loki exactly once: zero missing, zero duplicates, in order'),
    step.eventually(win.positionsKept(), () => win.deliveryBoundMs(), 'positions advanced from where they were, none rewound'),
  ],
  rollbacks: [],
  expectedAlerts: [],
});
