/**
 * PromQL and LogQL syntax checking through the official lezer grammars
 * (@prometheus-io/lezer-promql, the grammar behind the Prometheus UI, and
 * @grafana/lezer-logql, the grammar behind Grafana's Loki editor).
 *
 * Queries are never inspected with regular expressions: the grammar produces a syntax
 * tree, lezer marks what it could not parse with error nodes (`⚠`, `type.isError`), and
 * we report the first of them with a 1-based line/column and a caret snippet.
 *
 * Both grammars are editor grammars, so they are a little more lenient than the servers
 * (PromQL's string token accepts a missing closing quote, and type errors such as
 * `rate(up)` are semantic, not syntactic). The one leniency that matters for typos, the
 * unterminated string, is checked here on the string nodes of the tree. Everything the
 * grammar accepts still goes to the real server, which has the last word.
 *
 * Also here: `interpolateGrafanaVariables`, for queries lifted out of Grafana dashboards.
 */

import type { SyntaxNode, Tree } from '@lezer/common';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { formatDuration, parseDuration } from './duration.ts';

export type QueryLanguage = 'promql' | 'logql';

/** Where a query came from, for error messages: `scenarios/x.ts: expectations[2].query: ...`. */
export interface QueryLocation {
  file: string;
  field: string;
}

const LANGUAGE_NAME: Record<QueryLanguage, string> = { promql: 'PromQL', logql: 'LogQL' };

export interface QuerySyntaxErrorDetails {
  language: QueryLanguage;
  query: string;
  /** 0-based offset into `query` (UTF-16 code units) where parsing failed. */
  offset: number;
  /** 1-based line of `offset`. */
  line: number;
  /** 1-based column of `offset` within its line. */
  column: number;
  /** What went wrong, e.g. `unexpected end of query inside function call arguments (missing ")"?)`. */
  reason: string;
  /** The offending line and a caret under the failing column. */
  snippet: string;
  location?: QueryLocation;
}

export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  readonly language: QueryLanguage;
  readonly query: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  readonly snippet: string;
  readonly location: QueryLocation | undefined;

  constructor(details: QuerySyntaxErrorDetails) {
    super(formatSyntaxErrorMessage(details));
    this.language = details.language;
    this.query = details.query;
    this.offset = details.offset;
    this.line = details.line;
    this.column = details.column;
    this.reason = details.reason;
    this.snippet = details.snippet;
    this.location = details.location;
  }

  /** The same error, attributed to a file and field. */
  at(location: QueryLocation): QuerySyntaxError {
    return new QuerySyntaxError({
      language: this.language,
      query: this.query,
      offset: this.offset,
      line: this.line,
      column: this.column,
      reason: this.reason,
      snippet: this.snippet,
      location,
    });
  }
}

function formatSyntaxErrorMessage(d: QuerySyntaxErrorDetails): string {
  const where = d.location ? `${d.location.file}: ${d.location.field}: ` : '';
  const position = d.query.includes('\n') ? `line ${d.line}, column ${d.column}` : `column ${d.column}`;
  const fix = d.location ? `fix the query in ${d.location.file} (${d.location.field})` : 'fix the query';
  return `${where}${LANGUAGE_NAME[d.language]} syntax error at ${position}: ${d.reason}; ${fix}\n${d.snippet}`;
}

export type ParseResult = { ok: true; tree: Tree } | { ok: false; error: QuerySyntaxError };

export function parsePromQL(expr: string): ParseResult {
  return parseQuery('promql', expr);
}

export function parseLogQL(expr: string): ParseResult {
  return parseQuery('logql', expr);
}

export function parseQuery(language: QueryLanguage, expr: string): ParseResult {
  if (expr.trim() === '') {
    return {
      ok: false,
      error: makeError(language, expr, 0, 'empty query'),
    };
  }
  const tree = (language === 'promql' ? promqlParser : logqlParser).parse(expr);
  const problem = firstProblem(language, tree, expr);
  if (problem) return { ok: false, error: makeError(language, expr, problem.offset, problem.reason) };
  return { ok: true, tree };
}

/**
 * Parse `expr` and throw a `QuerySyntaxError` naming `where.file` and `where.field` if it
 * does not parse. Returns the syntax tree for callers that want to walk it.
 */
export function validateQuery(language: QueryLanguage, expr: string, where?: QueryLocation): Tree {
  const result = parseQuery(language, expr);
  if (!result.ok) throw where ? result.error.at(where) : result.error;
  return result.tree;
}

