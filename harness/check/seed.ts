/**
 * The promises of the seed (monitoring-stack.md) that the static checks and the live
 * scenarios hold the monitoring folder to, written out from the seed's text.
 */
import type { ServiceGroup } from '../../fake-services/catalog.ts';
import type { ComponentName } from '../plan/port-plan.ts';
import { SEED_SPEC } from '../spec/promise-spec.ts';

/** "Scrape jobs", in the seed's order. */
export const SEED_SCRAPE_JOBS: readonly string[] = SEED_SPEC.scrape.jobs;

/** The seed's jobs for a folder whose log store is scraped as `storeJob` ("Loki self-monitoring" becomes the store's). */
export function requiredScrapeJobs(storeJob: string): string[] {
  return SEED_SCRAPE_JOBS.map((j) => (j === 'loki' ? storeJob : j));
}

/** The job each service group is scraped under ("mcp-core-services - 10 core services", ...). */
export const JOB_OF_GROUP: Record<ServiceGroup, string> = {
  coordinator: 'zen-coordinator',
  core: 'mcp-core-services',
  ai: 'mcp-ai-services',
  'db-wrappers': 'mcp-db-wrappers',
  messaging: 'mcp-mqtt',
};

/** The jobs whose targets are the platform's own services: the coordinator and the MCP groups (mcp-*). */
export const isMcpJob = (job: string | undefined): boolean => job === 'zen-coordinator' || (job?.startsWith('mcp-') ?? false);

/** "infrastructure - PostgreSQL, Redis, Qdrant": the `service` label of each of its targets. */
export const SEED_INFRASTRUCTURE_SERVICES = ['postgresql', 'redis', 'qdrant'] as const;

/** "MCP Orchestration - Overview": the seven panels, in order. */
export const SEED_PANELS: readonly string[] = SEED_SPEC.dashboard.panels;

/** "Prometheus Query Examples", verbatim. The last returns data only while a service is down. */
export const SEED_PROMQL_EXAMPLES = {
  requestRate: 'rate(http_requests_total[5m])',
  p99Filesystem: 'histogram_quantile(0.99, rate(http_request_duration_seconds_bucket{service="filesystem-mcp"}[5m]))',
  errorRatePercent: '(sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))) * 100',
  memoryByService: 'sum(process_resident_memory_bytes) by (service)',
  servicesDown: 'up{job=~"mcp-.*"} == 0',
} as const;

/** "Retention: 7 days (168 hours)" (Loki); the promise itself is spec.yml's retention.logs. */
export const SEED_LOKI_RETENTION = '168h';


/**
 * The containers of the monitoring stack under Compose (the seed's Prometheus, Grafana,
 * Loki, Promtail, Alertmanager, and the infrastructure they watch). The port plan also has
 * the harness's own listeners (its webhook receiver, its control port): not containers.
 */
export const STACK_CONTAINERS: ComponentName[] = ['prometheus', 'grafana', 'loki', 'alertmanager', 'promtail', 'mosquitto', 'postgres', 'redis', 'postgres-exporter', 'redis-exporter'];
