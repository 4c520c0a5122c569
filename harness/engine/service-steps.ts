/**
 * Steps that act on several services at once, or on the log window: the same service
 * fault on many services (one fault window), a known number of requests with
 * recognisable ids (so a scenario controls how many lines a request-path fault writes),
 * and a log burst sized against the promised ingestion rate.
 */
import { request } from 'undici';
import { serviceByName } from '../../fake-services/catalog.ts';
import type { CustomStep, FaultStep } from './scenario.ts';
import type { FaultModule } from '../chaos/fault-module.ts';
import { multiServiceFault, type MultiServiceFaultParams } from '../chaos/multi-service-fault.ts';
import { predictBurst, type LogWindow } from './log-window.ts';
import { loadPromiseSpec } from '../spec/promise-spec.ts';

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
 * A log burst sized against the promised ingestion rate (spec.yml logs.ingestionRate,
 * the seed's 16 MiB/s; not the config's limit): the services together write `fractionOfLimit` × that rate for
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
      const bytesPerSecond = o.fractionOfLimit * loadPromiseSpec(ctx.env.stack.config.sourceDir).ingestionBytesPerSecond;
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
