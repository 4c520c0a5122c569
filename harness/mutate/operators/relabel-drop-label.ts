/**
 * A `labeldrop` of `service_group` appended to the core MCP services' relabel_configs:
 * every target still scraped and up, but without the label the dashboards and alerts
 * group by, as a relabeling rule written too broadly does. The scrape coverage scenario,
 * which checks each target's labels against its static_config, should notice.
 */
import { isSeq } from 'yaml';
import { editYaml, type MutationOperator } from '../operator.ts';
import { PROMETHEUS_FILE, targetJob } from './scrape-job-drop.ts';

const LABEL = 'service_group';

export const relabelDropLabel: MutationOperator = {
  name: 'relabel-drop-label',
  describe: `a relabel_configs labeldrop of ${LABEL} added to an MCP scrape job`,
  mutants: (dir) => {
    const job = targetJob(dir);
    if (!job) return [];
    return [
      {
        id: `relabel-drop-label:${job.name}`,
        operator: 'relabel-drop-label',
        file: PROMETHEUS_FILE,
        description: `${job.name} relabel_configs += { action: labeldrop, regex: ${LABEL} }`,
        scenarios: ['scrape-coverage'],
        apply: (copy: string) =>
          editYaml(copy, PROMETHEUS_FILE, (doc) => {
            const path = ['scrape_configs', job.index, 'relabel_configs'];
            const rule = doc.createNode({ action: 'labeldrop', regex: LABEL });
            if (isSeq(doc.getIn(path, true))) doc.addIn(path, rule);
            else doc.setIn(path, doc.createNode([rule]));
          }),
      },
    ];
  },
};
