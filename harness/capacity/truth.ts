/**
 * Whether the monitoring told the truth about one load step: its request and error counts
 * against the load tool's, its quantile estimate against the bound the promised bucket
 * layout allows, and its scrapes within their timeout. Pure: readings in, findings out.
 */
import type { LoadStepOutcome } from './load-step.ts';
import type { MonitoringReading } from './monitoring-view.ts';
import { quantileBound } from './quantile-bound.ts';

export interface TruthFinding {
  title: string;
  verdict: 'pass' | 'fail' | 'skipped';
  message: string;
  query: string;
  expectation: string;
  observed: Record<string, unknown>;
}

export interface StepTruthInput {
  rate: number;
  load: LoadStepOutcome;
  reading: MonitoringReading;
  queries: { requests: string; serverErrors: string; quantile: string; scrape: string; up: string };
  quantile: number;
  /** The promised bucket layout (spec.yml `histogram.buckets`), seconds. */
  bucketsSeconds: readonly number[];
  /** Whether the load tool's numbers held the SLO at this step. */
  sloHeld: boolean;
  /** Requests of the previous step with no response: the service may count them now. */
  carriedOver: number;
  /** The target services' own logged durations of this step's requests (ms), when readable. */
  serverMs?: number[];
}

const verdictOf = (ok: boolean): 'pass' | 'fail' => (ok ? 'pass' : 'fail');

/**
 * Counts must match exactly, but for requests that got no response: the service may have
 * counted them (now, or in the next step), or never seen them.
 */
function countFinding(what: string, title: string, loadCount: number, seen: number | undefined, slack: { below: number; above: number }, query: string): TruthFinding {
  const range = slack.below || slack.above ? `${loadCount - slack.below}..${loadCount + slack.above}` : `${loadCount}`;
  const expectation = `the increment over the step equals the load tool's ${what} (${range}; requests that got no response may or may not be counted)`;
  if (seen === undefined) return { title, verdict: 'fail', message: `Prometheus has no ${what} for the step: the monitoring went blind (the load tool counted ${loadCount})`, query, expectation, observed: { load: loadCount } };
  const ok = seen >= loadCount - slack.below && seen <= loadCount + slack.above;
  const diff = seen - loadCount;
  return { title, verdict: verdictOf(ok), message: ok ? `Prometheus counted ${seen}, the load tool ${loadCount}` : `Prometheus counted ${seen}, the load tool ${loadCount} (${diff > 0 ? '+' : ''}${diff}): the monitoring ${diff < 0 ? 'lost' : 'invented'} ${Math.abs(diff)}`, query, expectation, observed: { prometheus: seen, load: loadCount, difference: diff } };
}

