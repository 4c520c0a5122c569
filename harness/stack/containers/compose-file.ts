/**
 * docker-compose.test.yml, generated from the sources the containers backend runs from:
 * images from versions.json (images.ts), host and container ports and DNS names from the
 * port plan (harness/plan/port-plan.ts) and the catalog (fake-services/catalog.ts), each fake
 * service's MCP_FAKE_CONFIG from serviceContainerConfig (fleet-containers.ts), and the log
 * pipeline the monitoring folder declares. The folder's config is mounted unmodified, as
 * the backend mounts it. Written for Compose file format 2.4, which compose v1 (1.29)
 * and v2 both run; `npm run compose` writes the committed file (scripts/compose.ts).
 *
 * What it promises: every published port on 127.0.0.1 only; no credential in the file
 * (POSTGRES_PASSWORD and, with Grafana, GRAFANA_ADMIN_PASSWORD are required from the
 * environment); the fake services run the prebuilt bundle with plain node, never tsx.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { Document, isPair, isScalar, isSeq, parse as parseYaml, visit, type YAMLMap } from 'yaml';
import { CONTROL_PORT_OFFSET, COORDINATOR, SERVICES } from '../../../fake-services/catalog.ts';
import { UsageError } from '../../lib/errors.ts';
import { fleetBundleDir, REPO_ROOT } from '../../lib/paths.ts';
import { detectLogPipeline } from '../../plan/log-pipeline.ts';
import { COMPONENT_PORTS, type ComponentName } from '../../plan/port-plan.ts';
import { buildTopology, LOOPBACK } from '../../plan/topology.ts';
import { SERVICE_LOG_MOUNT } from '../../render/victorialogs-otelcol.ts';
import { DEFAULT_SEED } from '../environment.ts';
import { CURRENT_BUNDLE } from '../fleet-bundle.ts';
import { COORDINATOR_NAME, SERVICE_NODE_FLAGS } from '../fleet.ts';
import { containerUrls, type RunSecrets } from './definitions.ts';
import { serviceContainerConfig, STANDS_IN } from './fleet-containers.ts';
import { imageFor, type ImageComponent } from './images.ts';

/** The committed file, at the repository root (Compose resolves its relative paths from there). */
export const COMPOSE_FILE = 'docker-compose.test.yml';

export interface ComposeFileOptions {
  /** The monitoring folder, relative to the repository root: `monitoring` (Loki + Promtail) or `monitoring-victorialogs`. */
  monitoringDir: 'monitoring' | 'monitoring-victorialogs' | (string & {});
  /** Added to every published host port (container ports never move). */
  portOffset?: number;
  /** Default image per component instead of versions.json's upstream one; `<NAME>_IMAGE` still overrides it. */
  images?: Partial<Record<ImageComponent, string>>;
}

/** The variables a run must set: Compose refuses to start without them (`${VAR:?message}`). */
export const SECRET_VARIABLES = { postgres: 'POSTGRES_PASSWORD', grafana: 'GRAFANA_ADMIN_PASSWORD' } as const;

const required = (name: string): string => `\${${name}:?set ${name}: this file has no default credentials}`;

/** The variable that overrides a component's image: PROMETHEUS_IMAGE, POSTGRES_EXPORTER_IMAGE, NODE_IMAGE. */
export const imageVariable = (c: ImageComponent): string => `${c.toUpperCase().replace(/-/g, '_')}_IMAGE`;

/** Every component that has a local image, as `<NAME>_IMAGE` → its local tag: run the file on the images `npm run setup -- --containers` builds. */
export function localImageEnv(): Record<string, string> {
  const all: ImageComponent[] = ['prometheus', 'alertmanager', 'victorialogs', 'otelcol', 'mosquitto', 'postgres', 'redis', 'postgres-exporter', 'redis-exporter', 'node'];
  return Object.fromEntries(all.map((c) => [imageVariable(c), imageFor(c, 'local')]));
}

/** Where the repository is mounted in the node containers, and the fleet bundle's stable name there. */
const APP = '/app';
const BUNDLE_IN_APP = `${APP}/${relative(REPO_ROOT, fleetBundleDir()).split('\\').join('/')}/${CURRENT_BUNDLE}`;

const CONTROL_NOTE = `each publishes its service port and its fault-control port (service port + ${CONTROL_PORT_OFFSET}).`;

/* eslint-disable @typescript-eslint/no-explicit-any */
type Service = Record<string, any>;

