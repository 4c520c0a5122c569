/**
 * Faults inside a fake service, through its control port (never scraped): latency, error
 * ratios, hangs, slow or failing /metrics, log bursts, malformed logs, cardinality,
 * MQTT disconnect, dependency failure. The service itself implements them
 * (fake-services/faults.ts); this module only asks.
 */
import { request } from 'undici';
import type { FaultSpec } from '../../fake-services/faults.ts';
import type { FaultModule } from './fault-module.ts';

export interface ServiceFaultParams {
  service: string;
  fault: FaultSpec | (Partial<FaultSpec> & { kind: FaultSpec['kind'] });
}

async function control(url: string, method: 'POST' | 'DELETE', body?: unknown): Promise<unknown> {
  const res = await request(url, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' }, headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export const serviceFault: FaultModule<ServiceFaultParams> = {
  kind: 'service-fault',
  describe: (p) => {
    const { kind, ...rest } = p.fault;
    const args = Object.entries(rest).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    return `${kind}${args ? ` ${args}` : ''} on ${p.service}`;
  },
  async inject(ctx, p) {
    const svc = ctx.env.stack.topology.services.find((s) => s.name === p.service);
    if (!svc) throw new Error(`no service named ${p.service}`);
    const r = (await control(`${svc.controlUrl}/faults`, 'POST', p.fault)) as { id: string };
    return r.id;
  },
  async clear(ctx, p, handle) {
    const svc = ctx.env.stack.topology.services.find((s) => s.name === p.service);
    if (!svc) return;
    await control(`${svc.controlUrl}/faults/${String(handle)}`, 'DELETE').catch((e: Error) => {
      // The service may have been killed since; a fresh process has no faults.
      if (!/ECONNREFUSED|404/.test(e.message)) throw e;
    });
  },
};
