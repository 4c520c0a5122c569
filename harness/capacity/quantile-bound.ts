/**
 * How far Prometheus's histogram_quantile may honestly be from the load tool's own
 * quantile, given a bucket layout. Computed, not guessed:
 *
 * - histogram_quantile finds the bucket where the q-rank of the service's observations falls
 *   and interpolates linearly inside it, so its estimate lies within that bucket's edges.
 * - The service times each request inside the client's timing (its timer starts after the
 *   request arrives and stops before the response leaves), so every service-side duration is
 *   at most the client's, and at least the client's minus the transport time. The step's
 *   fastest request bounds the transport from above (its whole latency includes it), so the
 *   service's q-quantile lies in [clientQ − clientMin, clientQ].
 *
 * The estimate must therefore lie between the lower edge of the bucket holding
 * clientQ − clientMin and the upper edge of the bucket holding clientQ. A histogram whose
 * buckets are coarser than the promised layout, or counters that drop requests, land outside.
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
  boundMs: [number, number];
}

/** The interval, in ms, that histogram_quantile(q) of the promised `bucketsSeconds` must fall in. */
export function quantileBound(latenciesMs: readonly number[], q: number, bucketsSeconds: readonly number[]): QuantileBound {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const clientQ = exactQuantile(sorted, q);
  const clientMin = sorted[0] ?? 0;
  const [lowerEdge] = bucketOf(bucketsSeconds, Math.max(0, clientQ - clientMin) / 1000);
  const [, upperEdge] = bucketOf(bucketsSeconds, clientQ / 1000);
  return { clientQuantileMs: clientQ, clientMinMs: clientMin, boundMs: [lowerEdge * 1000, upperEdge * 1000] };
}
