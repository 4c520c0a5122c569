/**
 * The stack's components as data: which binary, which arguments, what "ready" means,
 * and what must be up first. The backend (native-stack.ts) only walks this list.
 */
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { RenderedConfig } from '../render/render.ts';
import type { Topology } from '../plan/topology.ts';
import { findUserSupplied, resolveBinary, type BinaryName } from './binaries.ts';
import { loadManifest } from '../lib/manifest.ts';
import { LOG_PIPELINES, type LogPipeline } from '../plan/log-pipeline.ts';
import { HttpWait, MqttWait, RedisPingWait, SqlWait, type WaitStrategy } from './wait.ts';
import type { ComponentName } from '../plan/port-plan.ts';

export interface ComponentDefinition {
  name: ComponentName;
  binary: BinaryName;
  /** Run once before the process starts (initdb, writing a small config). */
  prepare?: () => void;
  args: string[];
  env?: Record<string, string>;
  /** Run as this system user (PostgreSQL refuses to run as root). */
  user?: string;
  wait: WaitStrategy;
  dependsOn: ComponentName[];
  readyTimeoutMs: number;
  /** Clean-up after the process stopped for good (the stack's stop). */
  afterStop?: () => void;
}

/** A component the folder needs that this run cannot start: said out loud, with how to supply it. */
export interface AbsentComponent {
  name: ComponentName;
  reason: string;
  how: string;
}

/** Whether every ancestor of `dir` lets other users through (the x bit for others). */
function othersCanTraverse(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (d === dirname(d)) return true;
  }
}

function privatePgRoot(t: Topology): string {
  const root = mkdtempSync(join(tmpdir(), `mcp-harness-postgres-${t.offset}-`));
  chmodSync(root, 0o755);
  writeFileSync(join(t.runDir, 'postgres-data-location.txt'), `${root}\n`);
  return root;
}

export const POSTGRES_USER = 'postgres';
export const postgresUrl = (t: Topology): string => `postgresql://${POSTGRES_USER}@127.0.0.1:${t.component.postgres.port}/postgres?sslmode=disable`;
export const redisUrl = (t: Topology): string => `redis://127.0.0.1:${t.component.redis.port}`;
export const mqttUrl = (t: Topology): string => `mqtt://127.0.0.1:${t.component.mosquitto.port}`;

/** uid/gid of a system user, for spawning as it when we are root. */
export function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
    if (!line) return undefined;
    const f = line.split(':');
    return { uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    return undefined;
  }
}

/** What the stack starts for this folder, and what it needs but cannot start (said out loud, with how to supply it). */
export function componentDefinitions(t: Topology, cfg: RenderedConfig): { definitions: ComponentDefinition[]; absent: AbsentComponent[] } {
  const absent = absentLogComponents(cfg.logPipeline);
  return { definitions: [...coreDefinitions(t, cfg), ...(absent.length ? [] : logPipelineDefinitions(t, cfg))], absent };
}

/**
 * The folder's log components that are user-supplied (AGPL) and were not supplied. A
 * missing Loki or Promtail takes its partner with it: the pipeline runs whole or not at all.
 */
export function absentLogComponents(pipeline: LogPipeline): AbsentComponent[] {
  const names = [pipeline.store, pipeline.shipper];
  const missing = names.filter((n) => loadManifest().userSupplied[n] !== undefined && !findUserSupplied(n as BinaryName));
  if (!missing.length) return [];
  const first = loadManifest().userSupplied[missing[0]!]!;
  return names.map((name) => {
    const spec = loadManifest().userSupplied[name];
    return missing.includes(name) && spec
      ? { name, reason: `${name} is ${spec.license} and user-supplied; none was found ($${spec.envVar}, PATH)`, how: spec.how }
      : { name, reason: `its partner ${missing[0]} is absent`, how: first.how };
  });
}

/** The log pipeline components a run of this folder does not start: the other pipeline's, and absent user-supplied ones. */
export function inactiveLogComponents(pipeline: LogPipeline): ComponentName[] {
  const other = Object.values(LOG_PIPELINES).filter((p) => p.store !== pipeline.store).flatMap((p) => [p.store, p.shipper]);
  return [...other, ...absentLogComponents(pipeline).map((a) => a.name)];
}

