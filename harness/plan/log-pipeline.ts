/**
 * Which log pipeline a monitoring folder declares, read from the files it holds: the
 * seed's Loki + Promtail, or VictoriaLogs + the OpenTelemetry Collector. Everything that
 * differs between the two (components, config files, query language) hangs off this.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.ts';

export type LogStoreKind = 'loki' | 'victorialogs';
export type LogShipperKind = 'promtail' | 'otelcol';
export type LogQueryLanguage = 'logql' | 'logsql';

export interface LogPipeline {
  store: LogStoreKind;
  shipper: LogShipperKind;
  /** The query language of the store (and of the folder's log panels). */
  language: LogQueryLanguage;
  /** Config files of the pipeline, relative to the monitoring folder. */
  files: { store: string; shipper: string };
  /** Prometheus job that scrapes the store itself. */
  storeJob: string;
}

export const LOG_PIPELINES: Record<LogStoreKind, LogPipeline> = {
  loki: { store: 'loki', shipper: 'promtail', language: 'logql', files: { store: 'loki/loki-config.yml', shipper: 'promtail/promtail-config.yml' }, storeJob: 'loki' },
  victorialogs: { store: 'victorialogs', shipper: 'otelcol', language: 'logsql', files: { store: 'victorialogs/victorialogs.yml', shipper: 'otelcol/otelcol-config.yml' }, storeJob: 'victorialogs' },
};

export function detectLogPipeline(monitoringDir: string): LogPipeline {
  const has = (p: LogPipeline) => existsSync(join(monitoringDir, p.files.store)) && existsSync(join(monitoringDir, p.files.shipper));
  const found = Object.values(LOG_PIPELINES).filter(has);
  if (found.length === 1) return found[0]!;
  const layouts = Object.values(LOG_PIPELINES).map((p) => `${p.files.store} + ${p.files.shipper}`).join(', or ');
  if (found.length > 1) throw new UsageError('the monitoring folder declares two log pipelines', { file: monitoringDir, fix: `keep one of: ${layouts}` });
  for (const p of Object.values(LOG_PIPELINES)) {
    const [a, b] = [p.files.store, p.files.shipper];
    const missing = existsSync(join(monitoringDir, a)) ? b : existsSync(join(monitoringDir, b)) ? a : undefined;
    if (missing) throw new UsageError(`required file is missing (the log pipeline has ${missing === a ? b : a} but not its partner)`, { file: join(monitoringDir, missing), fix: `add it, or declare the other pipeline: ${layouts}` });
  }
  throw new UsageError('the monitoring folder declares no log pipeline', { file: monitoringDir, fix: `add ${layouts}` });
}

/** The files a folder's log pipeline needs: the detected pipeline's, or the seed's when none can be detected. */
export function logPipelineFiles(monitoringDir: string): string[] {
  let p: LogPipeline;
  try {
    p = detectLogPipeline(monitoringDir);
  } catch {
    const present = Object.values(LOG_PIPELINES).find((x) => existsSync(join(monitoringDir, x.files.store)) || existsSync(join(monitoringDir, x.files.shipper)));
    p = present ?? LOG_PIPELINES.loki;
  }
  return [p.files.store, p.files.shipper];
}
