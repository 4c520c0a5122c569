/** Step builders: the vocabulary scenario files are written in. */
import type { Check } from './checks.ts';
import type { AlertLifecycleStep, ClearStep, Duration, ExpectStep, FaultStep, LoadStep, Step, WaitStep } from './scenario.ts';
import { killProcess, freezeProcess, componentOutage, componentRecreate } from '../chaos/process-faults.ts';
import { serviceFault, type ServiceFaultParams } from '../chaos/service-faults.ts';
import type { FaultModule } from '../chaos/fault-module.ts';
import { mqttBurst } from '../chaos/mqtt-burst.ts';
import { prometheusConfigEdit, type PrometheusConfigEditParams } from '../chaos/prometheus-config-edit.ts';
import { tsdbBackfill, type TsdbBackfillParams } from '../chaos/tsdb-backfill.ts';
import type { Requirement } from './requirements.ts';

function fault<P>(module: FaultModule<P>, params: P, key?: string): FaultStep {
  const label = module.describe(params);
  return { type: 'fault', module: module as FaultModule<unknown>, params, key: key ?? label, label };
}

export const step = {
  kill: (target: string): FaultStep => fault(killProcess, { target }, `kill ${target}`),
  freeze: (target: string): FaultStep => fault(freezeProcess, { target }, `freeze ${target}`),
  /** Stop a stack component (loki, promtail, ...) until cleared. */
  outage: (target: string): FaultStep => fault(componentOutage, { target }, `outage ${target}`),
  /** Stop a stack component until cleared, then recreate its container: its own filesystem gone, its volumes kept. */
  recreate: (target: string): FaultStep => fault(componentRecreate, { target }, `recreate ${target}`),
  serviceFault: (service: string, spec: ServiceFaultParams['fault'], key?: string): FaultStep => fault(serviceFault, { service, fault: spec }, key),
  /** MQTT publishes straight to the broker until cleared. */
  mqttBurst: (publishesPerSecond: number, key?: string): FaultStep => fault(mqttBurst, { publishesPerSecond }, key),
  /** Scrape jobs and rule groups added to the run's rendered Prometheus config and reloaded; cleared by restoring it. */
  prometheusConfigEdit: (params: PrometheusConfigEditParams, key?: string): FaultStep => fault(prometheusConfigEdit, params, key),
  /** Samples backfilled as TSDB blocks and Prometheus restarted; cleared by deleting what retention left. */
  backfill: (params: TsdbBackfillParams, key?: string): FaultStep => fault(tsdbBackfill, params, key),
  /** Clears a fault by key: restarts a killed process, thaws a frozen one, removes a service fault. */
  clear: (key: string): ClearStep => ({ type: 'clear', key }),
  wait: (duration: Duration, reason: string): WaitStep => ({ type: 'wait', duration, reason }),
  load: (service: string, ratePerSecond: number, key = `load ${service}`): LoadStep => ({ type: 'load', key, service, ratePerSecond }),
  stopLoad: (service: string, key = `load ${service}`): LoadStep => ({ type: 'load', key, service, ratePerSecond: 0, stop: true }),
  eventually: (check: Check, within: Duration, title?: string): ExpectStep => ({ type: 'expect', mode: 'eventually', check, within, title }),
  always: (check: Check, during: Duration, title?: string): ExpectStep => ({ type: 'expect', mode: 'always', check, during, title }),
  never: (check: Check, during: Duration, title?: string): ExpectStep => ({ type: 'expect', mode: 'never', check, during, title }),
  holdsFor: (check: Check, duration: Duration, within: Duration, title?: string): ExpectStep => ({ type: 'expect', mode: 'holdsFor', check, duration, within, title }),
  alertLifecycle: (alertname: string, labels: Record<string, string>, opts: { job?: string; extra?: Duration } = {}): AlertLifecycleStep => ({ type: 'alert-lifecycle', alertname, labels, ...opts }),
  /** The same steps, run only when the run has what they require; otherwise reported as skipped, with why. */
  requiring: <S extends Step>(requires: Requirement[], ...steps: S[]): S[] => steps.map((x) => ({ ...x, requires: [...(x.requires ?? []), ...requires] })),
} satisfies Record<string, (...args: never[]) => Step | Step[]>;
