import { describe, expect, it } from 'vitest';
import { stepTruth, type StepTruthInput, type TruthFinding } from '../../../harness/capacity/truth.ts';
import type { LoadStepOutcome } from '../../../harness/capacity/load-step.ts';
import type { MonitoringReading } from '../../../harness/capacity/monitoring-view.ts';

const PROMISED = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1];
// 100 latencies over 20..70 ms: p99 ≈ 69.5 ms, fastest 20 ms → bound [25, 75] ms with PROMISED.
const LATENCIES = Array.from({ length: 100 }, (_, i) => 20 + (50 * i) / 99);

/** A step's outcome; `latenciesMs: null` for an engine without per-request latencies (k6). */
function vegetaOutcome(load: Partial<LoadStepOutcome['load']> = {}, latenciesMs: number[] | null = LATENCIES): LoadStepOutcome {
  return {
    load: {
      engine: 'vegeta',
      requests: 1000,
      achievedRate: 50,
      throughput: 49.5,
      noResponse: 0,
      serverErrors: 10,
      errorRatio: 0.01,
      latencyMs: { p50: 45, p90: 65, p95: 67, p99: 69.5, max: 70 },
      ...load,
    },
    ...(latenciesMs ? { latenciesMs } : {}),
    minMs: latenciesMs ? Math.min(...latenciesMs) : 20,
    byCause: load.engine !== 'k6',
  };
}

function k6Outcome(): LoadStepOutcome {
  return vegetaOutcome({ engine: 'k6', serverErrors: 0 }, null);
}

function reading(r: Partial<MonitoringReading> = {}): MonitoringReading {
  return { requests: 1000, serverErrors: 10, quantileMs: 60, maxScrapeSeconds: 0.05, minUp: 1, scrapeTimeoutSeconds: 10, firing: [], ...r };
}

const QUERIES = { requests: 'Q_REQUESTS', serverErrors: 'Q_5XX', quantile: 'Q_QUANTILE', scrape: 'Q_SCRAPE', up: 'Q_UP' };

function input(i: Partial<StepTruthInput> = {}): StepTruthInput {
  return { rate: 50, load: vegetaOutcome(), reading: reading(), queries: QUERIES, quantile: 0.99, bucketsSeconds: PROMISED, sloHeld: true, carriedOver: 0, ...i };
}

/** The findings by what they judge (stepTruth returns them in this order). */
function judged(i: StepTruthInput): { requests: TruthFinding; errors: TruthFinding; quantile: TruthFinding; scrape: TruthFinding } {
  const f = stepTruth(i);
  expect(f).toHaveLength(4);
  expect(f[0]!.title).toBe(`at ${i.rate}/s: Prometheus counts the load's requests`);
  expect(f[1]!.title).toMatch(/5xx answers/);
  expect(f[2]!.title).toMatch(/histogram_quantile/);
  expect(f[3]!.title).toMatch(/every scrape succeeded/);
  return { requests: f[0]!, errors: f[1]!, quantile: f[2]!, scrape: f[3]! };
}

describe('stepTruth: counts', () => {
  it('passes everything when Prometheus agrees with the load tool', () => {
    const f = stepTruth(input());
    expect(f.map((x) => x.verdict)).toEqual(['pass', 'pass', 'pass', 'pass']);
    const { requests, errors } = judged(input());
    expect(requests.message).toBe('Prometheus counted 1000, the load tool 1000');
    expect(requests.query).toBe('Q_REQUESTS');
    expect(requests.observed).toEqual({ prometheus: 1000, load: 1000, difference: 0 });
    expect(requests.expectation).toContain('(1000;');
    expect(errors.query).toBe('Q_5XX');
  });

  it('fails when Prometheus is short by 5 and every request got a response: "lost 5"', () => {
    const { requests } = judged(input({ reading: reading({ requests: 995 }) }));
    expect(requests.verdict).toBe('fail');
    expect(requests.message).toContain('lost 5');
    expect(requests.message).toContain('(-5)');
    expect(requests.observed).toMatchObject({ difference: -5 });
  });

  it('fails when Prometheus counted more than were sent: "invented"', () => {
    const { requests } = judged(input({ reading: reading({ requests: 1002 }) }));
    expect(requests.verdict).toBe('fail');
    expect(requests.message).toContain('(+2)');
    expect(requests.message).toContain('invented 2');
  });

  it('passes when Prometheus is short by 3 and 3 requests got no response', () => {
    const { requests } = judged(input({ load: vegetaOutcome({ noResponse: 3 }), reading: reading({ requests: 997 }) }));
    expect(requests.verdict).toBe('pass');
    expect(requests.expectation).toContain('997..1000');
  });

  it('fails when short by 4 with only 3 requests unanswered', () => {
    const { requests } = judged(input({ load: vegetaOutcome({ noResponse: 3 }), reading: reading({ requests: 996 }) }));
    expect(requests.verdict).toBe('fail');
    expect(requests.message).toContain('lost 4');
  });

  it('passes when over by the previous step’s carried-over requests, and fails one beyond', () => {
    expect(judged(input({ carriedOver: 4, reading: reading({ requests: 1004 }) })).requests.verdict).toBe('pass');
    expect(judged(input({ carriedOver: 4, reading: reading({ requests: 1004 }) })).requests.expectation).toContain('1000..1004');
    const over = judged(input({ carriedOver: 4, reading: reading({ requests: 1005 }) })).requests;
    expect(over.verdict).toBe('fail');
    expect(over.message).toContain('invented 5');
  });

  it('does not let carried-over requests excuse a shortfall', () => {
    const { requests } = judged(input({ carriedOver: 10, reading: reading({ requests: 999 }) }));
    expect(requests.verdict).toBe('fail');
    expect(requests.message).toContain('lost 1');
  });

  it('fails when Prometheus has no request count: the monitoring went blind', () => {
    const { requests } = judged(input({ reading: reading({ requests: undefined }) }));
    expect(requests.verdict).toBe('fail');
    expect(requests.message).toContain('went blind');
    expect(requests.message).toContain('the load tool counted 1000');
  });

  it('judges the 5xx count the same way', () => {
    expect(judged(input()).errors.verdict).toBe('pass');
    const short = judged(input({ reading: reading({ serverErrors: 5 }) })).errors;
    expect(short.verdict).toBe('fail');
    expect(short.message).toContain('lost 5');
    const blind = judged(input({ reading: reading({ serverErrors: undefined }) })).errors;
    expect(blind.verdict).toBe('fail');
    expect(blind.message).toContain('went blind');
  });
});

