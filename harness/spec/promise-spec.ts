/**
 * The promise: what the platform owes, stated once per monitoring folder in `spec.yml`
 * (the seed's numbers when a folder has none). Scenarios assert against it; the rendered
 * config only tells them how to wait. A config that cannot keep a promise fails the
 * scenario that watches it, however consistent the config is with itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../../assertions/duration.ts';
import { UsageError } from '../lib/errors.ts';

export const SPEC_FILE = 'spec.yml';

const duration = z.string().refine((d) => {
  try {
    return parseDuration(d) > 0;
  } catch {
    return false;
  }
}, 'expected a duration like "15s", "1m45s" or "15d"');

const bytes = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?\s*(B|KiB|MiB|GiB|KB|MB|GB)$/, 'expected a size like "16MiB" or a number of bytes')]);

const alertPromise = z.strictObject({
  /** From the condition becoming true to the alert firing, at most (nominal time). */
  firesWithin: duration,
  severity: z.string().min(1),
  /** The Alertmanager receiver it must reach (one with an integration). */
  receiver: z.string().min(1),
  /** Threshold on the rule's value: the alert must never fire below it. */
  threshold: z.number().positive().optional(),
  /** For a latency alert: the quantile the threshold applies to. */
  quantile: z.number().gt(0).lt(1).optional(),
  /** The labels its notification must be able to name (from the annotations' templates). */
  labels: z.array(z.string()).optional(),
});

export const promiseSpecSchema = z.strictObject({
  scrape: z.strictObject({
    /** Every MCP job is scraped this often. */
    interval: duration,
    /** The jobs that must exist and be up. */
    jobs: z.array(z.string().min(1)).min(1),
  }),
  retention: z.strictObject({ metrics: duration, logs: duration }),
  alerts: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an alert name'), alertPromise),
  logs: z.strictObject({
    /** The pipeline ingests at least this rate without loss. */
    ingestionRate: bytes,
  }),
  dashboard: z.strictObject({
    uid: z.string().min(1),
    panels: z.array(z.string().min(1)).min(1),
    /** Every panel's query answers within this, also as the stack grows (capacity --target monitoring). */
    queryWithin: duration.optional(),
  }),
  /** The request-duration histogram's bucket bounds, seconds: they set how closely histogram_quantile may track the truth. */
  histogram: z
    .strictObject({
      buckets: z
        .array(z.number().positive())
        .min(1)
        .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'bucket bounds must be strictly increasing'),
    })
    .optional(),
});

export type PromiseSpecData = z.infer<typeof promiseSpecSchema>;

/** Python prometheus_client's default buckets (the seed's services are FastAPI with prometheus_client). */
export const SEED_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** No number in the seed: a dashboard that takes longer than this to draw is not one an on-call engineer can use. */
export const DEFAULT_DASHBOARD_QUERY_WITHIN = '2s';

/** The seed's numbers (monitoring-stack.md), for a folder without a spec.yml. */
export const SEED_SPEC: PromiseSpecData = {
  scrape: { interval: '15s', jobs: ['prometheus', 'zen-coordinator', 'mcp-core-services', 'mcp-ai-services', 'mcp-db-wrappers', 'mcp-mqtt', 'infrastructure', 'loki'] },
  retention: { metrics: '15d', logs: '7d' },
  alerts: {
    // for 1m + one scrape (15s) + one evaluation of its group (30s).
    ServiceDown: { firesWithin: '1m45s', severity: 'critical', receiver: 'mcp-oncall', labels: ['service'] },
    // The 5m rate window filling + for 5m + one scrape + one evaluation.
    HighErrorRate: { firesWithin: '10m45s', severity: 'warning', receiver: 'mcp-oncall', threshold: 0.05, labels: ['service'] },
    HighLatency: { firesWithin: '10m45s', severity: 'warning', receiver: 'mcp-oncall', threshold: 1, quantile: 0.95, labels: ['service'] },
  },
  logs: { ingestionRate: '16MiB' },
  dashboard: { uid: 'mcp-overview', panels: ['Service Health Status', 'Request Rate', 'Response Time (p95)', 'Error Rate', 'Infrastructure Metrics', 'MQTT Activity', 'Live Error Logs'], queryWithin: DEFAULT_DASHBOARD_QUERY_WITHIN },
  histogram: { buckets: SEED_DURATION_BUCKETS },
};

/** A loaded spec: the data, where it came from, and the numbers in milliseconds and bytes. */
export class PromiseSpec {
  constructor(
    readonly data: PromiseSpecData,
    /** The spec file, or undefined when the seed's defaults apply. */
    readonly file: string | undefined,
  ) {}

  /** "monitoring/spec.yml: alerts.ServiceDown.firesWithin" or "the seed (no spec.yml): ...", for findings. */
  where(field: string): string {
    return `${this.file ?? 'the seed (no spec.yml)'}: ${field}`;
  }

  get scrapeIntervalMs(): number {
    return parseDuration(this.data.scrape.interval);
  }

  get metricsRetentionMs(): number {
    return parseDuration(this.data.retention.metrics);
  }

  get logsRetentionMs(): number {
    return parseDuration(this.data.retention.logs);
  }

  get ingestionBytesPerSecond(): number {
    return parseBytes(this.data.logs.ingestionRate);
  }

  get durationBucketsSeconds(): number[] {
    return this.data.histogram?.buckets ?? SEED_DURATION_BUCKETS;
  }

  get dashboardQueryWithinMs(): number {
    return parseDuration(this.data.dashboard.queryWithin ?? DEFAULT_DASHBOARD_QUERY_WITHIN);
  }

  alert(name: string): PromiseSpecData['alerts'][string] | undefined {
    return this.data.alerts[name];
  }

  firesWithinMs(name: string): number | undefined {
    const a = this.data.alerts[name];
    return a ? parseDuration(a.firesWithin) : undefined;
  }
}

export function parseBytes(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)$/.exec(v)!;
  const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B'];
  return Number(m[1]) * unit;
}

/** The folder's spec.yml, validated; the seed's numbers when there is none. Errors name the file, the field, the line and the fix. */
export function loadPromiseSpec(monitoringDir: string, displayRoot = process.cwd()): PromiseSpec {
  const file = join(monitoringDir, SPEC_FILE);
  if (!existsSync(file)) return new PromiseSpec(SEED_SPEC, undefined);
  const shown = relative(displayRoot, file).startsWith('..') ? file : relative(displayRoot, file);
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UsageError(`invalid YAML: ${e.message.split('\n')[0]}`, { file: shown, field: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : undefined, fix: 'correct the YAML' });
  }
  const parsed = promiseSpecSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    const node = path.length ? (doc.getIn(path, true) as { range?: [number, number] } | undefined) : undefined;
    const at = node?.range ? lines.linePos(node.range[0]) : undefined;
    throw new UsageError(issue.message, { file: shown, field: `${path.join('.') || '(document)'}${at ? ` (line ${at.line})` : ''}`, fix: `see the seed's promises in ${SPEC_FILE} of the bundled monitoring/ folder (harness/spec/promise-spec.ts describes each field)` });
  }
  return new PromiseSpec(parsed.data, file);
}
