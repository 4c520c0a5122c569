/**
 * dashboards — the seed's "MCP Orchestration - Overview" proven live. Every panel of
 * the dashboard in the run's rendered config is evaluated against Prometheus and Loki as
 * Grafana would (variables interpolated: service_group = All, $__rate_interval, ...):
 * each returns data on the healthy stack, and each follows a real fault:
 *   Service Health Status  → 0 for a killed service, 1 again after its restart
 *   Error Rate             → rises under injected 5xx (error-ratio fault)
 *   Live Error Logs        → shows the injected errors
 *   Response Time (p95)    → crosses 1 s under injected latency
 *   Infrastructure Metrics → PostgreSQL and Redis connections fall when postgresql-mcp and
 *                            redis-mcp drop their pools (dependency-failure), and recover
 *   MQTT Activity          → rises with a burst of publishes; 0 while mqtt-mcp, which
 *                            exports the broker's counters, is cut off (mqtt-disconnect)
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { step } from '../harness/engine/steps.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { dashboardProvisioning, dashboardVariableOptions, panel, PanelMemory, sumOf, valueOf } from '../harness/engine/dashboard-checks.ts';
import { SERVICES } from '../fake-services/catalog.ts';
import type { TimingModel } from '../harness/engine/timing.ts';

const killed = 'security-mcp';
const erroring = 'terminal-mcp';
const slow = 'git-mcp';
const MCP = SERVICES.map((s) => s.name);
const GROUPS = [...new Set(SERVICES.map((s) => s.group))].sort();
const CORE = SERVICES.filter((s) => s.group === 'core').map((s) => s.name).sort();

export default defineScenario(() => {
  // Per run: this state is created afresh each time the scenario is loaded.
  const mem = new PanelMemory();
  const health = panel('Service Health Status', { refId: 'A' });
  const heartbeat = panel('Service Health Status', { refId: 'B' });
  const postgres = panel('Infrastructure Metrics', { refId: 'A', memory: mem });
  const redis = panel('Infrastructure Metrics', { refId: 'B', memory: mem });
  const mqttReceived = panel('MQTT Activity', { refId: 'A', memory: mem });

  /** Enough time for a panel's (scaled) 5m rate window to reflect a change, plus a scrape. */
  const window = (t: TimingModel) => t.scaled('5m') + 2 * t.scrapeMs + t.slackMs();
  const detect = (t: TimingModel) => t.detectionBoundMs() + t.scrapeMs;

  const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

  return {
    name: 'dashboards',
    title: 'The overview dashboard, live: every panel returns data, and each follows its fault',
    description: 'Reads mcp-overview.json from the run’s rendered config and evaluates each panel target through its datasource as Grafana would, then injects a real fault per panel: a kill, 5xx, latency, dropped PostgreSQL/Redis pools, an MQTT burst and an MQTT disconnect.',
    nominalDuration: '15m',
    steadyState: [configuredTargetsUp()],
    method: [
      step.eventually(dashboardProvisioning(), '10s', 'the rendered dashboard: seven panels, datasources provisioned, every query parses'),
      step.eventually(dashboardVariableOptions('service_group', (o) => sameSet(o, GROUPS), `lists the service groups ${GROUPS.join(', ')}`), detect),

      // Healthy: every panel target returns data, evaluated as Grafana would.
      ...(
        [
          ['Service Health Status', 'A'],
          ['Service Health Status', 'B'],
          ['Request Rate', 'A'],
          ['Response Time (p95)', 'A'],
          ['Error Rate', 'A'],
          ['Infrastructure Metrics', 'A'],
          ['Infrastructure Metrics', 'B'],
          ['MQTT Activity', 'A'],
          ['MQTT Activity', 'B'],
        ] as const
      ).map(([title, refId]) => step.eventually(panel(title, { refId }).returnsData(), window)),
      ...step.requiring(['log-pipeline'], step.eventually(panel('Live Error Logs', { refId: 'A' }).returnsData(), window)),
      step.eventually(health.latest((v) => v.length === 16 && sameSet(v.map((s) => s.labels.service ?? ''), MCP) && v.every((s) => s.value === 1), 'shows all 16 MCP services UP (1)'), detect),
      step.eventually(heartbeat.latest((v, _m, t) => v.length === 16 && v.every((s) => s.value >= 0 && s.value * 1000 < 3 * t.scrapeMs), 'last heartbeat of every service under 3 scrape intervals ago'), detect),
      step.eventually(panel('Request Rate', { variables: { service_group: ['core'] } }).latest((v) => sameSet(v.map((s) => s.labels.service ?? ''), CORE) && v.every((s) => s.value > 0), 'shows exactly the 10 core services, each with traffic'), window),
      step.eventually(postgres.latest((v) => sumOf(v) > 0, 'PostgreSQL connections > 0 (remembered as healthy)', { key: 'pg', value: sumOf }), detect),
      step.eventually(redis.latest((v) => sumOf(v) > 0, 'Redis clients > 0 (remembered as healthy)', { key: 'redis', value: sumOf }), detect),
      step.eventually(mqttReceived.latest((v) => sumOf(v) > 0, 'MQTT received rate > 0 (remembered as healthy)', { key: 'mqtt', value: sumOf }), window),

      // Service Health follows a kill.
      step.kill(killed),
      step.eventually(health.latest((v) => valueOf(v, { service: killed }) === 0 && v.filter((s) => s.labels.service !== killed).every((s) => s.value === 1), `shows ${killed} DOWN (0), the other 15 UP`), (t) => t.detectionBoundMs() + t.slackMs()),
      step.clear(`kill ${killed}`),
      step.eventually(health.latest((v) => v.length === 16 && v.every((s) => s.value === 1), `shows ${killed} UP again`), (t) => t.detectionBoundMs() + t.slackMs()),

      // Error Rate and Live Error Logs follow injected 5xx.
      step.load(erroring, 10),
      step.serviceFault(erroring, { kind: 'error-ratio', ratio: 0.5, status: 500, spread: true }, 'errors 50%'),
      step.eventually(panel('Error Rate').latest((v) => valueOf(v, { service: erroring }) > 1, `rises above 1 error/s for ${erroring} (50 % of 10 req/s)`), window),
      ...step.requiring(['log-pipeline'], step.eventually(panel('Live Error Logs').logs((lines) => lines.filter((l) => l.labels.service === erroring && l.line.includes('(error-ratio fault)')).length >= 5, `shows the injected errors of ${erroring} ("… (error-ratio fault)")`), window)),
      step.clear('errors 50%'),
      step.stopLoad(erroring),

      // Response Time (p95) follows injected latency.
      step.load(slow, 5),
      step.serviceFault(slow, { kind: 'latency', ms: 1500 }, 'latency 1500ms'),
      step.eventually(panel('Response Time (p95)').latest((v) => valueOf(v, { service: slow, path: '/mcp' }) > 1, `crosses 1 s for ${slow} /mcp`), window),
      step.clear('latency 1500ms'),
      step.stopLoad(slow),

      // Infrastructure Metrics follow real PostgreSQL and Redis connections.
      step.serviceFault('postgresql-mcp', { kind: 'dependency-failure' }, 'pg pool dropped'),
      step.serviceFault('redis-mcp', { kind: 'dependency-failure' }, 'redis pool dropped'),
      step.eventually(postgres.latest((v, m) => sumOf(v) < m.get('pg'), 'PostgreSQL connections fall below the healthy value (postgresql-mcp pool dropped)'), detect),
      step.eventually(redis.latest((v, m) => sumOf(v) < m.get('redis'), 'Redis clients fall below the healthy value (redis-mcp pool dropped)'), detect),
      step.clear('pg pool dropped'),
      step.clear('redis pool dropped'),
      step.eventually(postgres.latest((v, m) => sumOf(v) >= m.get('pg'), 'PostgreSQL connections recover to the healthy value'), detect),
      step.eventually(redis.latest((v, m) => sumOf(v) >= m.get('redis'), 'Redis clients recover to the healthy value'), detect),

      // MQTT Activity follows MQTT traffic.
      step.mqttBurst(400, 'mqtt burst'),
      step.eventually(mqttReceived.latest((v, m) => sumOf(v) > Math.max(100, 3 * m.get('mqtt')), 'received rate rises above 3× its healthy value during the burst'), window),
      step.clear('mqtt burst'),
      step.serviceFault('mqtt-mcp', { kind: 'mqtt-disconnect' }, 'mqtt disconnect'),
      step.eventually(mqttReceived.latest((v) => v.length > 0 && v.every((s) => s.value === 0), 'drops to 0 while mqtt-mcp (the exporter of the broker counters) is disconnected'), window),
      step.clear('mqtt disconnect'),
      step.eventually(mqttReceived.latest((v) => sumOf(v) > 0, 'recovers once mqtt-mcp is reconnected'), window),
    ],
    rollbacks: [
      // Leave the stack as found: the injected errors and latency leave the rate windows, the alerts they raised resolve.
      step.eventually(noAlertsExcept([]), (t) => t.scaled('5m') + t.alert('HighErrorRate').forMs + 2 * t.evaluationMs + t.slackMs(), 'every alert the faults raised has resolved (their rate windows drained)'),
    ],
    // The faults are real, so the rules see them: a kill of more than ServiceDown's for, 5xx
    // (also relayed by the coordinator, and from the dropped pools), 1.5 s latency.
    expectedAlerts: [{ alertname: 'ServiceDown', labels: { service: killed } }, { alertname: 'HighErrorRate' }, { alertname: 'HighLatency', labels: { service: slow } }],
  };
});
