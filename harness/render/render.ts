/**
 * The one config renderer. It never touches the monitoring folder under test: it reads
 * it, and writes a runnable copy into the run directory for the native backend —
 * Compose DNS names become loopback ports, container paths become run-directory
 * paths, Docker discovery becomes file discovery of the fake services' log files, and
 * (with --time-scale) every interval and window is scaled. Each change is recorded so
 * a report can say exactly what was tested.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseDocument, isMap, isSeq, isScalar, type Document } from 'yaml';
import { UsageError } from '../lib/errors.ts';
import type { Topology } from '../stack/topology.ts';
import { scaleDuration, scalePromQLDurations } from '../../assertions/time-scale.ts';

export interface ConfigChange {
  file: string;
  key: string;
  from: unknown;
  to: unknown;
  reason: string;
}

export interface RenderedConfig {
  sourceDir: string;
  dir: string;
  timeScale: number;
  changes: ConfigChange[];
  warnings: string[];
  files: {
    prometheus: string;
    ruleFiles: string[];
    alertmanager: string;
    loki: string;
    promtail: string;
    promtailTargets: string;
    grafanaProvisioning: string;
  };
  /** Effective settings the backend needs as flags (retention, lookback delta). */
  settings: { prometheusRetention: string; lookbackDelta: string };
}

/** The files a monitoring folder must have, relative to it (the seed's layout). */
export const REQUIRED_FILES = [
  'prometheus/prometheus.yml',
  'alertmanager/config.yml',
  'loki/loki-config.yml',
  'promtail/promtail-config.yml',
  'grafana/provisioning/datasources/datasources.yml',
  'grafana/provisioning/dashboards/dashboards.yml',
] as const;

/** Where the Compose file mounts each folder; the configs refer to these paths. */
const CONTAINER_MOUNTS: [string, string][] = [
  ['/etc/prometheus', 'prometheus'],
  ['/etc/alertmanager', 'alertmanager'],
  ['/etc/loki', 'loki'],
  ['/etc/promtail', 'promtail'],
  ['/etc/grafana/provisioning', 'grafana/provisioning'],
];

const SEED_RETENTION = '15d'; // Prometheus's default, which the seed states.
const DEFAULT_LOOKBACK = '5m';

export interface RenderOptions {
  monitoringDir: string;
  topology: Topology;
  timeScale?: number;
}

class Recorder {
  readonly changes: ConfigChange[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly root: string) {}
  change(file: string, key: string, from: unknown, to: unknown, reason: string): void {
    if (JSON.stringify(from) === JSON.stringify(to)) return;
    this.changes.push({ file: relative(this.root, file) || file, key, from, to, reason });
  }
}

function loadYaml(file: string, label: string): Document {
  if (!existsSync(file)) throw new UsageError(`missing ${label}`, { file, fix: `create it (the seed's layout: ${REQUIRED_FILES.join(', ')}), or point --monitoring-dir at a folder that has it` });
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new UsageError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, field: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : undefined, fix: 'correct the YAML syntax' });
  }
  return doc;
}

type Path = (string | number)[];
const keyOf = (path: Path): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');

function scalarAt(doc: Document, path: Path): unknown {
  const v = doc.getIn(path, true);
  return isScalar(v) ? v.value : v === undefined ? undefined : (doc.getIn(path) as unknown);
}

function set(doc: Document, rec: Recorder, file: string, path: Path, to: unknown, reason: string): void {
  const from = scalarAt(doc, path);
  rec.change(file, keyOf(path), from, to, reason);
  doc.setIn(path, to);
}

function seqLength(doc: Document, path: Path): number {
  const n = doc.getIn(path, true);
  return isSeq(n) ? n.items.length : 0;
}

function mapKeys(doc: Document, path: Path): string[] {
  const n = path.length ? doc.getIn(path, true) : doc.contents;
  return isMap(n) ? n.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [];
}

/** `alertmanager:9093` → `127.0.0.1:7033`; unknown hosts are returned unchanged. */
function mapAddress(t: Topology, address: string): string | undefined {
  const m = /^([^:/]+):(\d+)$/.exec(address);
  if (!m) return undefined;
  const host = m[1]!;
  if (host === 'localhost' || host === '127.0.0.1') return undefined;
  return t.addressMap.get(host);
}