/** Loki and Promtail (user-supplied), or VictoriaLogs and the collector (built by setup). */
function logPipelineDefinitions(t: Topology, cfg: RenderedConfig): ComponentDefinition[] {
  const data = (name: string): string => {
    const d = join(t.dataDir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const c = t.component;
  const createServiceLogs = (): void => {
    for (const svc of t.services) {
      mkdirSync(dirname(svc.logFile), { recursive: true });
      closeSync(openSync(svc.logFile, 'a'));
    }
  };
  if (cfg.logPipeline.store === 'victorialogs') {
    return [
      {
        name: 'victorialogs',
        binary: 'victoria-logs',
        args: cfg.settings.victorialogsArgs ?? [],
        wait: new HttpWait(`${c.victorialogs.url}/health`),
        dependsOn: [],
        readyTimeoutMs: 30_000,
      },
      {
        name: 'otelcol',
        binary: 'otelcol-harness',
        args: ['--config', `file:${cfg.files.otelcol}`],
        prepare: createServiceLogs,
        // The collector's own metrics answer once its pipelines have started.
        wait: new HttpWait(`${c.otelcol.url}/metrics`),
        dependsOn: ['victorialogs'],
        readyTimeoutMs: 30_000,
      },
    ];
  }
  return [
    {
      name: 'loki',
      binary: 'loki',
      args: [`-config.file=${cfg.files.loki!}`, '-ingester.min-ready-duration=0s'],
      wait: new HttpWait(`${c.loki.url}/ready`),
      dependsOn: [],
      readyTimeoutMs: 90_000,
    },
    {
      name: 'promtail',
      binary: 'promtail',
      args: [`-config.file=${cfg.files.promtail!}`],
      // Promtail reports not-ready until it has a file to tail: create each service's log file up front.
      prepare: () => {
        data('promtail');
        createServiceLogs();
      },
      wait: new HttpWait(`${c.promtail.url}/ready`),
      dependsOn: ['loki'],
      readyTimeoutMs: 30_000,
    },
  ];
}

function coreDefinitions(t: Topology, cfg: RenderedConfig): ComponentDefinition[] {
  const data = (name: string): string => {
    const d = join(t.dataDir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const c = t.component;
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL runs as its own user, which must be able to walk to its data directory.
  // When the run directory sits below a private folder (a mkdtemp dir, a 0700 home), the
  // data goes to a folder of its own under the system temp dir, removed at stop.
  const pgRoot = !asRoot || othersCanTraverse(join(t.dataDir, 'postgres')) ? t.dataDir : privatePgRoot(t);
  const pgData = join(pgRoot, 'postgres');

  return [
    {
      name: 'postgres',
      binary: 'postgres',
      user: asRoot ? POSTGRES_USER : undefined,
      prepare: () => {
        if (existsSync(join(pgData, 'PG_VERSION'))) return;
        mkdirSync(pgData, { recursive: true });
        const user = asRoot ? systemUser(POSTGRES_USER) : undefined;
        if (asRoot && !user) throw new Error(`running as root, PostgreSQL needs the system user "${POSTGRES_USER}" (Debian's postgresql package creates it)`);
        if (user) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, pgData]);
        execFileSync(resolveBinary('initdb').path, ['-D', pgData, '-U', POSTGRES_USER, '--auth=trust', '-E', 'UTF8', '--no-sync'], { stdio: 'pipe', ...(user ?? {}) });
      },
      args: ['-D', pgData, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${c.postgres.port}`, // No Unix socket: everything connects over loopback TCP, and a socket path in a deep run folder exceeds the 107-byte limit.
        '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'],
      wait: new SqlWait(postgresUrl(t)),
      dependsOn: [],
      readyTimeoutMs: 30_000,
      afterStop: pgRoot === t.dataDir ? undefined : () => rmSync(pgRoot, { recursive: true, force: true }),
    },
    {
      name: 'redis',
      binary: 'redis',
      args: ['--bind', '127.0.0.1', '--port', String(c.redis.port), '--save', '', '--appendonly', 'no', '--dir', data('redis'), '--protected-mode', 'yes'],
      wait: new RedisPingWait(c.redis.port),
      dependsOn: [],
      readyTimeoutMs: 15_000,
    },
    {
      name: 'mosquitto',
      binary: 'mosquitto',
      prepare: () => {
        // $SYS every second so the broker's own counters (mqtt_messages_*_total) move visibly.
        writeFileSync(join(data('mosquitto'), 'mosquitto.conf'), [`listener ${c.mosquitto.port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'sys_interval 1', 'log_dest stdout', 'log_type error', 'log_type warning', 'log_type notice', ''].join('\n'));
      },
      args: ['-c', join(t.dataDir, 'mosquitto', 'mosquitto.conf')],
      wait: new MqttWait(mqttUrl(t)),
      dependsOn: [],
      readyTimeoutMs: 15_000,
    },
    {
      name: 'postgres-exporter',
      binary: 'postgres-exporter',
      args: [`--web.listen-address=127.0.0.1:${c['postgres-exporter'].port}`],
      env: { DATA_SOURCE_NAME: postgresUrl(t) },
      wait: new HttpWait(`${c['postgres-exporter'].url}/metrics`, { bodyIncludes: 'pg_up 1' }),
      dependsOn: ['postgres'],
      readyTimeoutMs: 20_000,
    },
    {
      name: 'redis-exporter',
      binary: 'redis-exporter',
      args: [`--redis.addr=redis://127.0.0.1:${c.redis.port}`, `--web.listen-address=127.0.0.1:${c['redis-exporter'].port}`],
      wait: new HttpWait(`${c['redis-exporter'].url}/metrics`, { bodyIncludes: 'redis_up 1' }),
      dependsOn: ['redis'],
      readyTimeoutMs: 20_000,
    },
    {
      name: 'alertmanager',
      binary: 'alertmanager',
      args: [`--config.file=${cfg.files.alertmanager}`, `--storage.path=${data('alertmanager')}`, `--web.listen-address=127.0.0.1:${c.alertmanager.port}`, '--cluster.listen-address=', `--web.external-url=${c.alertmanager.url}`],
      wait: new HttpWait(`${c.alertmanager.url}/-/ready`),
      dependsOn: [],
      readyTimeoutMs: 30_000,
    },
    {
      name: 'prometheus',
      binary: 'prometheus',
      args: [
        `--config.file=${cfg.files.prometheus}`,
        `--storage.tsdb.path=${data('prometheus')}`,
        `--storage.tsdb.retention.time=${cfg.settings.prometheusRetention}`,
        `--web.listen-address=127.0.0.1:${c.prometheus.port}`,
        `--web.external-url=${c.prometheus.url}`,
        '--web.enable-lifecycle',
        '--web.enable-remote-write-receiver',
        `--query.lookback-delta=${cfg.settings.lookbackDelta}`,
      ],
      wait: new HttpWait(`${c.prometheus.url}/-/ready`),
      dependsOn: ['alertmanager'],
      readyTimeoutMs: 60_000,
    },
  ];
}
