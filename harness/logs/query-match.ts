/**
 * A log query as JavaScript: its stream selector and line filters as predicates, so the
 * log files on disk can say exactly which lines a query should return. LogQL is read
 * with the official grammar; LogsQL, which has no published grammar, in the subset the
 * scenarios use: a stream filter followed by `~"re"` / `!~"re"` regexp filters.
 */
import type { SyntaxNode } from '@lezer/common';
import { validateQuery } from '../../assertions/query-language.ts';
import type { LogQueryLanguage } from '../plan/log-pipeline.ts';


export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface LineFilter {
  op: '|=' | '!=' | '|~' | '!~';
  value: string;
}

export interface CompiledLogQuery {
  expr: string;
  matchers: LabelMatcher[];
  filters: LineFilter[];
  /** Does the stream selector select a stream with these labels? */
  selects(labels: Record<string, string>): boolean;
  /** Do the line filters keep this line? */
  keeps(line: string): boolean;
}

/** A LogQL string literal's value: "..." with Go escapes, or `...` raw. */
export function decodeLogQLString(lit: string): string {
  if (lit.startsWith('`')) return lit.slice(1, -1);
  try {
    return JSON.parse(lit) as string;
  } catch {
    return lit.slice(1, -1).replace(/\\(.)/g, '$1');
  }
}

/**
 * An RE2 pattern as a JavaScript RegExp: leading flag groups (`(?i)`, `(?s)`, `(?is)`)
 * become flags; `anchored` wraps it as Loki does for label matchers (full match).
 */
export function re2ToRegExp(pattern: string, anchored: boolean): RegExp {
  let flags = '';
  let body = pattern;
  for (let m = /^\(\?([imsU]+)\)/.exec(body); m; m = /^\(\?([imsU]+)\)/.exec(body)) {
    for (const f of m[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    body = body.slice(m[0].length);
  }
  return new RegExp(anchored ? `^(?:${body})$` : body, flags);
}

/** Compiles a log query made of a stream selector and line filters (no parsers, no line_format). */
export function compileLogQuery(expr: string): CompiledLogQuery {
  const tree = validateQuery('logql', expr);
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const matchers: LabelMatcher[] = [];
  const filters: LineFilter[] = [];
  const unsupported: string[] = [];
  tree.iterate({
    enter: (ref: { node: SyntaxNode }) => {
      const n = ref.node;
      if (n.name === 'Matcher') {
        const id = n.getChild('Identifier');
        const str = n.getChild('String');
        const op = n.getChild('Eq') ?? n.getChild('Neq') ?? n.getChild('Re') ?? n.getChild('Nre');
        if (!id || !str || !op) throw new Error(`cannot read matcher ${text(n)}`);
        matchers.push({ name: text(id), op: text(op) as LabelMatcher['op'], value: decodeLogQLString(text(str)) });
        return false;
      }
      if (n.name === 'LineFilter') {
        const f = n.getChild('Filter');
        const str = n.getChild('String');
        if (!f || !str || n.getChild('FilterOp')) throw new Error(`unsupported line filter ${text(n)}`);
        filters.push({ op: text(f) as LineFilter['op'], value: decodeLogQLString(text(str)) });
        return false;
      }
      if (/^(LabelParser|JsonExpressionParser|LogfmtParser|LogfmtExpressionParser|LabelFilter|LineFormatExpr|LabelFormatExpr|DecolorizeExpr|DropLabelsExpr|KeepLabelsExpr|MetricExpr|RangeAggregationExpr|VectorAggregationExpr)$/.test(n.name)) {
        unsupported.push(text(n));
        return false;
      }
      return undefined;
    },
  });
  if (unsupported.length) throw new Error(`compileLogQuery: only stream selectors and line filters are supported; "${unsupported[0]}" is not`);
  if (matchers.length === 0) throw new Error(`compileLogQuery: no stream selector in ${expr}`);
  return fromParts(expr, matchers, filters);
}

function fromParts(expr: string, matchers: LabelMatcher[], filters: LineFilter[]): CompiledLogQuery {
  const labelTests = matchers.map((m) => {
    if (m.op === '=' || m.op === '!=') return (l: Record<string, string>) => ((l[m.name] ?? '') === m.value) === (m.op === '=');
    const re = re2ToRegExp(m.value, true);
    return (l: Record<string, string>) => re.test(l[m.name] ?? '') === (m.op === '=~');
  });
  const lineTests = filters.map((f) => {
    if (f.op === '|=' || f.op === '!=') return (line: string) => line.includes(f.value) === (f.op === '|=');
    const re = re2ToRegExp(f.value, false);
    return (line: string) => re.test(line) === (f.op === '|~');
  });
  return {
    expr,
    matchers,
    filters,
    selects: (labels) => labelTests.every((t) => t(labels)),
    keeps: (line) => lineTests.every((t) => t(line)),
  };
}


/**
 * Compiles the LogsQL subset `{k="v", k=~"re"} ~"re" !~"re" ...` ( `_msg:~"re"` too).
 * Regexp filters are RE2 searches on the message, like LogQL's `|~`; stream filters are
 * anchored, as in LogQL. Anything else is refused, so an audit never guesses.
 */
export function compileLogsQuery(expr: string): CompiledLogQuery {
  const m = /^\s*\{([^}]*)\}\s*(.*)$/s.exec(expr);
  if (!m) throw new Error(`compileLogsQuery: expected a stream filter {...} first in ${expr}`);
  const matchers: LabelMatcher[] = [];
  const str = String.raw`"(?:[^"\\]|\\.)*"`;
  const matcherRe = new RegExp(String.raw`^\s*([A-Za-z_][\w.]*)\s*(=~|!~|!=|=)\s*(${str})\s*(?:,|$)`);
  for (let rest = m[1]!.trim(); rest; ) {
    const x = matcherRe.exec(rest);
    if (!x) throw new Error(`compileLogsQuery: cannot read the stream filter at "${rest}"`);
    matchers.push({ name: x[1]!, op: x[2] as LabelMatcher['op'], value: decodeLogQLString(x[3]!) });
    rest = rest.slice(x[0].length).trim();
  }
  if (matchers.length === 0) throw new Error(`compileLogsQuery: empty stream filter in ${expr}`);
  const filters: LineFilter[] = [];
  const filterRe = new RegExp(String.raw`^\s*(?:_msg:)?(!?)~(${str}|\x60[^\x60]*\x60)\s*`);
  for (let rest = m[2]!.trim(); rest; ) {
    const x = filterRe.exec(rest);
    if (!x) throw new Error(`compileLogsQuery: only ~"regexp" and !~"regexp" filters are supported after the stream filter; "${rest}" is not`);
    filters.push({ op: x[1] ? '!~' : '|~', value: decodeLogQLString(x[2]!) });
    rest = rest.slice(x[0].length).trim();
  }
  return fromParts(expr, matchers, filters);
}

export function compileQuery(language: LogQueryLanguage, expr: string): CompiledLogQuery {
  return language === 'logql' ? compileLogQuery(expr) : compileLogsQuery(expr);
}
