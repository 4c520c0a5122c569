/** The options of a log window's checks: what `delivered`, `latency` and `limiter` are asked to hold. */
import type { DeliveryBounds } from '../logs/ledger.ts';
import type { BurstPrediction, PipelineLimits } from '../logs/limits.ts';
import type { CheckContext } from './checks.ts';

export interface DeliveryOptions extends Omit<DeliveryBounds, 'predictedLoss'> {
  /** Lines the limits predict as lost (a number, or computed when the check runs, e.g. from the window's burst plan). */
  predictedLoss?: number | (() => number);
  /** Services to account (default: every fake service of the topology). */
  services?: string[];
  /** Report the time to full delivery since this note (see `LogWindow.note`). */
  since?: string;
  title?: string;
  /** Fetch concurrency against the store (default 3). */
  concurrency?: number;
}

export interface BurstPlan {
  services: string[];
  linesPerSecondPerService: number;
  lineBytes: number;
  durationMs: number;
  startedAt: string;
  prediction: BurstPrediction;
}

export interface LatencyProbeOptions {
  service: string;
  /** Marker lines to write (default 20). */
  markers?: number;
  /** Marker lines per second (default 10). */
  perSecond?: number;
  /** p99 of emit → queryable must stay below this (default: no bound, only that all markers arrive). */
  p99BelowMs?: number | ((limits: PipelineLimits, ctx: CheckContext) => number);
  /** Give up waiting for markers after this (default 30 s + the writing time). */
  timeoutMs?: number;
  title?: string;
}

export interface LimiterOptions {
  /** Promtail must not drop more entries than this for rate limiting (default 0). */
  maxRateLimitedDrops?: number;
  /** Require Loki to have answered 429 at least once since the mark (the limit was really hit). */
  expect429?: boolean;
  /** Require no 429 at all since the mark (the burst stayed within the limit). */
  expectNo429?: boolean;
  /** Require Promtail to have retried at least once (e.g. across a Loki outage). */
  expectRetries?: boolean;
  /** Loki's line_too_long discards must equal this (e.g. the oversized lines the last `delivered` found expected-dropped). */
  lineTooLong?: () => number;
  /** Expect what the window's burst plan predicts: 429s when it exceeds the tenant bucket, none when it stays within. */
  followBurst?: boolean;
  /** Check the accepted byte rate against the token bucket of the config, sampled by `win.sampleIngest()`. */
  bucketInvariant?: boolean;
  title?: string;
}

