/**
 * The one config renderer. It never touches the monitoring folder under test: it reads
 * it, and writes a runnable copy into the run directory for the native backend —
 * Compose DNS names become loopback ports, container paths become run-directory
 * paths, Docker discovery becomes file discovery of the fake services' log files, and
 * (with --time-scale) every interval and window is scaled. Each change is recorded so
 * a report can say exactly what was tested.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../lib/errors.ts';
import type { Topology } from '../plan/topology.ts';
import { scaleDuration, scalePromQLDurations } from '../../assertions/time-scale.ts';
import { detectLogPipeline, type LogPipeline } from '../plan/log-pipeline.ts';
import { Recorder, loadYaml, mapAddress, mapKeys, mapUrl, scalarAt, seqLength, set, type ConfigChange, type Path } from './yaml-edit.ts';
import { renderLokiPromtail, type LokiPromtailFiles } from './loki-promtail.ts';
import { renderVictoriaLogsOtelcol, type VictoriaLogsOtelcolFiles } from './victorialogs-otelcol.ts';

export type { ConfigChange } from './yaml-edit.ts';
export { renderDockerTargets } from './loki-promtail.ts';

export interface RenderedConfig {
  sourceDir: string;
  dir: string;
  timeScale: number;
  changes: ConfigChange[];
  warnings: string[];
  /** The log pipeline the folder declares (by the files it holds). */
  logPipeline: LogPipeline;
  files: {
    prometheus: string;
    ruleFiles: string[];
    alertmanager: string;
    grafanaProvisioning: string;
  } & Partial<LokiPromtailFiles> &
    Partial<Omit<VictoriaLogsOtelcolFiles, 'victorialogsArgs'>>;
  /** Effective settings the backend needs as flags (retention, lookback delta, VictoriaLogs' command line). */
  settings: { prometheusRetention: string; lookbackDelta: string; victorialogsArgs?: string[] };
}

/** The files a monitoring folder must have, relative to it (the seed's layout). */
export const REQUIRED_FILES = [
  'prometheus/prometheus.yml',
  'alertmanager/config.yml',
  'grafana/provisioning/datasources/datasources.yml',
  'grafana/provisioning/dashboards/dashboards.yml',
] as const;

/** Where the Compose file mounts each folder; the configs refer to these paths. */
const CONTAINER_MOUNTS: [string, string][] = [
  ['/etc/prometheus', 'prometheus'],
  ['/etc/alertmanager', 'alertmanager'],
  ['/etc/loki', 'loki'],
  ['/etc/promtail', 'promtail'],
  ['/etc/otelcol', 'otelcol'],
  ['/etc/grafana/provisioning', 'grafana/provisioning'],
];

const SEED_RETENTION = '15d'; // Prometheus's default, which the seed states.
const DEFAULT_LOOKBACK = '5m';

export interface RenderOptions {
  monitoringDir: string;
  topology: Topology;
  timeScale?: number;
  /**
   * native (default): addresses and container paths rewritten to run on loopback.
   * containers: the folder runs as Compose would run it (DNS names, container paths); only
   * the time scale and the notification redirect are applied, each recorded.
   */
  backend?: 'native' | 'containers';
}

/** Where notifications go on the containers backend: the receiver container the folder's config already names. */
export const CONTAINER_RECEIVER_URL = 'http://alert-receiver:9095/alerts';

/** A container path (/etc/prometheus/alerts.yml) → the rendered copy of that file. */
function containerPathToRendered(p: string, renderedRoot: string): string | undefined {
  for (const [mount, sub] of CONTAINER_MOUNTS) if (p === mount || p.startsWith(`${mount}/`)) return join(renderedRoot, sub, p.slice(mount.length));
  return undefined;
}