describe('stepTruth: an engine that does not split failures by cause (k6)', () => {
  it('skips the 5xx count with the reason, and gives its failures as slack on the request count', () => {
    const k6 = { ...k6Outcome(), load: { ...k6Outcome().load, noResponse: 4 } };
    const findings = stepTruth({ ...input(), load: k6, reading: reading({ requests: 996, serverErrors: 30 }) });
    const errors = findings.find((f) => f.title.includes('5xx'))!;
    expect(errors.verdict).toBe('skipped');
    expect(errors.message).toContain('does not split failures by cause');
    expect(findings.find((f) => f.title.includes('counts the load'))!.verdict).toBe('pass');
  });
});

describe('stepTruth: the quantile', () => {
  it('passes an estimate inside the bound, reporting the bound', () => {
    const { quantile } = judged(input({ reading: reading({ quantileMs: 70 }) }));
    expect(quantile.verdict).toBe('pass');
    expect(quantile.observed).toMatchObject({ monitoringMs: 70, boundMs: [25, 75] });
    expect(quantile.query).toBe('Q_QUANTILE');
    expect(quantile.title).toContain('histogram_quantile(0.99)');
    expect(quantile.title).toContain('p99');
  });

  it('passes the bound’s edges themselves', () => {
    expect(judged(input({ reading: reading({ quantileMs: 25 }) })).quantile.verdict).toBe('pass');
    expect(judged(input({ reading: reading({ quantileMs: 75 }) })).quantile.verdict).toBe('pass');
  });

  it.each([24.9, 75.1, 990])('fails an estimate of %f ms, outside [25, 75]', (est) => {
    const { quantile } = judged(input({ reading: reading({ quantileMs: est }) }));
    expect(quantile.verdict).toBe('fail');
    expect(quantile.message).toContain('outside what the promised bucket layout allows');
  });

  it('fails when Prometheus has no histogram data', () => {
    const { quantile } = judged(input({ reading: reading({ quantileMs: undefined }) }));
    expect(quantile.verdict).toBe('fail');
    expect(quantile.message).toContain('no histogram data');
  });

  it('skips the quantile, with a reason, when the SLO broke at the step', () => {
    const { quantile, requests } = judged(input({ sloHeld: false, reading: reading({ quantileMs: 5000 }) }));
    expect(quantile.verdict).toBe('skipped');
    expect(quantile.message).toContain('the SLO broke at 50/s');
    // The counts are judged all the same.
    expect(requests.verdict).toBe('pass');
  });

  it('skips the quantile for k6 (no per-request latencies), even when the SLO held', () => {
    const { quantile } = judged(input({ load: k6Outcome(), reading: reading({ quantileMs: 5000, serverErrors: 0 }) }));
    expect(quantile.verdict).toBe('skipped');
    expect(quantile.message).toContain('k6');
  });
});

describe('stepTruth: scrapes', () => {
  it('passes scrapes under their timeout with up staying 1', () => {
    const { scrape } = judged(input());
    expect(scrape.verdict).toBe('pass');
    expect(scrape.query).toBe('Q_SCRAPE\nQ_UP');
  });

  it('fails a scrape over its timeout', () => {
    const { scrape } = judged(input({ reading: reading({ maxScrapeSeconds: 10.2, scrapeTimeoutSeconds: 10 }) }));
    expect(scrape.verdict).toBe('fail');
    expect(scrape.observed).toMatchObject({ maxScrapeSeconds: 10.2, timeoutSeconds: 10 });
  });

  it('fails a scrape that took exactly its timeout', () => {
    expect(judged(input({ reading: reading({ maxScrapeSeconds: 10, scrapeTimeoutSeconds: 10 }) })).scrape.verdict).toBe('fail');
  });

  it('fails when up went to 0', () => {
    const { scrape } = judged(input({ reading: reading({ minUp: 0 }) }));
    expect(scrape.verdict).toBe('fail');
    expect(scrape.message).toContain('up was 0');
  });

  it.each(['maxScrapeSeconds', 'scrapeTimeoutSeconds', 'minUp'] as const)('fails when %s is missing', (field) => {
    const { scrape } = judged(input({ reading: reading({ [field]: undefined }) }));
    expect(scrape.verdict).toBe('fail');
    expect(scrape.message).toContain('no scrape data');
  });
});
