import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../../assertions/alertmanager.ts';
import { HttpError } from '../../../assertions/http-client.ts';
import { FakeApiServer } from './fake-api-server.ts';

let server: FakeApiServer;
let am: AlertmanagerClient;

beforeEach(async () => {
  server = await new FakeApiServer().start();
  am = new AlertmanagerClient(server.baseUrl);
});

afterEach(async () => {
  await server.stop();
});

const alert = {
  labels: { alertname: 'ServiceDown', severity: 'critical', service: 'terminal-mcp' },
  annotations: { summary: 'MCP Service terminal-mcp is down' },
  startsAt: '2025-01-01T00:01:00.000Z',
  endsAt: '2025-01-01T00:05:00.000Z',
  updatedAt: '2025-01-01T00:01:00.000Z',
  generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
  fingerprint: '0123456789abcdef',
  receivers: [{ name: 'harness' }],
  status: { state: 'active', silencedBy: [], inhibitedBy: [], mutedBy: [] },
};

describe('AlertmanagerClient', () => {
  it('alerts() with a label filter becomes repeated filter= matchers', async () => {
    server.on('GET', '/api/v2/alerts', { body: [alert] });
    const alerts = await am.alerts({ matchers: { alertname: 'ServiceDown', service: 'terminal-mcp' }, active: true, silenced: false });
    const q = server.last('/api/v2/alerts').query;
    expect(q.getAll('filter')).toEqual(['alertname="ServiceDown"', 'service="terminal-mcp"']);
    expect(q.get('active')).toBe('true');
    expect(q.get('silenced')).toBe('false');
    expect(q.has('inhibited')).toBe(false);
    expect(alerts[0]?.status.state).toBe('active');
    expect(alerts[0]?.receivers.map((r) => r.name)).toEqual(['harness']);
  });

  it('alerts() with matcher strings and no filter', async () => {
    server.on('GET', '/api/v2/alerts', { body: [] });
    await am.alerts({ matchers: ['severity=~"crit.*"'] });
    expect(server.last('/api/v2/alerts').query.getAll('filter')).toEqual(['severity=~"crit.*"']);
    await am.alerts();
    expect([...server.last('/api/v2/alerts').query.keys()]).toEqual([]);
  });

  it('status()', async () => {
    server.on('GET', '/api/v2/status', {
      body: {
        cluster: { status: 'disabled', peers: [] },
        versionInfo: {
          version: '0.34.2',
          revision: 'x',
          branch: 'HEAD',
          buildUser: 'root',
          buildDate: '20250101',
          goVersion: 'go1.24',
        },
        config: { original: 'route:\n  receiver: harness\n' },
        uptime: '2025-01-01T00:00:00.000Z',
      },
    });
    const s = await am.status();
    expect(s.versionInfo.version).toBe('0.34.2');
    expect(s.cluster.status).toBe('disabled');
    expect(s.config.original).toContain('receiver: harness');
  });

  it('silences()', async () => {
    server.on('GET', '/api/v2/silences', {
      body: [
        {
          id: 'sil-1',
          status: { state: 'active' },
          updatedAt: '2025-01-01T00:00:00Z',
          matchers: [{ name: 'alertname', value: 'HighLatency', isRegex: false, isEqual: true }],
          startsAt: '2025-01-01T00:00:00Z',
          endsAt: '2025-01-01T01:00:00Z',
          createdBy: 'harness',
          comment: 'maintenance',
        },
      ],
    });
    const [s] = await am.silences();
    expect(s?.status.state).toBe('active');
    expect(s?.matchers[0]?.name).toBe('alertname');
  });

  it('ready() and decode errors', async () => {
    server.on('GET', '/-/ready', { status: 200, body: 'OK' });
    expect((await am.ready()).ready).toBe(true);
    server.on('GET', '/api/v2/alerts', { body: [{ labels: {} }] });
    const err = (await am.alerts().catch((e: unknown) => e)) as HttpError;
    expect(err).toBeInstanceOf(HttpError);
    expect(err.kind).toBe('decode');
    expect(err.message).toContain(`${server.baseUrl}/api/v2/alerts`);
    expect(err.message).toContain('0.annotations');
  });
});