export function renderMonitoringConfig(opts: RenderOptions): RenderedConfig {
  const { topology: t } = opts;
  const native = (opts.backend ?? 'native') === 'native';
  const source = resolve(opts.monitoringDir);
  const scale = opts.timeScale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new UsageError(`time scale must be in (0, 1], got ${scale}`, { field: '--time-scale', fix: 'use e.g. 0.1 for ten times faster, or 1 for real timings' });
  if (!existsSync(source)) throw new UsageError('monitoring folder does not exist', { file: source, fix: 'point --monitoring-dir at a folder with the seed layout (prometheus/, loki/, promtail/, alertmanager/, grafana/)' });
  for (const f of REQUIRED_FILES) if (!existsSync(join(source, f))) throw new UsageError('required file is missing', { file: join(source, f), fix: `add it; a monitoring folder needs ${REQUIRED_FILES.join(', ')}` });
  const logPipeline = detectLogPipeline(source);

  const out = join(t.runDir, 'config');
  mkdirSync(out, { recursive: true });
  // Start from a verbatim copy so every file the configs refer to exists; then rewrite.
  cpSync(source, out, { recursive: true });
  const rec = new Recorder(out);
  const scaled = (d: string): string => (scale === 1 ? d : scaleDuration(d, scale));
  // A file nothing was changed in stays byte for byte the user's (comments and layout included).
  const writeIfChanged = (file: string, doc: { toString(): string }): void => {
    if (rec.changes.some((c) => c.file === rec.display(file))) writeFileSync(file, doc.toString());
  };

  // ---- Prometheus --------------------------------------------------------------
  const promFile = join(out, 'prometheus/prometheus.yml');
  const prom = loadYaml(promFile, 'Prometheus config');
  const globalDefaults: Record<string, string> = { scrape_interval: '1m', evaluation_interval: '1m', scrape_timeout: '10s' };
  for (const k of Object.keys(globalDefaults)) {
    const current = scalarAt(prom, ['global', k]);
    if (scale !== 1) set(prom, rec, promFile, ['global', k], scaled(String(current ?? globalDefaults[k])), `time scale ${scale}`);
  }
  const ruleFiles: string[] = [];
  for (let i = 0; i < seqLength(prom, ['rule_files']); i++) {
    const p = String(scalarAt(prom, ['rule_files', i]));
    const rendered = isAbsolute(p) ? containerPathToRendered(p, out) : join(dirname(promFile), p);
    if (!rendered || !existsSync(rendered)) throw new UsageError(`rule file ${p} does not exist in the monitoring folder`, { file: join(source, 'prometheus/prometheus.yml'), field: `rule_files[${i}]`, fix: 'add the file under prometheus/ or remove the entry' });
    if (native && rendered !== p) set(prom, rec, promFile, ['rule_files', i], rendered, 'container path → rendered copy', { kind: 'meaning-preserving' });
    ruleFiles.push(rendered);
  }
  for (let a = 0; native && a < seqLength(prom, ['alerting', 'alertmanagers']); a++) {
    for (let s = 0; s < seqLength(prom, ['alerting', 'alertmanagers', a, 'static_configs']); s++) {
      const path: Path = ['alerting', 'alertmanagers', a, 'static_configs', s, 'targets'];
      for (let i = 0; i < seqLength(prom, path); i++) {
        const from = String(scalarAt(prom, [...path, i]));
        const to = mapAddress(t, from);
        if (to) set(prom, rec, promFile, [...path, i], to, 'Compose DNS name → loopback port');
        else rec.warnings.push(`prometheus.yml: alertmanager target ${from} is not in the port plan; left unchanged`);
      }
    }
  }
  for (let j = 0; j < seqLength(prom, ['scrape_configs']); j++) {
    const job = String(scalarAt(prom, ['scrape_configs', j, 'job_name']));
    for (const k of ['scrape_interval', 'scrape_timeout']) {
      const v = scalarAt(prom, ['scrape_configs', j, k]);
      if (v !== undefined && scale !== 1) set(prom, rec, promFile, ['scrape_configs', j, k], scaled(String(v)), `time scale ${scale}`);
    }
    for (const k of mapKeys(prom, ['scrape_configs', j])) {
      if (native && k.endsWith('_sd_configs') && k !== 'file_sd_configs') rec.warnings.push(`prometheus.yml: job ${job} uses ${k}, which the native backend cannot provide; its targets will be missing`);
    }
    for (let s = 0; native && s < seqLength(prom, ['scrape_configs', j, 'static_configs']); s++) {
      const path: Path = ['scrape_configs', j, 'static_configs', s, 'targets'];
      for (let i = 0; i < seqLength(prom, path); i++) {
        const from = String(scalarAt(prom, [...path, i]));
        let to = mapAddress(t, from);
        let reason = 'Compose DNS name → loopback port';
        let standIn = false;
        if (!to && /^localhost:9090$|^127\.0\.0\.1:9090$/.test(from) && job === 'prometheus') to = `127.0.0.1:${t.component.prometheus.port}`;
        if (!to && from.startsWith('qdrant:')) {
          // No Qdrant server can be had here: its slot is scraped from the qdrant-mcp stand-in.
          const q = t.services.find((x) => x.name === 'qdrant-mcp');
          if (q) {
            to = `127.0.0.1:${q.port}`;
            reason = 'no Qdrant server is available natively; scraped from the qdrant-mcp stand-in';
            standIn = true;
          }
        }
        if (to) set(prom, rec, promFile, [...path, i], to, reason, standIn ? { kind: 'cannot-keep-meaning' } : {});
        else if (!from.startsWith('127.0.0.1:')) rec.warnings.push(`prometheus.yml: job ${job} target ${from} is not in the port plan; left unchanged (it will be down)`);
      }
    }
  }
  writeIfChanged(promFile, prom);

  // ---- Alert rules -------------------------------------------------------------
  if (scale !== 1) {
    for (const file of ruleFiles) {
      const rules = loadYaml(file, 'rule file');
      for (let g = 0; g < seqLength(rules, ['groups']); g++) {
        const interval = scalarAt(rules, ['groups', g, 'interval']);
        set(rules, rec, file, ['groups', g, 'interval'], scaled(String(interval ?? scalarAt(prom, ['global', 'evaluation_interval']) ?? '1m')), `time scale ${scale}`);
        for (let r = 0; r < seqLength(rules, ['groups', g, 'rules']); r++) {
          for (const k of ['for', 'keep_firing_for']) {
            const v = scalarAt(rules, ['groups', g, 'rules', r, k]);
            if (v !== undefined) set(rules, rec, file, ['groups', g, 'rules', r, k], scaled(String(v)), `time scale ${scale}`);
          }
          const expr = scalarAt(rules, ['groups', g, 'rules', r, 'expr']);
          if (typeof expr === 'string') set(rules, rec, file, ['groups', g, 'rules', r, 'expr'], scalePromQLDurations(expr, scale), `time scale ${scale}: range windows, subqueries and offsets`);
        }
      }
      writeIfChanged(file, rules);
    }
  }

  // ---- Alertmanager ------------------------------------------------------------
  const amFile = join(out, 'alertmanager/config.yml');
  const am = loadYaml(amFile, 'Alertmanager config');
  const receiverUrl = native ? `${t.component['alert-receiver'].url}/alerts` : CONTAINER_RECEIVER_URL;
  for (let r = 0; r < seqLength(am, ['receivers']); r++) {
    for (const k of mapKeys(am, ['receivers', r])) {
      if (!k.endsWith('_configs')) continue;
      if (k === 'webhook_configs') {
        for (let w = 0; w < seqLength(am, ['receivers', r, k]); w++) {
          if (scalarAt(am, ['receivers', r, k, w, 'url']) !== receiverUrl) set(am, rec, amFile, ['receivers', r, k, w, 'url'], receiverUrl, "notifications go to the harness's webhook receiver");
        }
      } else {
        rec.change(amFile, `receivers[${r}].${k}`, '(present)', '(removed)', 'a test run sends no external notifications; the harness webhook receives them instead');
        am.deleteIn(['receivers', r, k]);
        if (seqLength(am, ['receivers', r, 'webhook_configs']) === 0) am.setIn(['receivers', r, 'webhook_configs'], [{ url: receiverUrl, send_resolved: true }]);
      }
    }
  }
  if (scale !== 1) {
    const resolveTimeout = scalarAt(am, ['global', 'resolve_timeout']);
    set(am, rec, amFile, ['global', 'resolve_timeout'], scaled(String(resolveTimeout ?? '5m')), `time scale ${scale}`);
    const amDefaults: Record<string, string> = { group_wait: '30s', group_interval: '5m', repeat_interval: '4h' };
    const scaleRoute = (path: Path, isRoot: boolean): void => {
      for (const [k, d] of Object.entries(amDefaults)) {
        const v = scalarAt(am, [...path, k]);
        if (v !== undefined || isRoot) set(am, rec, amFile, [...path, k], scaled(String(v ?? d)), `time scale ${scale}`);
      }
      for (let i = 0; i < seqLength(am, [...path, 'routes']); i++) scaleRoute([...path, 'routes', i], false);
    };
    scaleRoute(['route'], true);
  }
  writeIfChanged(amFile, am);

  // ---- Log pipeline -----------------------------------------------------------
  mkdirSync(join(t.logDir, 'services'), { recursive: true });
  const logFiles = !native ? containerLogFiles(out, logPipeline, source) : logPipeline.store === 'loki' ? renderLokiPromtail(out, t, rec) : renderVictoriaLogsOtelcol(out, t, rec, source);

  // ---- Grafana -----------------------------------------------------------------
  const dsFile = join(out, 'grafana/provisioning/datasources/datasources.yml');
  const ds = loadYaml(dsFile, 'Grafana datasources');
  for (let i = 0; native && i < seqLength(ds, ['datasources']); i++) {
    const from = scalarAt(ds, ['datasources', i, 'url']);
    const to = typeof from === 'string' ? mapUrl(t, from) : undefined;
    if (to) set(ds, rec, dsFile, ['datasources', i, 'url'], to, 'Compose DNS name → loopback port');
  }
  writeIfChanged(dsFile, ds);
  const dbFile = join(out, 'grafana/provisioning/dashboards/dashboards.yml');
  const db = loadYaml(dbFile, 'Grafana dashboard providers');
  for (let i = 0; native && i < seqLength(db, ['providers']); i++) {
    const p = scalarAt(db, ['providers', i, 'options', 'path']);
    const to = typeof p === 'string' ? containerPathToRendered(p, out) : undefined;
    if (to) set(db, rec, dbFile, ['providers', i, 'options', 'path'], to, 'container path → rendered copy', { kind: 'meaning-preserving' });
  }
  writeIfChanged(dbFile, db);

  const rendered: RenderedConfig = {
    sourceDir: source,
    dir: out,
    timeScale: scale,
    changes: rec.changes,
    warnings: rec.warnings,
    logPipeline,
    files: { prometheus: promFile, ruleFiles, alertmanager: amFile, grafanaProvisioning: join(out, 'grafana/provisioning'), ...withoutArgs(logFiles) },
    settings: { prometheusRetention: SEED_RETENTION, lookbackDelta: scaled(DEFAULT_LOOKBACK), victorialogsArgs: 'victorialogsArgs' in logFiles ? logFiles.victorialogsArgs : undefined },
  };
  if (scale !== 1) rec.change(promFile, '--query.lookback-delta (flag)', DEFAULT_LOOKBACK, rendered.settings.lookbackDelta, `time scale ${scale}`);
  writeFileSync(join(t.runDir, 'config-changes.json'), JSON.stringify({ sourceDir: source, timeScale: scale, changes: rec.changes, warnings: rec.warnings }, null, 2));
  return rendered;
}

