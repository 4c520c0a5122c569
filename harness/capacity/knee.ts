/**
 * The rates an `--auto` capacity run visits: geometric steps up from a start rate until
 * the SLO breaks (or the cap is reached), then bisection (geometric midpoints) between the
 * highest rate that held and the lowest that broke, until they are within `resolution` of
 * each other. Pure: feed it each step's verdict, it says the next rate. Bounded in steps.
 */
export interface KneeSearchOptions {
  startRate: number;
  /** Growth factor of the first phase (default 2). */
  factor?: number;
  /** Stop bisecting when breach / held ≤ 1 + resolution (default 0.05). */
  resolution?: number;
  /** Highest rate ever offered. */
  maxRate: number;
  /** Most steps in all (default 16). */
  maxSteps?: number;
}

export interface KneeState {
  /** Highest rate that held the SLO. */
  held?: number;
  /** Lowest rate that broke it. */
  broke?: number;
  visited: { rate: number; ok: boolean }[];
  /** Why the search ended, once it has. */
  done?: string;
}

export class KneeSearch {
  readonly state: KneeState = { visited: [] };
  private readonly factor: number;
  private readonly resolution: number;
  private readonly maxSteps: number;

  constructor(private readonly o: KneeSearchOptions) {
    this.factor = o.factor ?? 2;
    this.resolution = o.resolution ?? 0.05;
    this.maxSteps = o.maxSteps ?? 16;
    if (!(o.startRate >= 1) || !(o.maxRate >= o.startRate) || !(this.factor > 1) || !(this.resolution > 0)) throw new RangeError('knee search needs 1 ≤ startRate ≤ maxRate, factor > 1, resolution > 0');
  }

  /** The next rate to offer, or undefined when the search has ended (see state.done). */
  next(): number | undefined {
    const s = this.state;
    if (s.done) return undefined;
    const end = (why: string) => {
      s.done = why;
      return undefined;
    };
    if (s.visited.length >= this.maxSteps) return end(`step limit (${this.maxSteps}) reached`);
    if (s.visited.length === 0) return this.o.startRate;
    if (s.broke === undefined) {
      // Still climbing: the last rate held.
      const last = s.visited.at(-1)!.rate;
      if (last >= this.o.maxRate) return end(`the SLO held up to --max-rate ${this.o.maxRate}/s`);
      // At least one more request/s: a small factor on a small rate would otherwise round back to it.
      return Math.min(this.o.maxRate, Math.max(last + 1, Math.round(last * this.factor)));
    }
    const lo = s.held ?? 0;
    if (lo === 0) {
      // Even the start rate broke: halve until something holds.
      if (s.broke <= 1) return end('the SLO broke at 1 request/s');
      return Math.max(1, Math.floor(s.broke / this.factor));
    }
    if (s.broke / lo <= 1 + this.resolution || s.broke - lo <= 1) return end(`bracketed within ${Math.round(this.resolution * 100)} %`);
    const mid = Math.round(Math.sqrt(lo * s.broke));
    if (mid <= lo || mid >= s.broke) return end('bracketed to 1 request/s');
    return mid;
  }

  record(rate: number, ok: boolean): void {
    const s = this.state;
    s.visited.push({ rate, ok });
    if (ok) s.held = Math.max(s.held ?? 0, rate);
    else s.broke = Math.min(s.broke ?? Infinity, rate);
    // A noisy system can hold above a rate that broke; the bracket keeps the conservative side.
    if (s.held !== undefined && s.broke !== undefined && s.held >= s.broke) s.held = Math.max(...s.visited.filter((v) => v.ok && v.rate < s.broke!).map((v) => v.rate), 0) || undefined;
  }
}
