/**
 * Memory of the 17 fake-service processes, idle: started the tsx way and from the esbuild
 * bundle (with the fleet's node flags, and with each --flags set instead), in one run.
 *
 *   npm run bench -- fleet-rss [--idle-seconds 20] [--port-offset 12000] [--no-tsx]
 *                              [--flags="--max-semi-space-size=1;MALLOC_ARENA_MAX=2;none"]
 *
 * Each variant starts the whole fleet with the configs fleet.ts builds (topology at
 * --port-offset) against a throwaway mosquitto and redis-server when they are installed;
 * PostgreSQL is not started, so postgresql-mcp retries every 5 s as it does while its
 * database is down. Once every ready line is in, it idles, then sums VmRSS (and Pss, which
 * splits the pages the processes share, such as node's own code) from /proc. Variants run
 * one after another, never side by side.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_ENV } from '../fake-services/config.ts';
import { REPO_ROOT } from '../harness/lib/paths.ts';
import { resolveBinary, type BinaryName } from '../harness/stack/binaries.ts';
import { ensureFleetBundle } from '../harness/stack/fleet-bundle.ts';
import { serviceArgs, serviceConfig, SERVICE_NODE_FLAGS } from '../harness/stack/fleet.ts';
import { isPortFree } from '../harness/plan/ports.ts';
import { buildTopology } from '../harness/plan/topology.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'fleet-rss'),
  options: {
    'idle-seconds': { type: 'string', default: '20' },
    'port-offset': { type: 'string', default: '12000' },
    flags: { type: 'string', default: '' },
    'no-tsx': { type: 'boolean', default: false },
  },
});
const idleSeconds = Number(values['idle-seconds']);
const runDir = mkdtempSync(join(tmpdir(), 'bench-fleet-rss-'));
const topology = buildTopology({ offset: Number(values['port-offset']), runDir });

const t0 = performance.now();
const bundle = await ensureFleetBundle();
console.log(`bundle ${bundle} ready in ${(performance.now() - t0).toFixed(0)} ms`);

interface Variant {
  label: string;
  args: string[];
  env?: Record<string, string>;
}
const variants: Variant[] = [];
if (!values['no-tsx']) variants.push({ label: 'tsx (node --import tsx main.ts)', args: ['--import', 'tsx', join(REPO_ROOT, 'fake-services/main.ts')] });
variants.push({ label: `bundle ${SERVICE_NODE_FLAGS.join(' ') || '(no flags)'}`, args: serviceArgs(bundle) });
// A set is node flags and NAME=value environment variables (MALLOC_ARENA_MAX=2); "none" is neither.
for (const set of values.flags.split(';').map((s) => s.trim()).filter(Boolean)) {
  const words = set === 'none' ? [] : set.split(/\s+/);
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  variants.push({ label: `bundle ${words.join(' ') || '(no flags)'}`, args: [...words.filter((w) => !/^[A-Z_]+=/.test(w)), bundle], env });
}

const ports = [...topology.services.flatMap((s) => [s.port, s.controlPort]), topology.component.mosquitto.port, topology.component.redis.port, topology.component.postgres.port];
const busy = (await Promise.all(ports.map(async (p) => ((await isPortFree(p)) ? [] : [p])))).flat();
if (busy.length) {
  console.error(`ports in use: ${busy.join(', ')}; pick another --port-offset`);
  process.exit(2);
}

const daemons: ChildProcess[] = [];
function startDaemon(binary: BinaryName, args: string[]): void {
  try {
    daemons.push(spawn(resolveBinary(binary).path, args, { stdio: 'ignore' }));
  } catch {
    console.log(`${binary} is not installed: the services run without it (they retry)`);
  }
}
mkdirSync(join(runDir, 'data'), { recursive: true });
const mosquittoConf = join(runDir, 'data', 'mosquitto.conf');
writeFileSync(mosquittoConf, `listener ${topology.component.mosquitto.port} 127.0.0.1\nallow_anonymous true\npersistence false\nsys_interval 1\n`);
startDaemon('mosquitto', ['-c', mosquittoConf]);
startDaemon('redis', ['--bind', '127.0.0.1', '--port', String(topology.component.redis.port), '--save', '', '--appendonly', 'no', '--dir', join(runDir, 'data')]);
await new Promise((r) => setTimeout(r, 500));

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
/** A process and its descendants: tsx keeps an esbuild service process per node process. */
const tree = (pid: number): number[] => [
  pid,
  ...readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number)).flatMap(tree),
];
const procField = (pid: number, file: string, key: string): number =>
  sum(tree(pid).map((p) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${p}/${file}`, 'utf8'))?.[1] ?? NaN)));
const cpuSeconds = (pid: number): number =>
  sum(tree(pid).map((p) => {
    const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  }));

async function measure(v: Variant) {
  const started = performance.now();
  const children = topology.services.map((svc) => {
    const child = spawn(process.execPath, v.args, { cwd: REPO_ROOT, env: { ...process.env, ...v.env, [CONFIG_ENV]: JSON.stringify(serviceConfig(topology, svc, 42)) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<{ name: string; s: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${svc.name} not ready in 120 s: ${err}`)), 120_000);
      child.once('exit', (code) => reject(new Error(`${svc.name} exited ${code}: ${err}`)));
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (!out.includes('"event":"ready"')) return;
        clearTimeout(timer);
        resolve({ name: svc.name, s: (performance.now() - started) / 1000 });
      });
    });
    return { child, ready };
  });
  try {
    const readyAt = await Promise.all(children.map((c) => c.ready));
    const readyS = (performance.now() - started) / 1000;
    const slowest = readyAt.reduce((a, b) => (b.s > a.s ? b : a));
    const pids = children.map((c) => c.child.pid!);
    const cpuAtReady = pids.map(cpuSeconds);
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const rss = pids.map((p) => procField(p, 'status', 'VmRSS') / 1024);
    const pss = pids.map((p) => procField(p, 'smaps_rollup', 'Pss') / 1024);
    const idleCpu = sum(pids.map(cpuSeconds)) - sum(cpuAtReady);
    return {
      variant: v.label,
      'ready s': +readyS.toFixed(1),
      slowest: `${slowest.name.replace(/-mcp$/, '')} ${slowest.s.toFixed(1)}`,
      'start CPU s': +sum(cpuAtReady).toFixed(1),
      'RSS MiB': Math.round(sum(rss)),
      'RSS/proc min..max': `${Math.round(Math.min(...rss))}..${Math.round(Math.max(...rss))}`,
      'Pss MiB': Math.round(sum(pss)),
      'idle CPU %': +((idleCpu / idleSeconds) * 100).toFixed(1),
    };
  } finally {
    await Promise.all(children.map(({ child }) => stop(child)));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const rows = [];
try {
  for (const v of variants) {
    process.stdout.write(`${v.label}: `);
    rows.push(await measure(v));
    console.log(`${rows.at(-1)!['RSS MiB']} MiB`);
  }
} finally {
  await Promise.all(daemons.map(stop));
  rmSync(runDir, { recursive: true, force: true });
}
console.log(`\n${topology.services.length} processes, idle ${idleSeconds} s after all ready:`);
console.table(rows);
const first = rows[0]!;
for (const r of rows.slice(1)) console.log(`${first.variant} / ${r.variant}: RSS ${(first['RSS MiB'] / r['RSS MiB']).toFixed(2)}x, Pss ${(first['Pss MiB'] / r['Pss MiB']).toFixed(2)}x`);