/** The log pipeline's files on the containers backend: as the folder has them (their container paths resolve there). */
function containerLogFiles(out: string, pipeline: LogPipeline, source: string): LokiPromtailFiles | VictoriaLogsOtelcolFiles {
  // No file SD on containers: Promtail discovers the service containers as the folder says.
  if (pipeline.store === 'loki') return { loki: join(out, 'loki/loki-config.yml'), promtail: join(out, 'promtail/promtail-config.yml'), promtailTargets: '' };
  const vl = loadYaml(join(out, 'victorialogs/victorialogs.yml'), 'VictoriaLogs flags', join(source, 'victorialogs/victorialogs.yml'));
  const args = mapKeys(vl, ['flags']).map((k) => `-${k}=${String(scalarAt(vl, ['flags', k]))}`);
  return { victorialogs: join(out, 'victorialogs/victorialogs.yml'), otelcol: join(out, 'otelcol/otelcol-config.yml'), victorialogsArgs: args };
}

function withoutArgs(f: LokiPromtailFiles | VictoriaLogsOtelcolFiles): Partial<LokiPromtailFiles> & Partial<Omit<VictoriaLogsOtelcolFiles, 'victorialogsArgs'>> {
  if (!('victorialogsArgs' in f)) return f;
  const { victorialogsArgs: _args, ...files } = f;
  return files;
}
