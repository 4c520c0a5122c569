/**
 * Virtual scrape targets served from this process on the port plan's 127.0.0.1 port: what a
 * Prometheus running natively on this machine (the native stack, or one a detached
 * `stack up` runs) scrapes.
 */
import { VirtualTargets } from '../../fake-services/virtual-targets.ts';
import type { Topology } from '../plan/topology.ts';
import type { VirtualTargetsHandle } from './handles.ts';

export async function serveInProcess(topology: Topology): Promise<VirtualTargetsHandle> {
  const targets = new VirtualTargets();
  const port = topology.component['capacity-targets'].port;
  await targets.start(port);
  return {
    scrapeAddress: `127.0.0.1:${port}`,
    setSeriesPerTarget: async (n) => targets.setSeriesPerTarget(n),
    stop: () => targets.stop(),
  };
}
