/**
 * Every alerting and recording rule's PromQL, parsed with the official grammar before any
 * tool or server sees it: the finding names the user's rule file, the rule, and the line
 * and column of the error in that file (promtool check rules runs too, as the tool's word).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { parseQuery } from '../../assertions/query-language.ts';
import { FindingSink, type Finding } from './findings.ts';

export function checkRuleExpressions(ruleFiles: string[], show: (f: string) => string): Finding[] {
  const sink = new FindingSink('rule expressions parse', true);
  for (const file of ruleFiles) {
    if (!existsSync(file)) continue; // reported as missing by the files check
    const lines = new LineCounter();
    const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines });
    if (doc.errors.length) continue; // reported as invalid YAML by the files check
    const groups = doc.get('groups');
    if (!isSeq(groups)) continue;
    groups.items.forEach((g, gi) => {
      const rules = isMap(g) ? g.get('rules') : undefined;
      if (!isSeq(rules)) return;
      rules.items.forEach((rule, ri) => {
        if (!isMap(rule)) return;
        const expr = rule.get('expr', true) as Node | undefined;
        const name = String(rule.get('alert') ?? rule.get('record') ?? `#${ri}`);
        const group = isMap(g) ? String(g.get('name') ?? `#${gi}`) : `#${gi}`;
        const key = `groups[${gi}] (${group}).rules[${ri}] (${name}).expr`;
        if (!isScalar(expr) || typeof expr.value !== 'string') {
          sink.add(show(file), key, 'missing or not a string', 'give the rule an expr: a PromQL expression');
          return;
        }
        const p = parseQuery('promql', expr.value);
        if (p.ok) return;
        const at = position(expr, p.error.line, p.error.column, lines);
        sink.add(show(file), `${key}${at ? `, line ${at.line}, column ${at.col}` : ''}`, `does not parse as PromQL: ${p.error.reason} at column ${p.error.column} of ${JSON.stringify(expr.value)}`, fixFor(expr.value));
      });
    });
  }
  return sink.findings;
}

/** The error's place in the file: exact for a plain or quoted one-line scalar, the scalar's first line for a block scalar. */
function position(node: Node, line: number, column: number, lines: LineCounter): { line: number; col: number } | undefined {
  const start = node.range?.[0];
  if (start === undefined) return undefined;
  const s = lines.linePos(start);
  const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
  if (block) return { line: s.line + line, col: column };
  const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
  return line === 1 ? { line: s.line, col: s.col + column - 1 + (quoted ? 1 : 0) } : { line: s.line + line - 1, col: column };
}

function fixFor(expr: string): string {
  if (/===|!==/.test(expr)) return 'PromQL compares with == and != (one = fewer)';
  if ((expr.match(/\(/g) ?? []).length !== (expr.match(/\)/g) ?? []).length) return 'balance the parentheses';
  if ((expr.match(/\{/g) ?? []).length !== (expr.match(/\}/g) ?? []).length) return 'balance the braces of the selector';
  return 'correct the PromQL (promtool check rules <file> reports the same expression)';
}
