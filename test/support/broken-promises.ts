/** The three configs of issue 13 that keep their own word but break the seed's promise. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../harness/lib/paths.ts';

export const BROKEN_PROMISES = {
  'service-down-slow': { file: 'prometheus/alerts.yml', from: 'for: 1m', to: 'for: 10m' },
  'scrape-slow': { file: 'prometheus/prometheus.yml', from: '  scrape_interval: 15s', to: '  scrape_interval: 60s' },
  'ingestion-cut': { file: 'loki/loki-config.yml', from: 'ingestion_rate_mb: 16', to: 'ingestion_rate_mb: 1' },
} as const;

/** A copy of monitoring/ with one promise broken; throws if the edit no longer applies. */
export function brokenPromiseCopy(name: keyof typeof BROKEN_PROMISES): string {
  const e = BROKEN_PROMISES[name];
  const dir = mkdtempSync(join(tmpdir(), `promise-${name}-`));
  cpSync(join(REPO_ROOT, 'monitoring'), dir, { recursive: true });
  const f = join(dir, e.file);
  const text = readFileSync(f, 'utf8');
  if (!text.includes(e.from)) throw new Error(`${e.file} no longer contains ${JSON.stringify(e.from)}`);
  writeFileSync(f, text.replace(e.from, e.to));
  return dir;
}