function mapUrl(t: Topology, url: string): string | undefined {
  const m = /^(https?:\/\/)([^/:]+)(?::(\d+))?(.*)$/.exec(url);
  if (!m) return undefined;
  const mapped = t.addressMap.get(m[2]!);
  return mapped ? `http://${mapped}${m[4] ?? ''}` : undefined;
}

/** A container path (/etc/prometheus/alerts.yml) → the rendered copy of that file. */
function containerPathToRendered(p: string, renderedRoot: string): string | undefined {
  for (const [mount, sub] of CONTAINER_MOUNTS) if (p === mount || p.startsWith(`${mount}/`)) return join(renderedRoot, sub, p.slice(mount.length));
  return undefined;
}

export function renderMonitoringConfig(opts: RenderOptions): RenderedConfig {
  const { topology: t } = opts;
  const source = resolve(opts.monitoringDir);
  const scale = opts.timeScale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new UsageError(`time scale must be in (0, 1], got ${scale}`, { field: '--time-scale', fix: 'use e.g. 0.1 for ten times faster, or 1 for real timings' });
  if (!existsSync(source)) throw new UsageError('monitoring folder does not exist', { file: source, fix: 'point --monitoring-dir at a folder with the seed layout (prometheus/, loki/, promtail/, alertmanager/, grafana/)' });
  for (const f of REQUIRED_FILES) if (!existsSync(join(source, f))) throw new UsageError('required file is missing', { file: join(source, f), fix: `add it; a monitoring folder needs ${REQUIRED_FILES.join(', ')}` });

  const out = join(t.runDir, 'config');
  mkdirSync(out, { recursive: true });
  // Start from a verbatim copy so every file the configs refer to exists; then rewrite.
  cpSync(source, out, { recursive: true });
  const rec = new Recorder(out);
  const scaled = (d: string): string => (scale === 1 ? d : scaleDuration(d, scale));

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
    if (rendered !== p) set(prom, rec, promFile, ['rule_files', i], rendered, 'container path → rendered copy');
    ruleFiles.push(rendered);
  }
  for (let a = 0; a < seqLength(prom, ['alerting', 'alertmanagers']); a++) {
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
      if (k.endsWith('_sd_configs') && k !== 'file_sd_configs') rec.warnings.push(`prometheus.yml: job ${job} uses ${k}, which the native backend cannot provide; its targets will be missing`);
    }
    for (let s = 0; s < seqLength(prom, ['scrape_configs', j, 'static_configs']); s++) {
      const path: Path = ['scrape_configs', j, 'static_configs', s, 'targets'];
      for (let i = 0; i < seqLength(prom, path); i++) {
        const from = String(scalarAt(prom, [...path, i]));
        let to = mapAddress(t, from);
        let reason = 'Compose DNS name → loopback port';
        if (!to && /^localhost:9090$|^127\.0\.0\.1:9090$/.test(from) && job === 'prometheus') to = `127.0.0.1:${t.component.prometheus.port}`;
        if (!to && from.startsWith('qdrant:')) {
          // No Qdrant server can be had here: its slot is scraped from the qdrant-mcp stand-in.
          const q = t.services.find((x) => x.name === 'qdrant-mcp');
          if (q) {
            to = `127.0.0.1:${q.port}`;
            reason = 'no Qdrant server is available natively; scraped from the qdrant-mcp stand-in';
          }
        }
        if (to) set(prom, rec, promFile, [...path, i], to, reason);
        else if (!from.startsWith('127.0.0.1:')) rec.warnings.push(`prometheus.yml: job ${job} target ${from} is not in the port plan; left unchanged (it will be down)`);
      }
    }
  }
  writeFileSync(promFile, prom.toString());

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
      writeFileSync(file, rules.toString());
    }
  }

  // ---- Alertmanager ------------------------------------------------------------
  const amFile = join(out, 'alertmanager/config.yml');
  const am = loadYaml(amFile, 'Alertmanager config');
  const receiverUrl = `${t.component['alert-receiver'].url}/alerts`;
  for (let r = 0; r < seqLength(am, ['receivers']); r++) {
    for (const k of mapKeys(am, ['receivers', r])) {
      if (!k.endsWith('_configs')) continue;
      if (k === 'webhook_configs') {
        for (let w = 0; w < seqLength(am, ['receivers', r, k]); w++) set(am, rec, amFile, ['receivers', r, k, w, 'url'], receiverUrl, "notifications go to the harness's webhook receiver");
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
  writeFileSync(amFile, am.toString());

  // ---- Loki --------------------------------------------------------------------
  const lokiFile = join(out, 'loki/loki-config.yml');
  const loki = loadYaml(lokiFile, 'Loki config');
  const lokiData = join(t.dataDir, 'loki');
  set(loki, rec, lokiFile, ['server', 'http_listen_address'], '127.0.0.1', 'bind loopback only');
  set(loki, rec, lokiFile, ['server', 'http_listen_port'], t.component.loki.port, 'port plan');
  set(loki, rec, lokiFile, ['server', 'grpc_listen_address'], '127.0.0.1', 'bind loopback only');
  set(loki, rec, lokiFile, ['server', 'grpc_listen_port'], t.component.loki.extra.grpc, 'port plan');
  // Loki advertises the first private interface address in its ring by default; on loopback it must be 127.0.0.1.
  set(loki, rec, lokiFile, ['common', 'instance_addr'], '127.0.0.1', 'ring address on loopback');
  rewritePaths(loki, rec, lokiFile, [], (p) => (p.startsWith('/loki') ? join(lokiData, p.slice('/loki'.length)) : p.startsWith('/tmp/') ? join(lokiData, 'tmp', p.slice(5)) : undefined));
  writeFileSync(lokiFile, loki.toString());

  // ---- Promtail ----------------------------------------------------------------
  const ptFile = join(out, 'promtail/promtail-config.yml');
  const pt = loadYaml(ptFile, 'Promtail config');
  const ptData = join(t.dataDir, 'promtail');
  const targetsFile = join(out, 'promtail/targets/docker.yml');
  set(pt, rec, ptFile, ['server', 'http_listen_address'], '127.0.0.1', 'bind loopback only');
  set(pt, rec, ptFile, ['server', 'http_listen_port'], t.component.promtail.port, 'port plan');
  set(pt, rec, ptFile, ['server', 'grpc_listen_address'], '127.0.0.1', 'bind loopback only');
  set(pt, rec, ptFile, ['server', 'grpc_listen_port'], t.component.promtail.extra.grpc, 'port plan');

  set(pt, rec, ptFile, ['positions', 'filename'], join(ptData, 'positions.yaml'), 'data in the run directory');
  for (let c = 0; c < seqLength(pt, ['clients']); c++) {
    const from = String(scalarAt(pt, ['clients', c, 'url']));
    const to = mapUrl(t, from);
    if (to) set(pt, rec, ptFile, ['clients', c, 'url'], to, 'Compose DNS name → loopback port');
  }
  for (let j = 0; j < seqLength(pt, ['scrape_configs']); j++) {
    if (scalarAt(pt, ['scrape_configs', j, 'docker_sd_configs']) !== undefined) {
      rec.change(ptFile, `scrape_configs[${j}].docker_sd_configs`, '(Docker socket discovery)', `file_sd_configs: ${targetsFile}`, "no Docker here: the fake services' log files are described with the same __meta_docker_* labels, so the config's relabel rules apply unchanged");
      pt.deleteIn(['scrape_configs', j, 'docker_sd_configs']);
      pt.setIn(['scrape_configs', j, 'file_sd_configs'], [{ files: [targetsFile], refresh_interval: '5s' }]);
    }
    for (let s = 0; s < seqLength(pt, ['scrape_configs', j, 'static_configs']); s++) {
      const path: Path = ['scrape_configs', j, 'static_configs', s, 'labels', '__path__'];
      const p = scalarAt(pt, path);
      if (typeof p === 'string' && p.startsWith('/var/log')) set(pt, rec, ptFile, path, join(t.logDir, 'system', p.slice('/var/log/'.length)), "the host's /var/log is not the stack under test; an empty run-directory folder stands in");
    }
  }
  writeFileSync(ptFile, pt.toString());
  mkdirSync(dirname(targetsFile), { recursive: true });
  mkdirSync(join(t.logDir, 'services'), { recursive: true });
  mkdirSync(join(t.logDir, 'system'), { recursive: true });
  writeFileSync(targetsFile, renderDockerTargets(t));

  // ---- Grafana -----------------------------------------------------------------
  const dsFile = join(out, 'grafana/provisioning/datasources/datasources.yml');
  const ds = loadYaml(dsFile, 'Grafana datasources');
  for (let i = 0; i < seqLength(ds, ['datasources']); i++) {
    const from = scalarAt(ds, ['datasources', i, 'url']);
    const to = typeof from === 'string' ? mapUrl(t, from) : undefined;
    if (to) set(ds, rec, dsFile, ['datasources', i, 'url'], to, 'Compose DNS name → loopback port');
  }
  writeFileSync(dsFile, ds.toString());
  const dbFile = join(out, 'grafana/provisioning/dashboards/dashboards.yml');
  const db = loadYaml(dbFile, 'Grafana dashboard providers');
  for (let i = 0; i < seqLength(db, ['providers']); i++) {
    const p = scalarAt(db, ['providers', i, 'options', 'path']);
    const to = typeof p === 'string' ? containerPathToRendered(p, out) : undefined;
    if (to) set(db, rec, dbFile, ['providers', i, 'options', 'path'], to, 'container path → rendered copy');
  }
  writeFileSync(dbFile, db.toString());

  const rendered: RenderedConfig = {
    sourceDir: source,
    dir: out,
    timeScale: scale,
    changes: rec.changes,
    warnings: rec.warnings,
    files: { prometheus: promFile, ruleFiles, alertmanager: amFile, loki: lokiFile, promtail: ptFile, promtailTargets: targetsFile, grafanaProvisioning: join(out, 'grafana/provisioning') },
    settings: { prometheusRetention: SEED_RETENTION, lookbackDelta: scaled(DEFAULT_LOOKBACK) },
  };
  if (scale !== 1) rec.change(promFile, '--query.lookback-delta (flag)', DEFAULT_LOOKBACK, rendered.settings.lookbackDelta, `time scale ${scale}`);
  writeFileSync(join(t.runDir, 'config-changes.json'), JSON.stringify({ sourceDir: source, timeScale: scale, changes: rec.changes, warnings: rec.warnings }, null, 2));
  return rendered;
}

/** Replace every string value that is a path the mapper knows, anywhere in the document. */
function rewritePaths(doc: Document, rec: Recorder, file: string, path: Path, mapper: (p: string) => string | undefined): void {
  const node = path.length ? doc.getIn(path, true) : doc.contents;
  if (isMap(node)) for (const k of mapKeys(doc, path)) rewritePaths(doc, rec, file, [...path, k], mapper);
  else if (isSeq(node)) for (let i = 0; i < node.items.length; i++) rewritePaths(doc, rec, file, [...path, i], mapper);
  else if (isScalar(node) && typeof node.value === 'string') {
    const to = mapper(node.value);
    if (to) set(doc, rec, file, path, to, 'data in the run directory');
  }
}

/**
 * Promtail file-discovery targets standing in for Docker discovery: one group per fake
 * service, labelled as Docker + Compose would label its container.
 */
export function renderDockerTargets(t: Topology): string {
  const groups = t.services.map((s) => ({
    targets: ['localhost'],
    labels: {
      __path__: s.logFile,
      __meta_docker_container_name: `/${s.name}`,
      __meta_docker_container_label_com_docker_compose_service: s.name,
      __meta_docker_container_label_com_docker_compose_project: 'mcp-orchestration',
      __meta_docker_container_label_mcp_service_group: s.group,
    },
  }));
  return JSON.stringify(groups, null, 2) + '\n';
}
