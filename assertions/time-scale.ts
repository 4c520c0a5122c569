/**
 * Time scaling for accelerated runs: a scenario written for real time (`rate(x[5m])`,
 * alert `for: 5m`) runs at, say, factor 0.1, and every window in its queries shrinks by
 * the same factor (`rate(x[30s])`).
 *
 * Rewriting goes through the syntax tree of the official grammars: we find the nodes that
 * hold a time window and replace exactly their byte ranges. Everything else - string
 * literals that happen to contain "5m", label values, numbers, comments, whitespace -
 * stays byte-identical.
 *
 * PromQL windows that are scaled:
 *   - range selector windows           `x[5m]`
 *   - subquery range and resolution    `x[30m:1m]` (an omitted resolution stays omitted)
 *   - offset durations                 `offset 1h`, `offset -1h`
 *   - literals inside duration expressions (`[5m * 2]`, `[min_of(5m, 10m)]`), scaled so
 *     that the whole expression scales: both sides of + - %, the time side of *, the
 *     dividend of /; `step()` and `range()` are the query's own step and range and are
 *     left to the caller (who scales the step it sends).
 * Not scaled: the `@` modifier (an absolute timestamp), numeric arguments such as
 * `predict_linear(x[1h], 3600)` or `holt_winters` factors, comparison thresholds.
 *
 * LogQL windows that are scaled: range aggregation windows `count_over_time({...}[5m])`
 * and their `offset`. Not scaled: duration label filters such as `| duration > 5m`
 * (those compare values, they are not windows).
 *
 * A duration written with units is re-emitted with Prometheus units (`[1m30s]`,
 * `[1s500ms]`); a duration written as a plain number of seconds (`[300]`, Prometheus 3)
 * is re-emitted as a number of seconds. A literal whose value does not change keeps its
 * original spelling, so factor 1 is the identity. Results are rounded to whole
 * milliseconds and never round a non-zero window down to zero (minimum 1ms).
 */

import type { SyntaxNode } from '@lezer/common';
import { formatDuration, parseDuration, parseLogQLDuration } from './duration.ts';
import { type QueryLocation, validateQuery } from './query-language.ts';

export {
  DurationSyntaxError,
  formatDuration,
  isDuration,
  parseDuration,
  parseLogQLDuration,
  toMilliseconds,
  type DurationInput,
} from './duration.ts';

export class TimeScaleError extends Error {
  override readonly name = 'TimeScaleError';
}

function checkFactor(factor: number): void {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new TimeScaleError(`time scale factor must be a finite number > 0, got ${factor}`);
  }
}

/** Scale milliseconds, rounding to whole ms and keeping non-zero values non-zero. */
export function scaleMilliseconds(ms: number, factor: number): number {
  checkFactor(factor);
  const scaled = Math.round(ms * factor);
  if (scaled === 0 && ms !== 0) return Math.sign(ms);
  return scaled;
}

/**
 * Scale one Prometheus duration string: `scaleDuration("5m", 0.1) === "30s"`. Returns the
 * input unchanged when the value does not change (factor 1 keeps `90m` as `90m`).
 */
export function scaleDuration(duration: string, factor: number): string {
  const ms = parseDuration(duration);
  const scaled = scaleMilliseconds(ms, factor);
  return scaled === ms ? duration : formatDuration(scaled);
}

interface Edit {
  from: number;
  to: number;
  text: string;
}

function applyEdits(expr: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.from - a.from);
  let out = expr;
  for (const e of sorted) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

export interface ScaleOptions {
  /** Where the query came from, for the syntax error message if it does not parse. */
  where?: QueryLocation;
}

// ---------------------------------------------------------------------------------------
// PromQL

const LITERAL = 'NumberDurationLiteralInDurationContext';

/**
 * Multiply every time window in a PromQL query by `factor`, through the syntax tree.
 * Throws `QuerySyntaxError` if the query does not parse and `TimeScaleError` for duration
 * expressions that cannot be scaled by rewriting literals (e.g. `[2 ^ 3]`).
 */
export function scalePromQLDurations(expr: string, factor: number, options: ScaleOptions = {}): string {
  checkFactor(factor);
  const tree = validateQuery('promql', expr, options.where);
  if (factor === 1) return expr;
  const edits: Edit[] = [];
  tree.iterate({
    enter: (ref) => {
      const parent = ref.node.parent?.name;
      const isWindow =
        (ref.name === 'DurationExpr' && (parent === 'MatrixSelector' || parent === 'SubqueryExpr')) ||
        (ref.name === 'OffsetDurationExpr' && parent === 'OffsetExpr');
      if (!isWindow) return undefined;
      scalePromDurationNode(ref.node, expr, factor, edits);
      return false;
    },
  });
  return applyEdits(expr, edits);
}

