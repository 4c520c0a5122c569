/**
 * The port plan of the stack: where each component listens natively (127.0.0.1) and
 * how the bundled monitoring/ config names it under Docker Compose.
 *
 * The seed fixes Prometheus 7028, Grafana 7031, Loki 7032, Alertmanager 7033 and the MCP
 * services in 7001-7026 (fake-services/catalog.ts). The rest is ours, chosen to sit just
 * above the seed's range so that one `--port-offset` moves a whole stack.
 */

export type ComponentName =
  | 'prometheus'
  | 'alertmanager'
  | 'loki'
  | 'promtail'
  | 'victorialogs'
  | 'otelcol'
  | 'grafana'
  | 'mosquitto'
  | 'postgres'
  | 'redis'
  | 'postgres-exporter'
  | 'redis-exporter'
  | 'alert-receiver'
  | 'harness-control'
  | 'capacity-targets';

export interface ComponentPort {
  /** Host port on 127.0.0.1, before the offset. */
  port: number;
  /** Compose service (DNS) name the bundled config uses for it. */
  composeHost: string;
  /** Port inside its container under Compose. */
  containerPort: number;
  /** Extra ports the component needs (gRPC and the like), before the offset. */
  extra?: Record<string, number>;
  description: string;
}

export const COMPONENT_PORTS: Record<ComponentName, ComponentPort> = {
  prometheus: { port: 7028, composeHost: 'prometheus', containerPort: 9090, description: 'Prometheus (metrics DB, rule evaluation)' },
  grafana: { port: 7031, composeHost: 'grafana', containerPort: 3000, description: 'Grafana (dashboards)' },
  loki: { port: 7032, composeHost: 'loki', containerPort: 3100, extra: { grpc: 7041 }, description: 'Loki (logs DB)' },
  alertmanager: { port: 7033, composeHost: 'alertmanager', containerPort: 9093, description: 'Alertmanager' },
  promtail: { port: 7034, composeHost: 'promtail', containerPort: 9080, extra: { grpc: 7042 }, description: 'Promtail (log collection)' },
  mosquitto: { port: 7035, composeHost: 'mosquitto', containerPort: 1883, description: 'Mosquitto MQTT broker' },
  postgres: { port: 7036, composeHost: 'postgres', containerPort: 5432, description: 'PostgreSQL' },
  redis: { port: 7037, composeHost: 'redis', containerPort: 6379, description: 'Redis' },
  'postgres-exporter': { port: 7038, composeHost: 'postgres-exporter', containerPort: 9187, description: 'postgres_exporter' },
  'redis-exporter': { port: 7039, composeHost: 'redis-exporter', containerPort: 9121, description: 'redis_exporter' },
  'alert-receiver': { port: 7040, composeHost: 'alert-receiver', containerPort: 9095, description: "The harness's Alertmanager webhook receiver" },
  victorialogs: { port: 7044, composeHost: 'victorialogs', containerPort: 9428, description: 'VictoriaLogs (logs DB; the permissive stack)' },
  otelcol: { port: 7045, composeHost: 'otelcol', containerPort: 8888, description: "OpenTelemetry Collector (log shipping; its own metrics on this port)" },
  'capacity-targets': { port: 7046, composeHost: 'capacity-targets', containerPort: 7046, description: 'Virtual scrape targets, only while `capacity --target monitoring` grows the stack' },
  'harness-control': { port: 7043, composeHost: 'harness-control', containerPort: 7043, description: "A running stack's control port, for `scenario --reuse`" },
};

export function componentPort(name: ComponentName, offset = 0): number {
  return COMPONENT_PORTS[name].port + offset;
}
