/**
 * baseline — a healthy stack under background traffic. Every target up, every metric
 * the seed lists present for every service, and no alert pending or firing through
 * the window. Every other scenario assumes this holds.
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp, seedJobsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept, promql } from '../harness/engine/checks.ts';

const MCP = 'job=~"mcp-.*"';

export default defineScenario({
  name: 'baseline',
  title: 'Healthy stack: every target up, every expected metric present, nothing alerts',
  description: 'Background traffic only. Proves the scrape config reaches all 16 MCP services, the coordinator and the infrastructure exporters, that each service exposes the metrics the seed lists, and that the alert rules stay quiet on a healthy platform.',
  nominalDuration: '6m',
  steadyState: [configuredTargetsUp()],
  method: [
    step.eventually(promql(`count(up{${MCP}} == 1)`).equals(16), (t) => t.detectionBoundMs(), 'all 16 MCP services up'),
    step.eventually(promql('up{job="zen-coordinator"}').equals(1), (t) => t.detectionBoundMs(), 'zen-coordinator up'),
    step.eventually(seedJobsUp(), (t) => t.detectionBoundMs(), "self-monitoring targets up: the seed's jobs, the log store's included unless it is absent"),
    step.eventually(promql('count(up{job="infrastructure"} == 1)').equals(3), (t) => t.detectionBoundMs(), 'infrastructure targets up: PostgreSQL, Redis and Qdrant (3)'),
    step.eventually(promql(`count(count by (service) (process_resident_memory_bytes{${MCP}}))`).equals(16), (t) => t.detectionBoundMs(), 'process_resident_memory_bytes for every service'),
    step.eventually(promql(`count(count by (service) (process_cpu_seconds_total{${MCP}}))`).equals(16), (t) => t.detectionBoundMs(), 'process_cpu_seconds_total for every service'),
    step.eventually(promql(`count(count by (service) (http_requests_total{${MCP}, path="/mcp"}))`).equals(16), (t) => t.detectionBoundMs() + t.scrapeMs, 'http_requests_total for /mcp on every service'),
    step.eventually(promql(`count(count by (service) (http_requests_created{${MCP}}))`).equals(16), (t) => t.detectionBoundMs() + t.scrapeMs, 'http_requests_created for every service'),
    step.eventually(promql(`count(count by (service) (http_request_duration_seconds_bucket{${MCP}, le="+Inf"}))`).equals(16), (t) => t.detectionBoundMs() + t.scrapeMs, 'http_request_duration_seconds histogram for every service'),
    step.eventually(promql('pg_stat_activity_count').nonEmpty(), (t) => t.detectionBoundMs(), 'pg_stat_activity_count from postgres_exporter'),
    step.eventually(promql('redis_connected_clients').nonEmpty(), (t) => t.detectionBoundMs(), 'redis_connected_clients from redis_exporter'),
    step.eventually(promql('mqtt_messages_received_total').nonEmpty(), (t) => t.detectionBoundMs() + t.scrapeMs, 'mqtt_messages_received_total from mqtt-mcp'),
    step.eventually(promql('mqtt_messages_sent_total').nonEmpty(), (t) => t.detectionBoundMs() + t.scrapeMs, 'mqtt_messages_sent_total from mqtt-mcp'),
    step.eventually(promql(`sum(rate(http_requests_total{${MCP}, path="/mcp"}[5m]))`).above(0), (t) => t.detectionBoundMs() + 2 * t.scrapeMs, 'traffic visible as a request rate'),
    step.always(noAlertsExcept([]), '5m', 'no alert pending or firing through the window'),
  ],
  rollbacks: [],
  expectedAlerts: [],
});
