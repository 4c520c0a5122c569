/**
 * The same service fault on several services at once: one step, one fault window in the
 * report (a log burst that is to reach the store's ingestion limit has to come from
 * several streams at the same moment). Each service implements the fault itself
 * (fake-services/faults.ts); clearing removes what is left (a log-burst clears itself
 * when done, so a 404 on clear is expected and fine).
 */
import type { FaultSpec } from '../../fake-services/faults.ts';
import type { FaultModule } from './fault-module.ts';
import { serviceFault } from './service-faults.ts';

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
