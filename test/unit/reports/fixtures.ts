/**
 * Synthetic but realistic event streams for the reporters: a nightly run at time scale
 * 0.1 with one passing scenario (high-error-rate: HighErrorRate fires, a notification
 * arrives, it resolves) and one failing one (service-down: filesystem-mcp is killed,
 * ServiceDown goes pending but never fires). They carry evidence series (instant and
 * range), a 21-series assertion, LogQL lines, alert transitions, config changes (some
 * with secrets that must never be printed), and log tails with markup and escapes.
 */
import type { AlertTransition, AssertionRecord, RunEvent, RunInfo } from '../../../harness/events/run-events.ts';
import type { Reporter } from '../../../harness/events/event-bus.ts';
import type { EvidenceObservation, ObservedSeries } from '../../../assertions/evidence.ts';
import type { ReceivedNotification } from '../../../harness/events/notification.ts';

export const T0 = Date.UTC(2025, 4, 12, 2, 0, 0);
/** ISO time `sec` seconds after T0. */
export const t = (sec: number): string => new Date(T0 + Math.round(sec * 1000)).toISOString();

/** Strings that appear in the input as secrets and must appear in no output. */
export const SECRETS = ['hunter2-grafana', 'topsecret-basic', 'sk-live-abcdef123456', 'pa55w0rd-in-url'];

export const ERROR_RATIO_QUERY =
  'sum by (service) (rate(mcp_requests_total{status=~"5..",service="terminal-mcp"}[30s])) / sum by (service) (rate(mcp_requests_total{service="terminal-mcp"}[30s])) > 0.05';
export const SERVICE_DOWN_QUERY = 'ALERTS{alertname="ServiceDown",service="filesystem-mcp",alertstate="firing"}';
export const LOG_QUERY = '{service="filesystem-mcp"} |= "level=error" | logfmt';
export const XSS_LINE = 'level=error msg="<script>alert(\'x\')</script> & <b>bold</b>"';

export const SERVICES = [
  'filesystem-mcp', 'terminal-mcp', 'browser-mcp', 'git-mcp', 'postgres-mcp', 'redis-mcp', 'search-mcp', 'slack-mcp',
  'github-mcp', 'memory-mcp', 'fetch-mcp', 'time-mcp', 'weather-mcp', 'calendar-mcp', 'email-mcp', 'docs-mcp',
  'jira-mcp', 'sentry-mcp', 'notion-mcp', 'figma-mcp',
];

export function runInfo(scenarios: string[], runId = 'nightly-2025-05-12'): RunInfo {
  return {
    runId,
    runDir: `/tmp/runs/${runId}`,
    scenarios,
    seed: 42,
    timeScale: 0.1,
    monitoringDir: '/work/main/monitoring',
    startedAt: t(0),
    components: [
      { name: 'prometheus', version: '3.16.0', url: 'http://127.0.0.1:7030', pid: 4101 },
      { name: 'alertmanager', version: '0.34.2', url: 'http://127.0.0.1:7033', pid: 4102 },
      { name: 'loki', version: '3.6.8', url: 'http://127.0.0.1:7031', pid: 4103 },
      { name: 'promtail', version: '3.6.8', pid: 4104 },
      { name: 'grafana', version: '12.2.1', url: 'http://127.0.0.1:7034', pid: 4105 },
    ],
    configChanges: [
      { file: 'prometheus/prometheus.yml', key: 'global.scrape_interval', from: '15s', to: '1500ms', reason: 'time scale 0.1', kind: 'harness-plumbing' },
      { file: 'prometheus/prometheus.yml', key: 'scrape_configs[2].static_configs[0].targets[0]', from: 'filesystem-mcp:8080', to: '127.0.0.1:7101', reason: 'Compose DNS name → loopback port of the native service', kind: 'harness-plumbing' },
      { file: 'prometheus/alerts.yml', key: 'groups[0].rules[0].for', from: '1m', to: '6s', reason: 'time scale 0.1', kind: 'harness-plumbing' },
      { file: 'alertmanager/config.yml', key: 'route.group_wait', from: '30s', to: '3s', reason: 'time scale 0.1', kind: 'harness-plumbing' },
      { file: 'alertmanager/config.yml', key: 'receivers[0].webhook_configs[0].url', from: 'http://ops:pa55w0rd-in-url@hooks.internal/alert', to: 'http://127.0.0.1:7040/alerts', reason: 'every receiver → the harness webhook receiver', kind: 'harness-plumbing' },
      { file: 'grafana/provisioning/datasources/datasources.yml', key: 'datasources[0].secureJsonData.password', from: 'hunter2-grafana', to: 'hunter2-grafana-2', reason: 'test credential', kind: 'harness-plumbing' },
      { file: 'prometheus/prometheus.yml', key: 'scrape_configs[5].basic_auth', from: { username: 'admin', password: 'topsecret-basic' }, to: undefined, reason: 'basic auth dropped for the loopback target', kind: 'harness-plumbing' },
    ],
    configWarnings: ['promtail: docker_sd_configs replaced by file discovery of the fake services\' logs'],
    timing: {
      scale: 0.1,
      scrapeInterval: '1500ms',
      evaluationInterval: '1500ms',
      alerts: { ServiceDown: { for: '6000ms', evaluation: '1500ms' }, HighErrorRate: { for: '12000ms', evaluation: '1500ms' } },
      alertmanager: { groupWait: '3000ms', apiKey: 'sk-live-abcdef123456' },
    },
  };
}

