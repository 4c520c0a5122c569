/**
 * An alert's first vector selector broken so that it matches nothing (a label value or a
 * metric name that no service emits): the rule still parses and loads, and is silent
 * forever, as after a renamed job, label or metric that its expr was not updated for.
 * Its scenario, which needs the alert to fire, should notice.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { watchedAlertRules, type MutationOperator } from '../operator.ts';
import { parseQuery } from '../../../assertions/query-language.ts';
import { setScalar } from './yaml-text.ts';

const POSITIVE = new Set(['EqlSingle', 'EqlRegex']);

/** The first node named `name` in document order (a pre-order walk of the tree). */
function firstNamed(node: SyntaxNode, name: string): SyntaxNode | undefined {
  const cursor = node.cursor();
  for (let more = true; more; more = cursor.next()) if (cursor.name === name) return cursor.node;
  return undefined;
}

const children = (node: SyntaxNode | null | undefined): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = node?.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};

/**
 * `expr` with its first vector selector (the PromQL syntax tree's first VectorSelector)
 * matching nothing: its first `=`/`=~` matcher's value prefixed with `mutant-` (a regex
 * with an alternation wrapped as `mutant-(?:…)`), else its metric name suffixed `_mutant`,
 * else a `mutant="mutant"` matcher added. Undefined when the expr does not parse or has no selector.
 */
export function breakFirstSelector(expr: string): { expr: string; what: string } | undefined {
  if (!parseQuery('promql', expr).ok) return undefined;
  const selector = firstNamed(parser.parse(expr).topNode, 'VectorSelector');
  if (!selector) return undefined;
  const splice = (from: number, to: number, text: string) => expr.slice(0, from) + text + expr.slice(to);
  const matchers = selector.getChild('LabelMatchers');
  for (const m of children(matchers)) {
    if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
    const op = m.getChild('MatchOp')?.firstChild?.name;
    const value = m.lastChild;
    if (!op || !POSITIVE.has(op) || value?.name !== 'StringLiteral') continue;
    const inner = expr.slice(value.from + 1, value.to - 1);
    const broken = op === 'EqlRegex' && inner.includes('|') ? `mutant-(?:${inner})` : `mutant-${inner}`;
    const label = expr.slice(m.from, m.getChild('MatchOp')!.from);
    return { expr: splice(value.from + 1, value.to - 1, broken), what: `${label} "${inner}" → "${broken}"` };
  }
  const name = selector.getChild('Identifier') ?? children(matchers).find((c) => c.name === 'QuotedLabelName');
  if (name) {
    const at = name.name === 'Identifier' ? name.to : name.to - 1;
    const out = splice(at, at, '_mutant');
    return { expr: out, what: `metric ${expr.slice(name.from, name.to)} → ${out.slice(name.from, name.to + '_mutant'.length)}` };
  }
  if (!matchers) return undefined;
  return { expr: splice(matchers.from + 1, matchers.from + 1, 'mutant="mutant", '), what: 'matcher mutant="mutant" added' };
}

export const selectorBreak: MutationOperator = {
  name: 'selector-break',
  describe: "an alert's first vector selector changed to match no series",
  mutants: (dir) =>
    watchedAlertRules(dir)
      .flatMap((r) => {
        const broken = breakFirstSelector(r.expr);
        if (!broken || !parseQuery('promql', broken.expr).ok) return [];
        return [
          {
            id: `selector-break:${r.alert}`,
            operator: 'selector-break',
            file: r.file,
            description: `${r.alert} selector ${broken.what}`,
            scenarios: [r.scenario],
            apply: (copy: string) => setScalar(copy, r.file, ['groups', r.group, 'rules', r.rule, 'expr'], broken.expr),
          },
        ];
      }),
};
