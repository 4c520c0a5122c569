/** Background traffic for a run: the fake-services TrafficDriver aimed at this topology's services. */
import { TrafficDriver } from '../../fake-services/traffic.ts';
import type { Topology } from '../plan/topology.ts';

export type BackgroundTraffic = TrafficDriver;

export function startBackgroundTraffic(t: Topology, opts: { seed: number; ratePerSecond: number }): BackgroundTraffic {
  const driver = new TrafficDriver({
    targets: t.services.map((s) => ({ service: s.name, baseUrl: s.baseUrl })),
    ratePerSecond: opts.ratePerSecond,
    seed: opts.seed,
  });
  driver.start();
  return driver;
}
