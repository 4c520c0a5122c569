/**
 * log-pipeline — the logs half of the stack under steady traffic, on whichever store the
 * folder has. The store shows container, service and service_group for every service as
 * the catalog has them; every line the 17 services write in the window is stored exactly
 * once and in order
 * (reconciled by seq against each service's own count); emit → queryable latency is
 * measured with marker lines; and each of the seed's LogQL examples (with its LogsQL
 * equivalent for VictoriaLogs: `|=`/`|~` become `~"regexp"`), and the dashboard's Live
 * Error Logs panel, returns exactly the lines the matching fault produced.
 *
 * The faults are a handful of requests each (driveRequests), padded with many healthy
 * calls, so no error or latency share reaches HighErrorRate's 5 % or HighLatency's p95
 * for as long as their `for`: nothing may fire (a brief pending is recorded, not failed). The background traffic keeps its baseline errors; a service the
 * faults did not touch counts as healthy when its own log has no line of the kind the
 * query looks for, and must then return nothing (see harness/engine/log-queries.ts).
 */
import { defineScenario } from '../harness/engine/scenario.ts';
import { step } from '../harness/engine/steps.ts';
import { configuredTargetsUp } from '../harness/engine/stack-checks.ts';
import { noAlertsExcept } from '../harness/engine/checks.ts';
import { LogWindow } from '../harness/engine/log-window.ts';
import { dashboardPanelAudit, logQueryAudit, logStreamLabels, type LogLine } from '../harness/engine/log-queries.ts';
import { driveRequests } from '../harness/engine/service-steps.ts';

