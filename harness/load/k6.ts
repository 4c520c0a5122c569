/**
 * Runs a k6 script as a child process and returns its end-of-test summary. Load goes to
 * loopback only: every URL handed to the script is checked before k6 starts.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.ts';
import { binCacheDir } from '../lib/paths.ts';
import { loadManifest } from '../lib/manifest.ts';

export interface K6Summary {
  metrics: Record<string, { values: Record<string, number> }>;
}

function k6Binary(): string {
  const spec = loadManifest().go.k6!;
  const path = process.env.K6_BIN ?? join(binCacheDir(), `k6-${spec.version}`, 'k6');
  return path;
}

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== 'localhost' && host !== '[::1]') throw new UsageError(`load target ${url} is not a loopback address`, { fix: 'load and fault traffic only ever go to 127.0.0.0/8 or ::1' });
}

export async function runK6(script: string, env: Record<string, string>, urls: string[]): Promise<K6Summary> {
  for (const u of urls) assertLoopback(u);
  const dir = mkdtempSync(join(tmpdir(), 'k6-'));
  const summary = join(dir, 'summary.json');
  await execa(k6Binary(), ['run', '--quiet', '--no-usage-report', '--summary-export', summary, script], { env: { ...env, K6_NO_USAGE_REPORT: 'true' }, stdout: 'inherit', stderr: 'inherit' });
  const raw = JSON.parse(readFileSync(summary, 'utf8')) as { metrics: Record<string, Record<string, number>> };
  // --summary-export writes flat metric objects; normalise to { values }.
  return { metrics: Object.fromEntries(Object.entries(raw.metrics).map(([k, v]) => [k, { values: v }])) };
}