export function isValidQuery(language: QueryLanguage, expr: string): boolean {
  return parseQuery(language, expr).ok;
}

// ---------------------------------------------------------------------------------------
// Finding and describing the first problem in a tree.

interface Problem {
  offset: number;
  reason: string;
}

function firstProblem(language: QueryLanguage, tree: Tree, expr: string): Problem | undefined {
  let best: Problem | undefined;
  const consider = (p: Problem): void => {
    if (!best || p.offset < best.offset) best = p;
  };
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        consider({ offset: ref.from, reason: describeErrorNode(ref.node, expr) });
        return false;
      }
      if (language === 'promql' && ref.name === 'StringLiteral') {
        const unterminatedAt = unterminatedString(expr, ref.from, ref.to);
        if (unterminatedAt !== undefined) {
          consider({ offset: unterminatedAt, reason: `unterminated string literal (missing closing ${expr[ref.from]})` });
        }
      }
      return undefined;
    },
  });
  return best;
}

/**
 * lezer-promql's string token makes the closing quote optional (so that an editor can
 * highlight while you type). Scan the token: returns the offset of the opening quote if
 * the string never closes, else undefined.
 */
function unterminatedString(expr: string, from: number, to: number): number | undefined {
  const quote = expr[from];
  if (quote === '`') {
    return to - from >= 2 && expr[to - 1] === '`' ? undefined : from;
  }
  let i = from + 1;
  while (i < to) {
    const c = expr[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) return i === to - 1 ? undefined : from;
    i += 1;
  }
  return from;
}

/** Human words for the grammar node an error sits in. */
const CONTEXT: Record<string, { inside: string; hint?: string }> = {
  FunctionCallBody: { inside: 'function call arguments', hint: 'missing ")"?' },
  ParenExpr: { inside: 'parenthesised expression', hint: 'missing ")"?' },
  LabelMatchers: { inside: 'label matchers', hint: 'missing "}"?' },
  Matchers: { inside: 'label matchers', hint: 'missing "}"?' },
  Selector: { inside: 'stream selector', hint: 'missing "}"?' },
  UnquotedLabelMatcher: { inside: 'label matcher', hint: 'expected label="value"' },
  QuotedLabelMatcher: { inside: 'label matcher', hint: 'expected "label"="value"' },
  Matcher: { inside: 'label matcher', hint: 'expected label="value"' },
  MatrixSelector: { inside: 'range selector', hint: 'expected [<duration>]' },
  SubqueryExpr: { inside: 'subquery', hint: 'expected [<range>:<resolution>]' },
  DurationExpr: { inside: 'duration', hint: 'expected a duration such as 5m' },
  Range: { inside: 'range', hint: 'expected [<duration>] such as [5m]' },
  BinaryExpr: { inside: 'binary expression', hint: 'missing right-hand operand?' },
  BinOpExpr: { inside: 'binary expression', hint: 'missing right-hand operand?' },
  AggregateExpr: { inside: 'aggregation' },
  VectorAggregationExpr: { inside: 'aggregation' },
  RangeAggregationExpr: { inside: 'range aggregation', hint: 'expected e.g. count_over_time({...}[5m])' },
  LineFilter: { inside: 'line filter', hint: 'a line filter needs a string, e.g. |= "ERROR"' },
  LineFilters: { inside: 'line filter', hint: 'a line filter needs a string, e.g. |= "ERROR"' },
  PipelineStage: { inside: 'pipeline stage' },
  LabelFilter: { inside: 'label filter' },
  OffsetExpr: { inside: 'offset modifier', hint: 'expected offset <duration>' },
  GroupingLabels: { inside: 'grouping labels', hint: 'missing ")"?' },
  Grouping: { inside: 'grouping labels', hint: 'missing ")"?' },
};

function describeErrorNode(node: SyntaxNode, expr: string): string {
  const context = nearestContext(node);
  const rest = expr.slice(node.from);
  let what: string;
  if (node.to > node.from) {
    what = `unexpected ${quoteToken(expr.slice(node.from, node.to))}`;
  } else if (rest.trim() === '') {
    what = 'unexpected end of query';
  } else {
    what = `unexpected ${quoteToken(leadingToken(rest))}`;
  }
  if (!context) return what;
  return `${what} inside ${context.inside}${context.hint ? ` (${context.hint})` : ''}`;
}

function nearestContext(node: SyntaxNode): { inside: string; hint?: string } | undefined {
  for (let p = node.parent; p; p = p.parent) {
    const c = CONTEXT[p.name];
    if (c) return c;
  }
  return undefined;
}

