/**
 * Watches Prometheus's ALERTS series through a scenario, turning each change of an
 * alert's state into an event (for the report's alert timeline) and remembering every
 * alert seen, so "nothing else fired" is judged on everything that happened, not on
 * one sample at the end.
 */
import type { PrometheusClient } from '../../assertions/prometheus.ts';
import type { AlertTransition } from '../events/run-events.ts';

const keyOf = (labels: Record<string, string>): string =>
  JSON.stringify(Object.entries(labels).filter(([k]) => k !== 'alertstate' && k !== '__name__').sort());

export class AlertWatcher {
  readonly transitions: AlertTransition[] = [];
  private readonly state = new Map<string, { labels: Record<string, string>; state: 'pending' | 'firing' }>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly prom: PrometheusClient,
    private readonly everyMs: number,
    private readonly onTransition: (t: AlertTransition) => void,
  ) {}

  start(): void {
    const tick = (): void => {
      this.polling = this.poll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.everyMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.poll(); // one last look, so the end state is recorded
  }

  private async poll(): Promise<void> {
    let result;
    try {
      result = await this.prom.instantQuery('ALERTS');
    } catch {
      return; // Prometheus briefly unreachable (a reload, an outage scenario): next tick
    }
    if (result.resultType !== 'vector') return;
    const at = new Date().toISOString();
    const seen = new Set<string>();
    for (const s of result.result) {
      const key = keyOf(s.labels);
      const st = s.labels.alertstate === 'firing' ? 'firing' : 'pending';
      seen.add(key);
      const { alertstate: _drop, __name__: _n, ...labels } = s.labels;
      if (this.state.get(key)?.state !== st) {
        this.state.set(key, { labels, state: st });
        this.record({ alertname: labels.alertname ?? '?', labels, state: st, at });
      }
    }
    for (const [key, v] of this.state) {
      if (!seen.has(key)) {
        this.state.delete(key);
        this.record({ alertname: v.labels.alertname ?? '?', labels: v.labels, state: 'inactive', at });
      }
    }
  }

  private record(t: AlertTransition): void {
    this.transitions.push(t);
    this.onTransition(t);
  }
}
