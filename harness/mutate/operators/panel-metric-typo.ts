/**
 * A typo in a dashboard query's metric name (`http_requests_total` → `http_requests_totl`
 * in the Request Rate panel): the query still parses, returns nothing, and the panel
 * shows "No data" — what a hand-edited dashboard looks like when nobody opens it. The
 * dashboards scenario, which wants each panel to return data, should notice.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { editJson, type MutationOperator } from '../operator.ts';
import { dashboardTargets, jsonAt } from './datasource-uid.ts';

const PANEL = 'Request Rate';
const METRIC = 'http_requests_total';
const TYPO = 'http_requests_totl';

/**
 * `expr` with every metric name `from` in it (the Identifier of a VectorSelector in the
 * PromQL syntax tree) written `to`; undefined when it names no such metric. Grafana
 * variables in the query may leave error nodes in the tree; the selectors around them still
 * have their names.
 */
export function renameMetric(expr: string, from: string, to: string): string | undefined {
  const at: number[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector' && expr.slice(n.from, n.to) === from) at.push(n.from);
    },
  });
  if (!at.length) return undefined;
  return at.reduceRight((e, i) => e.slice(0, i) + to + e.slice(i + from.length), expr);
}

export const panelMetricTypo: MutationOperator = {
  name: 'panel-metric-typo',
  describe: `the metric name ${METRIC} misspelled in the "${PANEL}" panel's query`,
  mutants: (dir) => {
    const t = dashboardTargets(dir).find((x) => x.panel === PANEL && typeof x.target?.expr === 'string' && renameMetric(x.target.expr, METRIC, TYPO) !== undefined);
    if (!t) return [];
    const expr = renameMetric(String(t.target.expr), METRIC, TYPO)!;
    const ref = t.target.refId ?? t.path.at(-1);
    return [
      {
        id: `panel-metric-typo:${t.dashboard}/${PANEL}/${ref}`,
        operator: 'panel-metric-typo',
        file: t.file,
        description: `panel "${PANEL}" query ${ref}: ${METRIC} → ${TYPO}`,
        scenarios: ['dashboards'],
        apply: (copy: string) =>
          editJson(copy, t.file, (json) => {
            jsonAt(json, t.path).expr = expr;
          }),
      },
    ];
  },
};
