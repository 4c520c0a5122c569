/** The route sent to a receiver with no integration: every alert is routed, and nobody hears it. */
import { editYaml, readYaml, type MutationOperator } from '../operator.ts';

const FILE = 'alertmanager/config.yml';

export const routeNoIntegration: MutationOperator = {
  name: 'route-no-integration',
  describe: 'the root route sent to a receiver that has no integration',
  mutants: (dir) => {
    const doc = readYaml(dir, FILE);
    const from = doc?.getIn(['route', 'receiver']);
    if (typeof from !== 'string') return [];
    return [
      {
        id: 'route-no-integration:root',
        operator: 'route-no-integration',
        file: FILE,
        description: `route.receiver ${from} → nowhere (a receiver with no integration)`,
        scenarios: ['service-down'],
        apply: (copy) =>
          editYaml(copy, FILE, (d) => {
            d.setIn(['route', 'receiver'], 'nowhere');
            d.addIn(['receivers'], d.createNode({ name: 'nowhere' }));
          }),
      },
    ];
  },
};
