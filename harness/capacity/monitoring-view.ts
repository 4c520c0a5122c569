/**
 * What the monitoring says about one load step, read from the real Prometheus. Each
 * figure is the exact increment between two readings taken after scrapes that bracket
 * the step (`X - X offset W`, falling back to X for series born during the step), so
 * extrapolation and window alignment add no error: any difference from the load tool is
 * the monitoring's own.
 */
import { asVector, type PrometheusClient } from '../../assertions/prometheus.ts';
import { parseDuration } from '../../assertions/duration.ts';

export interface MonitoringReading {
  requests?: number;
  serverErrors?: number;
  quantileMs?: number;
  maxScrapeSeconds?: number;
  minUp?: number;
  scrapeTimeoutSeconds?: number;
  firing: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A target's scrapeTimeout from the targets API ("10s", "500ms", "1s500ms") in seconds; undefined when absent or unreadable. */
export function durationSeconds(d: string | undefined): number | undefined {
  if (!d) return undefined;
  try {
    return parseDuration(d) / 1000;
  } catch {
    return undefined;
  }
}

export class MonitoringView {
  private readonly selector: string;

  constructor(
    private readonly prom: PrometheusClient,
    readonly services: readonly string[],
    /** http: the services' request counters and histogram; mqtt: the broker's received-message counter (the MQTT Activity panel's). */
    readonly kind: 'http' | 'mqtt' = 'http',
  ) {
    // Service names are [a-z0-9-]: no regex metacharacters to escape.
    this.selector = `service=~"${services.join('|')}"`;
  }

  /**
   * Waits until Prometheus has scraped every target of these services after `afterMs`
   * (epoch ms), then returns the reading time. Bounded by `timeoutMs`.
   */
  async settle(afterMs: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const targets = (await this.prom.targets('active')).activeTargets.filter((t) => this.services.includes(t.labels.service ?? ''));
      if (targets.length === this.services.length && targets.every((t) => Date.parse(t.lastScrape) >= afterMs)) return Date.now();
      if (Date.now() > deadline || signal?.aborted) throw new Error(`Prometheus did not scrape ${this.services.join(', ')} within ${timeoutMs} ms after the step (targets: ${targets.map((t) => `${t.labels.service} last ${t.lastScrape} ${t.health}`).join('; ') || 'none'})`);
      await sleep(100);
    }
  }

  async scrapeTimeoutSeconds(): Promise<number | undefined> {
    const targets = (await this.prom.targets('active')).activeTargets.filter((t) => this.services.includes(t.labels.service ?? ''));
    const timeouts = targets.map((t) => durationSeconds(t.scrapeTimeout)).filter((v): v is number => v !== undefined);
    return timeouts.length ? Math.min(...timeouts) : undefined;
  }

  private async scalar(expr: string, atMs: number): Promise<number | undefined> {
    const v = asVector(await this.prom.instantQuery(expr, atMs / 1000));
    return v.length ? v[0]!.value : undefined;
  }

  /** The increment of a counter sum between the two readings. */
  private increment(metric: string, extra: string, windowMs: number): string {
    const sel = this.kind === 'mqtt' ? `${metric}{${this.selector}${extra}}` : `${metric}{${this.selector}, path="/mcp"${extra}}`;
    return `(sum(${sel}) - sum(${sel} offset ${windowMs}ms)) or sum(${sel})`;
  }

  /** The queries behind a reading, for the report's evidence. */
  queries(quantile: number, windowMs: number): Record<'requests' | 'serverErrors' | 'quantile' | 'scrape' | 'up', string> {
    const bucket = `http_request_duration_seconds_bucket{${this.selector}, path="/mcp"}`;
    if (this.kind === 'mqtt')
      return { requests: this.increment('mqtt_messages_received_total', '', windowMs), serverErrors: '', quantile: '', scrape: `max(max_over_time(scrape_duration_seconds{${this.selector}}[${windowMs}ms]))`, up: `min(min_over_time(up{${this.selector}}[${windowMs}ms]))` };
    return {
      requests: this.increment('http_requests_total', '', windowMs),
      serverErrors: this.increment('http_requests_total', ', status=~"5.."', windowMs),
      quantile: `histogram_quantile(${quantile}, (sum by (le) (${bucket}) - sum by (le) (${bucket} offset ${windowMs}ms)) or sum by (le) (${bucket}))`,
      scrape: `max(max_over_time(scrape_duration_seconds{${this.selector}}[${windowMs}ms]))`,
      up: `min(min_over_time(up{${this.selector}}[${windowMs}ms]))`,
    };
  }

  /** The monitoring's view of the window (beforeMs, afterMs], both reading times from `settle`. */
  async read(beforeMs: number, afterMs: number, quantile: number): Promise<MonitoringReading> {
    const windowMs = Math.max(1, Math.round(afterMs - beforeMs));
    const q = this.queries(quantile, windowMs);
    const [requests, serverErrors, quantileS, maxScrapeSeconds, minUp, scrapeTimeoutSeconds, alerts] = await Promise.all([
      this.scalar(q.requests, afterMs),
      q.serverErrors ? this.scalar(q.serverErrors, afterMs) : undefined,
      q.quantile ? this.scalar(q.quantile, afterMs) : undefined,
      this.scalar(q.scrape, afterMs),
      this.scalar(q.up, afterMs),
      this.scrapeTimeoutSeconds(),
      this.prom.instantQuery(`ALERTS{alertstate="firing", ${this.selector}}`, afterMs / 1000),
    ]);
    const firing = [...new Set(asVector(alerts).map((s) => s.labels.alertname ?? '?'))].sort();
    return {
      ...(requests !== undefined ? { requests } : {}),
      // No 5xx series at all means none were counted.
      ...(this.kind === 'http' ? { serverErrors: serverErrors ?? (requests !== undefined ? 0 : undefined) } : {}),
      ...(quantileS !== undefined && Number.isFinite(quantileS) ? { quantileMs: quantileS * 1000 } : {}),
      ...(maxScrapeSeconds !== undefined ? { maxScrapeSeconds } : {}),
      ...(minUp !== undefined ? { minUp } : {}),
      ...(scrapeTimeoutSeconds !== undefined ? { scrapeTimeoutSeconds } : {}),
      firing,
    };
  }
}
