/**
 * How far Prometheus's histogram_quantile may honestly be from the load tool's own
 * quantile, given a bucket layout. Computed, not guessed:
 *
 * - histogram_quantile finds the bucket where the q-rank of the service's observations falls
 *   and interpolates linearly inside it, so its estimate lies within that bucket's edges.
 * - The service times each request inside the client's timing (its timer starts after the
 *   request arrives and stops before the response leaves), so every service-side duration is
 *   at most the client's: the service's q-quantile is at most the client's.
 * - Its own logged durations (same timer as its histogram) give its q-quantile exactly.
 *
 * The estimate must therefore lie between the lower edge of the bucket holding the service's
 * q-quantile and the upper edge of the bucket holding the client's. A histogram whose buckets
 * are coarser than the promised layout lands outside.
 */

/** The (lower, upper] edges of the bucket holding `v` (seconds); +Inf above the last bound. */
export function bucketOf(buckets: readonly number[], v: number): [number, number] {
  let lower = 0;
  for (const le of buckets) {
    if (v <= le) return [lower, le];
    lower = le;
  }
  return [lower, Infinity];
}

/** The exact q-quantile of a sample (nearest rank, as a load tool reports it). */
export function exactQuantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

export interface QuantileBound {
  clientQuantileMs: number;
  clientMinMs: number;
  /** The service's own q-quantile, when its per-request durations are known. */
  serverQuantileMs?: number;
  boundMs: [number, number];
}

/** Logged durations are whole milliseconds: half of one either way. */
const LOG_ROUNDING_MS = 0.5;

/**
 * The interval, in ms, that histogram_quantile(q) of the promised `bucketsSeconds` must fall in.
 * With the service's own durations (`serverMs`), the lower edge is that of the bucket holding
 * the service's q-quantile (exact: no assumption about transport, which under CPU contention
 * varies far more than the fastest request shows); without them, the client's quantile less
 * its fastest request stands in. The upper edge is always the bucket holding the client's.
 */
export function quantileBound(latenciesMs: readonly number[], q: number, bucketsSeconds: readonly number[], serverMs?: readonly number[]): QuantileBound {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const clientQ = exactQuantile(sorted, q);
  const clientMin = sorted[0] ?? 0;
  const serverQ = serverMs?.length ? exactQuantile([...serverMs].sort((a, b) => a - b), q) : undefined;
  const low = serverQ !== undefined ? Math.max(0, serverQ - LOG_ROUNDING_MS) : Math.max(0, clientQ - clientMin);
  const [lowerEdge] = bucketOf(bucketsSeconds, low / 1000);
  const [, upperEdge] = bucketOf(bucketsSeconds, Math.max(clientQ, serverQ ?? 0) / 1000);
  return { clientQuantileMs: clientQ, clientMinMs: clientMin, ...(serverQ !== undefined ? { serverQuantileMs: serverQ } : {}), boundMs: [lowerEdge * 1000, upperEdge * 1000] };
}
