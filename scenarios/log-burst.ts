/**
 * log-burst — log bursts sized against Loki's tenant limit as configured
 * (ingestion_rate_mb / ingestion_burst_size_mb, read from the rendered config): first at
 * 0.75 × the limit, which the token bucket absorbs (no 429 is due, none may come), then
 * at 1.5 × the limit, which empties it: Loki answers 429 and Promtail retries. The limits
 * and Promtail's backoff predict the outcome (harness/engine/log-delivery.ts
 * predictBurst): every batch fits the bucket and is accepted within a retry or two, so
 * the predicted loss is 0 lines and delivery must be complete; the accepted byte rate
 * must respect the bucket. Burst lengths are real seconds: the limits are rates.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-delivery.ts';
import { limitBurst } from '../harness/chaos/log-faults.ts';

const near = new LogWindow('burst-near');
const over = new LogWindow('burst-over');
const SERVICES = ['terminal-mcp', 'filesystem-mcp', 'database-mcp', 'git-mcp', 'memory-mcp', 'system-mcp', 'config-mcp', 'log-mcp'];
const NEAR_S = 8;
const OVER_S = 12;

export default defineScenario({
  name: 'log-burst',
  title: "Log bursts at 0.75× and 1.5× Loki's ingestion limit: no 429 below it, 429 and retries above it, delivery complete as the limits predict",
  description: `Eight services burst 4000-byte lines together: ${NEAR_S}s at 0.75 × ingestion_rate_mb, then ${OVER_S}s at 1.5 ×. Each burst is reconciled by seq for all 17 services against the loss the limits predict, and Loki's and Promtail's counters show what the limiter did.`,
  nominalDuration: '3m',
  steadyState: [configuredTargetsUp(), noAlertsExcept([])],
  method: [
    near.mark(),
    near.sampleIngest(500),
    near.note('burst start'),
    limitBurst(near, SERVICES, { fractionOfLimit: 0.75, seconds: NEAR_S, key: 'burst near' }),
    step.wait(() => NEAR_S * 1000 + 500, 'the burst runs (real seconds)'),
    step.clear('burst near'),
    step.eventually(near.delivered({ since: 'burst start', predictedLoss: () => near.burstPlan!.prediction.predictedLostLines }), () => near.burstBoundMs(), 'below the limit: every line delivered as predicted'),
    near.stopSampling(),
    step.eventually(near.limiter({ followBurst: true, bucketInvariant: true, title: 'below the limit: no 429, the accepted rate within the token bucket' }), () => 10_000),
    over.mark(),
    over.sampleIngest(500),
    over.note('burst start'),
    limitBurst(over, SERVICES, { fractionOfLimit: 1.5, seconds: OVER_S, key: 'burst over' }),
    step.wait(() => OVER_S * 1000 + 500, 'the burst runs (real seconds)'),
    step.clear('burst over'),
    step.eventually(over.delivered({ since: 'burst start', predictedLoss: () => over.burstPlan!.prediction.predictedLostLines }), () => over.burstBoundMs(), 'above the limit: the loss is what the limits predict (none): every line delivered after the retries'),
    over.stopSampling(),
    step.eventually(over.limiter({ followBurst: true, bucketInvariant: true, title: 'above the limit: Loki answered 429, Promtail retried every such batch and dropped none, the accepted rate within the token bucket' }), () => 10_000),
  ],
  rollbacks: [near.stopSampling(), over.stopSampling()],
  expectedAlerts: [],
});
