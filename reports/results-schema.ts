/**
 * The contract of `results.json`, as data a consumer (CI, a dashboard, a diff between
 * nights) can check: the schema version, the summary, the run, and per scenario its
 * verdict, actions, assertions with evidence, alert transitions, notifications, fault
 * windows and, for a capacity run, its steps and result. Extra fields are allowed
 * (additive changes keep the version).
 */
import { z } from 'zod';
import { RESULTS_SCHEMA_VERSION } from './json-reporter.ts';

const iso = z.iso.datetime({ offset: true });
const verdict = z.enum(['pass', 'fail', 'error', 'incomplete', 'skipped', 'interrupted']);
const phase = z.enum(['steady-state-before', 'method', 'rollback', 'steady-state-after']);

const action = z.looseObject({ id: z.string(), phase, title: z.string(), kind: z.string(), startedAt: iso, endedAt: iso.optional(), error: z.string().optional() });
const assertion = z.looseObject({
  id: z.string(),
  phase,
  title: z.string(),
  kind: z.enum(['eventually', 'always', 'never', 'holdsFor', 'once']),
  verdict: z.enum(['pass', 'fail', 'skipped']),
  message: z.string(),
  startedAt: iso,
  endedAt: iso,
  evidence: z.looseObject({ query: z.string(), language: z.string(), expectation: z.string() }),
});
const notification = z.looseObject({
  receivedAt: iso,
  payload: z.looseObject({ receiver: z.string(), status: z.enum(['firing', 'resolved']), alerts: z.array(z.looseObject({ status: z.enum(['firing', 'resolved']), labels: z.record(z.string(), z.string()), annotations: z.record(z.string(), z.string()) })) }),
});

/** A capacity run's records: only what every consumer relies on is checked; the rest is the load tool's and the monitoring's numbers. */
const capacityStep = z.looseObject({ kind: z.enum(['load', 'growth', 'log-growth']), index: z.number().int().min(0), startedAt: iso, endedAt: iso.optional() });
const capacity = z.looseObject({
  steps: z.array(capacityStep),
  result: z.looseObject({ target: z.string(), verdict: z.enum(['pass', 'fail']), summary: z.string(), knee: z.number().optional(), minRate: z.number().optional() }).optional(),
});

const scenario = z.looseObject({
  name: z.string(),
  title: z.string(),
  verdict,
  error: z.string().optional(),
  skipReason: z.string().optional(),
  phases: z.array(z.looseObject({ phase, at: iso })),
  actions: z.array(action),
  assertions: z.array(assertion),
  alertTransitions: z.array(z.looseObject({ alertname: z.string(), labels: z.record(z.string(), z.string()), state: z.enum(['pending', 'firing', 'inactive']), at: iso })),
  notifications: z.array(notification),
  faultWindows: z.array(z.looseObject({ label: z.string(), start: iso, end: iso.optional() })),
  capacity: capacity.optional(),
});

const count = z.number().int().min(0);

export const resultsSchema = z.looseObject({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  generatedAt: iso,
  verdict,
  summary: z.object({ scenarios: count, passed: count, failed: count, errors: count, incomplete: count, skipped: count, assertions: count, failedAssertions: count, skippedAssertions: count }),
  run: z.looseObject({ runId: z.string(), seed: z.number().int(), timeScale: z.number().positive(), monitoringDir: z.string(), startedAt: iso, components: z.array(z.looseObject({ name: z.string(), version: z.string() })), configChanges: z.array(z.looseObject({ file: z.string(), key: z.string(), reason: z.string() })) }).optional(),
  scenarios: z.array(scenario),
});

export type ResultsDocument = z.infer<typeof resultsSchema>;

/** The first problems, as "path: message" lines; empty when the document is valid. */
export function validateResults(doc: unknown): string[] {
  const r = resultsSchema.safeParse(doc);
  return r.success ? [] : r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
