/**
 * npm run stack -- up | down | status
 *
 * `up` starts the stack (and the fake services with traffic, unless --no-services),
 * prints where everything is, and stays in the foreground until Ctrl-C; with --detach
 * it starts the same thing as a background process and returns once it is ready.
 */
import { Command, Option } from 'commander';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/paths.ts';
import { request } from 'undici';
import { loadManifest } from '../lib/manifest.ts';
import type { ComponentName } from '../plan/port-plan.ts';
import { ControlServer } from '../stack/control-server.ts';
import { DEFAULT_SEED, DEFAULT_TRAFFIC_RATE } from '../stack/environment.ts';
import { backendOption, imagesOption, startBackend, type RunningEnvironment } from '../stack/backend.ts';
import { defaultRunDir } from '../stack/native-stack.ts';
import { buildTopology } from '../plan/topology.ts';
import { clearState, pidAlive, readState, writeState, type StackState } from '../stack/state.ts';
import { runCommand, numberOption } from '../lib/cli-errors.ts';
import { installSignalHandlers, onShutdown } from '../lib/shutdown.ts';
import { UsageError } from '../lib/errors.ts';
import { assertLoadable } from '../check/run.ts';

interface UpOptions {
  detach?: boolean;
  services: boolean;
  portOffset?: string;
  monitoringDir?: string;
  timeScale?: string;
  seed?: string;
  trafficRate?: string;
  runDir?: string;
  daemon?: boolean;
  backend?: string;
  images?: string;
}

/** The folder's log store and shipper: their URLs, or ABSENT with how to supply them. */
function logRows(env: RunningEnvironment): [string, string, string][] {
  const t = env.stack.topology;
  const p = env.stack.config.logPipeline;
  return [p.store, p.shipper].map((name) => {
    const absent = env.stack.absent.find((a) => a.name === name);
    return [LOG_COMPONENT_TITLES[name] ?? name, absent ? 'ABSENT' : t.component[name].url, absent ? absent.how : '-'];
  });
}

const LOG_COMPONENT_TITLES: Partial<Record<ComponentName, string>> = { loki: 'Loki API', promtail: 'Promtail', victorialogs: 'VictoriaLogs (LogsQL)', otelcol: 'OpenTelemetry Collector (metrics)' };

/** What `status` probes for each log component: its readiness path. */
const LOG_READY_PATHS: Partial<Record<ComponentName, string>> = { loki: '/ready', promtail: '/ready', victorialogs: '/health', otelcol: '/metrics' };

