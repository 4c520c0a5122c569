/**
 * Prometheus's global scrape_interval four times longer (15s → 1m): every target still
 * scraped and up, but detection, rates and the promised interval all slip, as when a
 * scrape interval is raised to save load. The scrape coverage scenario, which checks the
 * observed interval against the promise, should notice.
 */
import { readYaml, type MutationOperator } from '../operator.ts';
import { formatDuration, parseDuration } from '../../../assertions/duration.ts';
import { PROMETHEUS_FILE } from './scrape-job-drop.ts';
import { setScalar } from './yaml-text.ts';

const FACTOR = 4;
const PATH = ['global', 'scrape_interval'];

export const intervalChange: MutationOperator = {
  name: 'interval-change',
  describe: `the global scrape_interval made ${FACTOR} times longer`,
  mutants: (dir) => {
    const from = readYaml(dir, PROMETHEUS_FILE)?.getIn(PATH);
    let ms: number;
    try {
      ms = typeof from === 'string' ? parseDuration(from) : 0;
    } catch {
      ms = 0;
    }
    if (!ms) return [];
    const to = formatDuration(ms * FACTOR);
    return [
      {
        id: 'interval-change:global',
        operator: 'interval-change',
        file: PROMETHEUS_FILE,
        description: `global.scrape_interval ${String(from)} → ${to}`,
        scenarios: ['scrape-coverage'],
        apply: (copy: string) => setScalar(copy, PROMETHEUS_FILE, PATH, to),
      },
    ];
  },
};
