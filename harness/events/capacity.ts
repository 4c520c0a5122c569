/**
 * What a capacity run adds to the event stream: one record per load step (the load tool's
 * view beside the monitoring's), one per growth step of the monitoring stack itself, and
 * the run's result (the knee or the headroom, judged against the SLO and --min-rate).
 * Pass/fail lives in ordinary `assertion` events; these records are the numbers to draw.
 */

/** Latency percentiles in ms, as one side (the load tool or the monitoring) saw them. */
export interface LatencyView {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface CapacitySlo {
  /** p99 latency limit, ms. */
  p99Ms?: number;
  /** Largest acceptable failed share, 0..1. */
  errorRatio?: number;
}

/** One constant-rate load step: what the load tool measured and what the monitoring showed for the same window. */
export interface CapacityLoadStep {
  kind: 'load';
  index: number;
  offeredRate: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  load: {
    /** vegeta or k6 (HTTP requests), or mqtt (QoS 1 publishes: a request is a message, its latency the acknowledgement's). */
    engine: 'vegeta' | 'k6' | 'mqtt';
    requests: number;
    /** Achieved send rate, requests/s. */
    achievedRate: number;
    /** Successful responses/s. */
    throughput: number;
    /** Requests that got no response (timeout, refused): the monitoring may or may not have counted them. */
    noResponse: number;
    /** Requests answered with a 5xx. */
    serverErrors: number;
    /** Failed share: no response, or a status outside 2xx/3xx. */
    errorRatio: number;
    latencyMs: LatencyView;
  };
  /** The monitoring's view of the same window; a field is absent when its query returned nothing. */
  monitoring: {
    requests?: number;
    serverErrors?: number;
    errorRatio?: number;
    /** histogram_quantile(q, …) over the step, ms. */
    quantileMs?: number;
    quantile: number;
    /** The interval the bucket layout allows for that estimate, given the load tool's own latencies, ms. */
    quantileBoundMs?: [number, number];
    maxScrapeSeconds?: number;
    scrapeTimeoutSeconds?: number;
    /** Alerts firing at the step's end. */
    firing: string[];
  };
  slo: { ok: boolean; breaches: string[] };
}

/** One growth step of the monitoring stack: more targets and series than today, and its guarantees at that size. */
export interface CapacityGrowthStep {
  kind: 'growth';
  index: number;
  startedAt: string;
  endedAt: string;
  /** Scrape targets Prometheus had, the fleet included. */
  targets: number;
  /** Series the fleet's and the virtual targets expose per scrape (what Prometheus must ingest each interval): each fleet target's largest scrape in the step plus the virtual targets' size. */
  series: number;
  /** Of those, the samples the last scrape of each target took in; below `series` when scrapes failed. */
  scrapedSeries: number;
  /** The same as a multiple of today's fleet (16 services + coordinator at their current volume). */
  multipleOfToday: { targets: number; series: number };
  maxScrapeSeconds: number;
  scrapeTimeoutSeconds: number;
  maxRuleEvalSeconds: number;
  ruleIntervalSeconds: number;
  /** Samples Prometheus refused or dropped during the step (out of order, sample limit, …). */
  droppedSamples: number;
  /** The slowest dashboard query, ms, against the stated limit. */
  maxDashboardQueryMs: number;
  dashboardQueryLimitMs: number;
  ok: boolean;
  breaches: string[];
}

/** One log-rate step of the monitoring stack: the fleet's log lines at a multiple of today's rate, and the log pipeline's guarantees at it. */
export interface CapacityLogGrowthStep {
  kind: 'log-growth';
  index: number;
  startedAt: string;
  endedAt: string;
  /** Lines/s asked of the fleet: today's own plus the burst. */
  offeredLinesPerSecond: number;
  /** Lines/s the services really wrote (a CPU-starved writer falls behind: the harness's limit, not the stack's). */
  writtenLinesPerSecond: number;
  /** The same in bytes/s (lines of today's mean size). */
  writtenBytesPerSecond: number;
  /** Lines/s the pipeline carried: the window's lines over burst start → the store's timestamp of the last one. */
  carriedLinesPerSecond?: number;
  multipleOfToday: number;
  /** Lines written in the window (every service, reconciled by seq). */
  lines: number;
  /** Lines not in the store when the delivery bound ran out, and lines stored twice. */
  missing: number;
  duplicates: number;
  /** How long after the last line was written every line was queryable (absent: never within the bound), and the bound. */
  deliveredAfterMs?: number;
  deliveryBoundMs: number;
  /** Store timestamp − line timestamp (the shipper's read delay), ms. */
  readDelayMs: { p50?: number; p99?: number };
  /** Entries the store refused or the shipper gave up on during the step. */
  refused: number;
  dropped: number;
  /** The slowest dashboard log-panel query (as Grafana sends it), ms, against the stated limit. */
  maxLogPanelQueryMs: number;
  dashboardQueryLimitMs: number;
  ok: boolean;
  breaches: string[];
}

export type CapacityStep = CapacityLoadStep | CapacityGrowthStep | CapacityLogGrowthStep;

export interface CapacityResult {
  /** The service, group, "fleet" or "monitoring". */
  target: string;
  mode: 'auto' | 'stages';
  slo: CapacitySlo;
  /** Load: the highest offered rate at which the SLO held (req/s); absent when no step held it. */
  knee?: number;
  /** Load: the lowest offered rate at which the SLO broke. */
  firstBreach?: number;
  /** The gate the user set; the run fails when the knee is below it. */
  minRate?: number;
  /** Growth: the largest size at which every guarantee held, as a multiple of today. */
  headroom?: { targets: number; series: number; multipleOfToday: { targets: number; series: number } };
  /** Growth: the first size at which a guarantee broke, and which. */
  breakingPoint?: { targets: number; series: number; breaches: string[] };
  /** Growth: the first size at which a scrape exceeded its timeout (or failed), on this machine. */
  scrapeTimeoutAt?: { targets: number; series: number; maxScrapeSeconds: number; timeoutSeconds: number };
  /** Log growth: the highest rate at which every log guarantee held, and today's rate. */
  logHeadroom?: { linesPerSecond: number; bytesPerSecond: number; multipleOfToday: number; todayLinesPerSecond: number };
  /** Log growth: the first rate at which a guarantee broke, and which. */
  logBreakingPoint?: { linesPerSecond: number; breaches: string[] };
  /** Log growth: the promised ingestion rate (spec logs.ingestionRate), bytes/s, and whether the headroom reaches it. */
  promisedLogBytesPerSecond?: number;
  verdict: 'pass' | 'fail';
  /** One line a release manager can read. */
  summary: string;
}