function urlTable(env: RunningEnvironment): string {
  const t = env.stack.topology;
  const rows: [string, string, string][] = [
    ['Prometheus', t.component.prometheus.url, '-'],
    ['Alertmanager', t.component.alertmanager.url, '-'],
    ...logRows(env),
    ['Grafana', t.component.grafana.url, env.stack.has('grafana') ? 'admin / (a random password, in the run folder\'s secrets file)' : `not started (AGPL-3.0, user-supplied): ${loadManifest().userSupplied.grafana!.how}`],
    ['MQTT (Mosquitto)', `mqtt://127.0.0.1:${t.component.mosquitto.port}`, 'anonymous'],
    ['PostgreSQL', `postgresql://127.0.0.1:${t.component.postgres.port}/postgres`, env.backend === 'containers' ? 'postgres / (a random password, in the run folder\'s secrets file)' : 'postgres (trust)'],
    ['Redis', `redis://127.0.0.1:${t.component.redis.port}`, '-'],
    ['postgres_exporter', t.component['postgres-exporter'].url, '-'],
    ['redis_exporter', t.component['redis-exporter'].url, '-'],
    ['Alert webhook receiver', `${t.component['alert-receiver'].url}/alerts`, '-'],
    ['Harness control (for --reuse)', t.component['harness-control'].url, '-'],
  ];
  if (env.fleet) rows.push(['MCP services', `http://127.0.0.1:${t.services[1]!.port}-${t.services.at(-1)!.port} (/mcp, /metrics, /health)`, `zen-coordinator :${t.services[0]!.port}`]);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return [`${'Service'.padEnd(w0)}  ${'URL'.padEnd(w1)}  Credentials`, ...rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`)].join('\n');
}

function envOptions(o: UpOptions, progress: (l: string) => void) {
  return {
    monitoringDir: o.monitoringDir,
    portOffset: numberOption('--port-offset', o.portOffset, { integer: true, min: 0, max: 50_000 }) ?? 0,
    timeScale: numberOption('--time-scale', o.timeScale, { min: 0.001, max: 1 }) ?? 1,
    seed: numberOption('--seed', o.seed, { integer: true }) ?? DEFAULT_SEED,
    trafficRate: numberOption('--traffic-rate', o.trafficRate, { min: 0, max: 2000 }) ?? DEFAULT_TRAFFIC_RATE,
    services: o.services,
    runDir: o.runDir,
    onProgress: progress,
    images: imagesOption(o.images),
  };
}

async function up(o: UpOptions): Promise<void> {
  const progress = (l: string): void => console.log(`  ${l}`);
  const opts = envOptions(o, progress);
  const backend = backendOption(o.backend);
  // The folder must load before any process starts (the daemon re-checks nothing: its parent did).
  if (!o.daemon) assertLoadable(o.monitoringDir ?? join(REPO_ROOT, 'monitoring'));
  if (o.detach) return upDetached(o, opts.portOffset);
  const existing = readState(opts.portOffset);
  if (existing && existing.pid !== process.pid && pidAlive(existing.pid)) throw new UsageError(`a detached stack is already running at port offset ${opts.portOffset} (pid ${existing.pid}, ${existing.runDir})`, { fix: '`npm run stack -- down` first, or use another --port-offset' });

  installSignalHandlers((sig) => console.log(`\n${sig}: stopping the stack…`));
  const t0 = Date.now();
  console.log(`Starting the stack on the ${backend} backend (port offset ${opts.portOffset}, time scale ${opts.timeScale}, seed ${opts.seed})…`);
  const env = await startBackend(backend, opts);
  // The control port lets `scenario --reuse` act on this stack's processes.
  const control = new ControlServer(env, env.stack.topology.component['harness-control'].port);
  onShutdown(async () => {
    await control.stop();
    const { leftoverPorts } = await env.stop();
    if (o.daemon) clearState(opts.portOffset);
    console.log(leftoverPorts.length ? `stopped, but ports still held: ${leftoverPorts.join(', ')}` : 'stopped; no process or port left behind.');
  });
  await control.start();
  const state: StackState = {
    pid: process.pid,
    offset: opts.portOffset,
    runDir: env.stack.runDir,
    startedAt: new Date(t0).toISOString(),
    phase: 'ready',
    urls: Object.fromEntries(Object.entries(env.stack.topology.component).map(([k, v]) => [k, v.url])),
    logComponents: [env.stack.config.logPipeline.store, env.stack.config.logPipeline.shipper].filter((n) => env.stack.has(n)),
  };
  if (o.daemon) writeState(state);
  console.log(`\nAll ready in ${((Date.now() - t0) / 1000).toFixed(1)}s. Run directory: ${env.stack.runDir}\n\n${urlTable(env)}\n`);
  if (!o.daemon) console.log('Press Ctrl-C to stop.');
  await new Promise(() => {}); // until a signal
}

async function upDetached(o: UpOptions, offset: number): Promise<void> {
  const existing = readState(offset);
  if (existing && pidAlive(existing.pid)) throw new UsageError(`a detached stack is already running at port offset ${offset} (pid ${existing.pid})`, { fix: '`npm run stack -- down` first' });
  const runDir = o.runDir ?? defaultRunDir('stack');
  mkdirSync(runDir, { recursive: true });
  const log = join(runDir, 'stack-daemon.log');
  const args = process.argv.slice(1).filter((a) => a !== '--detach' && a !== '-d');
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [...process.execArgv, ...args, '--daemon', '--run-dir', runDir], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeState({ pid: child.pid!, offset, runDir, startedAt: new Date().toISOString(), phase: 'starting', urls: {} });
  console.log(`Starting a detached stack (pid ${child.pid}); its output: ${log}`);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  for (;;) {
    const s = readState(offset);
    if (s?.phase === 'ready' && s.pid === child.pid) break;
    const code = await Promise.race([exited, new Promise<'wait'>((r) => setTimeout(() => r('wait'), 500))]);
    if (code !== 'wait') {
      clearState(offset);
      process.stderr.write(readFileSync(log, 'utf8').split('\n').slice(-25).join('\n') + '\n');
      process.exit(code ?? 1);
    }
  }
  // The daemon printed the URL table when it became ready: show that part of its output.
  const output = readFileSync(log, 'utf8');
  console.log(output.slice(output.lastIndexOf('All ready')).trimEnd());
  console.log(`Detached. Stop it with: npm run stack -- down${offset ? ` --port-offset ${offset}` : ''}`);
  process.exit(0);
}

async function down(o: { portOffset?: string }): Promise<void> {
  const offset = numberOption('--port-offset', o.portOffset, { integer: true, min: 0 }) ?? 0;
  const s = readState(offset);
  if (!s || !pidAlive(s.pid)) {
    clearState(offset);
    console.log(`no detached stack running at port offset ${offset}`);
    return;
  }
  console.log(`stopping the stack (pid ${s.pid})…`);
  process.kill(s.pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (pidAlive(s.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (pidAlive(s.pid)) {
    process.kill(s.pid, 'SIGKILL'); // the reaper takes its children down
    console.log('it did not stop within 60s; killed it (its reaper stops the components)');
  }
  clearState(offset);
  console.log('stopped.');
}

async function probe(url: string): Promise<string> {
  try {
    const res = await request(url, { headersTimeout: 2000, bodyTimeout: 2000 });
    await res.body.dump();
    return res.statusCode === 200 ? 'ready' : `HTTP ${res.statusCode}`;
  } catch (e) {
    return `down (${(e as Error).message})`;
  }
}

async function status(o: { portOffset?: string }): Promise<void> {
  const offset = numberOption('--port-offset', o.portOffset, { integer: true, min: 0 }) ?? 0;
  const s = readState(offset);
  const t = buildTopology({ offset, runDir: s?.runDir ?? '' });
  console.log(s ? `detached stack pid ${s.pid} (${pidAlive(s.pid) ? 'alive' : 'gone'}), ${s.phase}, run dir ${s.runDir}` : `no detached stack recorded at port offset ${offset}; probing the ports anyway`);
  const checks: [string, string][] = [
    ['prometheus', `${t.component.prometheus.url}/-/ready`],
    ['alertmanager', `${t.component.alertmanager.url}/-/ready`],
    ...(s?.logComponents ?? []).map((n): [string, string] => [n, `${t.component[n].url}${LOG_READY_PATHS[n] ?? '/metrics'}`]),
    ['postgres-exporter', `${t.component['postgres-exporter'].url}/metrics`],
    ['redis-exporter', `${t.component['redis-exporter'].url}/metrics`],
    ['alert-receiver', `${t.component['alert-receiver'].url}/ready`],
    ...t.services.map((x): [string, string] => [x.name, `${x.baseUrl}/health`]),
  ];
  let allReady = true;
  for (const [name, url] of checks) {
    const r = await probe(url);
    if (r !== 'ready') allReady = false;
    console.log(`  ${name.padEnd(20)} ${url.padEnd(42)} ${r}`);
  }
  process.exitCode = allReady ? 0 : 1;
}

const program = new Command('stack').description('Start, inspect and stop the monitoring stack under test on 127.0.0.1').exitOverride();
program
  .command('up')
  .description('start the stack, the 16 fake MCP services, the coordinator and background traffic')
  .option('-d, --detach', 'return once ready; stop later with `stack down`')
  .option('--no-services', 'the monitoring components only: no fake services or traffic')
  .option('--port-offset <n>', 'add N to every port, to run a second stack beside the first')
  .option('--monitoring-dir <dir>', 'the monitoring folder under test (default: the bundled monitoring/)')
  .option('--time-scale <f>', 'scale every interval and window by F (0 < F ≤ 1)')
  .option('--seed <n>', 'seed for traffic, latencies and error draws')
  .option('--traffic-rate <rps>', 'background requests/s across all services (0 for none)')
  .option('--backend <name>', 'native (processes on 127.0.0.1, the default) or containers')
  .option('--images <source>', 'containers backend: local (built by setup, the default) or upstream')
  .addOption(new Option('--run-dir <dir>').hideHelp())
  .addOption(new Option('--daemon').hideHelp())
  .action((o: UpOptions) => up(o));
program.command('down').description('stop a detached stack').option('--port-offset <n>').action(down);
program.command('status').description("show each component's health").option('--port-offset <n>').action(status);

runCommand(program, 'stack');