function obs(at: number, ok: boolean, series?: ObservedSeries[], extra: Partial<EvidenceObservation> = {}): EvidenceObservation {
  return { at: t(at), ok, ...(series ? { series } : {}), ...extra };
}

function assertion(a: Omit<AssertionRecord, 'evidence'> & { evidence: Omit<AssertionRecord['evidence'], 'evaluatedAt' | 'verdict'> }): AssertionRecord {
  return { ...a, evidence: { ...a.evidence, evaluatedAt: a.evidence.observed.map((o) => o.at), verdict: a.verdict } };
}

const range = (from: number, to: number, step: number): number[] => {
  const out: number[] = [];
  for (let x = from; x <= to + 1e-9; x += step) out.push(Math.round(x * 10) / 10);
  return out;
};

const transition = (alertname: string, labels: Record<string, string>, state: AlertTransition['state'], at: number): RunEvent => ({
  type: 'alert-transition',
  scenario: alertname === 'ServiceDown' ? 'service-down' : 'high-error-rate',
  transition: { alertname, labels: { alertname, ...labels }, state, at: t(at) },
});

function notification(status: 'firing' | 'resolved', at: number): ReceivedNotification {
  const labels = { alertname: 'HighErrorRate', service: 'terminal-mcp', severity: 'warning' };
  return {
    receivedAt: t(at),
    payload: {
      receiver: 'harness-webhook',
      status,
      groupLabels: { alertname: 'HighErrorRate' },
      commonLabels: labels,
      commonAnnotations: { summary: 'terminal-mcp error ratio above 5%' },
      alerts: [
        {
          status,
          labels,
          annotations: { summary: 'terminal-mcp error ratio above 5%', description: 'Error ratio is 6.1% (threshold 5%) for service "terminal-mcp" <see runbook>' },
          startsAt: t(50),
          endsAt: status === 'resolved' ? t(80) : '0001-01-01T00:00:00Z',
          fingerprint: 'a1b2c3d4e5f60718',
        },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------
// high-error-rate: passes

export function highErrorRateEvents(): RunEvent[] {
  const S = 'high-error-rate';
  const ratio = (x: number): number => 0.06 + 0.004 * Math.sin(x / 3);
  const holds = assertion({
    id: 'x2',
    phase: 'method',
    title: 'terminal-mcp error ratio stays above 5% while the fault is active',
    kind: 'holdsFor',
    verdict: 'pass',
    message: 'held for 10s (needed 10s)',
    startedAt: t(22),
    endedAt: t(36),
    evidence: {
      query: ERROR_RATIO_QUERY,
      language: 'promql',
      expectation: 'holds for 10s within 30s (poll 1s): > 0.05 (every series)',
      windowStart: t(22),
      windowEnd: t(36),
      reason: 'held from 02:00:25 to 02:00:35',
      observed: range(22, 36, 1).map((x) => (x < 25 ? obs(x, false, []) : obs(x, true, [{ labels: { service: 'terminal-mcp' }, value: ratio(x) }]))),
    },
  });
  const firing = assertion({
    id: 'x3',
    phase: 'method',
    title: 'HighErrorRate fires for terminal-mcp',
    kind: 'eventually',
    verdict: 'pass',
    message: 'firing after 30s (bound 42s)',
    startedAt: t(20),
    endedAt: t(50),
    timing: { detectionMs: 30_000, theoreticalBoundMs: 42_000, ruleFor: '12s' },
    evidence: {
      query: 'ALERTS{alertname="HighErrorRate",service="terminal-mcp",alertstate="firing"}',
      language: 'promql',
      expectation: 'eventually within 1m (poll 2s): HighErrorRate firing',
      windowStart: t(20),
      windowEnd: t(80),
      reason: 'firing at 02:00:50',
      observed: range(20, 50, 2).map((x) =>
        x < 50 ? obs(x, false, []) : obs(x, true, [{ labels: { __name__: 'ALERTS', alertname: 'HighErrorRate', alertstate: 'firing', service: 'terminal-mcp', severity: 'warning' }, value: 1 }]),
      ),
    },
  });
  const others = assertion({
    id: 'x4',
    phase: 'method',
    title: 'other services keep an error ratio below 1%',
    kind: 'never',
    verdict: 'pass',
    message: 'never above 0.01 during 30s',
    startedAt: t(50),
    endedAt: t(80),
    evidence: {
      query: 'sum by (service) (rate(mcp_requests_total{status=~"5..",service!="terminal-mcp"}[30s])) / sum by (service) (rate(mcp_requests_total{service!="terminal-mcp"}[30s]))',
      language: 'promql',
      expectation: 'never during 30s (poll 5s): > 0.01 (any series)',
      windowStart: t(50),
      windowEnd: t(80),
      observed: range(50, 80, 5).map((x) =>
        obs(
          x,
          true,
          ['browser-mcp', 'git-mcp', 'postgres-mcp', 'redis-mcp', 'search-mcp'].map((service, i) => ({
            labels: { service },
            values: range(Math.max(20, x - 30), x, 1.5).map((y): [string, number | string] => [t(y), i === 4 && y > 60 && y < 63 ? 'NaN' : 0.001 * (i + 1) + 0.0005 * Math.cos(y / 4 + i)]),
          })),
        ),
      ),
    },
  });
  return [
    { type: 'scenario-begin', scenario: S, title: 'High error rate fires HighErrorRate', description: 'Inject a 6% error ratio on terminal-mcp; HighErrorRate must fire, notify, and resolve after the fault is cleared.', at: t(1) },
    { type: 'phase', scenario: S, phase: 'steady-state-before', at: t(1) },
    { type: 'progress', scenario: S, message: 'waiting for: steady state: every target is up', until: t(31), at: t(1) },
    { type: 'assertion', scenario: S, assertion: assertion({ id: 'x1', phase: 'steady-state-before', title: 'steady state: every target is up', kind: 'eventually', verdict: 'pass', message: 'satisfied at first evaluation', startedAt: t(1), endedAt: t(2), evidence: { query: 'up == 0', language: 'promql', expectation: 'eventually within 30s (poll 1s): returns no series', observed: [obs(2, true, [])] } }) },
    { type: 'phase', scenario: S, phase: 'method', at: t(20) },
    { type: 'action-begin', scenario: S, action: { id: 'a1', phase: 'method', title: 'fault error-ratio 0.06 on terminal-mcp', kind: 'fault', target: 'terminal-mcp', params: { ratio: 0.06, token: 'sk-live-abcdef123456' }, startedAt: t(20) } },
    { type: 'action-end', scenario: S, action: { id: 'a1', phase: 'method', title: 'fault error-ratio 0.06 on terminal-mcp', kind: 'fault', target: 'terminal-mcp', params: { ratio: 0.06, token: 'sk-live-abcdef123456' }, startedAt: t(20), endedAt: t(20.3) } },
    { type: 'progress', scenario: S, message: 'waiting for: HighErrorRate fires for terminal-mcp', waitingFor: 'HighErrorRate firing', until: t(80), at: t(20.3) },
    { type: 'assertion', scenario: S, assertion: holds },
    transition('HighErrorRate', { service: 'terminal-mcp', severity: 'warning' }, 'pending', 38),
    transition('HighErrorRate', { service: 'terminal-mcp', severity: 'warning' }, 'firing', 50),
    { type: 'assertion', scenario: S, assertion: firing },
    { type: 'notification', scenario: S, notification: notification('firing', 55) },
    { type: 'assertion', scenario: S, assertion: others },
    { type: 'phase', scenario: S, phase: 'rollback', at: t(80) },
    { type: 'action-begin', scenario: S, action: { id: 'a2', phase: 'rollback', title: 'clear error-ratio on terminal-mcp', kind: 'clear', target: 'terminal-mcp', startedAt: t(80) } },
    { type: 'action-end', scenario: S, action: { id: 'a2', phase: 'rollback', title: 'clear error-ratio on terminal-mcp', kind: 'clear', target: 'terminal-mcp', startedAt: t(80), endedAt: t(80.2) } },
    transition('HighErrorRate', { service: 'terminal-mcp', severity: 'warning' }, 'inactive', 84),
    { type: 'notification', scenario: S, notification: notification('resolved', 86) },
    { type: 'phase', scenario: S, phase: 'steady-state-after', at: t(86) },
    { type: 'assertion', scenario: S, assertion: assertion({ id: 'x5', phase: 'steady-state-after', title: 'HighErrorRate resolves', kind: 'eventually', verdict: 'pass', message: 'resolved at 02:01:24', startedAt: t(80), endedAt: t(86), evidence: { query: 'ALERTS{alertname="HighErrorRate"}', language: 'promql', expectation: 'eventually within 1m (poll 2s): returns no series', windowStart: t(80), windowEnd: t(140), observed: range(80, 86, 2).map((x) => (x < 84 ? obs(x, false, [{ labels: { __name__: 'ALERTS', alertname: 'HighErrorRate', alertstate: 'firing', service: 'terminal-mcp' }, value: 1 }]) : obs(x, true, []))) } }) },
    { type: 'scenario-end', scenario: S, verdict: 'pass', at: t(90), durationMs: 89_000, faultWindows: [{ label: 'error-ratio 0.06 on terminal-mcp', start: t(20.3), end: t(80.2) }] },
  ];
}

// ---------------------------------------------------------------------------------------
// service-down: fails (ServiceDown never fires)

export function serviceDownEvents(offset = 100): RunEvent[] {
  const S = 'service-down';
  const o = (x: number): number => x + offset;
  const upSeries = (x: number, downAfter?: number): ObservedSeries[] =>
    ['filesystem-mcp', ...SERVICES.slice(1)].concat(['prometheus']).map((service, i) => ({
      labels: { __name__: 'up', job: service === 'prometheus' ? 'prometheus' : 'mcp-services', instance: `127.0.0.1:${7100 + i}`, service },
      value: service === 'filesystem-mcp' && downAfter !== undefined && x >= downAfter ? 0 : 1,
    }));
  const pendingSeries: ObservedSeries[] = [{ labels: { __name__: 'ALERTS', alertname: 'ServiceDown', alertstate: 'pending', service: 'filesystem-mcp', severity: 'critical' }, value: 1 }];
  const steady = assertion({
    id: 'y1',
    phase: 'steady-state-before',
    title: 'steady state: every target is up',
    kind: 'eventually',
    verdict: 'pass',
    message: 'every target up',
    startedAt: t(o(1)),
    endedAt: t(o(10)),
    evidence: { query: 'up', language: 'promql', expectation: 'eventually within 30s (poll 1s): == 1 (every series, at least one)', windowStart: t(o(1)), windowEnd: t(o(10)), observed: range(o(1), o(10), 1).map((x) => obs(x, true, upSeries(x))) },
  });
  const upDrops = assertion({
    id: 'y2',
    phase: 'method',
    title: 'up{service="filesystem-mcp"} drops to 0',
    kind: 'eventually',
    verdict: 'pass',
    message: 'observed 0 after 3s',
    startedAt: t(o(20)),
    endedAt: t(o(24)),
    evidence: {
      query: 'up{service="filesystem-mcp"}',
      language: 'promql',
      expectation: 'eventually within 15s (poll 1s): == 0 (every series, at least one)',
      windowStart: t(o(20)),
      windowEnd: t(o(24)),
      observed: [
        obs(o(24), true, [{ labels: { __name__: 'up', instance: '127.0.0.1:7100', job: 'mcp-services', service: 'filesystem-mcp' }, values: range(o(5), o(24), 1.5).map((y): [string, number] => [t(y), y < o(22) ? 1 : 0]) }]),
      ],
    },
  });
  const fires = assertion({
    id: 'y3',
    phase: 'method',
    title: 'ServiceDown fires for filesystem-mcp',
    kind: 'eventually',
    verdict: 'fail',
    message: 'expected eventually within 1m (poll 2s): ServiceDown firing; never firing within 1m (ALERTS showed pending twice, the alert reset); last observed: "empty result"',
    startedAt: t(o(24)),
    endedAt: t(o(84)),
    timing: { theoreticalBoundMs: 36_000, detectionMs: 'never' },
    evidence: {
      query: SERVICE_DOWN_QUERY,
      language: 'promql',
      expectation: 'eventually within 1m (poll 2s): ServiceDown firing',
      windowStart: t(o(24)),
      windowEnd: t(o(84)),
      reason: 'never firing within 1m: ALERTS showed pending from 02:02:15 and 02:02:35, then reset',
      observed: range(o(24), o(84), 2).map((x) =>
        x === o(70) ? obs(x, false, undefined, { error: 'HTTP 503 from Prometheus /api/v1/query: service unavailable' }) : (x >= o(35) && x < o(48)) || (x >= o(55) && x < o(66)) ? obs(x, false, pendingSeries) : obs(x, false, []),
      ),
    },
  });
  const logs = assertion({
    id: 'y4',
    phase: 'method',
    title: 'the crash is logged in Loki',
    kind: 'eventually',
    verdict: 'pass',
    message: '3 lines',
    startedAt: t(o(24)),
    endedAt: t(o(30)),
    evidence: {
      query: LOG_QUERY,
      language: 'logql',
      expectation: 'eventually within 30s (poll 2s): at least one line',
      observed: [
        obs(o(30), true, [
          {
            labels: { service: 'filesystem-mcp', job: 'mcp-services' },
            lines: [
              [t(o(21.5)), 'level=error msg="connection refused" upstream=127.0.0.1:7101'],
              [t(o(22.0)), XSS_LINE],
              [t(o(22.4)), 'level=error msg="retry failed" password=hunter2-grafana attempt=3'],
            ],
          },
        ]),
      ],
    },
  });
  const svc = { service: 'filesystem-mcp', severity: 'critical' };
  return [
    { type: 'scenario-begin', scenario: S, title: 'Service down fires ServiceDown', description: 'Kill filesystem-mcp; up must drop to 0 and ServiceDown must fire within its bound, then resolve after restart.', at: t(o(0)) },
    { type: 'phase', scenario: S, phase: 'steady-state-before', at: t(o(0)) },
    { type: 'assertion', scenario: S, assertion: steady },
    { type: 'phase', scenario: S, phase: 'method', at: t(o(20)) },
    { type: 'action-begin', scenario: S, action: { id: 'b1', phase: 'method', title: 'kill filesystem-mcp', kind: 'kill', target: 'filesystem-mcp', params: { signal: 'SIGKILL' }, startedAt: t(o(20)) } },
    { type: 'action-end', scenario: S, action: { id: 'b1', phase: 'method', title: 'kill filesystem-mcp', kind: 'kill', target: 'filesystem-mcp', params: { signal: 'SIGKILL' }, startedAt: t(o(20)), endedAt: t(o(20.4)) } },
    { type: 'assertion', scenario: S, assertion: upDrops },
    { type: 'progress', scenario: S, message: 'waiting for: ServiceDown fires for filesystem-mcp', waitingFor: 'ServiceDown firing', until: t(o(84)), at: t(o(24)) },
    { type: 'assertion', scenario: S, assertion: logs },
    transition('ServiceDown', svc, 'pending', o(35)),
    transition('ServiceDown', svc, 'inactive', o(48)),
    transition('ServiceDown', svc, 'pending', o(55)),
    transition('ServiceDown', svc, 'inactive', o(66)),
    { type: 'assertion', scenario: S, assertion: fires },
    { type: 'phase', scenario: S, phase: 'rollback', at: t(o(84)) },
    { type: 'action-begin', scenario: S, action: { id: 'b2', phase: 'rollback', title: 'restart filesystem-mcp', kind: 'restart', target: 'filesystem-mcp', startedAt: t(o(84)) } },
    { type: 'action-end', scenario: S, action: { id: 'b2', phase: 'rollback', title: 'restart filesystem-mcp', kind: 'restart', target: 'filesystem-mcp', startedAt: t(o(84)), endedAt: t(o(86)) } },
    {
      type: 'scenario-end',
      scenario: S,
      verdict: 'fail',
      at: t(o(90)),
      durationMs: 90_000,
      faultWindows: [{ label: 'filesystem-mcp killed', start: t(o(20.4)), end: t(o(86)) }],
      logTails: {
        prometheus: 'ts=2025-05-12T02:02:21Z level=warn component="scrape manager" msg="Scrape failed" target=http://127.0.0.1:7101/metrics err="connection refused"\nts=2025-05-12T02:02:44Z level=info component="rule manager" msg="<ServiceDown> reset: series flapped"\n',
        alertmanager: 'ts=2025-05-12T02:02:00Z level=info msg="Completed loading of configuration file"\n',
        'filesystem-mcp': '\u001b[31mERROR\u001b[0m killed by harness (SIGKILL) & exiting <now>\nAuthorization: Bearer sk-live-abcdef123456\n',
      },
    },
  ];
}

function wrap(name: string[], inner: RunEvent[], verdict: 'pass' | 'fail' | 'error', end: number, runId?: string): RunEvent[] {
  return [
    { type: 'run-begin', run: runInfo(name, runId) },
    ...inner,
    { type: 'run-end', verdict, at: t(end), durationMs: end * 1000, runDir: `/tmp/runs/${runId ?? 'nightly-2025-05-12'}` },
  ];
}

/** A run of the passing scenario alone. */
export const passingRun = (): RunEvent[] => wrap(['high-error-rate'], highErrorRateEvents(), 'pass', 92, 'nightly-pass');
/** A run of the failing scenario alone. */
export const failingRun = (): RunEvent[] => wrap(['service-down'], serviceDownEvents(0), 'fail', 92, 'nightly-fail');
/** Both scenarios in one run. */
export const combinedRun = (): RunEvent[] => wrap(['high-error-rate', 'service-down'], [...highErrorRateEvents(), ...serviceDownEvents(100)], 'fail', 192);

/** Feed events to a reporter and finish it. */
export async function feed(reporter: Reporter, events: readonly RunEvent[]): Promise<void> {
  for (const e of events) reporter.onEvent(e);
  await reporter.finish?.();
}

/** `n` range series with distinct `service` labels (and shared job/instance-ish labels) for chart tests. */
export function manySeries(n: number): { labels: Record<string, string>; points: { t: number; v: number | null }[] }[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: { __name__: 'mcp_request_duration_seconds', job: 'mcp-services', quantile: '0.99', service: SERVICES[i % SERVICES.length]! + (i >= SERVICES.length ? `-${i}` : '') },
    points: Array.from({ length: 60 }, (_, k) => ({ t: T0 + k * 1500, v: k === 30 && i === 3 ? null : 0.05 * (i + 1) + 0.02 * Math.sin(k / 5 + i) })),
  }));
}
