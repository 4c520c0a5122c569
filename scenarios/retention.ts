/**
 * retention — the seed's "15 days of metrics and 7 days of logs", proven by queries.
 *
 * Prometheus: the effective retention (flags API, runtime info) is the configured 15d.
 * Enforcement: samples are backfilled with `promtool tsdb create-blocks-from openmetrics`
 * into Prometheus's data directory — 20 days and 10 days old first, then a block from 3
 * hours ago. Prometheus applies time retention whenever it (re)loads its blocks (every
 * --storage.tsdb.block-reload-interval, 1m, and at start-up; the harness restarts it to
 * not wait): a block goes once its end is ≥ 15d before the newest block's end. So the
 * first two load and are queryable (10 days apart), and once the recent block is there the
 * 20-day-old one is deleted — from queries, from prometheus_tsdb_lowest_timestamp_seconds
 * and from disk — while the 10-day-old and recent ones stay.
 *
 * Logs, whichever store the folder has (through the store seam): an entry 6 days old is
 * pushed and returned; one older than the promised 7 days plus the store's own deletion
 * granularity (Loki: none; VictoriaLogs: whole UTC days, finding F6) is not returned.
 * With Loki also: the effective limits (GET /config) are 168h, and an entry 8 days old is
 * refused with 400 "timestamp too old", oldest acceptable now − 168h.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { RetentionProbe, configuredTargetsUp, logStoreKeeps, lokiAcceptsYoung, lokiRefusesOld, lokiRetentionIs, lokiReturns, prometheusBlocksOnDisk, prometheusRetentionAsPromised, unscaledPromql } from '../harness/engine/stack-checks.ts';
import { SEED_LOKI_RETENTION } from '../harness/check/seed.ts';

const DAY = 86_400_000;
/** Retention is not time-scaled: these deadlines are real time. */
const real = (ms: number) => () => ms;
const METRIC = 'harness_retention_probe';
/** Backfilled ages: beyond the retention, within it, and recent (the newest block). */
const AGES = { old: 20 * DAY, kept: 10 * DAY, recent: 3 * 3_600_000 } as const;
type Age = keyof typeof AGES;
export default defineScenario(() => {
  // Per run: this state is created afresh each time the scenario is loaded.
  const t0 = Date.now();
  const tsOf = (a: Age): number => Math.floor((t0 - AGES[a]) / 60_000) * 60_000;

  /** Five samples a minute apart at the age's time, as an OpenMetrics file promtool reads. */
  function openMetrics(ages: Age[]): string {
    const lines = [`# HELP ${METRIC} Samples backfilled by the harness's retention scenario.`, `# TYPE ${METRIC} gauge`];
    for (const a of ages) for (let i = 0; i < 5; i++) lines.push(`${METRIC}{age="${a}"} ${AGES[a] / DAY} ${(tsOf(a) + i * 60_000) / 1000}`);
    return `${lines.join('\n')}\n# EOF\n`;
  }

  const count = (a: Age) => `count_over_time(${METRIC}{age="${a}"}[30d])`;
  const has = (a: Age) => unscaledPromql(count(a), (v) => v.length === 1 && v[0]!.value === 5, `has the 5 samples backfilled ${a === 'recent' ? '3h' : `${AGES[a] / DAY}d`} ago`);
  const gone = (a: Age) => unscaledPromql(count(a), (v) => v.length === 0, `is empty: the block ${AGES[a] / DAY}d old was deleted by retention`);
  const inBlocks = (a: Age) => (b: { minTime: number; maxTime: number }) => b.minTime <= tsOf(a) && tsOf(a) <= b.maxTime;

  /** Refused: older than the promise plus VictoriaLogs' one-day granularity; kept: well inside it. */
  const logs = new RetentionProbe(8 * DAY + 2 * 3_600_000, 6 * DAY);

  return {
    name: 'retention',
    title: 'Prometheus keeps 15 days and deletes older blocks; the log store keeps entries younger than 7 days and not older ones',
    description: 'Retention read from the running components and proven by queries: backfilled TSDB blocks either side of 15 days, and log pushes either side of 7 days (through the store seam; with Loki, its limits and 400 answers too).',
    nominalDuration: '5m',
    steadyState: [configuredTargetsUp(), noAlertsExcept([])],
    method: [
      step.eventually(prometheusRetentionAsPromised(), real(10000)),
      step.backfill({ openMetrics: openMetrics(['old', 'kept']), describe: `${METRIC} 20d and 10d old` }, 'backfill old'),
      step.eventually(has('old'), real(30000), 'the 20-day-old block loaded (10 days from the newest block: within retention so far)'),
      step.eventually(has('kept'), real(30000)),
      step.backfill({ openMetrics: openMetrics(['recent']), describe: `${METRIC} 3h old (the newest block)` }, 'backfill recent'),
      step.eventually(gone('old'), real(30000), 'the 20-day-old samples are gone: its block ended ≥ 15d before the newest block'),
      step.eventually(has('kept'), real(30000), 'the 10-day-old samples stay queryable'),
      step.eventually(has('recent'), real(30000), 'the 3-hour-old samples stay queryable'),
      step.eventually(unscaledPromql('(time() - prometheus_tsdb_lowest_timestamp_seconds) / 86400', (v) => v.length === 1 && v[0]!.value < 15 && v[0]!.value > 9, 'is under 15 days (the oldest sample left is the 10-day-old one)'), real(30000), "Prometheus's oldest sample is younger than 15 days"),
      step.eventually(prometheusBlocksOnDisk((bs) => !bs.some(inBlocks('old')) && bs.some(inBlocks('kept')) && bs.some(inBlocks('recent')), 'has no block 20 days old, and still the 10-day-old and recent ones'), real(30000)),

      ...step.requiring(
        ['log-pipeline'],
        step.eventually(logStoreKeeps(logs, 'kept', SEED_LOKI_RETENTION), real(30000)),
        step.eventually(logStoreKeeps(logs, 'refused', SEED_LOKI_RETENTION), real(10000)),
      ),
      ...step.requiring(
        ['loki'],
        step.eventually(lokiRetentionIs(SEED_LOKI_RETENTION), real(10000)),
        step.eventually(lokiRefusesOld(logs, SEED_LOKI_RETENTION), real(10000)),
        step.eventually(lokiAcceptsYoung(logs), real(10000)),
        step.eventually(lokiReturns(logs, 'kept', true), real(30000), `the 6-day-old entry is returned (kept: younger than ${SEED_LOKI_RETENTION})`),
        step.eventually(lokiReturns(logs, 'refused', false), real(10000), 'nothing is stored 8 days back'),
      ),
    ],
    rollbacks: [],
    expectedAlerts: [],
  };
});