function folderOf(dir: string): string {
  const d = dir.replace(/^\.\//, '').replace(/\/+$/, '');
  if (!d || isAbsolute(d) || d.split('/').includes('..')) throw new UsageError(`the monitoring folder must be a path inside the repository, relative to it: ${dir}`, { field: 'monitoringDir', fix: 'pass e.g. monitoring or monitoring-victorialogs' });
  if (!existsSync(join(REPO_ROOT, d))) throw new UsageError(`no monitoring folder ${d} in the repository`, { file: join(REPO_ROOT, d), fix: 'pass monitoring or monitoring-victorialogs' });
  return d;
}

function yamlFile(path: string): any {
  return parseYaml(readFileSync(path, 'utf8'), { merge: true });
}

/** A container port the folder's config sets for a planned extra port (Loki's gRPC), or undefined when it has none (0: off). */
function extraContainerPort(folder: string, component: ComponentName, key: string): number | undefined {
  const files: Partial<Record<ComponentName, Record<string, { file: string; path: string[] }>>> = {
    loki: { grpc: { file: 'loki/loki-config.yml', path: ['server', 'grpc_listen_port'] } },
    promtail: { grpc: { file: 'promtail/promtail-config.yml', path: ['server', 'grpc_listen_port'] } },
  };
  const spec = files[component]?.[key];
  if (!spec) return undefined;
  let v: any = yamlFile(join(REPO_ROOT, folder, spec.file));
  for (const k of spec.path) v = v?.[k];
  return Number.isInteger(v) && v > 0 ? (v as number) : undefined;
}

export function renderComposeFile(opts: ComposeFileOptions): string {
  const folder = folderOf(opts.monitoringDir);
  const offset = opts.portOffset ?? 0;
  const pipeline = detectLogPipeline(join(REPO_ROOT, folder));
  const t = buildTopology({ offset, runDir: '/nonexistent' });
  const pg = required(SECRET_VARIABLES.postgres);
  // The backend's secrets of one run, here Compose variables the environment must set.
  const secrets: RunSecrets = { postgresPassword: pg, grafanaAdminPassword: required(SECRET_VARIABLES.grafana) };
  const urls = containerUrls(secrets);

  const image = (c: ImageComponent): string => `\${${imageVariable(c)}:-${opts.images?.[c] ?? imageFor(c, 'upstream')}}`;
  const published = (host: number, container: number): string => `${LOOPBACK}:${host}:${container}`;
  const ports = (name: ComponentName): string[] => {
    const plan = COMPONENT_PORTS[name];
    const out = [published(plan.port + offset, plan.containerPort)];
    for (const [key, port] of Object.entries(plan.extra ?? {})) {
      const container = extraContainerPort(folder, name, key);
      if (container) out.push(published(port + offset, container));
    }
    return out;
  };
  const conf = (sub: string, target: string): string => `./${folder}/${sub}:${target}:ro`;
  const url = (name: ComponentName): string => t.component[name].url;

  const services: Record<string, Service> = {};
  const comments: Record<string, string> = {};
  const add = (name: string, s: Service, comment?: string): void => {
    services[name] = { ...s, restart: 'unless-stopped' };
    if (comment) comments[name] = comment;
  };

  add('prometheus', {
    image: image('prometheus'),
    command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--web.enable-lifecycle', '--web.enable-remote-write-receiver', `--web.external-url=${url('prometheus')}`],
    ports: ports('prometheus'),
    volumes: [conf('prometheus', '/etc/prometheus'), 'prometheus-data:/prometheus'],
    depends_on: ['alertmanager'],
  });
  add('alertmanager', {
    image: image('alertmanager'),
    // No cluster: one Alertmanager, and no gossip port to publish.
    command: ['--config.file=/etc/alertmanager/config.yml', '--storage.path=/alertmanager', '--cluster.listen-address=', `--web.external-url=${url('alertmanager')}`],
    ports: ports('alertmanager'),
    volumes: [conf('alertmanager', '/etc/alertmanager'), 'alertmanager-data:/alertmanager'],
    depends_on: ['alert-receiver'],
  });
  const receiverPort = COMPONENT_PORTS['alert-receiver'].containerPort;
  add('alert-receiver', {
    image: image('node'),
    command: ['node', `${APP}/harness/stack/alert-receiver-main.ts`],
    environment: { PORT: String(receiverPort), JOURNAL: '/data/notifications.jsonl' },
    ports: ports('alert-receiver'),
    volumes: [`.:${APP}:ro`, 'alert-receiver-data:/data'],
  }, ` The on-call webhook the folder's Alertmanager sends to (http://alert-receiver:${receiverPort}/alerts): the harness's receiver, run by Node's type stripping.`);

  if (pipeline.store === 'victorialogs') {
    const vl = yamlFile(join(REPO_ROOT, folder, pipeline.files.store)) as { flags?: Record<string, unknown> };
    if (!vl?.flags || typeof vl.flags !== 'object') throw new UsageError('VictoriaLogs flags file has no `flags:` map', { file: join(folder, pipeline.files.store), field: 'flags', fix: 'list the command-line flags Compose passes VictoriaLogs under `flags:`' });
    const storage = String(vl.flags.storageDataPath ?? '/victoria-logs-data');
    add('victorialogs', {
      image: image('victorialogs'),
      command: Object.entries(vl.flags).map(([k, v]) => `-${k}=${String(v)}`),
      ports: ports('victorialogs'),
      volumes: [`victorialogs-data:${storage}`],
    }, ` The log pipeline of ${folder}/: VictoriaLogs (flags from ${pipeline.files.store}) and the OpenTelemetry Collector.`);
    const ot = yamlFile(join(REPO_ROOT, folder, pipeline.files.shipper)) as { extensions?: Record<string, { directory?: unknown }> };
    const storages = Object.entries(ot?.extensions ?? {}).filter(([k, v]) => k.startsWith('file_storage') && typeof v?.directory === 'string');
    add('otelcol', {
      image: image('otelcol'),
      user: '0:0',
      command: ['--config', '/etc/otelcol/otelcol-config.yml'],
      ports: ports('otelcol'),
      volumes: [conf('otelcol', '/etc/otelcol'), `mcp-logs:${SERVICE_LOG_MOUNT}:ro`, ...storages.map(([k, v]) => `otelcol-${k.replace(/[^a-zA-Z0-9_.-]/g, '-')}:${String(v.directory)}`)],
      depends_on: ['victorialogs'],
    }, ' Root: a fresh named volume belongs to root, where the image\'s user (10001) could not keep its read positions.');
  } else {
    const agpl = ' AGPL-3.0 (versions.json userSupplied): this project builds no image of it; only the upstream image, on an engine that can pull it.';
    add('loki', {
      image: image('loki'),
      command: ['-config.file=/etc/loki/loki-config.yml'],
      ports: ports('loki'),
      volumes: [conf('loki', '/etc/loki'), 'loki-data:/loki'],
    }, ` The log pipeline of ${folder}/: Loki and Promtail, and Grafana.${agpl}`);
    add('promtail', {
      image: image('promtail'),
      command: ['-config.file=/etc/promtail/promtail-config.yml'],
      ports: ports('promtail'),
      volumes: [conf('promtail', '/etc/promtail'), '${DOCKER_SOCKET:-/var/run/docker.sock}:/var/run/docker.sock:ro', '/var/log:/var/log:ro'],
      depends_on: ['loki'],
    }, ' Docker discovery through the engine\'s API socket: DOCKER_SOCKET names another one (podman\'s, for one).');
    add('grafana', {
      image: image('grafana'),
      environment: {
        GF_SECURITY_ADMIN_USER: 'admin',
        GF_SECURITY_ADMIN_PASSWORD: secrets.grafanaAdminPassword,
        GF_USERS_ALLOW_SIGN_UP: 'false',
        GF_ANALYTICS_REPORTING_ENABLED: 'false',
        GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      },
      ports: ports('grafana'),
      volumes: [conf('grafana/provisioning', '/etc/grafana/provisioning'), 'grafana-data:/var/lib/grafana'],
      depends_on: ['prometheus', 'loki', 'alertmanager'],
    });
  }

  add('mosquitto', {
    image: image('mosquitto'),
    // Mosquitto 2 listens on localhost only by default; both images ship this open config.
    command: ['/usr/sbin/mosquitto', '-c', '/mosquitto-no-auth.conf'],
    ports: ports('mosquitto'),
  });
  add('postgres', {
    image: image('postgres'),
    environment: { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: pg, POSTGRES_DB: 'postgres' },
    ports: ports('postgres'),
    volumes: ['postgres-data:/var/lib/postgresql/data'],
  });
  add('redis', {
    image: image('redis'),
    command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    ports: ports('redis'),
  });
  add('postgres-exporter', {
    image: image('postgres-exporter'),
    environment: { DATA_SOURCE_NAME: urls.postgres },
    ports: ports('postgres-exporter'),
    depends_on: ['postgres'],
  });
  add('redis-exporter', {
    image: image('redis-exporter'),
    environment: { REDIS_ADDR: urls.redis },
    ports: ports('redis-exporter'),
    depends_on: ['redis'],
  });

  const groups = new Map([COORDINATOR, ...SERVICES].map((s) => [s.name, s.group]));
  const fleet = [...t.services.filter((s) => s.name !== COORDINATOR_NAME), ...t.services.filter((s) => s.name === COORDINATOR_NAME)];
  for (const svc of fleet) {
    const cfg = serviceContainerConfig(t, svc, DEFAULT_SEED, secrets);
    const stand = STANDS_IN[svc.name];
    add(svc.name, {
      image: image('node'),
      command: ['node', ...SERVICE_NODE_FLAGS, BUNDLE_IN_APP],
      environment: { MCP_FAKE_CONFIG: JSON.stringify(cfg) },
      labels: { 'mcp.service_group': groups.get(svc.name)! },
      ports: [published(svc.port, cfg.port), published(svc.controlPort, cfg.controlPort)],
      volumes: [`.:${APP}:ro`, `mcp-logs:${SERVICE_LOG_MOUNT}`],
      ...(stand ? { networks: { default: { aliases: [stand.host] } } } : {}),
      depends_on: svc.name === COORDINATOR_NAME ? ['mosquitto', 'postgres', 'redis', ...fleet.filter((s) => s.name !== COORDINATOR_NAME).map((s) => s.name)] : ['mosquitto', 'postgres', 'redis'],
    }, svc === fleet[0] ? ` The fake MCP services (fake-services/catalog.ts) and the coordinator: the prebuilt bundle with plain node (${BUNDLE_IN_APP}, which \`npm run compose\` builds), the repository mounted read-only for its packages; ${CONTROL_NOTE}` : stand ? ` Also answers as ${stand.host}:${stand.port}, the server the folder scrapes that the harness has no real one of.` : undefined);
  }

  const volumeNames = [...new Set(Object.values(services).flatMap((s) => ((s.volumes ?? []) as string[]).map((v) => v.split(':')[0]!).filter((v) => /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v))))].sort();
  const doc = new Document({ version: '2.4', services, volumes: Object.fromEntries(volumeNames.map((v) => [v, null])) }, { version: '1.1' });
  doc.commentBefore = header(folder, offset, opts.images !== undefined);
  // Quoted: compose v1 reads YAML 1.1, where an unquoted 7001:7001 can be a base-60 number.
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'ports' && isSeq(pair.value)) for (const p of pair.value.items) if (isScalar(p)) p.type = 'QUOTE_DOUBLE';
    },
  });
  const svcMap = doc.get('services', true) as YAMLMap;
  visit(svcMap, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && typeof pair.key.value === 'string' && comments[pair.key.value] !== undefined) {
        pair.key.commentBefore = comments[pair.key.value];
        delete comments[pair.key.value];
      }
      return visit.SKIP;
    },
  });
  return doc.toString({ lineWidth: 0, nullStr: '' });
}

