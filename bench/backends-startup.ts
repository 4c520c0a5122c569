/**
 * `stack up` to all-ready on the containers backend against the native one, measured in
 * one run, interleaved (native, containers, native, …) so both see the same machine noise.
 *
 *   npm run bench -- backends-startup [--runs 5] [--monitoring-dir monitoring-victorialogs] [--port-offset 3000] [--images local]
 *
 * Both with the 17 fake services and no background traffic. Prints each run and the medians.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBackend, type BackendName } from '../harness/stack/backend.ts';
import { REPO_ROOT } from '../harness/lib/paths.ts';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== 'backends-startup'),
  options: {
    runs: { type: 'string', default: '5' },
    'monitoring-dir': { type: 'string', default: join(REPO_ROOT, 'monitoring-victorialogs') },
    'port-offset': { type: 'string', default: '3000' },
    images: { type: 'string', default: 'local' },
  },
});

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const times: Record<BackendName, number[]> = { native: [], containers: [] };
for (let i = 0; i < Number(values.runs); i++) {
  for (const backend of ['native', 'containers'] as const) {
    const t0 = performance.now();
    const env = await startBackend(backend, { runDir: mkdtempSync(join(tmpdir(), `bench-${backend}-`)), portOffset: Number(values['port-offset']), trafficRate: 0, monitoringDir: values['monitoring-dir'], images: values.images as 'local' | 'upstream', onProgress: () => {} });
    const ms = performance.now() - t0;
    times[backend].push(ms);
    console.log(`run ${i + 1} ${backend.padEnd(10)} all ready in ${(ms / 1000).toFixed(2)}s`);
    await env.stop();
  }
}
const n = median(times.native);
const c = median(times.containers);
console.log(`\n${'backend'.padEnd(12)} ${'median'.padStart(8)} ${'min'.padStart(7)} ${'max'.padStart(7)}`);
for (const b of ['native', 'containers'] as const) console.log(`${b.padEnd(12)} ${`${(median(times[b]) / 1000).toFixed(2)}s`.padStart(8)} ${`${(Math.min(...times[b]) / 1000).toFixed(2)}s`.padStart(7)} ${`${(Math.max(...times[b]) / 1000).toFixed(2)}s`.padStart(7)}`);
console.log(`\ncontainers / native: ${(c / n).toFixed(2)}× (${values['monitoring-dir']}, 17 fake services, ${values.images} images)`);
