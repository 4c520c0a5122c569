/**
 * log-burst — log bursts sized against the promised ingestion rate (the seed's 16 MB/s):
 * first at 0.75 ×, then at 1.5 ×. What the configured limits predict decides what must
 * be seen (harness/logs/limits.ts predictBurst): with Loki's tenant bucket, no 429 below
 * it and 429s with shipper retries above it, every batch accepted within its retries; with
 * VictoriaLogs, which has no rate limit, nothing refused at all. Either way the predicted
 * loss is 0 lines and delivery must be complete, and the accepted byte rate must respect
 * the bucket where there is one. Burst lengths are real seconds: the limits are rates.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-window.ts';
import { limitBurst } from '../harness/engine/service-steps.ts';

export default defineScenario(() => {
  // Per run: this state is created afresh each time the scenario is loaded.
  const near = new LogWindow('burst-near');
  const over = new LogWindow('burst-over');
  const SERVICES = ['terminal-mcp', 'filesystem-mcp', 'database-mcp', 'git-mcp', 'memory-mcp', 'system-mcp', 'config-mcp', 'log-mcp'];
  const NEAR_S = 8;
  const OVER_S = 12;

  return {
    name: 'log-burst',
    requires: ['log-pipeline'],
    title: 'Log bursts at 0.75× and 1.5× the promised 16 MB/s: refusals and retries exactly as the configured limits predict, delivery complete',
    description: `Eight services burst 4000-byte lines together: ${NEAR_S}s at 0.75 × the promised 16 MB/s, then ${OVER_S}s at 1.5 ×. Each burst is reconciled by seq for all 17 services against the loss the limits predict, and the store's and shipper's counters show what the limiter did.`,
    nominalDuration: '3m',
    steadyState: [configuredTargetsUp(), noAlertsExcept([])],
    method: [
      near.mark(),
      near.sampleIngest(500),
      near.note('burst start'),
      limitBurst(near, SERVICES, { fractionOfLimit: 0.75, seconds: NEAR_S, key: 'burst near' }),
      step.wait(() => NEAR_S * 1000 + 500, 'the burst runs (real seconds)'),
      step.clear('burst near'),
      // Below the promised rate the promise decides, not the config: nothing lost, nothing refused.
      step.eventually(near.delivered({ since: 'burst start', predictedLoss: 0 }), () => near.burstBoundMs(), 'below the promised rate: every line delivered'),
      near.stopSampling(),
      step.eventually(near.limiter({ followBurst: true, bucketInvariant: true, expectNo429: true, title: 'below the promised rate: nothing refused, the accepted rate within the store\'s bucket (if it has one)' }), () => 10_000),
      over.mark(),
      over.sampleIngest(500),
      over.note('burst start'),
      limitBurst(over, SERVICES, { fractionOfLimit: 1.5, seconds: OVER_S, key: 'burst over' }),
      step.wait(() => OVER_S * 1000 + 500, 'the burst runs (real seconds)'),
      step.clear('burst over'),
      step.eventually(over.delivered({ since: 'burst start', predictedLoss: () => over.burstPlan!.prediction.predictedLostLines }), () => over.burstBoundMs(), 'above the promised rate: the loss is what the limits predict (none): every line delivered'),
      over.stopSampling(),
      step.eventually(over.limiter({ followBurst: true, bucketInvariant: true, title: 'above the promised rate: refusals only where the store\'s limit predicts them, every refused batch retried, none dropped, the accepted rate within the bucket' }), () => 10_000),
    ],
    rollbacks: [near.stopSampling(), over.stopSampling()],
    expectedAlerts: [],
  };
});
