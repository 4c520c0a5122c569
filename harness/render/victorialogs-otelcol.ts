/**
 * Renders the permissive log pipeline, VictoriaLogs + the OpenTelemetry Collector, for
 * the native backend. VictoriaLogs has no config file: the folder's
 * victorialogs/victorialogs.yml lists the flags Compose passes it, and the render turns
 * them into arguments. The collector's config keeps its receivers and processors; only
 * container paths, endpoints and listeners move.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar } from 'yaml';
import { UsageError } from '../lib/errors.ts';
import type { Topology } from '../plan/topology.ts';
import { dataPathChange, loadYaml, mapKeys, mapUrl, rewritePaths, scalarAt, seqLength, set, type Recorder } from './yaml-edit.ts';
import { nativeDataPath } from '../plan/volumes.ts';

export interface VictoriaLogsOtelcolFiles {
  victorialogs: string;
  otelcol: string;
  /** VictoriaLogs' command line, from the rendered flags file. */
  victorialogsArgs: string[];
}

/** Where the collector's Compose service mounts the services' shared log volume. */
export const SERVICE_LOG_MOUNT = '/var/log/mcp';

export function renderVictoriaLogsOtelcol(out: string, t: Topology, rec: Recorder, userDir: string): VictoriaLogsOtelcolFiles {
  const vlFile = join(out, 'victorialogs/victorialogs.yml');
  const vl = loadYaml(vlFile, 'VictoriaLogs flags', join(userDir, 'victorialogs/victorialogs.yml'));
  const flags = vl.get('flags', true);
  if (!isMap(flags)) throw new UsageError('VictoriaLogs flags file has no `flags:` map', { file: join(userDir, 'victorialogs/victorialogs.yml'), field: 'flags', fix: 'list the command-line flags Compose passes VictoriaLogs under `flags:`, one key per flag (retentionPeriod: 7d)' });
  set(vl, rec, vlFile, ['flags', 'httpListenAddr'], `127.0.0.1:${t.component.victorialogs.port}`, 'bind loopback only, port plan');
  // Persistent if the Compose file mounts a volume there, wiped on recreate if not.
  const storage = nativeDataPath(t.dataDir, 'victorialogs', String(scalarAt(vl, ['flags', 'storageDataPath']) ?? '/victoria-logs-data'));
  if (storage.path) set(vl, rec, vlFile, ['flags', 'storageDataPath'], storage.path, dataPathChange(storage.storage).reason, dataPathChange(storage.storage).how);
  writeFileSync(vlFile, vl.toString());
  const args = mapKeys(vl, ['flags']).map((k) => `-${k}=${String(scalarAt(vl, ['flags', k]))}`);

  const otFile = join(out, 'otelcol/otelcol-config.yml');
  const ot = loadYaml(otFile, 'OpenTelemetry Collector config', join(userDir, 'otelcol/otelcol-config.yml'));
  for (const ext of mapKeys(ot, ['extensions'])) {
    const dir = scalarAt(ot, ['extensions', ext, 'directory']);
    if (ext.startsWith('file_storage') && typeof dir === 'string') {
      // The collector's read positions: a volume survives a recreate, its own /tmp does not.
      const moved = nativeDataPath(t.dataDir, 'otelcol', dir);
      if (!moved.path) continue;
      mkdirSync(moved.path, { recursive: true });
      set(ot, rec, otFile, ['extensions', ext, 'directory'], moved.path, dataPathChange(moved.storage).reason, dataPathChange(moved.storage).how);
    }
  }
  for (const r of mapKeys(ot, ['receivers'])) {
    rewritePaths(ot, rec, otFile, ['receivers', r, 'include'], (p) => (p.startsWith(`${SERVICE_LOG_MOUNT}/`) ? join(t.logDir, 'services', p.slice(SERVICE_LOG_MOUNT.length + 1)) : undefined), "the services' shared log volume → the fake services' log folder");
  }
  for (const e of mapKeys(ot, ['exporters'])) {
    for (const k of ['endpoint', 'logs_endpoint']) {
      const from = scalarAt(ot, ['exporters', e, k]);
      const to = typeof from === 'string' ? mapUrl(t, from) : undefined;
      if (to) set(ot, rec, otFile, ['exporters', e, k], to, 'Compose DNS name → loopback port');
    }
  }
  const readers = ['service', 'telemetry', 'metrics', 'readers'];
  for (let i = 0; i < seqLength(ot, readers); i++) {
    const prom = [...readers, i, 'pull', 'exporter', 'prometheus'];
    if (!isMap(ot.getIn(prom, true))) continue;
    set(ot, rec, otFile, [...prom, 'host'], '127.0.0.1', 'bind loopback only');
    set(ot, rec, otFile, [...prom, 'port'], t.component.otelcol.port, 'port plan');
  }
  const exporters = mapKeys(ot, ['exporters']);
  if (!exporters.length || !isScalar(ot.getIn(['service', 'pipelines', 'logs', 'receivers', 0], true))) rec.warnings.push('otelcol-config.yml: no logs pipeline with a receiver; no line will be shipped');
  writeFileSync(otFile, ot.toString());
  return { victorialogs: vlFile, otelcol: otFile, victorialogsArgs: args };
}
