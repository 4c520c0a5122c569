/**
 * Checks: one question asked of the real stack (a PromQL or LogQL query, an alert's
 * state, a received notification), answered by a probe the expectation functions
 * (assertions/expectations.ts) poll. A check knows its queries up front so a typo fails
 * before anything starts.
 */
import type { Probe, ProbeResult } from '../../assertions/expectations.ts';
import type { ObservedSeries } from '../../assertions/evidence.ts';
import type { PrometheusClient, VectorSample } from '../../assertions/prometheus.ts';
import type { LokiClient } from '../../assertions/loki.ts';
import type { AlertmanagerClient } from '../../assertions/alertmanager.ts';
import { scaleQueryDurations } from '../../assertions/time-scale.ts';
import type { QueryLanguage } from '../../assertions/query-language.ts';
import type { EnvironmentHandle } from '../stack/handles.ts';
import type { EvidenceLanguage } from '../../assertions/evidence.ts';
import type { ReceivedNotification } from '../stack/alert-receiver.ts';
import type { TimingModel } from './timing.ts';

export interface CheckContext {
  prom: PrometheusClient;
  loki: LokiClient;
  alertmanager: AlertmanagerClient;
  /** What the webhook receiver got (live: it grows during the scenario). */
  receiver: { readonly notifications: readonly ReceivedNotification[] };
  timing: TimingModel;
  /** Notifications before this index belong to earlier scenarios. */
  notificationsFrom: number;
  scenarioStartMs: number;
  /** The running stack's rendered config and topology (data dirs), for checks that read them. */
  env?: EnvironmentHandle;
}

export interface Check {
  title: string;
  /** Queries as written in the scenario (nominal windows), for validation and reports. */
  queries: { language: QueryLanguage; expr: string }[];
  probe(ctx: CheckContext): Probe;
  /** The query the evidence shows (after time scaling). */
  evidenceQuery(ctx: CheckContext): { query: string; language: EvidenceLanguage };
}

