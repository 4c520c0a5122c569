/**
 * The log shipper seam: what the log scenarios need of Promtail or the OpenTelemetry
 * Collector — their counters, and where they keep their read positions.
 */
import type { MetricSamples } from './metrics-text.ts';
import type { LogShipperKind } from '../plan/log-pipeline.ts';

export interface ShipperCounters {
  /** Entries sent to the store successfully. */
  sent: number;
  /** Sends retried after a refusal or an error. */
  retries: number;
  /** Entries given up on for rate limiting (after the retries). */
  droppedRateLimited: number;
  /** Entries given up on for any other reason. */
  droppedOther: number;
  /** Pushes the store answered 429 / 400 (Promtail counts them; the collector does not split them out: undefined). */
  responses429?: number;
  responses400?: number;
}

export interface PositionsReport {
  ok: boolean;
  summary: string;
  rows: unknown[];
}

export interface LogShipper {
  readonly kind: LogShipperKind;
  readonly url: string;
  metrics(): Promise<MetricSamples>;
  counters(m: MetricSamples): ShipperCounters;
  /**
   * Whether the shipper's saved read positions cover every service's log, at or after
   * `markOffsets` (byte offsets at the mark) and within each file.
   */
  positions(files: { service: string; logFile: string; markOffset: number }[], sinceMs: number): PositionsReport;
}
