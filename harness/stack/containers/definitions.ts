/**
 * The stack's components as containers: image, command, mounts, network alias and ports,
 * as the Compose file would run them. The folder's config is mounted where Compose mounts
 * it, unmodified but for what the render recorded; the harness reaches each component on
 * its published 127.0.0.1 port from the port plan, so every wait strategy is the native one.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RenderedConfig } from '../../render/render.ts';
import type { Topology } from '../../plan/topology.ts';
import { COMPONENT_PORTS, type ComponentName } from '../../plan/port-plan.ts';
import { HttpWait, MqttWait, RedisPingWait, SqlWait, type WaitStrategy } from '../wait.ts';
import { REPO_ROOT } from '../../lib/paths.ts';
import { imageFor, type ImageComponent, type ImageSource } from './images.ts';

export interface Bind {
  source: string;
  target: string;
  mode: 'ro' | 'rw';
}

export interface ContainerDefinition {
  name: ComponentName;
  image: string;
  /** The Compose service name: its DNS names on the stack's network. */
  aliases: string[];
  command?: string[];
  entrypoint?: string[];
  env?: Record<string, string>;
  binds: Bind[];
  /** Container port → host port (on 127.0.0.1). */
  ports: { container: number; host: number }[];
  wait: WaitStrategy;
  dependsOn: ComponentName[];
  readyTimeoutMs: number;
  user?: string;
}

/** Secrets of one run, generated fresh and never written into a report. */
export interface RunSecrets {
  postgresPassword: string;
  grafanaAdminPassword: string;
}

export function newRunSecrets(): RunSecrets {
  return { postgresPassword: randomBytes(18).toString('base64url'), grafanaAdminPassword: randomBytes(18).toString('base64url') };
}

/** Addresses the fake services use inside the network. */
export const containerUrls = (secrets: RunSecrets) => ({
  mqtt: 'mqtt://mosquitto:1883',
  postgres: `postgresql://postgres:${secrets.postgresPassword}@postgres:5432/postgres?sslmode=disable`,
  redis: 'redis://redis:6379',
});

function dir(path: string, mode = 0o777): string {
  mkdirSync(path, { recursive: true });
  // Images run as their own users (nobody for Prometheus): the run folder's data dirs must let them write.
  chmodSync(path, mode);
  return path;
}

