/**
 * The timing model: how long the stack can take to notice something, read from the
 * rendered (already time-scaled) config rather than assumed. Scenarios state their
 * expectations' deadlines through it, so a deadline is never a magic number and a
 * flaky assertion means this model is wrong.
 *
 * For an alert on a condition that becomes true at t0:
 *   - the next scrape sees it within one scrape interval (plus scrape duration);
 *   - the rule's next evaluation marks it pending within one evaluation interval;
 *   - it fires at the first evaluation at least `for` after pending;
 *   - Alertmanager sends the first notification after group_wait.
 * Rate-based rules need their window to fill; that is the scenario's to add.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../../assertions/duration.ts';
import type { RenderedConfig } from '../render/render.ts';
import { loadPromiseSpec, type PromiseSpec } from '../spec/promise-spec.ts';

export interface AlertTiming {
  alertname: string;
  expr: string;
  forMs: number;
  evaluationMs: number;
  group: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The user's rule file it comes from (not the rendered copy), for findings. */
  sourceFile: string;
}

export class TimingModel {
  constructor(
    readonly scale: number,
    readonly scrapeMs: number,
    readonly scrapeByJobMs: Record<string, number>,
    readonly evaluationMs: number,
    readonly alerts: Record<string, AlertTiming>,
    readonly alertmanager: { groupWaitMs: number; groupIntervalMs: number; repeatIntervalMs: number; resolveTimeoutMs: number },
    readonly lookbackMs: number,
    /** What the folder promises (its spec.yml, or the seed's numbers): deadlines never exceed it. */
    readonly promise: PromiseSpec,
  ) {}

  static fromRendered(cfg: RenderedConfig): TimingModel {
    const prom = parse(readFileSync(cfg.files.prometheus, 'utf8')) as { global?: Record<string, string>; scrape_configs?: { job_name: string; scrape_interval?: string }[] };
    const scrapeMs = parseDuration(prom.global?.scrape_interval ?? '1m');
    const evaluationMs = parseDuration(prom.global?.evaluation_interval ?? '1m');
    const scrapeByJobMs = Object.fromEntries((prom.scrape_configs ?? []).map((j) => [j.job_name, j.scrape_interval ? parseDuration(j.scrape_interval) : scrapeMs]));
    const alerts: Record<string, AlertTiming> = {};
    for (const file of cfg.files.ruleFiles) {
      const rules = parse(readFileSync(file, 'utf8')) as { groups?: { name: string; interval?: string; rules?: { alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[] };
      for (const g of rules.groups ?? []) {
        const gEval = g.interval ? parseDuration(g.interval) : evaluationMs;
        for (const r of g.rules ?? []) {
          if (!r.alert) continue;
          alerts[r.alert] = { alertname: r.alert, expr: String(r.expr), forMs: r.for ? parseDuration(r.for) : 0, evaluationMs: gEval, group: g.name, labels: r.labels ?? {}, annotations: r.annotations ?? {}, sourceFile: join(cfg.sourceDir, relative(cfg.dir, file)) };
        }
      }
    }
    const am = parse(readFileSync(cfg.files.alertmanager, 'utf8')) as { global?: { resolve_timeout?: string }; route?: Record<string, string> };
    const d = (v: string | undefined, dflt: string) => parseDuration(v ?? dflt);
    return new TimingModel(
      cfg.timeScale,
      scrapeMs,
      scrapeByJobMs,
      evaluationMs,
      alerts,
      { groupWaitMs: d(am.route?.group_wait, '30s'), groupIntervalMs: d(am.route?.group_interval, '5m'), repeatIntervalMs: d(am.route?.repeat_interval, '4h'), resolveTimeoutMs: d(am.global?.resolve_timeout, '5m') },
      parseDuration(cfg.settings.lookbackDelta),
      loadPromiseSpec(cfg.sourceDir),
    );
  }

  /** The promised longest time from a condition to its alert firing, at this run's scale; undefined when the spec promises nothing for it. */
  promisedFiringMs(alertname: string): number | undefined {
    const ms = this.promise.firesWithinMs(alertname);
    return ms === undefined ? undefined : ms * this.scale;
  }

  /** The promised scrape interval at this run's scale. */
  promisedScrapeMs(): number {
    return this.promise.scrapeIntervalMs * this.scale;
  }

  /** A nominal (scale 1) duration as this run's duration: scenarios write real-world times. */
  scaled(nominal: string | number): number {
    return (typeof nominal === 'number' ? nominal : parseDuration(nominal)) * this.scale;
  }

  alert(name: string): AlertTiming {
    const a = this.alerts[name];
    if (!a) throw new Error(`no alert rule named ${name} in the rendered rules (have: ${Object.keys(this.alerts).join(', ') || 'none'})`);
    return a;
  }

  scrapeOf(job?: string): number {
    return (job && this.scrapeByJobMs[job]) || this.scrapeMs;
  }

  /** Latest a changed target state shows in `up`: one scrape interval, plus a scrape's own time. */
  detectionBoundMs(job?: string): number {
    return this.scrapeOf(job) + this.slackMs();
  }

  /** Theoretical minimum from condition to firing: at least `for` (one scrape + one eval at most on top). */
  firingMinimumMs(alertname: string): number {
    return this.alert(alertname).forMs;
  }

  /** Latest an alert should fire after its condition became true in the data. */
  firingBoundMs(alertname: string, job?: string): number {
    const a = this.alert(alertname);
    return this.scrapeOf(job) + a.evaluationMs + a.forMs + a.evaluationMs + this.slackMs();
  }

  /** Latest the first notification for a firing alert reaches the receiver after it fired. */
  notificationBoundMs(): number {
    return this.alertmanager.groupWaitMs + this.evaluationMs + this.slackMs();
  }

  /** Latest a resolved alert is reported resolved by Alertmanager after its condition cleared. */
  resolutionBoundMs(alertname: string, job?: string): number {
    const a = this.alert(alertname);
    return this.scrapeOf(job) + 2 * a.evaluationMs + this.alertmanager.groupIntervalMs + this.slackMs();
  }

  /** Fixed allowance for process scheduling and HTTP round trips on a loaded 2-core machine. */
  slackMs(): number {
    return 2000 + this.scrapeMs * 0.5;
  }

  /** A polling period fine enough to time transitions to within a fraction of an evaluation. */
  pollMs(): number {
    return Math.max(250, Math.min(5000, Math.round(Math.min(this.scrapeMs, this.evaluationMs) / 4)));
  }

  describe(): Record<string, unknown> {
    return {
      scale: this.scale,
      scrapeInterval: `${this.scrapeMs}ms`,
      evaluationInterval: `${this.evaluationMs}ms`,
      lookbackDelta: `${this.lookbackMs}ms`,
      alerts: Object.fromEntries(Object.values(this.alerts).map((a) => [a.alertname, { for: `${a.forMs}ms`, evaluation: `${a.evaluationMs}ms` }])),
      alertmanager: this.alertmanager,
    };
  }
}
