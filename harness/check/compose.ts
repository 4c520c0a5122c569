/**
 * A Docker Compose file against the port plan: every component of the plan
 * (harness/plan/port-plan.ts) and every service of the catalog (fake-services/catalog.ts)
 * defined, publishing its planned host port to its container port; the MCP services
 * labelled with their service group (Promtail's relabelling reads it); no host port
 * published twice; and every scrape target of prometheus.yml that names a Compose
 * service reaching a port that service has.
 */
import { allServices } from '../../fake-services/catalog.ts';
import { COMPONENT_PORTS } from '../plan/port-plan.ts';
import { STACK_CONTAINERS } from './seed.ts';
import { FindingSink, type Finding } from './findings.ts';
import type { ScrapeTarget } from './scrape.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export interface PortMapping {
  /** Published host port; undefined when only the container port is given. */
  host?: number;
  container: number;
  raw: string;
  index: number;
}

/** Compose `ports:` entries, short and long syntax ("7001:7001", "127.0.0.1:7028:9090", "9090/tcp", {target, published}). */
export function parsePorts(ports: unknown): PortMapping[] {
  if (!Array.isArray(ports)) return [];
  const out: PortMapping[] = [];
  ports.forEach((p, index) => {
    if (p && typeof p === 'object') {
      const o = p as { target?: unknown; published?: unknown };
      const container = Number(o.target);
      const host = o.published === undefined ? undefined : Number(o.published);
      if (Number.isInteger(container)) out.push({ container, host: Number.isInteger(host) ? host : undefined, raw: JSON.stringify(p), index });
      return;
    }
    const raw = String(p);
    const parts = raw.replace(/\/(tcp|udp|sctp)$/, '').split(':');
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    if (Number.isInteger(container)) out.push({ container, host: host !== undefined && Number.isInteger(host) ? host : undefined, raw, index });
  });
  return out;
}

/** Container ports a service has: its published mappings and `expose:`. */
function containerPorts(svc: Json): Set<number> {
  const s = new Set(parsePorts(svc?.ports).map((p) => p.container));
  for (const e of (svc?.expose ?? []) as unknown[]) {
    const n = Number(String(e).replace(/\/(tcp|udp)$/, ''));
    if (Number.isInteger(n)) s.add(n);
  }
  return s;
}

export interface ComposeCheckInput {
  compose: Json;
  file: string;
  /** prometheus.yml's static targets, to cross-check against the Compose services. */
  scrapeTargets?: ScrapeTarget[];
  prometheusFile?: string;
}

export function checkCompose(i: ComposeCheckInput): Finding[] {
  const sink = new FindingSink('docker compose');
  const services = (i.compose?.services ?? {}) as Record<string, Json>;
  if (typeof services !== 'object' || Object.keys(services).length === 0) {
    sink.add(i.file, 'services', 'no services defined');
    return sink.findings;
  }
  const expect = (name: string, host: number, container: number, source: string): void => {
    const svc = services[name];
    if (!svc) {
      sink.add(i.file, `services.${name}`, `not defined; ${source} needs it (${host}:${container})`, `add a service ${name} publishing "${host}:${container}"`);
      return;
    }
    const mappings = parsePorts(svc.ports);
    if (mappings.some((m) => m.host === host && m.container === container)) return;
    const wrong = mappings.find((m) => m.container === container) ?? mappings.find((m) => m.host === host) ?? mappings[0];
    if (wrong) sink.add(i.file, `services.${name}.ports[${wrong.index}]`, `publishes "${wrong.raw}"; ${source} says ${host}:${container}`, `publish "${host}:${container}"`);
    else sink.add(i.file, `services.${name}.ports`, `publishes no port; ${source} says ${host}:${container}`, `publish "${host}:${container}"`);
  };
  for (const name of STACK_CONTAINERS) {
    const c = COMPONENT_PORTS[name];
    expect(c.composeHost, c.port, c.containerPort, `the port plan (harness/plan/port-plan.ts, ${c.description})`);
  }
  for (const s of allServices()) {
    expect(s.name, s.port, s.port, `the catalog (fake-services/catalog.ts: ${s.name} on ${s.port}, container port = host port)`);
    const svc = services[s.name];
    if (!svc) continue;
    const labels = normaliseLabels(svc.labels);
    if (labels['mcp.service_group'] !== s.group) sink.add(i.file, `services.${s.name}.labels["mcp.service_group"]`, `is ${JSON.stringify(labels['mcp.service_group'] ?? null)}; Promtail's service_group label comes from it and the catalog says "${s.group}"`, `set mcp.service_group: ${s.group}`);
  }
  // No host port published twice.
  const byHost = new Map<number, string>();
  for (const [name, svc] of Object.entries(services)) {
    for (const m of parsePorts(svc?.ports)) {
      if (m.host === undefined) continue;
      const other = byHost.get(m.host);
      if (other && other !== name) sink.add(i.file, `services.${name}.ports[${m.index}]`, `host port ${m.host} is also published by ${other}`);
      else byHost.set(m.host, name);
    }
  }
  // Prometheus reaches each Compose service at a port it has.
  for (const t of i.scrapeTargets ?? []) {
    const [host, port] = t.address.split(':');
    const svc = host ? services[host] : undefined;
    if (!svc) continue;
    const have = containerPorts(svc);
    if (have.size && !have.has(Number(port))) sink.add(i.prometheusFile ?? 'prometheus.yml', `scrape_configs[job_name=${t.job}].static_configs[${t.staticIndex}].targets[${t.targetIndex}]`, `scrapes ${t.address}, but Compose service ${host} (${i.file}) has container port(s) ${[...have].join(', ')}`);
  }
  return sink.findings;
}

function normaliseLabels(labels: unknown): Record<string, string> {
  if (Array.isArray(labels)) return Object.fromEntries(labels.map((l) => String(l).split('=')).map(([k, ...v]) => [k!, v.join('=')]));
  if (labels && typeof labels === 'object') return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
  return {};
}
