/**
 * What `--target` names: one service, a group of them, or the whole fleet through the
 * zen-coordinator. Resolved to the load plan's targets and request mix (weighted as the
 * catalog weights each tool) and to the services whose metrics must account for the load.
 */
import { UsageError } from '../lib/errors.ts';
import { allServices, COORDINATOR, SERVICES, type ServiceSpec } from '../../fake-services/catalog.ts';
import type { Topology } from '../plan/topology.ts';
import type { LoadPlanInput } from '../load/plan.ts';

export interface LoadTarget {
  /** As the user named it. */
  name: string;
  kind: 'service' | 'group' | 'fleet' | 'mqtt';
  /** The services the load goes to (for mqtt: the one exporting the broker's counts): their `service` label in Prometheus. */
  services: ServiceSpec[];
}

export const GROUPS = [...new Set(SERVICES.map((s) => s.group))];

const FIX = `name a service (${allServices().map((s) => s.name).join(', ')}), a group (${GROUPS.join(', ')}), "fleet" (every service through the zen-coordinator), "mqtt" (the broker, with QoS 1 publishes) or "monitoring" (the stack's own growth)`;

export function resolveLoadTarget(name: string): LoadTarget {
  if (name === 'fleet') return { name, kind: 'fleet', services: [COORDINATOR] };
  // The broker: publishes at QoS 1; mqtt-mcp exports the broker's $SYS counts to Prometheus.
  if (name === 'mqtt') return { name, kind: 'mqtt', services: SERVICES.filter((s) => s.backend === 'mqtt') };
  const service = allServices().find((s) => s.name === name);
  if (service) return { name, kind: 'service', services: [service] };
  const group = SERVICES.filter((s) => s.group === name);
  if (group.length) return { name, kind: 'group', services: group };
  throw new UsageError(`no service or group named "${name}"`, { field: '--target', fix: FIX });
}

/** The plan's targets and tool mix for one rate step; every URL is the topology's loopback address. */
export function planFor(target: LoadTarget, topology: Topology, rate: number, durationMs: number, seed: number): LoadPlanInput {
  if (target.kind === 'mqtt') throw new Error('an MQTT target has no HTTP load plan');
  const urlOf = (s: ServiceSpec) => {
    const ep = topology.services.find((e) => e.name === s.name);
    if (!ep) throw new Error(`the topology has no ${s.name}`);
    return `${ep.baseUrl}/mcp`;
  };
  const stages = [{ rate, duration: `${durationMs}ms` }];
  if (target.kind === 'fleet') {
    // Every service's tools, routed by the coordinator, each weighted as its service weights it.
    const requestMix = SERVICES.flatMap((s) => s.tools.map((t) => ({ tool: 'route_tool_call', weight: t.weight, args: { service: s.name, tool: t.name, arguments: {} } })));
    return { stages, targets: [{ url: urlOf(COORDINATOR), weight: 1 }], requestMix, seed };
  }
  // Each service gets an equal share, split among its tools as the catalog weights them;
  // a tool goes only to the service that has it.
  const requestMix = target.services.flatMap((s, i) => {
    const sum = s.tools.reduce((a, t) => a + t.weight, 0);
    return s.tools.map((t) => ({ tool: t.name, weight: t.weight / sum, target: i }));
  });
  return { stages, targets: target.services.map((s) => ({ url: urlOf(s), weight: 1 })), requestMix, seed };
}