function quoteToken(text: string): string {
  const oneLine = text.length > 30 ? `${text.slice(0, 30)}…` : text;
  return JSON.stringify(oneLine);
}

function isWordChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || c === '_' || c === ':'
  );
}

/** The token that starts `text` for display: an identifier/number run, or one character. */
function leadingToken(text: string): string {
  const first = text[0] ?? '';
  if (!isWordChar(first)) return first;
  let end = 1;
  while (end < text.length && isWordChar(text[end] ?? '')) end += 1;
  return text.slice(0, end);
}

function makeError(language: QueryLanguage, query: string, offset: number, reason: string): QuerySyntaxError {
  const { line, column, lineText } = lineAndColumn(query, offset);
  const caret = `${' '.repeat(column - 1)}^`;
  return new QuerySyntaxError({
    language,
    query,
    offset,
    line,
    column,
    reason,
    snippet: `    ${lineText}\n    ${caret}`,
  });
}

function lineAndColumn(text: string, offset: number): { line: number; column: number; lineText: string } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  let lineEnd = text.indexOf('\n', lineStart);
  if (lineEnd === -1) lineEnd = text.length;
  return { line, column: offset - lineStart + 1, lineText: text.slice(lineStart, lineEnd) };
}

// ---------------------------------------------------------------------------------------
// Grafana template variables.

/**
 * A variable value: a single string is inserted as is; an array is a multi-value
 * selection and becomes a regex alternation `(a|b)` with regex metacharacters escaped
 * for a PromQL/LogQL double-quoted string (what Grafana's Prometheus and Loki data
 * sources do for multi-value variables, meant for `=~` matchers). A one-element array
 * is just the escaped value.
 */
export type GrafanaVariableValue = string | number | readonly string[];

export type GrafanaVariables = Readonly<Record<string, GrafanaVariableValue>>;

export interface InterpolateOptions {
  /**
   * What to do with a variable that has no value. Grafana leaves it in place; here the
   * default is to throw, since a leftover `$job` only becomes a confusing syntax error
   * later. Purely numeric names (`$1`, `${1}`, label_replace back-references) are always
   * left alone.
   */
  onUnknown?: 'throw' | 'keep';
}

export class UnknownGrafanaVariableError extends Error {
  override readonly name = 'UnknownGrafanaVariableError';
  constructor(
    readonly variable: string,
    readonly template: string,
  ) {
    super(`Grafana variable $${variable} has no value (template: ${template})`);
  }
}

/**
 * Replace Grafana template variables in a dashboard query: `$var`, `${var}`,
 * `${var:format}`, `[[var]]`, `[[var:format]]`, including the built-ins
 * (`$__rate_interval`, `$__interval`, `$__range`, ... supplied in `vars` like any other
 * variable, see `grafanaTimeVariables`).
 *
 * Formats supported: `regex` (the multi-value default), `pipe` (a|b), `csv` (a,b),
 * `raw`, `json`, `doublequote`, `singlequote`, `text`.
 *
 * Variables are recognised with a small scanner over the template (a template with `$`
 * in it is not yet PromQL/LogQL, so there is no tree to walk). They are replaced
 * everywhere, inside string literals included, which is where `=~"$job"` needs them.
 */
export function interpolateGrafanaVariables(
  template: string,
  vars: GrafanaVariables,
  options: InterpolateOptions = {},
): string {
  const onUnknown = options.onUnknown ?? 'throw';
  let out = '';
  let i = 0;
  while (i < template.length) {
    const ref = readVariableRef(template, i);
    if (!ref) {
      out += template[i];
      i += 1;
      continue;
    }
    const original = template.slice(i, ref.end);
    i = ref.end;
    if (isAllDigits(ref.name)) {
      out += original;
      continue;
    }
    if (!Object.hasOwn(vars, ref.name)) {
      if (onUnknown === 'keep') {
        out += original;
        continue;
      }
      throw new UnknownGrafanaVariableError(ref.name, template);
    }
    out += formatVariableValue(ref.name, vars[ref.name] as GrafanaVariableValue, ref.format);
  }
  return out;
}

interface VariableRef {
  name: string;
  format: string | undefined;
  end: number;
}

