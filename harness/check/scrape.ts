/**
 * Scrape coverage, statically, on prometheus.yml as written (Compose DNS names): the
 * seed's eight jobs present and unique; every service of the catalog (the coordinator
 * and the 16 MCP services) scraped exactly once, under its group's job, at
 * `<service>:<port>` with the catalog's port, with `service` and `service_group` labels
 * as the catalog says; the infrastructure job covering PostgreSQL, Redis and Qdrant; and
 * every target naming a component of the port plan using that component's container port.
 */
import { allServices } from '../../fake-services/catalog.ts';
import { COMPONENT_PORTS } from '../plan/port-plan.ts';
import { FindingSink, type Finding } from './findings.ts';
import { JOB_OF_GROUP, SEED_INFRASTRUCTURE_SERVICES, requiredScrapeJobs } from './seed.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

export interface ScrapeTarget {
  job: string;
  jobIndex: number;
  staticIndex: number;
  targetIndex: number;
  address: string;
  labels: Record<string, string>;
}

/** Every static target of every job, with its static_config's labels. */
export function scrapeTargets(prom: Json): ScrapeTarget[] {
  const out: ScrapeTarget[] = [];
  ((prom?.scrape_configs ?? []) as Json[]).forEach((j, jobIndex) => {
    ((j?.static_configs ?? []) as Json[]).forEach((sc, staticIndex) => {
      const labels = Object.fromEntries(Object.entries((sc?.labels ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      ((sc?.targets ?? []) as unknown[]).forEach((t, targetIndex) => out.push({ job: String(j?.job_name ?? ''), jobIndex, staticIndex, targetIndex, address: String(t), labels }));
    });
  });
  return out;
}

const jobKey = (job: string) => `scrape_configs[job_name=${job}]`;
const targetKey = (t: ScrapeTarget) => `${jobKey(t.job)}.static_configs[${t.staticIndex}].targets[${t.targetIndex}]`;

/** `storeJob`: the job that scrapes the folder's log store (the seed's `loki`, or `victorialogs`). */
export function checkScrapeConfig(prom: Json, file: string, storeJob = 'loki'): Finding[] {
  const sink = new FindingSink('scrape jobs and targets');
  const jobs = ((prom?.scrape_configs ?? []) as Json[]).map((j) => String(j?.job_name ?? ''));
  const seen = new Set<string>();
  jobs.forEach((j, i) => {
    if (seen.has(j)) sink.add(file, `scrape_configs[${i}].job_name`, `job "${j}" is defined twice (Prometheus refuses duplicate job names)`);
    seen.add(j);
  });
  const required = requiredScrapeJobs(storeJob);
  for (const want of required) if (!jobs.includes(want)) sink.add(file, 'scrape_configs', `the required scrape job "${want}" is missing (the seed lists ${required.join(', ')})`, `add a job_name: ${want}`);

  const targets = scrapeTargets(prom);
  for (const s of allServices()) {
    const job = JOB_OF_GROUP[s.group];
    const what = `${s.name} (service_group ${s.group}, port ${s.port}, fake-services/catalog.ts)`;
    const labelled = targets.filter((t) => t.labels.service === s.name);
    const byAddress = targets.filter((t) => t.address.split(':')[0] === s.name);
    if (labelled.length === 0 && byAddress.length === 0) {
      sink.add(file, `${jobKey(job)}.static_configs`, `${what} is not scraped: no target has service="${s.name}"`, `add a static_config with targets: ['${s.name}:${s.port}'] and labels {service: ${s.name}, service_group: ${s.group}} to job ${job}`);
      continue;
    }
    if (labelled.length === 0) {
      for (const t of byAddress) sink.add(file, `${targetKey(t)}`, `${t.address} is scraped without the label service="${s.name}" (has ${JSON.stringify(t.labels)})`, `add labels {service: ${s.name}, service_group: ${s.group}}`);
      continue;
    }
    if (labelled.length > 1) sink.add(file, targetKey(labelled[1]!), `${s.name} is scraped ${labelled.length} times (${labelled.map((t) => `${t.job}/${t.address}`).join(', ')}): its series would be duplicated`);
    for (const t of labelled) {
      if (t.job !== job) sink.add(file, targetKey(t), `${s.name} is scraped under job "${t.job}"; its group ${s.group} belongs to job "${job}" (the seed's job layout)`);
      if (t.labels.service_group !== s.group) sink.add(file, `${jobKey(t.job)}.static_configs[${t.staticIndex}].labels.service_group`, `${s.name} has service_group=${JSON.stringify(t.labels.service_group ?? null)}, the catalog says "${s.group}"`);
      const [host, port] = t.address.split(':');
      if (host !== s.name || Number(port) !== s.port) sink.add(file, targetKey(t), `${s.name} is scraped at ${t.address}; under Compose it listens at ${s.name}:${s.port}`, `use '${s.name}:${s.port}'`);
    }
  }

  const infra = targets.filter((t) => t.job === 'infrastructure');
  if (jobs.includes('infrastructure')) {
    for (const svc of SEED_INFRASTRUCTURE_SERVICES) {
      if (!infra.some((t) => t.labels.service === svc)) sink.add(file, `${jobKey('infrastructure')}.static_configs`, `no infrastructure target has service="${svc}" (the seed: "infrastructure - PostgreSQL, Redis, Qdrant")`);
    }
  }
  const planByHost = new Map(Object.values(COMPONENT_PORTS).map((c) => [c.composeHost, c]));
  for (const t of targets) {
    const [host, port] = t.address.split(':');
    const c = host ? planByHost.get(host) : undefined;
    if (c && Number(port) !== c.containerPort) sink.add(file, targetKey(t), `${t.address}: ${host} listens on ${c.containerPort} inside its container (harness/plan/port-plan.ts: ${c.description})`, `use '${host}:${c.containerPort}'`);
  }
  return sink.findings;
}
