/**
 * npm run bench [-- <name> [options]]: runs one benchmark script from bench/; without a
 * name, the three headline figures, each as a ratio against a reference measured in the
 * same run (the machine is shared and noisy, so absolute times vary):
 *   - stack up to all-ready (17 services) against the slowest component's own start;
 *   - one fake service's req/s against a bare node:http JSON-RPC echo;
 *   - vegeta's achieved rate against the offered rate, per stage.
 * Performance numbers come from here, never from timed tests.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = import.meta.dirname;
const scripts = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => basename(f, '.ts')).sort();
const HEADLINE: [string, string[]][] = [
  ['stack-startup', ['--services', '--runs', '5']],
  // 256 clients: enough that the service's own work is the limit; at 32, ping mostly waits out
  // the catalog's modelled latency (Little's law caps it near 32 / 2.5 ms for terminal-mcp).
  ['fake-service-throughput', ['--services', 'terminal-mcp,memory-mcp', '--methods', 'ping', '--concurrency', '256']],
  ['capacity', []],
];

const run = (name: string, args: string[]): number => spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`), ...args], { stdio: 'inherit' }).status ?? 1;

const [name, ...rest] = process.argv.slice(2);
if (name === undefined) {
  let failed = 0;
  for (const [script, args] of HEADLINE) {
    console.log(`\n=== npm run bench -- ${script} ${args.join(' ')}`.trimEnd());
    if (run(script, args) !== 0) failed++;
  }
  console.log(`\nOther benchmarks: ${scripts.join(', ')} (npm run bench -- <name>); bash bench/setup-time.sh for the setup times`);
  process.exit(failed ? 1 : 0);
}
if (!scripts.includes(name)) {
  console.log(`usage: npm run bench [-- <name> [options]]\n\nwithout a name: ${HEADLINE.map(([s]) => s).join(', ')} (the headline figures)\n\nbenchmarks:\n${scripts.map((s) => `  ${s}`).join('\n')}\n\nand bench/setup-time.sh for the setup times (bash)`);
  process.exit(2);
}
process.exit(run(name, rest));
