/**
 * Log retention cut from the promised 7 days to 3 (Loki's limits_config.retention_period,
 * or VictoriaLogs' -retentionPeriod flag): logs still arrive and are queryable, and are
 * deleted before the promise runs out, which nothing short of looking days back shows.
 * The retention scenario, which reads a 6-day-old entry back, should notice.
 */
import { readYaml, type MutationOperator } from '../operator.ts';
import { parseDuration } from '../../../assertions/duration.ts';
import { setScalar } from './yaml-text.ts';

const DAYS = 3;

/** Where each log store keeps its retention, and how 3 days is written there. */
const STORES = [
  { store: 'loki', file: 'loki/loki-config.yml', path: ['limits_config', 'retention_period'], to: `${DAYS * 24}h` },
  { store: 'victorialogs', file: 'victorialogs/victorialogs.yml', path: ['flags', 'retentionPeriod'], to: `${DAYS}d` },
];

function durationMs(v: unknown): number | undefined {
  try {
    return typeof v === 'string' ? parseDuration(v) : undefined;
  } catch {
    return undefined;
  }
}

export const retentionChange: MutationOperator = {
  name: 'retention-change',
  describe: `log retention cut to ${DAYS} days`,
  mutants: (dir) =>
    STORES.flatMap((s) => {
      const from = readYaml(dir, s.file)?.getIn(s.path);
      const ms = durationMs(from);
      // Absent or 0 (keep forever), or already as short: nothing to cut.
      if (!ms || ms <= DAYS * 86_400_000) return [];
      return [
        {
          id: `retention-change:${s.store}`,
          operator: 'retention-change',
          file: s.file,
          description: `${s.path.join('.')} ${String(from)} → ${s.to}`,
          scenarios: ['retention'],
          apply: (copy: string) => setScalar(copy, s.file, s.path, s.to),
        },
      ];
    }),
};