export function stepTruth(i: StepTruthInput): TruthFinding[] {
  const at = `${i.rate}/s`;
  const out: TruthFinding[] = [];
  const unanswered = i.load.load.noResponse;
  // A request with no response was never counted (refused), or is counted now or next step.
  out.push(countFinding('requests', `at ${at}: Prometheus counts the load's requests`, i.load.load.requests, i.reading.requests, { below: unanswered, above: i.carriedOver }, i.queries.requests));
  const eTitle = `at ${at}: the error-rate panel's counters show the load's 5xx answers`;
  if (!i.load.byCause) out.push({ title: eTitle, verdict: 'skipped', message: "the load engine's summary does not split failures by cause (k6): its 5xx count is unknown", query: i.queries.serverErrors, expectation: 'skipped', observed: {} });
  // A 5xx the client saw was counted; one whose client gave up first may be counted too.
  else out.push(countFinding('5xx answers', eTitle, i.load.load.serverErrors, i.reading.serverErrors, { below: 0, above: unanswered + i.carriedOver }, i.queries.serverErrors));

  const qTitle = `at ${at}: histogram_quantile(${i.quantile}) within the bucket bound of the load tool's p${Math.round(i.quantile * 100)}`;
  if (!i.load.latenciesMs) {
    out.push({ title: qTitle, verdict: 'skipped', message: "the load engine's summary has no per-request latencies (k6); the bound is computed from them", query: i.queries.quantile, expectation: 'skipped', observed: {} });
  } else if (!i.sloHeld) {
    out.push({ title: qTitle, verdict: 'skipped', message: `the SLO broke at ${at}: the load tool's latency then includes queueing before the service's timer starts; the difference is in the step table, judged only where the SLO held`, query: i.queries.quantile, expectation: 'skipped', observed: { monitoringMs: i.reading.quantileMs } });
  } else {
    const b = quantileBound(i.load.latenciesMs, i.quantile, i.bucketsSeconds, i.serverMs);
    const [lo, hi] = b.boundMs;
    const est = i.reading.quantileMs;
    const pq = `p${Math.round(i.quantile * 100)}`;
    const expectation =
      b.serverQuantileMs !== undefined
        ? `between ${lo} and ${hi} ms: from the promised bucket holding the services' own ${pq} (${b.serverQuantileMs} ms, as they logged it) to the one holding the load tool's ${pq} ${b.clientQuantileMs.toFixed(1)} ms`
        : `between ${lo} and ${hi} ms: the promised buckets around the load tool's ${pq} ${b.clientQuantileMs.toFixed(1)} ms, less its fastest request ${b.clientMinMs.toFixed(1)} ms (the transport time)`;
    if (est === undefined) out.push({ title: qTitle, verdict: 'fail', message: 'Prometheus has no histogram data for the step', query: i.queries.quantile, expectation, observed: { loadMs: b.clientQuantileMs } });
    else {
      const ok = est >= lo && est <= hi;
      out.push({ title: qTitle, verdict: verdictOf(ok), message: `Prometheus estimates ${est.toFixed(1)} ms, the load tool measured ${b.clientQuantileMs.toFixed(1)} ms${b.serverQuantileMs !== undefined ? ` (the services ${b.serverQuantileMs} ms)` : ''}; allowed ${lo}–${hi} ms${ok ? '' : ': outside what the promised bucket layout allows'}`, query: i.queries.quantile, expectation, observed: { monitoringMs: est, loadMs: b.clientQuantileMs, ...(b.serverQuantileMs !== undefined ? { serviceMs: b.serverQuantileMs } : {}), boundMs: b.boundMs } });
    }
  }

  out.push(scrapeFinding(i));
  return out;
}

function scrapeFinding(i: StepTruthInput): TruthFinding {
  const at = `${i.rate}/s`;
  const { maxScrapeSeconds: s, scrapeTimeoutSeconds: t, minUp } = i.reading;
  const title = `at ${at}: every scrape succeeded within its timeout`;
  const expectation = `max scrape_duration_seconds < scrape_timeout${t !== undefined ? ` (${t} s)` : ''} and up stayed 1`;
  if (s === undefined || t === undefined || minUp === undefined) return { title, verdict: 'fail', message: 'Prometheus has no scrape data for the step', query: i.queries.scrape, expectation, observed: { maxScrapeSeconds: s, timeoutSeconds: t, minUp } };
  const ok = s < t && minUp === 1;
  return { title, verdict: verdictOf(ok), message: `slowest scrape ${s.toFixed(3)} s of ${t} s${minUp === 1 ? '' : '; a scrape failed (up was 0)'}`, query: `${i.queries.scrape}\n${i.queries.up}`, expectation, observed: { maxScrapeSeconds: s, timeoutSeconds: t, minUp } };
}

/**
 * The broker under MQTT load: its received-message counter (the MQTT Activity panel's) must
 * hold every publish it acknowledged. It also counts the fleet's heartbeats and control
 * packets, so more is expected and shown, never fewer.
 */
export function mqttStepTruth(i: StepTruthInput): TruthFinding[] {
  const acked = i.load.load.requests - i.load.load.noResponse;
  const seen = i.reading.requests;
  const title = `at ${i.rate}/s: the broker's received-message counter holds every acknowledged publish`;
  const expectation = `the increment of mqtt_messages_received_total over the step ≥ the ${acked} publishes the broker acknowledged (it also counts heartbeats and control packets)`;
  const count: TruthFinding =
    seen === undefined ? { title, verdict: 'fail', message: 'Prometheus has no broker counts for the step: the monitoring went blind', query: i.queries.requests, expectation, observed: { acked } }
    : { title, verdict: verdictOf(seen >= acked), message: seen >= acked ? `Prometheus counted ${seen} messages, ${seen - acked} beyond the ${acked} acknowledged publishes (heartbeats, control packets)` : `Prometheus counted ${seen} messages, the broker acknowledged ${acked}: the monitoring lost ${acked - seen}`, query: i.queries.requests, expectation, observed: { prometheus: seen, acked, difference: seen - acked } };
  return [count, scrapeFinding(i)];
}
