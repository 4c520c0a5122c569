/**
 * The scrape job of the core MCP services deleted from prometheus.yml: a whole group of
 * services goes unmonitored while the config stays valid, as when a job is lost in a
 * merge or a refactor of the file. The scrape coverage scenario, which wants every
 * promised job up, should notice.
 */
import { editYaml, readYaml, type MutationOperator } from '../operator.ts';

export const PROMETHEUS_FILE = 'prometheus/prometheus.yml';

/** The job the scrape operators edit: `mcp-core-services`, else the first job named `mcp-…`; its index in scrape_configs. */
export function targetJob(dir: string): { name: string; index: number } | undefined {
  const js = readYaml(dir, PROMETHEUS_FILE)?.toJS() as { scrape_configs?: { job_name?: unknown }[] } | undefined;
  const names = (js?.scrape_configs ?? []).map((j) => (typeof j?.job_name === 'string' ? j.job_name : ''));
  const index = names.includes('mcp-core-services') ? names.indexOf('mcp-core-services') : names.findIndex((n) => n.startsWith('mcp-'));
  return index === -1 ? undefined : { name: names[index]!, index };
}

export const scrapeJobDrop: MutationOperator = {
  name: 'scrape-job-drop',
  describe: 'an MCP scrape job removed from prometheus.yml',
  mutants: (dir) => {
    const job = targetJob(dir);
    if (!job) return [];
    return [
      {
        id: `scrape-job-drop:${job.name}`,
        operator: 'scrape-job-drop',
        file: PROMETHEUS_FILE,
        description: `scrape job ${job.name} removed`,
        scenarios: ['scrape-coverage'],
        apply: (copy: string) => editYaml(copy, PROMETHEUS_FILE, (doc) => doc.deleteIn(['scrape_configs', job.index])),
      },
    ];
  },
};
