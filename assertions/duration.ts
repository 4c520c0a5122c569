/**
 * Prometheus duration strings (`5m`, `1h30m`, `1500ms`, `2w`, `1y`) to and from
 * milliseconds, with the exact rules of Prometheus' `model.ParseDuration` and
 * `model.Duration.String()`:
 *
 * - units, largest first, each at most once: y (365d), w, d, h, m, s, ms;
 * - integer amounts only; `0` alone is allowed and means zero;
 * - formatting emits `y` and `w` only when they divide the duration exactly (so 90 days
 *   prints as `90d`, not `12w6d`), then d h m s ms; zero prints as `0s`.
 *
 * LogQL accepts Go durations as well (`1.5h`, `500us`), see `parseLogQLDuration`.
 * These are small character scanners over a lone duration, not over query text.
 */

export const MS_PER = {
  y: 365 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
} as const;

type PromUnit = keyof typeof MS_PER;
const PROM_UNIT_ORDER: readonly PromUnit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

export class DurationSyntaxError extends Error {
  override readonly name = 'DurationSyntaxError';
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(`invalid duration ${JSON.stringify(input)}: ${detail}`);
  }
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === 'µ' || c === 'μ');
}

interface Piece {
  amount: string;
  unit: string;
}

/** Split `1h30m` into [{1,h},{30,m}]; amounts may contain one '.' (Go style). */
function splitPieces(input: string): Piece[] | string {
  const pieces: Piece[] = [];
  let i = 0;
  while (i < input.length) {
    const amountStart = i;
    while (isDigit(input[i]) || input[i] === '.') i += 1;
    if (i === amountStart) return `expected a number at position ${i + 1}`;
    const unitStart = i;
    while (isLetter(input[i])) i += 1;
    if (i === unitStart) return `missing unit after ${JSON.stringify(input.slice(amountStart, i))}`;
    pieces.push({ amount: input.slice(amountStart, unitStart), unit: input.slice(unitStart, i) });
  }
  return pieces;
}

/** Parse a Prometheus duration to milliseconds. Throws `DurationSyntaxError`. */
export function parseDuration(input: string): number {
  if (input === '0') return 0;
  if (input === '') throw new DurationSyntaxError(input, 'empty string');
  const pieces = splitPieces(input);
  if (typeof pieces === 'string') throw new DurationSyntaxError(input, pieces);
  let total = 0;
  let lastIndex = -1;
  for (const piece of pieces) {
    const index = PROM_UNIT_ORDER.indexOf(piece.unit as PromUnit);
    if (index === -1) throw new DurationSyntaxError(input, `unknown unit "${piece.unit}" (use y, w, d, h, m, s, ms)`);
    if (index <= lastIndex) throw new DurationSyntaxError(input, `units must go from largest to smallest, each once`);
    lastIndex = index;
    for (const c of piece.amount) {
      if (!isDigit(c)) throw new DurationSyntaxError(input, `"${piece.amount}" is not an integer`);
    }
    total += Number(piece.amount) * MS_PER[piece.unit as PromUnit];
  }
  if (!Number.isSafeInteger(total)) throw new DurationSyntaxError(input, 'too large');
  return total;
}

/** True if `input` is a valid Prometheus duration. */
export function isDuration(input: string): boolean {
  try {
    parseDuration(input);
    return true;
  } catch {
    return false;
  }
}

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parse a LogQL duration to (possibly fractional) milliseconds. Loki's lexer takes Go
 * durations (`1.5h`, `300ms`, `500us`) and falls back to Prometheus ones (`1d`, `1w`).
 */
export function parseLogQLDuration(input: string): number {
  try {
    return parseDuration(input);
  } catch (promError) {
    if (input === '') throw promError;
    const pieces = splitPieces(input);
    if (typeof pieces === 'string') throw new DurationSyntaxError(input, pieces);
    let total = 0;
    for (const piece of pieces) {
      const mult = GO_UNITS[piece.unit];
      if (mult === undefined) throw promError;
      const dot = piece.amount.indexOf('.');
      if (dot !== piece.amount.lastIndexOf('.') || piece.amount === '.') {
        throw new DurationSyntaxError(input, `"${piece.amount}" is not a number`);
      }
      total += Number(piece.amount) * mult;
    }
    return total;
  }
}

export interface FormatDurationOptions {
  /**
   * Largest unit to emit. LogQL output uses 'h' so that the result is also a valid Go
   * duration, whatever the Loki version. Default 'y' (Prometheus formatting).
   */
  largestUnit?: 'y' | 'w' | 'd' | 'h';
}

/**
 * Format milliseconds as a Prometheus duration, like `model.Duration.String()`.
 * Fractional milliseconds are rounded. Negative values get a leading '-' (only
 * meaningful where the grammar accepts a sign, e.g. `offset -5m`).
 */
export function formatDuration(ms: number, options: FormatDurationOptions = {}): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format ${ms} as a duration`);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const largest = PROM_UNIT_ORDER.indexOf(options.largestUnit ?? 'y');
  let out = '';
  for (const [index, unit] of PROM_UNIT_ORDER.entries()) {
    if (index < largest) continue;
    const mult = MS_PER[unit];
    // Like Prometheus: years and weeks only when exact.
    const exactOnly = unit === 'y' || unit === 'w';
    if (exactOnly && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return sign + out;
}

/** A duration given either as milliseconds or as a Prometheus duration string. */
export type DurationInput = number | string;

export function toMilliseconds(d: DurationInput): number {
  if (typeof d === 'number') {
    if (!Number.isFinite(d) || d < 0) throw new RangeError(`invalid duration ${d}ms`);
    return d;
  }
  return parseDuration(d);
}