const fmtLabels = (l: Record<string, string>): string =>
  `{${Object.entries(l)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;

const seriesOf = (v: VectorSample[]): ObservedSeries[] => v.map((s) => ({ labels: s.labels, value: Number.isFinite(s.value) ? s.value : String(s.value) }));

/** Scale a query's windows when the run is time-scaled (rules are scaled the same way). */
const scaled = (ctx: CheckContext, language: QueryLanguage, expr: string): string => (ctx.timing.scale === 1 ? expr : scaleQueryDurations(language, expr, ctx.timing.scale));

type VectorPredicate = { test: (v: VectorSample[]) => boolean; says: string };

export class PromQLCheck implements Check {
  constructor(
    private readonly expr: string,
    private readonly predicate: VectorPredicate,
    readonly title: string = `${expr} ${predicate.says}`,
  ) {}

  get queries() {
    return [{ language: 'promql' as const, expr: this.expr }];
  }

  named(title: string): PromQLCheck {
    return new PromQLCheck(this.expr, this.predicate, title);
  }

  evidenceQuery(ctx: CheckContext) {
    return { query: scaled(ctx, 'promql', this.expr), language: 'promql' as const };
  }

  probe(ctx: CheckContext): Probe<unknown> {
    const q = scaled(ctx, 'promql', this.expr);
    return async (): Promise<ProbeResult<unknown>> => {
      const r = await ctx.prom.instantQuery(q);
      const v: VectorSample[] = r.resultType === 'vector' ? r.result : r.resultType === 'scalar' ? [{ labels: {}, value: r.result.value, timestamp: r.result.timestamp } as unknown as VectorSample] : [];
      return { ok: this.predicate.test(v), observed: v.length === 0 ? 'empty result' : v.map((s) => `${fmtLabels(s.labels)} ${s.value}`).slice(0, 20), series: seriesOf(v) };
    };
  }
}

/** Builders for PromQL checks: promql('up{job="x"}').equals(1). */
export function promql(expr: string) {
  const make = (test: VectorPredicate['test'], says: string) => new PromQLCheck(expr, { test, says });
  return {
    /** At least one series, and every series equals v. */
    equals: (v: number) => make((s) => s.length > 0 && s.every((x) => x.value === v), `== ${v} (every series, at least one)`),
    atLeast: (v: number) => make((s) => s.length > 0 && s.every((x) => x.value >= v), `>= ${v} (every series)`),
    above: (v: number) => make((s) => s.length > 0 && s.every((x) => x.value > v), `> ${v} (every series)`),
    below: (v: number) => make((s) => s.length > 0 && s.every((x) => x.value < v), `< ${v} (every series)`),
    empty: () => make((s) => s.length === 0, 'returns no series'),
    nonEmpty: () => make((s) => s.length > 0, 'returns at least one series'),
    seriesCount: (n: number) => make((s) => s.length === n, `returns exactly ${n} series`),
    where: (test: VectorPredicate['test'], says: string) => make(test, says),
  };
}

/** `active` = pending or firing; `inactive` = no ALERTS series at all. */
export type AlertState = 'pending' | 'firing' | 'active' | 'inactive';

/** An alert's state in Prometheus, from the ALERTS series. */
export function alertState(alertname: string, labels: Record<string, string>, state: AlertState): Check {
  const matchers = Object.entries({ alertname, ...labels }).map(([k, v]) => `${k}="${v}"`);
  const byState = state === 'pending' || state === 'firing' ? [`alertstate="${state}"`] : [];
  const expr = `ALERTS{${[...matchers, ...byState].join(', ')}}`;
  const check = new PromQLCheck(expr, state === 'inactive' ? { test: (s) => s.length === 0, says: 'is absent (inactive)' } : { test: (s) => s.length > 0, says: `is ${state}` });
  return check.named(`${alertname}${fmtLabels(labels)} ${state === 'active' ? 'pending or firing' : state}`);
}

/** No alert pending or firing except those matched by `allowed`. */
export function noAlertsExcept(allowed: { alertname: string; labels?: Record<string, string> }[] = []): Check {
  const allowedText = allowed.map((a) => `${a.alertname}${fmtLabels(a.labels ?? {})}`).join(', ');
  return new PromQLCheck('ALERTS', {
    test: (s) => s.every((x) => allowed.some((a) => x.labels.alertname === a.alertname && Object.entries(a.labels ?? {}).every(([k, v]) => x.labels[k] === v))),
    says: allowed.length ? `has only ${allowedText}` : 'is empty',
  }).named(allowed.length ? `no alert pending or firing other than ${allowedText}` : 'no alert pending or firing');
}

/** A webhook notification received by the harness: labels match, annotations rendered. */
export function notification(match: { alertname: string; labels?: Record<string, string>; status: 'firing' | 'resolved' }): Check {
  const want = { alertname: match.alertname, ...(match.labels ?? {}) };
  const title = `notification ${match.status} for ${match.alertname}${fmtLabels(match.labels ?? {})}, annotations rendered`;
  return {
    title,
    queries: [],
    evidenceQuery: () => ({ query: `webhook ${title}`, language: 'promql' }),
    probe: (ctx) => async () => {
      const mine = ctx.receiver.notifications.slice(ctx.notificationsFrom);
      const hits = mine.flatMap((n: ReceivedNotification) => n.payload.alerts.filter((a) => a.status === match.status && Object.entries(want).every(([k, v]) => a.labels[k] === v)).map((a) => ({ receivedAt: n.receivedAt, ...a })));
      // Rendered: at least one annotation, none empty or holding template text, and the
      // alert's service named in them when it has one (an empty $labels.service renders
      // as "MCP Service  is down": not empty, but not telling anyone anything).
      const rendered = (a: { labels: Record<string, string>; annotations: Record<string, string> }) =>
        Object.keys(a.annotations).length > 0 &&
        Object.values(a.annotations).every((v) => v.trim() !== '' && !v.includes('{{')) &&
        (!a.labels.service || Object.values(a.annotations).some((v) => v.includes(a.labels.service!)));
      const good = hits.filter(rendered);
      return {
        ok: good.length > 0,
        observed: hits.length ? hits.map((h) => ({ receivedAt: h.receivedAt, labels: h.labels, annotations: h.annotations })) : `no matching notification among ${mine.length} received`,
        series: hits.map((h) => ({ labels: { ...h.labels, ...Object.fromEntries(Object.entries(h.annotations).map(([k, v]) => [`annotation_${k}`, v])) } })),
      };
    },
  };
}

/** The alert as Alertmanager's API shows it (active, not silenced). */
export function alertmanagerHas(alertname: string, labels: Record<string, string>, present = true): Check {
  const title = `Alertmanager ${present ? 'has' : 'has no'} active ${alertname}${fmtLabels(labels)}`;
  return {
    title,
    queries: [],
    evidenceQuery: () => ({ query: `GET /api/v2/alerts ${alertname}${fmtLabels(labels)}`, language: 'promql' }),
    probe: (ctx) => async () => {
      const alerts = await ctx.alertmanager.alerts({ active: true });
      const hits = alerts.filter((a) => a.labels.alertname === alertname && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
      return { ok: present ? hits.length > 0 : hits.length === 0, observed: hits.map((h) => ({ labels: h.labels, state: h.status?.state })), series: hits.map((h) => ({ labels: h.labels })) };
    },
  };
}

/** LogQL over the window since the scenario began: lines matching, or none. */
export function logql(expr: string) {
  const make = (test: (n: number) => boolean, says: string) => {
    const check: Check = {
      title: `${expr} ${says}`,
      queries: [{ language: 'logql', expr }],
      evidenceQuery: (ctx) => ({ query: scaled(ctx, 'logql', expr), language: 'logql' }),
      probe: (ctx) => async () => {
        const r = await ctx.loki.queryRange(scaled(ctx, 'logql', expr), new Date(ctx.scenarioStartMs - 5000), new Date(), { limit: 1000 });
        const lines = r.streams.flatMap((s) => s.entries.map((e) => ({ labels: s.labels, line: e.line, tsNs: e.tsNs })));
        return {
          ok: test(lines.length),
          observed: { lines: lines.length, sample: lines.slice(0, 5).map((l) => l.line) },
          series: r.streams.map((s) => ({ labels: s.labels, lines: s.entries.slice(0, 20).map((e): [string, string] => [new Date(Number(e.tsNs / 1_000_000n)).toISOString(), e.line]) })),
        };
      },
    };
    return check;
  };
  return {
    hasLines: (min = 1) => make((n) => n >= min, `returns at least ${min} line(s)`),
    noLines: () => make((n) => n === 0, 'returns no lines'),
  };
}

