/**
 * npm run bench [-- <name> [options]]: runs one benchmark script from bench/, or lists them.
 * Performance numbers come from here, never from timed tests.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = import.meta.dirname;
const scripts = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => basename(f, '.ts')).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !scripts.includes(name)) {
  console.log(`usage: npm run bench -- <name> [options]\n\nbenchmarks:\n${scripts.map((s) => `  ${s}`).join('\n')}\n\nand bench/setup-time.sh for the setup times (bash)`);
  process.exit(name ? 2 : 0);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`), ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
