/** Dashboard panels as live checks: which query a panel target sends (interpolated, time-scaled). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { PanelMemory, panel, resolvePanelTarget, sumOf, valueOf } from '../../../harness/engine/dashboard-checks.ts';
import type { CheckContext } from '../../../harness/engine/checks.ts';
import type { RenderedConfig } from '../../../harness/render/render.ts';
import type { Topology } from '../../../harness/plan/topology.ts';
import type { TimingModel } from '../../../harness/engine/timing.ts';

const ctx = (scale: number): CheckContext =>
  ({
    timing: { scale } as TimingModel,
    env: { stack: { config: { files: { grafanaProvisioning: join(REPO_ROOT, 'monitoring/grafana/provisioning') } } as RenderedConfig, topology: {} as Topology } },
  }) as CheckContext;

describe('resolvePanelTarget', () => {
  it('interpolates service_group = All and scales the windows, range and step of a time-scaled run', () => {
    const r = resolvePanelTarget(ctx(0.1), { panel: 'Error Rate' });
    expect(r.query).toBe('sum by (service) (rate(http_requests_total{status=~"5..", service_group=~".*"}[5m]))');
    expect(r.sent).toBe('sum by (service) (rate(http_requests_total{status=~"5..", service_group=~".*"}[30s]))');
    expect(r.datasource.uid).toBe('prometheus');
    expect(r.rangeMs).toBe(360_000);
    expect(r.stepMs).toBe(1_500);
    expect(r.target.instant).toBe(false);
  });

  it('resolves instant targets, LogQL targets, refIds and variable overrides', () => {
    expect(resolvePanelTarget(ctx(1), { panel: 'Service Health Status', refId: 'B' })).toMatchObject({ sent: 'time() - timestamp(up{job=~"mcp-.*", service_group=~".*"})', target: { instant: true } });
    expect(resolvePanelTarget(ctx(0.1), { panel: 'Live Error Logs' })).toMatchObject({ language: 'logql', sent: '{service=~".*mcp.*"} |= "ERROR"', datasource: { uid: 'loki' }, target: { maxLines: 200 } });
    expect(resolvePanelTarget(ctx(1), { panel: 'Request Rate', variables: { service_group: ['db-wrappers'] } }).sent).toContain('service_group=~"db-wrappers"');
  });

  it('says what is missing', () => {
    expect(() => resolvePanelTarget(ctx(1), { panel: 'Nope' })).toThrow('has no panel titled "Nope"');
    expect(() => resolvePanelTarget(ctx(1), { panel: 'Error Rate', refId: 'Z' })).toThrow('has no target Z');
    expect(() => resolvePanelTarget(ctx(1), { panel: 'Error Rate', dashboard: 'other' })).toThrow('no dashboard with uid "other"');
  });
});

describe('panel checks', () => {
  it('are titled by panel, refId and variables; list no queries up front; show the sent query as evidence', () => {
    const c = panel('Request Rate', { refId: 'A', variables: { service_group: ['core'] } }).latest(() => true, 'has traffic');
    expect(c.title).toBe('panel "Request Rate" A (service_group=core) has traffic');
    expect(c.queries).toEqual([]);
    expect(c.evidenceQuery(ctx(0.1))).toEqual({ query: 'sum by (service) (rate(http_requests_total{service_group=~"core"}[30s]))', language: 'promql' });
  });

  it('remembers values by key and says when nothing is remembered', () => {
    const m = new PanelMemory();
    expect(() => m.get('pg')).toThrow('nothing remembered as "pg"');
    m.set('pg', 6);
    expect(m.get('pg')).toBe(6);
    const v = [{ labels: { service: 'a' }, value: 2, timestamp: 0 }, { labels: { service: 'b' }, value: Number.NaN, timestamp: 0 }];
    expect(sumOf(v)).toBe(2);
    expect(valueOf(v, { service: 'a' })).toBe(2);
    expect(valueOf(v, { service: 'c' })).toBeNaN();
  });
});
