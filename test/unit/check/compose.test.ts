/** A Compose file against the port plan and the catalog. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { checkCompose, parsePorts } from '../../../harness/check/compose.ts';
import { scrapeTargets } from '../../../harness/check/scrape.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const compose = (): any => parse(readFileSync(join(REPO_ROOT, 'docker-compose.test.yml'), 'utf8'), { merge: true });
const prom = (): any => parse(readFileSync(join(REPO_ROOT, 'monitoring/prometheus/prometheus.yml'), 'utf8'));
const FILE = 'docker-compose.yml';

describe('parsePorts', () => {
  it('reads short and long syntax', () => {
    expect(parsePorts(['7001:7001', '127.0.0.1:7028:9090', '9093/tcp', 1883, { target: 3100, published: '7032' }])).toEqual([
      { host: 7001, container: 7001, raw: '7001:7001', index: 0 },
      { host: 7028, container: 9090, raw: '127.0.0.1:7028:9090', index: 1 },
      { host: undefined, container: 9093, raw: '9093/tcp', index: 2 },
      { host: undefined, container: 1883, raw: '1883', index: 3 },
      { host: 7032, container: 3100, raw: '{"target":3100,"published":"7032"}', index: 4 },
    ]);
  });
});

describe('checkCompose', () => {
  it('finds nothing wrong with docker-compose.test.yml and the bundled prometheus.yml', () => {
    expect(checkCompose({ compose: compose(), file: FILE, scrapeTargets: scrapeTargets(prom()) })).toEqual([]);
  });

  it('reports a wrong host port, naming the service, the ports entry and the plan', () => {
    const c = compose();
    c.services['terminal-mcp'].ports = ['7101:7001'];
    const f = checkCompose({ compose: c, file: FILE });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ file: FILE, key: 'services.terminal-mcp.ports[0]', fix: 'publish "7001:7001"' });
    expect(f[0]!.why).toContain('"7101:7001"');
  });

  it('reports a missing component, a missing service_group label and a host port published twice', () => {
    const c = compose();
    delete c.services.loki;
    c.services['redis-mcp'].labels = {};
    c.services['git-mcp'].ports = ['7004:7004', '7003:7003'];
    const keys = checkCompose({ compose: c, file: FILE }).map((f) => f.key);
    expect(keys).toEqual(expect.arrayContaining(['services.loki', 'services.redis-mcp.labels["mcp.service_group"]', 'services.git-mcp.ports[1]']));
  });

  it('reports a scrape target at a port its Compose service does not have', () => {
    const c = compose();
    c.services['postgres-exporter'].ports = ['7038:9999'];
    const f = checkCompose({ compose: c, file: FILE, scrapeTargets: scrapeTargets(prom()), prometheusFile: 'prometheus.yml' });
    expect(f.find((x) => x.file === 'prometheus.yml')!.why).toContain('postgres-exporter:9187');
  });
});
