/** The store and shipper of a running environment, behind their seams. */
import type { EnvironmentHandle } from '../stack/handles.ts';
import { readPipelineLimits } from './limits.ts';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { LokiStore, PromtailShipper } from './loki-promtail.ts';
import { OtelcolShipper, VictoriaLogsStore } from './victorialogs-otelcol.ts';
import type { LogStore } from './log-store.ts';
import type { LogShipper } from './log-shipper.ts';
import type { MetricSamples } from './metrics-text.ts';

export interface OpenLogPipeline {
  store: LogStore;
  shipper: LogShipper;
}

export function openLogPipeline(env: EnvironmentHandle): OpenLogPipeline {
  const cfg = env.stack.config;
  if (cfg.logPipeline.store === 'victorialogs') {
    const doc = (parseYaml(readFileSync(cfg.files.otelcol!, 'utf8')) ?? {}) as { extensions?: Record<string, { directory?: string } | null> };
    const dirs = Object.entries(doc.extensions ?? {})
      .filter(([k, v]) => k.startsWith('file_storage') && typeof v?.directory === 'string')
      // On containers the config names container paths: read them through the mounts (one only in the container cannot be read).
      .map(([, v]) => env.stack.hostPath('otelcol', v!.directory!) ?? `${v!.directory!} (inside the container only)`);
    return { store: new VictoriaLogsStore(env.stack.url('victorialogs')), shipper: new OtelcolShipper(env.stack.url('otelcol'), dirs, logFileOf(env, 'otelcol')) };
  }
  const limits = readPipelineLimits(cfg, (f) => readFileSync(f, 'utf8'));
  const positions = limits.shipper.positionsFile;
  return { store: new LokiStore(env.stack.url('loki')), shipper: new PromtailShipper(env.stack.url('promtail'), positions && (env.stack.hostPath('promtail', positions) ?? positions)) };
}

function logFileOf(env: EnvironmentHandle, name: string): string | undefined {
  try {
    return env.stack.process(name).logFile;
  } catch {
    return undefined;
  }
}

export interface PipelineMetrics {
  store: MetricSamples;
  shipper: MetricSamples;
  atMs: number;
}

/** The store's and the shipper's own counters (empty when one is down). */
export async function snapshotPipelineMetrics(p: OpenLogPipeline): Promise<PipelineMetrics> {
  const [store, shipper] = await Promise.all([p.store.metrics(), p.shipper.metrics()]);
  return { store, shipper, atMs: Date.now() };
}

/** What the limiter did, cumulative: the shipper's retries, the pushes refused (the shipper's 429s, else the store's rate-limit refusals) and the entries given up on. */
export async function limiterCounts(p: OpenLogPipeline): Promise<{ retries: number; refused: number; dropped: number }> {
  const [store, shipper] = await Promise.all([p.store.metrics(), p.shipper.metrics()]);
  const c = p.shipper.counters(shipper);
  const s = p.store.ingest(store);
  return { retries: c.retries, refused: c.responses429 ?? s.rateLimited + s.streamLimited, dropped: c.droppedRateLimited + c.droppedOther };
}
