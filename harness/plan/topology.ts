/**
 * The topology of one run: every address, port and file the stack and the fake
 * services use, derived from the port plan, the catalog and the port offset. The
 * renderer, the backend and the scenarios all read it; nothing else invents a port.
 */
import { join } from 'node:path';
import { COORDINATOR, SERVICES, CONTROL_PORT_OFFSET, type ServiceGroup } from '../../fake-services/catalog.ts';
import { COMPONENT_PORTS, type ComponentName } from './port-plan.ts';
import type { PlannedPort } from './ports.ts';

export const LOOPBACK = '127.0.0.1';

export interface ServiceEndpoint {
  name: string;
  group: ServiceGroup;
  /** Prometheus job the bundled config scrapes it under. */
  port: number;
  controlPort: number;
  baseUrl: string;
  controlUrl: string;
  logFile: string;
}

export interface Topology {
  offset: number;
  runDir: string;
  logDir: string;
  dataDir: string;
  component: Record<ComponentName, { port: number; url: string; extra: Record<string, number> }>;
  services: ServiceEndpoint[];
  /** compose host → loopback host:port, used to rewrite scrape targets and URLs. */
  addressMap: Map<string, string>;
}

export function buildTopology(opts: { offset: number; runDir: string }): Topology {
  const { offset, runDir } = opts;
  const logDir = join(runDir, 'logs');
  const dataDir = join(runDir, 'data');
  const component = {} as Topology['component'];
  const addressMap = new Map<string, string>();
  for (const [name, plan] of Object.entries(COMPONENT_PORTS) as [ComponentName, (typeof COMPONENT_PORTS)[ComponentName]][]) {
    const port = plan.port + offset;
    const extra = Object.fromEntries(Object.entries(plan.extra ?? {}).map(([k, v]) => [k, v + offset]));
    component[name] = { port, url: `http://${LOOPBACK}:${port}`, extra };
    addressMap.set(plan.composeHost, `${LOOPBACK}:${port}`);
  }
  const services = [COORDINATOR, ...SERVICES].map((s) => {
    const port = s.port + offset;
    const controlPort = port + CONTROL_PORT_OFFSET;
    addressMap.set(s.name, `${LOOPBACK}:${port}`);
    return {
      name: s.name,
      group: s.group,
      port,
      controlPort,
      baseUrl: `http://${LOOPBACK}:${port}`,
      controlUrl: `http://${LOOPBACK}:${controlPort}`,
      logFile: join(logDir, 'services', `${s.name}.log`),
    };
  });
  return { offset, runDir, logDir, dataDir, component, services, addressMap };
}

/**
 * Every port the run will listen on, for the up-front "is it free" check. `except`: the
 * components this run does not start (the other log pipeline, absent user-supplied ones);
 * without it, every component's port (the leftover check after a stop).
 */
export function plannedPorts(t: Topology, opts: { services: boolean; except?: readonly ComponentName[] }): PlannedPort[] {
  const ports: PlannedPort[] = [];
  for (const [name, c] of Object.entries(t.component)) {
    // grafana: not started natively; control: only by `stack up`; capacity targets: only by `capacity --target monitoring`.
    if (name === 'grafana' || name === 'harness-control' || name === 'capacity-targets') continue;
    if (opts.except?.includes(name as ComponentName)) continue;
    ports.push({ port: c.port, owner: name });
    for (const [k, v] of Object.entries(c.extra)) ports.push({ port: v, owner: `${name} ${k}` });
  }
  if (opts.services) for (const s of t.services) ports.push({ port: s.port, owner: s.name }, { port: s.controlPort, owner: `${s.name} control` });
  return ports;
}
