/** The fake-service bundle: keyed by its sources, reused while they are unchanged, and runnable as the fleet runs it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/lib/paths.ts';
import { ensureFleetBundle, fleetBundleKey, fleetBundleSources, prepareFleetBundle } from '../../../harness/stack/fleet-bundle.ts';
import { serviceArgs } from '../../../harness/stack/fleet.ts';

const tmp = mkdtempSync(join(tmpdir(), 'fleet-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the sources the bundle is built from, so they can be edited. */
let root: string;
let n = 0;
beforeEach(() => {
  root = join(tmp, `root-${++n}`);
  cpSync(join(REPO_ROOT, 'fake-services'), join(root, 'fake-services'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package-lock.json'), join(root, 'package-lock.json'));
});

describe('the bundle key', () => {
  it('covers every fake-services .ts file and package-lock.json', () => {
    const sources = fleetBundleSources(root);
    expect(sources).toContain('fake-services/main.ts');
    expect(sources).toContain('fake-services/backends.ts');
    expect(sources).toContain('package-lock.json');
    expect(sources.filter((s) => !s.endsWith('.ts'))).toEqual(['package-lock.json']);
  });

  it('changes when a source, a new file in a subdirectory or the lock file changes, and only then', () => {
    const k0 = fleetBundleKey(root);
    expect(fleetBundleKey(root)).toBe(k0);
    appendFileSync(join(root, 'fake-services/rng.ts'), '\n// edited\n');
    const k1 = fleetBundleKey(root);
    expect(k1).not.toBe(k0);
    mkdirSync(join(root, 'fake-services/extra'));
    writeFileSync(join(root, 'fake-services/extra/x.ts'), 'export const x = 1;\n');
    const k2 = fleetBundleKey(root);
    expect(k2).not.toBe(k1);
    writeFileSync(join(root, 'fake-services/README.md'), 'not a source\n');
    expect(fleetBundleKey(root)).toBe(k2);
    appendFileSync(join(root, 'package-lock.json'), '\n');
    expect(fleetBundleKey(root)).not.toBe(k2);
  });
});

describe('prepareFleetBundle', () => {
  it('builds once, reuses the cached bundle, and builds a new one when a source changes', async () => {
    const outDir = join(tmp, `out-${n}`);
    const first = await prepareFleetBundle({ root, outDir });
    expect(first).toMatchObject({ built: true, path: join(outDir, `${fleetBundleKey(root)}.mjs`) });
    const text = readFileSync(first.path, 'utf8');
    expect(text).toMatch(/^import .* from "prom-client";$/m); // packages stay external
    const ino = statSync(first.path).ino;
    const again = await prepareFleetBundle({ root, outDir });
    expect(again).toEqual({ path: first.path, built: false });
    expect(statSync(again.path).ino).toBe(ino); // not rewritten
    appendFileSync(join(root, 'fake-services/catalog.ts'), '\nexport const EDITED = 1;\n');
    const rebuilt = await prepareFleetBundle({ root, outDir });
    expect(rebuilt.built).toBe(true);
    expect(rebuilt.path).not.toBe(first.path);
  });

  it('refuses to bundle a file its key does not cover', async () => {
    writeFileSync(join(root, 'outside.ts'), 'export const outside = 1;\n');
    appendFileSync(join(root, 'fake-services/main.ts'), "\nimport { outside } from '../outside.ts';\nvoid outside;\n");
    await expect(prepareFleetBundle({ root, outDir: join(tmp, `out-${n}`) })).rejects.toThrow(/outside\.ts, which its cache key does not cover/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('the repo bundle', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });

  it('runs a service with plain node: ready line on stdout, then GET /health', async () => {
    const bundle = await ensureFleetBundle();
    expect(bundle.startsWith(join(REPO_ROOT, '.cache', 'fleet') + '/')).toBe(true);
    const [port, controlPort] = [await freePort(), await freePort()];
    const config = { service: 'terminal-mcp', port, controlPort, host: '127.0.0.1', logFile: join(tmp, 'terminal-mcp.log'), seed: 7 };
    // cwd outside the repo: the bundle must find its packages from where it lies.
    child = spawn(process.execPath, serviceArgs(bundle), { cwd: tmp, env: { ...process.env, MCP_FAKE_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 20s: ${err}`)), 20_000);
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as Record<string, unknown>);
        }
      });
    });
    expect(ready).toMatchObject({ event: 'ready', service: 'terminal-mcp', pid: child.pid, port, controlPort });
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', service: 'terminal-mcp', mqtt: 'unconfigured' });
  });
});
