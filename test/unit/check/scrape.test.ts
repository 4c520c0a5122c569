/** Scrape coverage, statically: the seed's jobs, every catalog service scraped with its labels and port. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { checkScrapeConfig, scrapeTargets } from '../../../harness/check/scrape.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
const bundled = (): any => parse(readFileSync(join(REPO_ROOT, 'monitoring/prometheus/prometheus.yml'), 'utf8'));
const FILE = 'monitoring/prometheus/prometheus.yml';
const job = (p: any, name: string): any => p.scrape_configs.find((j: any) => j.job_name === name);

describe('checkScrapeConfig', () => {
  it('finds nothing wrong with the bundled prometheus.yml', () => {
    expect(checkScrapeConfig(bundled(), FILE)).toEqual([]);
  });

  it('lists every static target with its static_config labels', () => {
    const t = scrapeTargets(bundled());
    expect(t.find((x) => x.labels.service === 'redis-mcp')).toMatchObject({ job: 'mcp-db-wrappers', address: 'redis-mcp:7014', labels: { service_group: 'db-wrappers' } });
    expect(t.filter((x) => x.job.startsWith('mcp-'))).toHaveLength(16);
  });

  it('reports a service without a target, naming the file, the job and the fix', () => {
    const p = bundled();
    job(p, 'mcp-db-wrappers').static_configs = job(p, 'mcp-db-wrappers').static_configs.filter((s: any) => s.labels.service !== 'redis-mcp');
    const f = checkScrapeConfig(p, FILE);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ file: FILE, key: 'scrape_configs[job_name=mcp-db-wrappers].static_configs' });
    expect(f[0]!.why).toContain('redis-mcp');
    expect(f[0]!.fix).toContain("redis-mcp:7014");
  });

  it('reports a missing seed job and a duplicated one', () => {
    const p = bundled();
    p.scrape_configs = p.scrape_configs.filter((j: any) => j.job_name !== 'loki');
    p.scrape_configs.push({ ...job(p, 'prometheus') });
    const whys = checkScrapeConfig(p, FILE).map((f) => `${f.key}: ${f.why}`);
    expect(whys.some((w) => w.startsWith('scrape_configs:') && w.includes('"loki" is missing'))).toBe(true);
    expect(whys.some((w) => w.includes('"prometheus" is defined twice'))).toBe(true);
  });

  it('reports a wrong service_group, a wrong port and a service under the wrong job', () => {
    const p = bundled();
    const core = job(p, 'mcp-core-services').static_configs;
    core[0].labels.service_group = 'ai';
    core[1].targets = ['filesystem-mcp:7102'];
    const ai = job(p, 'mcp-ai-services').static_configs;
    core.push(ai.pop());
    const f = checkScrapeConfig(p, FILE);
    expect(f.map((x) => x.key)).toEqual(
      expect.arrayContaining([
        'scrape_configs[job_name=mcp-core-services].static_configs[0].labels.service_group',
        'scrape_configs[job_name=mcp-core-services].static_configs[1].targets[0]',
        'scrape_configs[job_name=mcp-core-services].static_configs[10].targets[0]',
      ]),
    );
    expect(f.find((x) => x.why.includes('transcriber-mcp'))!.why).toContain('job "mcp-ai-services"');
  });

  it('reports a target scraped without its service label, and an infrastructure target with the wrong container port', () => {
    const p = bundled();
    delete job(p, 'mcp-mqtt').static_configs[0].labels;
    job(p, 'infrastructure').static_configs[0].targets = ['postgres-exporter:7038'];
    const f = checkScrapeConfig(p, FILE);
    expect(f.find((x) => x.why.includes('without the label service="mqtt-mcp"'))).toBeDefined();
    expect(f.find((x) => x.key === 'scrape_configs[job_name=infrastructure].static_configs[0].targets[0]')!.why).toContain('9187');
  });
});