export default defineScenario(() => {
  // Per run: this state is created afresh each time the scenario is loaded.
  const win = new LogWindow('log-pipeline');

  const isError = (l: LogLine) => l.level === 'ERROR';
  const isErrorOrWarn = (l: LogLine) => l.level === 'ERROR' || l.level === 'WARN';
  const isSlow = (l: LogLine) => (l.durationMs ?? 0) >= 1000;
  const fromErrorFault = (l: LogLine) => (l.msg ?? '').includes('(error-ratio fault)');
  const fromDbFault = (l: LogLine) => (l.msg ?? '').includes('dependency-failure fault');
  const fromLatencyFault = (l: LogLine) => isSlow(l) && l.fields.tool === 'git_branch';

  return {
    name: 'log-pipeline',
    requires: ['log-pipeline'],
    title: 'Every log line reaches the log store once, in order, labelled; the seed\'s log queries and the Live Error Logs panel return exactly the faults\' lines',
    description:
      'Steady background traffic. Marks every service\'s seq, injects four small faults (500s on terminal-mcp and research-mcp, 1.2 s latency on git-mcp, a dependency failure on postgresql-mcp), lets traffic run, then reconciles every line by seq and audits each seed LogQL query against the log files on disk.',
    nominalDuration: '4m',
    steadyState: [configuredTargetsUp(), noAlertsExcept([])],
    method: [
      step.eventually(logStreamLabels(), () => 30_000, 'container, service and service_group labels for every service'),
      win.mark(),
      step.serviceFault('terminal-mcp', { kind: 'error-ratio', ratio: 1, status: 500, tool: 'get_environment' }, 'errors terminal-mcp'),
      driveRequests('terminal-mcp', 'get_environment', { count: 3, others: 60, idPrefix: 'logq' }),
      step.clear('errors terminal-mcp'),
      step.serviceFault('research-mcp', { kind: 'error-ratio', ratio: 1, status: 500, tool: 'fetch_citations' }, 'errors research-mcp'),
      driveRequests('research-mcp', 'fetch_citations', { count: 3, others: 60, idPrefix: 'logq' }),
      step.clear('errors research-mcp'),
      step.serviceFault('git-mcp', { kind: 'latency', ms: 1200, tool: 'git_branch' }, 'slow git-mcp'),
      driveRequests('git-mcp', 'git_branch', { count: 2, others: 120, idPrefix: 'logq' }),
      step.clear('slow git-mcp'),
      step.serviceFault('postgresql-mcp', { kind: 'dependency-failure' }, 'database down for postgresql-mcp'),
      driveRequests('postgresql-mcp', 'query', { count: 3, idPrefix: 'logq' }),
      step.clear('database down for postgresql-mcp'),
      driveRequests('postgresql-mcp', 'query', { count: 0, others: 60, idPrefix: 'logq' }),
      step.wait('2m', 'steady background traffic'),
      step.eventually(
        win.latency({ service: 'memory-mcp', markers: 20, perSecond: 10, p99BelowMs: (l, ctx) => l.shipper.filePollMs + l.shipper.batchWaitMs + ctx.timing.slackMs() }),
        () => 60_000,
        'emit → queryable latency of 20 marker lines (p99 under file poll + batch wait + slack)',
      ),
      step.eventually(win.delivered({ maxDuplicates: 0, maxOutOfOrder: 0 }), () => win.deliveryBoundMs(), 'every line of the window in the store: zero missing, zero duplicates, in order'),
      step.eventually(
        logQueryAudit(win, { logql: '{service=~".*mcp.*"} |= "ERROR"', logsql: '{service=~".*mcp.*"} ~"ERROR"' }, { faultOn: ['terminal-mcp', 'research-mcp', 'postgresql-mcp'], faultLine: (l) => fromErrorFault(l) || fromDbFault(l), genuine: isError, minFaultLines: 9, otherFaults: ['git-mcp'] }),
        () => win.deliveryBoundMs(),
      ),
      step.eventually(
        logQueryAudit(win, { logql: '{service="terminal-mcp"} |~ "(?i)error|exception|failed"', logsql: '{service="terminal-mcp"} ~"(?i)error|exception|failed"' }, { faultOn: ['terminal-mcp'], faultLine: fromErrorFault, genuine: isErrorOrWarn, minFaultLines: 3, otherFaults: ['research-mcp', 'git-mcp', 'postgresql-mcp'] }),
        () => win.deliveryBoundMs(),
      ),
      step.eventually(
        logQueryAudit(win, { logql: '{service=~".*mcp.*"} |~ "duration.*[1-9][0-9]{3,}ms"', logsql: '{service=~".*mcp.*"} ~"duration.*[1-9][0-9]{3,}ms"' }, { faultOn: ['git-mcp'], faultLine: fromLatencyFault, genuine: isSlow, minFaultLines: 2, otherFaults: ['terminal-mcp', 'research-mcp', 'postgresql-mcp'] }),
        () => win.deliveryBoundMs(),
      ),
      step.eventually(
        logQueryAudit(win, { logql: '{service=~".*mcp.*"} |~ "(?i)database.*error|connection.*failed"', logsql: '{service=~".*mcp.*"} ~"(?i)database.*error|connection.*failed"' }, { faultOn: ['postgresql-mcp'], faultLine: fromDbFault, genuine: isErrorOrWarn, minFaultLines: 3, otherFaults: ['terminal-mcp', 'research-mcp', 'git-mcp'] }),
        () => win.deliveryBoundMs(),
      ),
      step.eventually(
        logQueryAudit(win, { logql: '{service_group="core"} |= "ERROR"', logsql: '{service_group="core"} ~"ERROR"' }, { faultOn: ['terminal-mcp'], faultLine: fromErrorFault, genuine: isError, minFaultLines: 3, otherFaults: ['research-mcp', 'postgresql-mcp', 'git-mcp'] }),
        () => win.deliveryBoundMs(),
      ),
      step.eventually(
        dashboardPanelAudit(win, 'Live Error Logs', { faultOn: ['terminal-mcp', 'research-mcp', 'postgresql-mcp'], faultLine: (l) => fromErrorFault(l) || fromDbFault(l), genuine: isError, minFaultLines: 9, otherFaults: ['git-mcp'] }),
        () => win.deliveryBoundMs(),
      ),
    ],
    rollbacks: [],
    expectedAlerts: [],
  };
});
