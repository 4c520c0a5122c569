/**
 * The /metrics of one fake service, shaped like a FastAPI service instrumented with
 * prometheus_client: process_* defaults, http_requests_total / _created and the
 * http_request_duration_seconds histogram, labelled {method, path, status}. No `service`
 * label: Prometheus adds it from the scrape config (a service label here would become
 * exported_service).
 *
 * http_requests_created: prometheus_client emits a `<name>_created` sample for every
 * counter child (in the text format as a separate gauge family), holding the unix time the
 * child was created. prom-client 15 has no created-timestamp support at all (no option, no
 * `_created` output), so it is a Gauge here, set once per label set when that label set is
 * first observed, which is exactly what prometheus_client exposes.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Python prometheus_client's default buckets: 5 ms .. 10 s. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const LABELS = ['method', 'path', 'status'] as const;

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'http_requests_total', help: 'Total HTTP requests', labelNames: LABELS, registers: [this.registry] });
  private readonly created = new Gauge({ name: 'http_requests_created', help: 'Total HTTP requests (creation time of the series)', labelNames: LABELS, registers: [this.registry] });
  private durationBuckets: readonly number[] = DURATION_BUCKETS;
  private duration = this.newDuration(DURATION_BUCKETS);
  /** Per-tool calls. session_id is empty (= absent in Prometheus) except under cardinality-explosion. */
  readonly toolCalls = new Counter({ name: 'mcp_tool_calls_total', help: 'MCP tool calls handled', labelNames: ['tool', 'session_id'], registers: [this.registry] });
  private readonly seen = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(method: string, path: string, status: number, seconds: number): void {
    const labels = { method, path, status: String(status) };
    const key = `${method} ${path} ${status}`;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.created.set(labels, Date.now() / 1000);
    }
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }

  /**
   * Re-registers http_request_duration_seconds with other buckets (the metrics-buckets fault;
   * no argument: back to DURATION_BUCKETS). Its series restart from zero, which Prometheus
   * reads as a counter reset. A no-op when the layout does not change.
   */
  setDurationBuckets(buckets: readonly number[] = DURATION_BUCKETS): void {
    if (buckets.length === this.durationBuckets.length && buckets.every((b, i) => b === this.durationBuckets[i])) return;
    this.registry.removeSingleMetric('http_request_duration_seconds');
    this.durationBuckets = [...buckets];
    this.duration = this.newDuration(this.durationBuckets);
  }

  private newDuration(buckets: readonly number[]): Histogram<(typeof LABELS)[number]> {
    return new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency', labelNames: LABELS, buckets: [...buckets], registers: [this.registry] });
  }

  /** A counter whose value is read from elsewhere at scrape time (the broker's $SYS counts). */
  externalCounter(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
}