function namedChildren(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function text(expr: string, node: SyntaxNode): string {
  return expr.slice(node.from, node.to);
}

/** A duration-context literal: seconds if it is a plain number, else a unit duration. */
function readPromLiteral(raw: string): { ms: number; style: 'seconds' | 'units' } {
  const lower = raw.toLowerCase();
  if (lower === 'inf' || lower === 'nan') throw new TimeScaleError(`cannot scale a duration of ${raw}`);
  const asNumber = Number(raw.split('_').join(''));
  if (Number.isFinite(asNumber)) return { ms: asNumber * 1000, style: 'seconds' };
  return { ms: parseDuration(raw), style: 'units' };
}

function formatSeconds(ms: number): string {
  return String(ms / 1000);
}

function hasTimeDimension(node: SyntaxNode, expr: string): boolean {
  if (node.name === LITERAL) return readPromLiteral(text(expr, node)).style === 'units';
  if (node.name === 'DurationStep' || node.name === 'DurationRange') return true;
  return namedChildren(node).some((c) => hasTimeDimension(c, expr));
}

function scalePromDurationNode(node: SyntaxNode, expr: string, factor: number, edits: Edit[]): void {
  const kids = namedChildren(node);
  const [a, b, c] = kids;
  const fail = (why: string): never => {
    throw new TimeScaleError(`cannot scale duration expression ${JSON.stringify(text(expr, node))}: ${why}`);
  };

  if (kids.length === 1 && a?.name === LITERAL) {
    const raw = text(expr, a);
    const { ms, style } = readPromLiteral(raw);
    const scaled = scaleMilliseconds(ms, factor);
    if (scaled !== ms) {
      edits.push({ from: a.from, to: a.to, text: style === 'seconds' ? formatSeconds(scaled) : formatDuration(scaled) });
    }
    return;
  }
  if (kids.length === 1 && (a?.name === 'DurationStep' || a?.name === 'DurationRange')) return; // runtime value
  if (kids.length === 1 && a && (a.name === 'DurationExpr' || a.name === 'OffsetDurationExpr')) {
    scalePromDurationNode(a, expr, factor, edits); // parenthesised
    return;
  }
  if (kids.length === 2 && a?.name === 'UnaryOp' && b) {
    scalePromDurationNode(b, expr, factor, edits);
    return;
  }
  if (kids.length === 3 && a && b && c && (a.name === 'DurationMinOf' || a.name === 'DurationMaxOf')) {
    scalePromDurationNode(b, expr, factor, edits);
    scalePromDurationNode(c, expr, factor, edits);
    return;
  }
  if (kids.length === 3 && a && b && c) {
    switch (b.name) {
      case 'Add':
      case 'Sub':
      case 'Mod':
        scalePromDurationNode(a, expr, factor, edits);
        scalePromDurationNode(c, expr, factor, edits);
        return;
      case 'Mul': {
        const left = hasTimeDimension(a, expr);
        const right = hasTimeDimension(c, expr);
        if (left && right) fail('both factors are durations');
        scalePromDurationNode(right ? c : a, expr, factor, edits);
        return;
      }
      case 'Div':
        if (hasTimeDimension(c, expr)) fail('the divisor is a duration');
        scalePromDurationNode(a, expr, factor, edits);
        return;
      default:
        fail(`operator ${text(expr, b)} does not scale linearly`);
    }
  }
  fail('unrecognised form');
}

// ---------------------------------------------------------------------------------------
// LogQL

/**
 * Multiply every range-aggregation window (`[5m]`) and its `offset` in a LogQL query by
 * `factor`, through the @grafana/lezer-logql tree. Emitted durations use units up to
 * hours, which both Go and Prometheus duration parsers accept.
 */
export function scaleLogQLDurations(expr: string, factor: number, options: ScaleOptions = {}): string {
  checkFactor(factor);
  const tree = validateQuery('logql', expr, options.where);
  if (factor === 1) return expr;
  const edits: Edit[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.name !== 'Duration') return undefined;
      const parent = ref.node.parent?.name;
      if (parent !== 'Range' && parent !== 'OffsetExpr') return false;
      const raw = expr.slice(ref.from, ref.to);
      const ms = parseLogQLDuration(raw);
      const scaled = scaleMilliseconds(ms, factor);
      if (scaled !== ms) edits.push({ from: ref.from, to: ref.to, text: formatDuration(scaled, { largestUnit: 'h' }) });
      return false;
    },
  });
  return applyEdits(expr, edits);
}

/** Scale the windows of a query in either language. */
export function scaleQueryDurations(
  language: 'promql' | 'logql',
  expr: string,
  factor: number,
  options: ScaleOptions = {},
): string {
  return language === 'promql'
    ? scalePromQLDurations(expr, factor, options)
    : scaleLogQLDurations(expr, factor, options);
}
