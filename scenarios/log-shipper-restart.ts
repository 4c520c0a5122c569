/**
 * log-shipper-restart — the log shipper (Promtail or the collector) stopped (SIGTERM) for
 * a minute (scaled) while the services keep writing, then started again with the same
 * config. It saves its read positions on the way down and resumes from them: every line
 * written meanwhile is shipped, none twice (lost positions would re-ship whole files:
 * duplicates; stale ones, the lines since the last save).
 *
 * Twice: first a process restart (its container kept), then a recreate (the container
 * removed and created again, as Compose does on a config or image change): positions kept
 * only in the container's own filesystem (/tmp) survive the first and not the second.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-window.ts';

export default defineScenario(() => {
  // Per run: this state is created afresh each time the scenario is loaded.
  const win = new LogWindow('log-shipper-restart');

  return {
    name: 'log-shipper-restart',
    requires: ['log-pipeline'],
    title: 'The log shipper restarted, then recreated: positions kept, every line written meanwhile shipped once: zero missing, zero duplicates',
    description: 'Graceful stop of the log shipper under steady traffic, a scaled minute with nobody tailing the files, restart (its container kept); then the same with its container recreated (own filesystem wiped, volumes kept). Checks the saved positions and reconciles every line by seq after each.',
    nominalDuration: '4m',
    steadyState: [configuredTargetsUp(), noAlertsExcept([])],
    method: [
      win.mark(),
      step.wait('30s', 'steady traffic into a healthy pipeline'),
      win.note('shipper down'),
      step.outage('log-shipper'),
      step.eventually(win.positionsKept(), () => 10_000, 'positions saved on the way down, every file in them'),
      step.wait('1m', 'the shipper is down: the services keep writing'),
      step.clear('outage log-shipper'),
      win.note('shipper back'),
      step.eventually(win.delivered({ since: 'shipper back' }), () => win.deliveryBoundMs(), 'after a process restart (container kept): every line of the window in the store exactly once: zero missing, zero duplicates, in order'),
      step.eventually(win.positionsKept(), () => win.deliveryBoundMs(), 'after a process restart: positions advanced from where they were, none rewound'),
      win.note('shipper recreate'),
      step.recreate('log-shipper'),
      step.wait('30s', 'the shipper is down before its container is recreated: the services keep writing'),
      step.clear('recreate log-shipper'),
      win.note('shipper recreated'),
      step.eventually(win.delivered({ since: 'shipper back' }), () => win.deliveryBoundMs(), "after a recreate (container removed and created again, volumes kept): every line of the window in the store exactly once: zero missing, zero duplicates, in order"),
      step.eventually(win.positionsKept(), () => win.deliveryBoundMs(), 'after a recreate: positions kept across it, none rewound'),
    ],
    rollbacks: [],
    expectedAlerts: [],
  };
});
