/**
 * Loki's ingestion limit cut to a sixteenth (16 MB/s → 1 MB/s, and its burst with it):
 * quiet traffic still flows, and a burst well under the promised rate meets 429s and
 * retries, as a limit copied from a smaller tenant would. The log burst scenario, sized
 * against the promised rate, should notice. VictoriaLogs has no ingestion rate limit, so
 * a VictoriaLogs folder gets no mutant.
 */
import { readYaml, type MutationOperator } from '../operator.ts';
import { setScalar } from './yaml-text.ts';

const FILE = 'loki/loki-config.yml';
const DIVISOR = 16;
const KEYS = ['ingestion_rate_mb', 'ingestion_burst_size_mb'];

export const ingestionLimitCut: MutationOperator = {
  name: 'ingestion-limit-cut',
  describe: `Loki's ingestion rate (and burst) divided by ${DIVISOR}`,
  mutants: (dir) => {
    const doc = readYaml(dir, FILE);
    const cuts = KEYS.flatMap((key) => {
      const from = doc?.getIn(['limits_config', key]);
      const n = typeof from === 'number' ? from : typeof from === 'string' && from.trim() !== '' ? Number(from) : NaN;
      if (!Number.isFinite(n) || n <= 0) return [];
      const to = Number((n / DIVISOR).toPrecision(12));
      return [{ key, from, to: typeof from === 'number' ? to : String(to) }];
    });
    // The burst alone is no cut of the rate.
    if (cuts[0]?.key !== 'ingestion_rate_mb') return [];
    return [
      {
        id: 'ingestion-limit-cut:loki',
        operator: 'ingestion-limit-cut',
        file: FILE,
        description: cuts.map((c) => `limits_config.${c.key} ${String(c.from)} → ${c.to}`).join(', '),
        scenarios: ['log-burst'],
        apply: (copy: string) => {
          for (const c of cuts) setScalar(copy, FILE, ['limits_config', c.key], c.to);
        },
      },
    ];
  },
};
