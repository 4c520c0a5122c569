/**
 * Log faults across several services at once: one step, one fault window in the report,
 * the same fault added to every named service concurrently (a log burst that is to reach
 * Loki's tenant limit has to come from several streams at the same moment). Each service
 * implements the fault itself (fake-services/faults.ts); clearing removes what is left
 * (a log-burst clears itself when done, so a 404 on clear is expected and fine).
 *
 * Also: `driveRequests`, a custom step that sends a known number of tools/call requests
 * with recognisable x-request-id values, so a scenario controls exactly how many lines a
 * request-path fault produces (and keeps the error share below alert thresholds).
 */
import { request } from 'undici';
import type { FaultSpec } from '../../fake-services/faults.ts';
import { serviceByName } from '../../fake-services/catalog.ts';
import type { CustomStep, FaultStep } from '../engine/scenario.ts';
import type { FaultModule } from './fault-module.ts';
import { serviceFault } from './service-faults.ts';
import { predictBurst, type LogWindow } from '../engine/log-window.ts';
import { SEED_LOG_INGESTION_BYTES_PER_SECOND } from '../check/seed.ts';

export interface MultiServiceFaultParams {
  services: string[];
  fault: FaultSpec | (Partial<FaultSpec> & { kind: FaultSpec['kind'] });
}

export const multiServiceFault: FaultModule<MultiServiceFaultParams> = {
  kind: 'service-fault',
  describe: (p) => `${serviceFault.describe({ service: '', fault: p.fault }).replace(/ on $/, '')} on ${p.services.length} services (${p.services.join(', ')})`,
  async inject(ctx, p) {
    return Promise.all(p.services.map((service) => serviceFault.inject(ctx, { service, fault: p.fault })));
  },
  async clear(ctx, p, handle) {
    const ids = handle as unknown[];
    await Promise.all(p.services.map((service, i) => serviceFault.clear(ctx, { service, fault: p.fault }, ids[i])));
  },
};

/** The same service fault on several services at once, cleared together by `key`. */
export function faultOnServices(services: string[], fault: MultiServiceFaultParams['fault'], key?: string): FaultStep {
  const params = { services, fault };
  const label = multiServiceFault.describe(params);
  return { type: 'fault', module: multiServiceFault as FaultModule<unknown>, params, key: key ?? label, label };
}

export interface DriveOptions {
  /** Requests to send for `tool` (default 3). */
  count?: number;
  /** Extra successful calls of the service's other tools (pads the request count, default 0). */
  others?: number;
  /** x-request-id prefix (default "drive"). */
  idPrefix?: string;
}

/**
 * Custom step: `count` tools/call requests for `tool` on `service` (concurrently), plus
 * `others` calls of its other tools. Request ids are `<prefix>-<service>-<tool>-<i>`.
 * Fails when the service does not answer at all; any HTTP status is fine.
 */
export function driveRequests(service: string, tool: string, opts: DriveOptions = {}): CustomStep {
  const count = opts.count ?? 3;
  const others = opts.others ?? 0;
  const spec = serviceByName(service);
  if (!spec) throw new Error(`driveRequests: no service named ${service}`);
  if (!spec.tools.some((t) => t.name === tool)) throw new Error(`driveRequests: ${service} has no tool ${tool} (has ${spec.tools.map((t) => t.name).join(', ')})`);
  const otherTools = spec.tools.filter((t) => t.name !== tool).map((t) => t.name);
  return {
    type: 'custom',
    title: `send ${count} ${tool} calls${others ? ` and ${others} other calls` : ''} to ${service}`,
    run: async (env) => {
      const svc = env.stack.topology.services.find((s) => s.name === service);
      if (!svc) throw new Error(`driveRequests: ${service} is not in this stack`);
      const prefix = opts.idPrefix ?? 'drive';
      const call = async (name: string, i: number) => {
        const res = await request(`${svc.baseUrl}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': `${prefix}-${service}-${name}-${i}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name, arguments: {} } }),
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        await res.body.dump();
        return res.statusCode;
      };
      const jobs = [...Array.from({ length: count }, (_, i) => call(tool, i + 1)), ...Array.from({ length: others }, (_, i) => call(otherTools[i % otherTools.length]!, i + 1))];
      await Promise.all(jobs);
    },
  };
}

export interface LimitBurstOptions {
  /** Offered rate as a fraction of the promised ingestion rate (the seed's 16 MB/s), e.g. 0.75 or 1.5. */
  fractionOfLimit: number;
  /** Burst length in real seconds: ingestion limits are rates and bucket sizes, which the time scale does not touch. */
  seconds: number;
  /** Bytes per line (default 4000). */
  lineBytes?: number;
  /** Key to clear it by (default: its label). */
  key?: string;
}

/**
 * A log burst sized against the promised ingestion rate (the seed's 16 MB/s, not the
 * config's limit): the services together write `fractionOfLimit` × that rate for
 * `seconds`. Records the plan and what the configured limits predict (predictBurst) in
 * the window, for `win.delivered` and `win.limiter`.
 */
export function limitBurst(win: LogWindow, services: string[], o: LimitBurstOptions): FaultStep {
  const lineBytes = o.lineBytes ?? 4000;
  const label = `log burst at ${o.fractionOfLimit} × the promised 16 MB/s for ${o.seconds}s on ${services.length} services (${lineBytes}-byte lines)`;
  const module: FaultModule<MultiServiceFaultParams> = {
    kind: 'service-fault',
    describe: () => label,
    async inject(ctx, p) {
      const limits = win.limits();
      const bytesPerSecond = o.fractionOfLimit * SEED_LOG_INGESTION_BYTES_PER_SECOND;
      const linesPerSecondPerService = Math.max(1, Math.round(bytesPerSecond / services.length / lineBytes));
      const fault = { kind: 'log-burst' as const, linesPerSecond: linesPerSecondPerService, durationSeconds: o.seconds, lineBytes };
      const ids = await multiServiceFault.inject(ctx, { services, fault });
      const offeredBytes = linesPerSecondPerService * services.length * o.seconds * (lineBytes + 1);
      win.burstPlan = {
        services,
        linesPerSecondPerService,
        lineBytes,
        durationMs: o.seconds * 1000,
        startedAt: new Date().toISOString(),
        prediction: predictBurst(limits, { offeredBytes, durationMs: o.seconds * 1000, streams: services.length, lineBytes }),
      };
      p.fault = fault;
      return ids;
    },
    clear: (ctx, p, handle) => multiServiceFault.clear(ctx, p, handle),
  };
  return { type: 'fault', module: module as FaultModule<unknown>, params: { services, fault: { kind: 'log-burst' } }, key: o.key ?? label, label };
}