function header(folder: string, offset: number, customImages: boolean): string {
  return [
    ` Generated by \`npm run compose\` (scripts/compose.ts, harness/stack/containers/compose-file.ts) from`,
    ` versions.json (images) and the port plan (harness/plan/port-plan.ts, fake-services/catalog.ts):`,
    ` do not edit; change those and regenerate. test/unit/containers/compose-file.test.ts fails while`,
    ` this file differs from what they generate.`,
    ``,
    ` The MCP orchestration monitoring stack with ${folder}/ (mounted read-only, unmodified), port offset ${offset}${customImages ? ', custom default images' : ''}.`,
    ` Compose file format 2.4: compose v1 (1.29) and v2 both run it, from the repository root:`,
    `   npm run compose     # also builds the fake services' bundle, .cache/fleet/${CURRENT_BUNDLE}`,
    `   POSTGRES_PASSWORD=$(openssl rand -hex 16) ${folder === 'monitoring' ? 'GRAFANA_ADMIN_PASSWORD=$(openssl rand -hex 16) ' : ''}docker-compose -f ${COMPOSE_FILE} up -d`,
    ` No default credentials: the passwords come from the environment, and Compose refuses to start without`,
    ` them (use URL-safe characters: the exporter and postgresql-mcp put the password in a URL).`,
    ` Every port is published on 127.0.0.1 only. Images are versions.json's upstream tags; <COMPONENT>_IMAGE`,
    ` overrides one (${imageVariable('prometheus')}=${imageFor('prometheus', 'local')} runs the local image \`npm run setup -- --containers\` builds).`,
  ].join('\n');
}
