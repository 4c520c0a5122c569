/**
 * An alert's threshold nudged 30 % below its boundary (`> 0.05` → `> 0.035`): the rule
 * still fires on a real breach, but also just under the promised line, which is the
 * off-by-a-bit a hand-tuned threshold drifts into. The scenario's near miss ("4 % never
 * fires", "p95 just under 1 s never fires") is what should notice it.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { watchedAlertRules, type MutationOperator } from '../operator.ts';
import { parseQuery } from '../../../assertions/query-language.ts';
import { setScalar } from './yaml-text.ts';

const FACTOR = 0.7;

/** `expr` with its trailing `> NUMBER` (or `>= NUMBER`) comparison's number times 0.7, found on the PromQL syntax tree; undefined when it ends otherwise. */
export function nudgeThreshold(expr: string): { expr: string; from: string; to: string } | undefined {
  if (!parseQuery('promql', expr).ok) return undefined;
  const top = parser.parse(expr).topNode.firstChild;
  if (top?.name !== 'BinaryExpr' || (!top.getChild('Gtr') && !top.getChild('Gte')) || top.getChild('BoolModifier')) return undefined;
  const rhs = top.lastChild;
  if (rhs?.name !== 'NumberDurationLiteral') return undefined;
  const from = expr.slice(rhs.from, rhs.to);
  const n = Number(from);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const to = String(Number((n * FACTOR).toPrecision(12)));
  return { expr: expr.slice(0, rhs.from) + to + expr.slice(rhs.to), from, to };
}

export const thresholdNudge: MutationOperator = {
  name: 'threshold-nudge',
  describe: "an alert's `> threshold` nudged 30 % below its boundary",
  mutants: (dir) =>
    watchedAlertRules(dir)
      .flatMap((r) => {
        const nudged = nudgeThreshold(r.expr);
        if (!nudged) return [];
        return [
          {
            id: `threshold-nudge:${r.alert}`,
            operator: 'threshold-nudge',
            file: r.file,
            description: `${r.alert} threshold ${nudged.from} → ${nudged.to}`,
            scenarios: [r.scenario],
            apply: (copy: string) => setScalar(copy, r.file, ['groups', r.group, 'rules', r.rule, 'expr'], nudged.expr),
          },
        ];
      }),
};
