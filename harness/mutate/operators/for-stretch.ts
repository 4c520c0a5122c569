/** An alert's `for` stretched tenfold: the rule still fires, far later than its promise allows. */
import { editYaml, watchedAlertRules, type MutationOperator } from '../operator.ts';
import { formatDuration, parseDuration } from '../../../assertions/duration.ts';

export const forStretch: MutationOperator = {
  name: 'for-stretch',
  describe: "an alert's `for` stretched ten times",
  mutants: (dir) =>
    watchedAlertRules(dir)
      .map((r) => {
        const from = r.for ?? '0s';
        const to = formatDuration(Math.max(parseDuration(from), 60_000) * 10);
        return {
          id: `for-stretch:${r.alert}`,
          operator: 'for-stretch',
          file: r.file,
          description: `${r.alert} for ${from} → ${to}`,
          scenarios: [r.scenario],
          apply: (copy: string) => editYaml(copy, r.file, (doc) => doc.setIn(['groups', r.group, 'rules', r.rule, 'for'], to)),
        };
      }),
};
