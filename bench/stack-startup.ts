/**
 * How long `stack up` takes to all-ready, and what each component costs idle.
 *
 *   npm run bench -- stack-startup [--runs 5] [--services] [--idle-seconds 20] [--port-offset 3000] [--monitoring-dir DIR]
 *
 * Starts the native stack `runs` times (monitoring components only unless --services),
 * prints each run's time to all-ready and the median, then after the last start waits
 * `idle-seconds` and reads each process group's resident memory (VmRSS, summed over the
 * group: PostgreSQL forks backends) and CPU time from /proc.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEnvironment, type StartedEnvironment } from '../harness/stack/environment.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'stack-startup'),
  options: {
    runs: { type: 'string', default: '5' },
    services: { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '20' },
    'port-offset': { type: 'string', default: '3000' },
    'monitoring-dir': { type: 'string' },
  },
});
const runs = Number(values.runs);

interface ProcInfo {
  pid: number;
  pgid: number;
  rssMiB: number;
  cpuSeconds: number;
}

function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const fields = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] ?? 0);
      out.push({ pid: Number(d), pgid: Number(fields[2]), rssMiB: rssKb / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const times: number[] = [];
let last: StartedEnvironment | undefined;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const env = await startEnvironment({ runDir: mkdtempSync(join(tmpdir(), 'bench-startup-')), portOffset: Number(values['port-offset']), services: values.services, trafficRate: 0, monitoringDir: values['monitoring-dir'] });
  const ms = performance.now() - t0;
  times.push(ms);
  console.log(`run ${i + 1}: all ready in ${(ms / 1000).toFixed(1)}s (${[...env.stack.readyMs].map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')})`);
  if (i < runs - 1) await env.stop();
  else last = env;
}
console.log(`\nstack up to all-ready (${values['monitoring-dir'] ?? 'monitoring/'}, ${values.services ? 'with' : 'without'} the 17 fake services): median ${(median(times) / 1000).toFixed(1)}s over ${runs} runs; min ${(Math.min(...times) / 1000).toFixed(1)}s, max ${(Math.max(...times) / 1000).toFixed(1)}s`);

// The reference, measured in the same run: the slowest single part's own start (a component's
// start-to-ready, or one fake service restarted alone on the running stack). The floor.
const slowest = [...last!.stack.readyMs].sort((a, b) => b[1] - a[1])[0]!;
const oneService = values.services && last?.fleet ? await last.fleet.restart('git-mcp') : undefined;
const reference = Math.max(slowest[1], oneService ?? 0);
const refName = oneService !== undefined && oneService > slowest[1] ? 'one fake service (git-mcp) alone' : slowest[0];
console.log(`
${'figure'.padEnd(34)} ${'value'.padStart(8)} ${'reference'.padStart(10)}  ratio  reference is`);
console.log(`${'stack up to all-ready (median)'.padEnd(34)} ${`${(median(times) / 1000).toFixed(2)}s`.padStart(8)} ${`${(reference / 1000).toFixed(2)}s`.padStart(10)}  ${(median(times) / reference).toFixed(1).padStart(5)}  ${refName}'s own start`);

const idle = Number(values['idle-seconds']);
const before = processes();
await new Promise((r) => setTimeout(r, idle * 1000));
const after = processes();
console.log(`\nidle for ${idle}s (no traffic):\n${'component'.padEnd(20)} ${'RSS MiB'.padStart(9)} ${'CPU %'.padStart(7)}`);
let totalRss = 0;
for (const p of last!.stack.supervisor.list()) {
  const group = (list: ProcInfo[]) => list.filter((x) => x.pgid === p.pid);
  const rss = group(after).reduce((n, x) => n + x.rssMiB, 0);
  const cpu = group(after).reduce((n, x) => n + x.cpuSeconds, 0) - group(before).reduce((n, x) => n + x.cpuSeconds, 0);
  totalRss += rss;
  console.log(`${p.name.padEnd(20)} ${rss.toFixed(1).padStart(9)} ${((cpu / idle) * 100).toFixed(1).padStart(7)}`);
}
console.log(`${'total'.padEnd(20)} ${totalRss.toFixed(1).padStart(9)}`);
await last!.stop();