export function containerDefinitions(t: Topology, cfg: RenderedConfig, images: ImageSource, secrets: RunSecrets, engineSocket?: string): ContainerDefinition[] {
  const c = t.component;
  const img = (n: ImageComponent) => imageFor(n, images);
  const conf = (sub: string): string => join(cfg.dir, sub);
  const data = (name: string) => dir(join(t.dataDir, name));
  const port = (name: ComponentName) => ({ container: COMPONENT_PORTS[name].containerPort, host: c[name].port });
  const urls = containerUrls(secrets);
  const mosquittoConf = join(data('mosquitto'), 'mosquitto.conf');
  // The harness's broker settings, as natively: $SYS every second (the broker's counters move visibly).
  writeFileSync(mosquittoConf, ['listener 1883 0.0.0.0', 'allow_anonymous true', 'persistence false', 'sys_interval 1', 'log_dest stdout', ''].join('\n'));

  const defs: ContainerDefinition[] = [
    {
      name: 'postgres', image: img('postgres'), aliases: ['postgres'], binds: [], ports: [port('postgres')],
      env: { POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: secrets.postgresPassword, POSTGRES_DB: 'postgres' },
      wait: new SqlWait(`postgresql://postgres:${secrets.postgresPassword}@127.0.0.1:${c.postgres.port}/postgres?sslmode=disable`), dependsOn: [], readyTimeoutMs: 60_000,
    },
    {
      name: 'redis', image: img('redis'), aliases: ['redis'], binds: [], ports: [port('redis')],
      command: ['redis-server', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      wait: new RedisPingWait(c.redis.port), dependsOn: [], readyTimeoutMs: 30_000,
    },
    {
      name: 'mosquitto', image: img('mosquitto'), aliases: ['mosquitto'], ports: [port('mosquitto')],
      binds: [{ source: mosquittoConf, target: '/mosquitto/config/mosquitto.conf', mode: 'ro' }],
      wait: new MqttWait(`mqtt://127.0.0.1:${c.mosquitto.port}`), dependsOn: [], readyTimeoutMs: 30_000,
    },
    {
      name: 'postgres-exporter', image: img('postgres-exporter'), aliases: ['postgres-exporter'], binds: [], ports: [port('postgres-exporter')],
      env: { DATA_SOURCE_NAME: urls.postgres },
      wait: new HttpWait(`${c['postgres-exporter'].url}/metrics`, { bodyIncludes: 'pg_up 1' }), dependsOn: ['postgres'], readyTimeoutMs: 30_000,
    },
    {
      name: 'redis-exporter', image: img('redis-exporter'), aliases: ['redis-exporter'], binds: [], ports: [port('redis-exporter')],
      env: { REDIS_ADDR: urls.redis },
      wait: new HttpWait(`${c['redis-exporter'].url}/metrics`, { bodyIncludes: 'redis_up 1' }), dependsOn: ['redis'], readyTimeoutMs: 30_000,
    },
    {
      name: 'alert-receiver', image: img('node'), aliases: ['alert-receiver'], ports: [port('alert-receiver')],
      // The harness's own receiver, run by Node's type stripping from the repository (read-only).
      command: ['node', '/app/harness/stack/alert-receiver-main.ts'],
      env: { PORT: '9095', JOURNAL: '/data/notifications.jsonl' },
      binds: [{ source: REPO_ROOT, target: '/app', mode: 'ro' }, { source: dir(t.runDir), target: '/data', mode: 'rw' }],
      wait: new HttpWait(`${c['alert-receiver'].url}/ready`), dependsOn: [], readyTimeoutMs: 30_000,
    },
    {
      name: 'alertmanager', image: img('alertmanager'), aliases: ['alertmanager'], ports: [port('alertmanager')],
      command: ['--config.file=/etc/alertmanager/config.yml', '--storage.path=/alertmanager', '--cluster.listen-address=', `--web.external-url=${c.alertmanager.url}`],
      binds: [{ source: conf('alertmanager'), target: '/etc/alertmanager', mode: 'ro' }, { source: data('alertmanager'), target: '/alertmanager', mode: 'rw' }],
      wait: new HttpWait(`${c.alertmanager.url}/-/ready`), dependsOn: ['alert-receiver'], readyTimeoutMs: 30_000,
    },
    {
      name: 'prometheus', image: img('prometheus'), aliases: ['prometheus'], ports: [port('prometheus')],
      command: [
        '--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', `--storage.tsdb.retention.time=${cfg.settings.prometheusRetention}`,
        '--web.enable-lifecycle', '--web.enable-remote-write-receiver', `--query.lookback-delta=${cfg.settings.lookbackDelta}`, `--web.external-url=${c.prometheus.url}`,
      ],
      binds: [{ source: conf('prometheus'), target: '/etc/prometheus', mode: 'ro' }, { source: data('prometheus'), target: '/prometheus', mode: 'rw' }],
      wait: new HttpWait(`${c.prometheus.url}/-/ready`), dependsOn: ['alertmanager'], readyTimeoutMs: 60_000,
    },
  ];
  if (images === 'upstream') defs.push(...userSuppliedDefinitions(t, cfg, secrets, engineSocket));
  if (cfg.logPipeline.store === 'victorialogs') {
    const args = cfg.settings.victorialogsArgs ?? [];
    const storage = args.find((a) => a.startsWith('-storageDataPath='))?.split('=')[1] ?? '/victoria-logs-data';
    defs.push(
      {
        name: 'victorialogs', image: img('victorialogs'), aliases: ['victorialogs'], ports: [port('victorialogs')], command: args,
        binds: [{ source: data('victorialogs'), target: storage, mode: 'rw' }],
        wait: new HttpWait(`${c.victorialogs.url}/health`), dependsOn: [], readyTimeoutMs: 30_000,
      },
      {
        name: 'otelcol', image: img('otelcol'), aliases: ['otelcol'], ports: [port('otelcol')],
        command: ['--config', '/etc/otelcol/otelcol-config.yml'],
        binds: [
          { source: conf('otelcol'), target: '/etc/otelcol', mode: 'ro' },
          // The services' shared log volume, and the collector's own persistent volume.
          { source: dir(join(t.logDir, 'services')), target: '/var/log/mcp', mode: 'ro' },
          { source: (dir(join(data('otelcol'), 'file_storage')), data('otelcol')), target: '/var/lib/otelcol', mode: 'rw' },
        ],
        wait: new HttpWait(`${c.otelcol.url}/metrics`), dependsOn: ['victorialogs'], readyTimeoutMs: 30_000,
      },
    );
  }
  return defs;
}

/**
 * The AGPL parts, from their upstream images only (this project never builds them): Grafana
 * with a random admin password, and Loki with Promtail for a folder whose logs go there.
 * Not run here (no registry is reachable); written to the images' documented contracts.
 */
function userSuppliedDefinitions(t: Topology, cfg: RenderedConfig, secrets: RunSecrets, engineSocket: string | undefined): ContainerDefinition[] {
  const c = t.component;
  const conf = (sub: string): string => join(cfg.dir, sub);
  const port = (name: ComponentName) => ({ container: COMPONENT_PORTS[name].containerPort, host: c[name].port });
  const defs: ContainerDefinition[] = [
    {
      name: 'grafana', image: imageFor('grafana', 'upstream'), aliases: ['grafana'], ports: [port('grafana')],
      env: { GF_SECURITY_ADMIN_USER: 'admin', GF_SECURITY_ADMIN_PASSWORD: secrets.grafanaAdminPassword, GF_USERS_ALLOW_SIGN_UP: 'false' },
      binds: [{ source: conf('grafana/provisioning'), target: '/etc/grafana/provisioning', mode: 'ro' }],
      wait: new HttpWait(`${c.grafana.url}/api/health`), dependsOn: ['prometheus'], readyTimeoutMs: 90_000,
    },
  ];
  if (cfg.logPipeline.store !== 'loki') return defs;
  const data = (name: string) => dir(join(t.dataDir, name));
  defs.push(
    {
      name: 'loki', image: imageFor('loki', 'upstream'), aliases: ['loki'], ports: [port('loki'), { container: 9096, host: c.loki.extra.grpc! }],
      command: ['-config.file=/etc/loki/loki-config.yml'],
      binds: [{ source: conf('loki'), target: '/etc/loki', mode: 'ro' }, { source: data('loki'), target: '/loki', mode: 'rw' }],
      wait: new HttpWait(`${c.loki.url}/ready`), dependsOn: [], readyTimeoutMs: 120_000,
    },
    {
      name: 'promtail', image: imageFor('promtail', 'upstream'), aliases: ['promtail'], ports: [port('promtail')],
      command: ['-config.file=/etc/promtail/promtail-config.yml'],
      // Docker discovery: the engine's API socket where the folder's config expects it.
      binds: [{ source: conf('promtail'), target: '/etc/promtail', mode: 'ro' }, ...(engineSocket ? [{ source: engineSocket, target: '/var/run/docker.sock', mode: 'ro' as const }] : [])],
      wait: new HttpWait(`${c.promtail.url}/ready`), dependsOn: ['loki'], readyTimeoutMs: 60_000,
    },
  );
  return defs;
}