function readVariableRef(text: string, start: number): VariableRef | undefined {
  if (text.startsWith('${', start)) {
    const close = text.indexOf('}', start + 2);
    if (close === -1) return undefined;
    const inner = text.slice(start + 2, close);
    const colon = inner.indexOf(':');
    let name = colon === -1 ? inner : inner.slice(0, colon);
    const format = colon === -1 ? undefined : inner.slice(colon + 1);
    // ${var.field} (object fields) - the field part is not supported; take the name.
    const dot = name.indexOf('.');
    if (dot !== -1) name = name.slice(0, dot);
    if (!isIdentifier(name)) return undefined;
    return { name, format, end: close + 1 };
  }
  if (text.startsWith('[[', start)) {
    const close = text.indexOf(']]', start + 2);
    if (close === -1) return undefined;
    const inner = text.slice(start + 2, close);
    const colon = inner.indexOf(':');
    const name = colon === -1 ? inner : inner.slice(0, colon);
    const format = colon === -1 ? undefined : inner.slice(colon + 1);
    // `[[:alpha:]]` (a POSIX class in a regex) has no name and is not a variable.
    if (!isIdentifier(name) || (format !== undefined && !isIdentifier(format))) return undefined;
    return { name, format, end: close + 2 };
  }
  if (text[start] === '$') {
    let end = start + 1;
    while (end < text.length && isIdentChar(text[end] ?? '')) end += 1;
    if (end === start + 1) return undefined;
    return { name: text.slice(start + 1, end), format: undefined, end };
  }
  return undefined;
}

function isIdentChar(c: string): boolean {
  return isWordChar(c) && c !== ':';
}

function isIdentifier(s: string): boolean {
  if (s.length === 0) return false;
  for (const c of s) if (!isIdentChar(c)) return false;
  return true;
}

function isAllDigits(s: string): boolean {
  for (const c of s) if (c < '0' || c > '9') return false;
  return s.length > 0;
}

/** Escape regex metacharacters for use inside a double-quoted PromQL/LogQL string. */
export function escapeRegexValueForQuery(value: string): string {
  const special = '\\^$.|?*+()[]{}\'';
  let out = '';
  for (const c of value) {
    if (c === '\\') out += '\\\\\\\\';
    else if (special.includes(c)) out += `\\\\${c}`;
    else if (c === '"') out += '\\"';
    else out += c;
  }
  return out;
}

function formatVariableValue(name: string, value: GrafanaVariableValue, format: string | undefined): string {
  const values: readonly string[] = typeof value === 'number' ? [String(value)] : typeof value === 'string' ? [value] : value;
  const multi = Array.isArray(value);
  const fmt = format ?? (multi ? 'regex' : 'raw');
  switch (fmt) {
    case 'raw':
    case 'text':
      return values.join(fmt === 'text' ? ' + ' : ',');
    case 'regex': {
      const escaped = values.map(escapeRegexValueForQuery);
      return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`;
    }
    case 'pipe':
      return values.join('|');
    case 'csv':
      return values.join(',');
    case 'json':
      return JSON.stringify(multi ? values : values[0]);
    case 'doublequote':
      return values.map((v) => `"${v.split('"').join('\\"')}"`).join(',');
    case 'singlequote':
      return values.map((v) => `'${v.split("'").join("\\'")}'`).join(',');
    default:
      throw new Error(`Grafana variable $${name}: unsupported format "${fmt}"`);
  }
}

export interface GrafanaTimeVariablesInput {
  /** `$__interval`: the panel's step, e.g. "15s". */
  interval: string;
  /** `$__range`: the dashboard time range, e.g. "1h". */
  range: string;
  /** The data source's scrape interval (Grafana's default is 15s); used for `$__rate_interval`. */
  scrapeInterval?: string;
}

/**
 * The built-in time variables Grafana would supply, from an interval, a range and the
 * scrape interval: `$__rate_interval` = max(`$__interval` + scrape interval,
 * 4 × scrape interval), as Grafana documents it. Also `$__interval_ms`, `$__range_s`,
 * `$__range_ms`, `$__rate_interval_ms`.
 */
export function grafanaTimeVariables(input: GrafanaTimeVariablesInput): Record<string, string> {
  const intervalMs = parseDuration(input.interval);
  const rangeMs = parseDuration(input.range);
  const scrapeMs = parseDuration(input.scrapeInterval ?? '15s');
  const rateMs = Math.max(intervalMs + scrapeMs, 4 * scrapeMs);
  return {
    __interval: formatDuration(intervalMs),
    __interval_ms: String(intervalMs),
    __rate_interval: formatDuration(rateMs),
    __rate_interval_ms: String(rateMs),
    __range: formatDuration(rangeMs),
    __range_s: String(Math.floor(rangeMs / 1000)),
    __range_ms: String(rangeMs),
  };
}
